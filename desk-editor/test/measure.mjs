// How long the editor takes to open a 5,000-word article under Node (jsdom), and its bundle's
// size: node test/measure.mjs (after make vendor-desk). docs/performance.md has the figures.
// jsdom is slower than a browser at the DOM work; part B measures the same in Chromium.
import "./dom.mjs"
import {readFileSync} from "node:fs"
import {gzipSync} from "node:zlib"
import {performance} from "node:perf_hooks"

const {mount} = await import("../src/index.js")

const WORDS = "the minister said on Tuesday that oil exports to China rose sharply in May while the rial held".split(" ")
function sentence(i) {
  return Array.from({length: 20}, (_, j) => WORDS[(i * 7 + j) % WORDS.length]).join(" ") + "."
}
function article(format) {
  const blocks = []
  let words = 0, i = 0
  while (words < 5200) {
    if (i % 12 === 5) blocks.push(format === "markdown" ? `## Section ${i}` : `<h2>Section ${i}</h2>`)
    else if (i % 12 === 9) blocks.push(format === "markdown" ? "- one item\n- two items\n- three items" : "<ul><li>one item</li><li>two items</li><li>three items</li></ul>")
    const text = [sentence(i), sentence(i + 1), sentence(i + 2), sentence(i + 3), sentence(i + 4)].join(" ")
    blocks.push(format === "markdown" ? text.replace("minister", "**minister**") : `<p>${text.replace("minister", "<strong>minister</strong>")}</p>`)
    words += 100 + 6
    i++
  }
  return blocks.join(format === "markdown" ? "\n\n" : "\n\n") + "\n"
}

for (const format of ["markdown", "html"]) {
  const source = article(format)
  const times = []
  let count
  for (let run = 0; run < 7; run++) {
    document.body.replaceChildren()
    const textarea = document.createElement("textarea")
    textarea.value = source
    document.body.append(textarea)
    const start = performance.now()
    const editor = mount(textarea, {format})
    times.push(performance.now() - start)
    count = editor.count()
    if (editor.getSource() !== source) throw new Error("not the same file")
    editor.destroy()
  }
  times.sort((a, b) => a - b)
  console.log(`${format}: ${count.words} words, ${source.length} bytes: open ${times[3].toFixed(0)} ms (median of 7, range ${times[0].toFixed(0)}-${times[6].toFixed(0)} ms)`)
}
const bundle = readFileSync(new URL("../../templates/desk/vendor/body-editor/body-editor.js", import.meta.url))
console.log(`bundle: ${bundle.length} bytes, ${gzipSync(bundle, {level: 6}).length} gzipped (level 6), ${gzipSync(bundle, {level: 9}).length} (level 9)`)
