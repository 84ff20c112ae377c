// Words and reading time, as the desk shows them while a body is written.
//
// A word is a run of letters or digits (apostrophes and hyphens inside it keep it one word), in
// the text readers see: the rich text, photos' captions and credits, and what the editor keeps as
// source (rendered, tags left out). Reading time is the word count at 238 words a minute, the
// average for silent reading of non-fiction in English (Brysbaert, "How many words do we read per
// minute?", Journal of Memory and Language 109, 2019), rounded up, at least one minute.

import {cleanHTML, inertDocument} from "./facts.js"
import {md} from "./markdown.js"

export const WORDS_PER_MINUTE = 238
const WORD = /[\p{L}\p{N}]+(?:['’\-][\p{L}\p{N}]+)*/gu
const shown = new Map()

function textOf(source, format) {
  const key = format + "\u0000" + source
  if (!shown.has(key)) {
    const holder = inertDocument().createElement("div")
    holder.innerHTML = cleanHTML(format === "markdown" ? md.render(source) : source)
    if (shown.size > 500) shown.clear()
    shown.set(key, holder.textContent)
  }
  return shown.get(key)
}

/** The words in `text`. */
export function wordsIn(text) {
  return (text.match(WORD) || []).length
}

/** {words, minutes} of a document. */
export function countWords(doc, format) {
  let words = 0
  doc.descendants(node => {
    if (node.type.name === "opaque") words += wordsIn(textOf(node.attrs.source, node.attrs.format))
    else if (node.type.name === "figure") words += wordsIn(textOf(node.attrs.caption + " " + node.attrs.credit, format))
    else if (node.isTextblock) {
      // the block's text as one string: a word split by formatting (**bo**ld) counts once
      words += wordsIn(node.textBetween(0, node.content.size, " ", " "))
      return false
    }
    return true
  })
  return {words, minutes: words ? Math.max(1, Math.ceil(words / WORDS_PER_MINUTE)) : 0}
}
