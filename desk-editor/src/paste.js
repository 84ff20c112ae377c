// Pasted HTML from Google Docs, Word and web pages, cleaned to what the site allows.
//
// What each app puts on the clipboard (text/html):
// - Google Docs wraps the fragment in <b style="font-weight:normal" id="docs-internal-guid-...">,
//   which is not bold, and marks bold, italic, strike-through, superscript and subscript with
//   styled <span>s (font-weight:700, font-style:italic, text-decoration:line-through,
//   vertical-align:super); links go through https://www.google.com/url?q=<address>.
// - Word (Windows and Mac) writes Office HTML: class="MsoNormal", style="mso-...", <o:p> elements,
//   conditional comments (<!--[if gte mso 9]>, <![if !supportLists]>), and lists as paragraphs
//   (class="MsoListParagraphCxSpFirst", style="mso-list:l0 level1 lfo1") whose bullet or number is
//   a <span style="mso-list:Ignore"> inside <![if !supportLists]> (Word for Mac: the same, in comment
//   form, <!--[if !supportLists]-->); nested items say so by level (mso-list:l0 level2 lfo1).
// - LibreOffice writes a whole HTML document: real <ul>/<ol> lists of <p>s, <font face>, inline styles.
// - Web pages: their markup with classes, ids, inline styles, fonts, spans, and sometimes scripts.
// The fixtures in test/fixtures/paste-*.html are written in those shapes, as reported in
// ProseMirror/prosemirror#459 and facebookarchive/draft-js#393 (Docs), basecamp/lexxy#1214 and
// facebook/lexical#4922 (Word's lists), nhn/tui.editor#1682 (Word's bookmarks and mso- styles),
// microsoft/roosterjs's Word Desktop paste tests (nested levels); each fixture names its sources.
//
// The result keeps headings, paragraphs, lists, links, bold, italic, tables; then ingest's own
// allow-list (facts.js `clean`) has the last word. Images are taken out and listed: the host page
// may upload them (the desk's photo path), otherwise the editor says they were not brought over.

import {cleanHTML, inertDocument} from "./facts.js"

// each a declaration of its own: Word's mso-bidi-font-weight:normal is not font-weight:normal
const STYLE_MARKS = [
  [/(?:^|;)\s*font-weight\s*:\s*(?:bold|[6-9]00)/i, "strong"],
  [/(?:^|;)\s*font-style\s*:\s*italic/i, "em"],
  [/(?:^|;)\s*text-decoration[^;]*line-through/i, "del"],
  [/(?:^|;)\s*vertical-align\s*:\s*super/i, "sup"],
  [/(?:^|;)\s*vertical-align\s*:\s*sub/i, "sub"],
]

// The clipboard's style attributes are read under another name: a page whose Content-Security-Policy
// has no 'unsafe-inline' styles (the desk's) reports every style attribute parsed in any of its
// documents, even a <template>'s, as a violation. Renamed in the markup before it is parsed, they are
// data the cleaning reads, never styles.
const STYLE = "data-pasted-style"
const TAG = /<[A-Za-z][^\s/>]*(?:\s*[^\s"'>/=]+(?:\s*=\s*(?:"[^"]*"|'[^']*'|[^\s"'>]*))?|\s*\/)*\s*>/g
const ATTRIBUTE = /(\s)([^\s"'>/=]+)(\s*=\s*(?:"[^"]*"|'[^']*'|[^\s"'>]*))?/g

function renameStyles(html) {
  return html.replace(TAG, tag => tag.replace(ATTRIBUTE, (whole, space, name, value) =>
    name.toLowerCase() === "style" ? space + STYLE + (value || "") : whole))
}

function styleOf(element) {
  return element.getAttribute(STYLE) || element.getAttribute("style") || ""
}

function unwrap(element) {
  element.replaceWith(...element.childNodes)
}

function wrapWith(element, tag) {
  const wrapper = element.ownerDocument.createElement(tag)
  wrapper.append(...element.childNodes)
  element.append(wrapper)
}

