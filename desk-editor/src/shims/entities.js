// In the bundle, markdown-it's `entities` (77 KB of tables, half the editor's budget) is this: the
// browser's own HTML parser decodes a character reference. markdown-it only asks it to decode one
// `&name;` or `&#...;` it has matched. A <textarea>'s content is text (RCDATA): setting it makes no
// element, only text with its references decoded. test/entities.test.mjs checks it against
// `entities` for every named reference HTML has.
let area = null

export function decodeHTML(text) {
  area ??= document.createElement("textarea")
  area.innerHTML = text
  return area.value
}
