// Round trip of many bodies through the editor, in one process: read from stdin as JSON
// [{id, format, body}], write to stdout [{id, unchanged, edited, word, opaque, nodes}].
//
// Each body is mounted in the editor over a textarea (jsdom) and read back unchanged; then one
// word of one paragraph (a word of four letters or more, in the middle paragraph that has one) is
// replaced with "Zyzzyva", as a person typing would, and the body read back again. Python renders
// the three with the site's own renderer (tests/functional/test_body_editor_roundtrip.py).
import "./dom.mjs"

const {mount} = await import("../src/index.js")

export const REPLACEMENT = "Zyzzyva"

function edit(editor) {
  const candidates = []
  editor.view.state.doc.descendants((node, pos) => {
    if (node.type.name === "paragraph" || node.type.name === "heading") {
      node.forEach((child, offset) => {
        if (!child.isText || child.marks.some(m => m.type.name === "code" || m.type.name === "link")) return
        const match = /(?<![\p{L}\p{N}_'’&#\\/.:@-])[A-Za-z]{4,}(?![\p{L}\p{N}_'’;/.:@-])/u.exec(child.text)
        if (match) candidates.push({from: pos + 1 + offset + match.index, word: match[0]})
      })
      return false
    }
    return true
  })
  if (!candidates.length) return null
  const {from, word} = candidates[Math.floor(candidates.length / 2)]
  editor.view.dispatch(editor.view.state.tr.insertText(REPLACEMENT, from, from + word.length))
  return word
}

let input = ""
for await (const chunk of process.stdin) input += chunk
const results = []
for (const {id, format, body} of JSON.parse(input)) {
  const textarea = document.createElement("textarea")
  document.body.append(textarea)
  textarea.value = body
  try {
    const editor = mount(textarea, {format, liveRegion: false})
    const unchanged = editor.getSource()
    const kinds = {}
    editor.view.state.doc.forEach(node => { kinds[node.type.name] = (kinds[node.type.name] || 0) + 1 })
    const word = edit(editor)
    results.push({id, unchanged, edited: word ? editor.getSource() : null, word, nodes: kinds})
    editor.destroy()
  } catch (error) {
    results.push({id, error: String(error && error.stack || error)})
  }
  textarea.remove()
}
process.stdout.write(JSON.stringify(results))