function removeComments(root) {
  const walker = root.ownerDocument.createTreeWalker(root, 128 /* NodeFilter.SHOW_COMMENT */)
  const comments = []
  while (walker.nextNode()) comments.push(walker.currentNode)
  for (const comment of comments) comment.remove()
}

// Word's list paragraph: the list (l0), its level (level2) and its override (lfo1) in the inline style
const MSO_LIST = /mso-list\s*:\s*(l\d+)\s+level(\d+)/i
// a bullet or number Word wrote as text ("·", "o", "§", "•", "1.", "a)", "iv."), then its spacing
const GLYPH = /^[\s\u00a0]*(?:[\u00b7\u2022\u25aa\u25cf\u25e6\u00a7\u2013\u2212\-\uf0b7\uf0a7\uf0d8o]|\(?[\dA-Za-z]{1,4}[.)])[\s\u00a0]+/

function dropLeadingGlyph(item) {
  // the glyph and its spacing may be spread over several text nodes (a Symbol-font span, then spaces)
  const match = GLYPH.exec(item.textContent)
  if (!match) return
  let left = match[0].length
  const walker = item.ownerDocument.createTreeWalker(item, 4 /* NodeFilter.SHOW_TEXT */)
  while (left > 0 && walker.nextNode()) {
    const text = walker.currentNode
    const cut = Math.min(left, text.data.length)
    text.data = text.data.slice(cut)
    left -= cut
  }
}

function wordLists(root) {
  // Word's list paragraphs become lists, nested by their mso-list level: a paragraph is an item when
  // its inline style names a list (Word puts class MsoListParagraph on others too). The bullet or
  // number is Word's text for readers without lists: the <![if !supportLists]> part (marked by
  // cleanPastedHTML) or a span styled mso-list:Ignore; failing both, a leading glyph is dropped.
  for (const heading of root.querySelectorAll("h1, h2, h3, h4, h5, h6")) {
    // a numbered heading stays a heading: its number kept as text, Word's spacing after it not
    for (const marker of heading.querySelectorAll("[data-mso-marker]")) marker.replaceWith(marker.textContent.replace(/[\s\u00a0]+/g, " ").trim() + " ")
  }
  const paragraphs = Array.from(root.querySelectorAll("p")).filter(p => MSO_LIST.test(styleOf(p)))
  let stack = [], listId = null
  for (const p of paragraphs) {
    const [, id, levelText] = MSO_LIST.exec(styleOf(p))
    const level = Math.max(1, Math.min(9, Number(levelText)))
    let markers = Array.from(p.querySelectorAll("[data-mso-marker]"))
    if (!markers.length) markers = Array.from(p.querySelectorAll("span")).filter(span => /mso-list\s*:\s*ignore/i.test(styleOf(span)))
    const markerText = markers.map(m => m.textContent).join("").trim()
    for (const marker of markers) marker.remove()
    const ordered = /^\(?[\dA-Za-z]{1,4}[.)]$/.test(markerText) && !/^o$/.test(markerText)
    const tag = ordered ? "ol" : "ul"
    const item = p.ownerDocument.createElement("li")
    item.append(...p.childNodes)
    if (!markers.length) dropLeadingGlyph(item)
    const follows = stack.length && p.previousElementSibling === stack[0]
    if (!follows || (level === 1 && id !== listId)) stack = []
    if (!stack.length) listId = id
    while (stack.length > level) stack.pop()
    while (stack.length < level) {
      const list = p.ownerDocument.createElement(tag)
      if (stack.length) {
        const parent = stack[stack.length - 1]
        if (!parent.lastElementChild) parent.append(p.ownerDocument.createElement("li"))
        parent.lastElementChild.append(list)
      } else p.before(list)
      stack.push(list)
    }
    let list = stack[level - 1]
    if (list.tagName.toLowerCase() !== tag && !list.children.length) {
      const other = p.ownerDocument.createElement(tag)
      list.replaceWith(other)
      stack[level - 1] = list = other
    }
    list.append(item)
    p.remove()
  }
}

const BLOCK = /^(?:P|DIV|UL|OL|TABLE|H[1-6]|BLOCKQUOTE|PRE|HR|FIGURE)$/

function dropBreaksBetweenBlocks(root) {
  // Google Docs marks an empty line between blocks with a <br> of its own: not a line of text
  for (const br of Array.from(root.childNodes).filter(node => node.nodeName === "BR")) {
    const before = br.previousElementSibling, after = br.nextElementSibling
    if ((before && BLOCK.test(before.nodeName)) || (after && BLOCK.test(after.nodeName))) br.remove()
  }
}

function expelWhitespace(root) {
  // "<em> a day</em>": the spaces go outside, as a writer types them (Markdown's * a day* is not emphasis)
  for (const element of root.querySelectorAll("b, strong, i, em, del, s, strike, sup, sub, a")) {
    const first = element.firstChild, last = element.lastChild
    const lead = first?.nodeType === 3 && /^[\s\u00a0]+/.exec(first.data)
    if (lead && lead[0].length < first.data.length) {
      first.data = first.data.slice(lead[0].length)
      element.before(lead[0])
    }
    const trail = last?.nodeType === 3 && /[\s\u00a0]+$/.exec(last.data)
    if (trail && trail[0].length < last.data.length) {
      last.data = last.data.slice(0, -trail[0].length)
      element.after(trail[0])
    }
  }
}

/** Pasted HTML made clean: {html, images: [{src, alt}]} (the images are taken out). */
export function cleanPastedHTML(html) {
  const template = document.createElement("template")
  template.innerHTML = renameStyles(html).replace(/<\/?o:p>/gi, "")
    // the bullet or number Word writes for readers without lists, in either form of conditional
    .replace(/<!(?:--)?\[if !supportLists\](?:--)?>([\s\S]*?)<!(?:--)?\[endif\](?:--)?>/gi, "<span data-mso-marker>$1</span>")
    .replace(/<!\[(?:if|endif)[^\]]*\]>/gi, "")
  const root = template.content
  removeComments(root)
  for (const junk of root.querySelectorAll("style, script, meta, link, title, xml, noscript, template, iframe, object")) junk.remove()
  for (const docs of root.querySelectorAll('b[id^="docs-internal-guid-"]')) unwrap(docs)
  wordLists(root)
  const images = []
  for (const img of root.querySelectorAll("img")) {
    images.push({src: img.getAttribute("src") || "", alt: img.getAttribute("alt") || ""})
    img.remove()
  }
  for (const span of root.querySelectorAll("span, font")) {
    const style = styleOf(span)
    for (const [pattern, tag] of STYLE_MARKS) if (pattern.test(style)) wrapWith(span, tag)
  }
  for (const bold of root.querySelectorAll("b, strong")) {
    if (/(?:^|;)\s*font-weight\s*:\s*(?:normal|[1-4]00)/i.test(styleOf(bold))) unwrap(bold)
  }
  for (const link of root.querySelectorAll("a")) {
    const href = link.getAttribute("href")
    if (!href) { unwrap(link); continue }
    const google = /^https:\/\/www\.google\.com\/url\?(.*)$/.exec(href)
    if (google) link.setAttribute("href", new URLSearchParams(google[1]).get("q") || href)
  }
  for (const span of root.querySelectorAll("span, font")) unwrap(span)
  for (const element of root.querySelectorAll("*")) {
    for (const name of ["style", STYLE, "class", "id", "dir", "role", "lang", "align"]) element.removeAttribute(name)
  }
  for (const p of root.querySelectorAll("p, h1, h2, h3, h4, h5, h6, li")) {
    if (!p.textContent.replace(/[\s\u00a0]/g, "") && !p.querySelector("img")) p.remove()
  }
  dropBreaksBetweenBlocks(root)
  expelWhitespace(root)
  const holder = inertDocument().createElement("div")
  holder.append(root)
  return {html: cleanHTML(holder.innerHTML), images}
}
