// The body editor as a person uses it, under Node (jsdom): shortcuts, Markdown shortcuts, lists,
// the toolbar, photos, embeds, paste, word count, the source view. Run: npm test (in desk-editor/).
import "./dom.mjs"
import {test} from "node:test"
import assert from "node:assert/strict"
import {readFileSync} from "node:fs"
import {execFileSync} from "node:child_process"
import {TextSelection} from "prosemirror-state"
import {__parseFromClipboard} from "prosemirror-view"

const {mount} = await import("../src/index.js")
const {cleanPastedHTML} = await import("../src/paste.js")
const {decodeHTML} = await import("../src/shims/entities.js")
const {decodeHTML: referenceDecode} = await import("entities")

function open(source, options = {}) {
  document.body.replaceChildren()
  const label = document.createElement("label")
  label.htmlFor = "f-body"
  label.textContent = "Body"
  const textarea = document.createElement("textarea")
  textarea.id = "f-body"
  textarea.value = source
  document.body.append(label, textarea)
  const editor = mount(textarea, {format: "markdown", ...options})
  return {editor, view: editor.view, textarea, label}
}

function key(view, name, modifiers = {}) {
  const event = new window.KeyboardEvent("keydown", {key: name, bubbles: true, cancelable: true, ...modifiers})
  view.dom.dispatchEvent(event)
}

function type(view, text) {
  for (const char of text) {
    const {from, to} = view.state.selection
    const handled = view.someProp("handleTextInput", f => f(view, from, to, char))
    if (!handled) view.dispatch(view.state.tr.insertText(char, from, to))
  }
}

function select(view, from, to = from) {
  view.dispatch(view.state.tr.setSelection(TextSelection.create(view.state.doc, from, to)))
}

function atEnd(view) {
  select(view, TextSelection.atEnd(view.state.doc).from)
}

test("the writing surface is a multi-line text box named by the Body label", () => {
  const {view, label} = open("Hello")
  assert.equal(view.dom.getAttribute("role"), "textbox")
  assert.equal(view.dom.getAttribute("aria-multiline"), "true")
  assert.equal(view.dom.getAttribute("aria-labelledby"), label.id)
  assert.equal(label.textContent, "Body")
})

test("opened and left alone, the body is the file as it was", () => {
  const source = "Intro  with  spaces\n\n* star list\n* two\n\n[ref]: https://example.org\n"
  const {editor, textarea} = open(source)
  assert.equal(editor.getSource(), source)
  assert.equal(textarea.value, source)
  assert.equal(editor.isChanged(), false)
})

test("Ctrl+B and Ctrl+I make the selection bold and italic, and Ctrl+Z undoes", () => {
  const {editor, view} = open("Oil prices rose\n")
  select(view, 1, 4)
  key(view, "b", {ctrlKey: true})
  assert.equal(editor.getSource(), "**Oil** prices rose\n")
  select(view, 5, 11)
  key(view, "i", {ctrlKey: true})
  assert.equal(editor.getSource(), "**Oil** *prices* rose\n")
  key(view, "z", {ctrlKey: true})
  assert.equal(editor.getSource(), "**Oil** prices rose\n")
  key(view, "z", {ctrlKey: true, shiftKey: true})
  assert.equal(editor.getSource(), "**Oil** *prices* rose\n")
})

test("Ctrl+K links the selection to the address asked for", async () => {
  const {editor, view} = open("Read the report\n", {askLink: () => "https://example.org/report"})
  select(view, 10, 16)
  key(view, "k", {ctrlKey: true})
  await new Promise(resolve => setTimeout(resolve, 0))
  assert.equal(editor.getSource(), "Read the [report](https://example.org/report)\n")
})

test("Markdown shortcuts make headings, lists, quotes, rules and marks as Ghost and Gutenberg do", () => {
  const cases = [
    ["## Heading", "## Heading\n"],
    ["- item", "- item\n"],
    ["1. first", "1. first\n"],
    ["> quoted", "> quoted\n"],
    ["**bold** text", "**bold** text\n"],
    ["*italic* text", "*italic* text\n"],
    ["`code` text", "`code` text\n"],
  ]
  for (const [typed, expected] of cases) {
    const {editor, view} = open("", {format: "markdown"})
    type(view, typed)
    assert.equal(editor.getSource(), expected, typed)
  }
  const {editor, view} = open("")
  type(view, "---")
  assert.equal(editor.view.state.doc.firstChild.type.name, "horizontal_rule")
  assert.match(editor.getSource(), /^---\n/)
})

test("a list continues on Enter and ends on an empty item", () => {
  const {editor, view} = open("")
  type(view, "- one")
  key(view, "Enter")
  type(view, "two")
  key(view, "Enter")
  key(view, "Enter")
  type(view, "After the list")
  assert.equal(editor.getSource(), "- one\n- two\n\nAfter the list\n")
})

test("the toolbar is one tab stop, arrows move between named buttons, marks say if they are on", () => {
  const {editor, view} = open("Bold words\n")
  const bar = editor.root.querySelector('[role="toolbar"]')
  const buttons = Array.from(bar.querySelectorAll("button"))
  assert.ok(buttons.every(b => b.textContent.trim()), "every button has a name")
  assert.deepEqual(buttons.filter(b => b.tabIndex === 0).length, 1)
  buttons[0].focus()
  bar.dispatchEvent(new window.KeyboardEvent("keydown", {key: "ArrowRight", bubbles: true}))
  assert.equal(document.activeElement, buttons[1])
  assert.equal(buttons[1].tabIndex, 0)
  assert.equal(buttons[0].tabIndex, -1)
  const bold = bar.querySelector('[data-command="Bold"]')
  select(view, 1, 5)
  assert.equal(bold.getAttribute("aria-pressed"), "false")
  bold.click()
  assert.equal(bold.getAttribute("aria-pressed"), "true")
  assert.equal(editor.getSource(), "**Bold** words\n")
})

test("formatting changes are announced in the live region", () => {
  const announced = []
  const {editor, view} = open("Words\n", {onAnnounce: text => announced.push(text)})
  select(view, 1, 6)
  key(view, "b", {ctrlKey: true})
  assert.deepEqual(announced, ["Bold on"])
  assert.equal(editor.root.querySelector('[role="status"]').textContent, "Bold on")
})

test("a table keeps its structure and is edited cell by cell", () => {
  const source = "| Month | Barrels |\n|:---|---:|\n| May | 1.5m |\n"
  const {editor, view} = open(source)
  assert.equal(view.state.doc.firstChild.type.name, "table")
  let cell = null
  view.state.doc.descendants((node, pos) => {
    if (node.isText && node.text === "May") cell = pos
  })
  view.dispatch(view.state.tr.insertText("June", cell, cell + 3))
  assert.equal(editor.getSource(), "| Month | Barrels |\n|:---|---:|\n| June | 1.5m |\n")
})

test("table editing loads only when the body has a table; then Tab moves to the next cell", async () => {
  const plain = open("Words\n")
  assert.equal(plain.editor.tables, undefined)
  assert.equal(plain.editor.tablesLoading, undefined)
  const {editor, view} = open("| Month | Barrels |\n|:---|---:|\n| May | 1.5m |\n")
  assert.ok(editor.tablesLoading, "a table body starts loading table editing")
  await editor.tablesLoading
  assert.equal(typeof editor.tables.tableEditing, "function")
  let month = null
  view.state.doc.descendants((node, pos) => { if (node.isText && node.text === "Month") month = pos })
  select(view, month + 2)
  key(view, "Tab")
  assert.equal(view.state.doc.textBetween(view.state.selection.from, view.state.selection.to), "Barrels")
  view.dispatch(view.state.tr.insertText("Tonnes", view.state.selection.from, view.state.selection.to))
  assert.equal(editor.getSource(), "| Month | Tonnes |\n|:---|---:|\n| May | 1.5m |\n")
})

test("a photo is inserted with its caption and credit, in Markdown and in HTML", () => {
  let {editor} = open("Before\n")
  editor.insertImage({src: "/media/2024/01/tanker.jpg", alt: "A tanker", caption: "At Kharg island.", credit: "Reuters"})
  assert.match(editor.getSource(), /!\[A tanker\]\(\/media\/2024\/01\/tanker\.jpg\)\nAt Kharg island\.\nCredit: Reuters\n/)
  ;({editor} = open("<p>Before</p>\n", {format: "html"}))
  editor.insertImage({src: "/media/t.jpg", alt: "A tanker", caption: "At <Kharg>", credit: "Reuters"})
  assert.match(editor.getSource(),
    /<figure><img src="\/media\/t\.jpg" alt="A tanker"><figcaption>At &lt;Kharg&gt; <small class="credit">Reuters<\/small><\/figcaption><\/figure>/)
})

test("an embed address on its own line is a card, and can be inserted", () => {
  const {editor, view} = open("https://www.youtube.com/watch?v=abc\n\nText\n")
  assert.equal(view.state.doc.firstChild.type.name, "embed")
  assert.match(view.dom.querySelector(".be-embed").textContent, /YouTube/)
  atEnd(view)
  editor.insertEmbed("https://bsky.app/profile/a/post/1")
  assert.match(editor.getSource(), /\nhttps:\/\/bsky\.app\/profile\/a\/post\/1\n/)
  assert.throws(() => editor.insertEmbed("https://example.org/"), /not an address the site shows as an embed/)
})

test("an imported WordPress post opens formatted, with no block comments or tags in view", () => {
  const post = readFileSync(new URL("../../tests/data/gutenberg-blocks/core__gallery.serialized.html", import.meta.url), "utf8") +
    "\n<!-- wp:paragraph -->\n<p>Words <strong>in bold</strong></p>\n<!-- /wp:paragraph -->\n"
  const {editor, view} = open(post, {format: "html"})
  const shown = view.dom.textContent
  assert.doesNotMatch(shown, /<!--|wp:|<p>|<\/?strong>/)
  assert.match(shown, /Words in bold/)
  assert.ok(view.dom.querySelector(".be-opaque"), "the gallery is kept as a block")
  assert.equal(editor.getSource(), post)
  let at = null
  view.state.doc.descendants((node, pos) => { if (node.isText && node.text.startsWith("Words")) at = pos })
  view.dispatch(view.state.tr.insertText("Verbs", at, at + 5))
  assert.equal(editor.getSource(), post.replace("<p>Words", "<p>Verbs"))
})

test("a block kept as source is edited as HTML on demand", () => {
  const source = '<div class="wp-block-group"><p>Inside</p></div>\n'
  const {editor, view} = open(source, {format: "html"})
  const block = view.dom.querySelector(".be-opaque")
  block.querySelector("button").click()
  const area = block.querySelector("textarea")
  assert.equal(area.value, source.trim())
  area.value = '<div class="wp-block-group"><p>Outside</p></div>'
  block.querySelector("button").click()
  assert.equal(editor.getSource(), '<div class="wp-block-group"><p>Outside</p></div>\n')
})

test("the source view is the textarea, kept in sync both ways", () => {
  const {editor, view, textarea} = open("One\n")
  atEnd(view)
  type(view, " two")
  assert.equal(textarea.value, "One two\n")
  editor.showSource(true)
  assert.equal(textarea.hidden, false)
  textarea.value = "# Title\n\nOne two\n"
  textarea.dispatchEvent(new window.Event("input"))
  editor.showSource(false)
  assert.equal(view.state.doc.firstChild.type.name, "heading")
  assert.equal(editor.getSource(), "# Title\n\nOne two\n")
})

test("another text can be loaded as the body, as after a conflict or a save", () => {
  const {editor, view, textarea} = open("Mine\n")
  editor.setSource("Theirs *kept*\n")
  assert.equal(textarea.value, "Theirs *kept*\n")
  assert.equal(editor.isChanged(), true)
  assert.equal(view.state.doc.textContent, "Theirs kept")
  editor.setSource("Saved\n", {asOpened: true})
  assert.equal(editor.isChanged(), false)
  assert.equal(editor.getSource(), "Saved\n")
})

test("words and reading time are counted as the body changes", () => {
  const counts = []
  const {view} = open("One two three\n", {onCount: count => counts.push(count)})
  assert.deepEqual(counts[0], {words: 3, minutes: 1})
  atEnd(view)
  type(view, " four")
  assert.deepEqual(counts[counts.length - 1], {words: 4, minutes: 1})
  const long = open(("word ".repeat(500) + "\n\n").repeat(3)).editor.count()
  assert.deepEqual(long, {words: 1500, minutes: 7})
})

function fixture(name) {
  return readFileSync(new URL(`./fixtures/${name}`, import.meta.url), "utf8")
}

function assertClean(html) {
  assert.doesNotMatch(html, /style=|class=|<span|<font|<script|<style|<o:p|<meta|mso-|docs-internal|<iframe|onclick/i)
}

test("a Google Docs fragment is pasted clean: bold, italic, links, lists, tables kept", () => {
  const {html, images} = cleanPastedHTML(fixture("paste-google-docs.html"))
  assertClean(html)
  assert.match(html, /<h2>Oil exports rise<\/h2>/)
  assert.match(html, /Exports reached <strong>1.5 million barrels<\/strong> <em>a day<\/em>/, "the space outside the italics")
  assert.doesNotMatch(html, /<br>/, "Docs' <br> between blocks is not a line of text")
  assert.doesNotMatch(html, /<b>/, "Docs' wrapping <b style=font-weight:normal> is not bold")
  assert.match(html, /<a href="https:\/\/www.shana.ir\/news\/1">ministry said<\/a>/)
  assert.match(html, /<ul><li><p>China<\/p><\/li><li><p>Syria<\/p><\/li><\/ul>/)
  assert.match(html, /<table>.*<strong>Month<\/strong>.*May.*<\/table>/s)
  assert.deepEqual(images, [{src: "https://lh7-us.googleusercontent.com/docsz/AD_4nXe1", alt: "Tanker at Kharg island"}])
})

test("a Word fragment is pasted clean, with its lists as lists", () => {
  const {html, images} = cleanPastedHTML(fixture("paste-word.html"))
  assertClean(html)
  assert.match(html, /<h1>Budget vote delayed<\/h1>/)
  assert.match(html, /The <b>Majlis<\/b> postponed the vote on <i>Sunday<\/i>, officials said./)
  assert.match(html, /<ul><li>Oil revenue<\/li><li>Subsidies<\/li><\/ul>/)
  assert.match(html, /<ol><li>First reading<\/li><li>Second reading<\/li><\/ol>/)
  assert.match(html, /See <a href="https:\/\/www.parliran.ir\/">the parliament's site<\/a>./)
  assert.doesNotMatch(html, /·|&nbsp;<\/p>/)
  assert.equal(images.length, 1)
})

test("Word for Windows: list paragraphs become nested lists by mso-list level, without Word's bullets", () => {
  const {html} = cleanPastedHTML(fixture("paste-word-windows-nested.html"))
  assertClean(html)
  assert.match(html, /<p><b>Tehran, 7 December<\/b> — the council agreed three points.<\/p>/)
  assert.match(html, /<ul><li>First point<ul><li>A detail of the first, <i>in italics<\/i><ul><li>A detail of the detail<\/li><\/ul><\/li><\/ul><\/li><li><b>Second point<\/b><\/li><\/ul>/)
  assert.match(html, /<ol><li>First reading<\/li><li>Second reading<\/li><\/ol>/)
  assert.doesNotMatch(html, /[·§\uf0b7]|&nbsp;|<li>o|<!|\[if/)
})

test("a numbered Word heading stays a heading, its number as text; one line's <br> stays", () => {
  const {html} = cleanPastedHTML('<h1 style="mso-list:l0 level1 lfo1"><![if !supportLists]><span style="mso-list:Ignore">1.<span>&nbsp;&nbsp; </span></span><![endif]>Intro</h1><p>one<br>two</p>')
  assert.match(html, /<h1>1. Intro<\/h1><p>one<br>two<\/p>/)
})

test("Word for Mac: commented conditionals, and a bullet written as plain text, are dropped too", () => {
  const {html} = cleanPastedHTML(fixture("paste-word-mac.html"))
  assertClean(html)
  assert.match(html, /<ul><li>Oil revenue<\/li><li>Subsidies<\/li><\/ul>\s*<p>After the list.<\/p>/)
  assert.doesNotMatch(html, /·|&nbsp;/)
})

test("LibreOffice: its lists stay lists, fonts and styles go, bold kept", () => {
  const {html} = cleanPastedHTML(fixture("paste-libreoffice.html"))
  assertClean(html)
  assert.match(html, /<p><b>Kharg island<\/b> exports rose.<\/p>/)
  assert.match(html, /<ul><li><p>To China<\/p>\s*<ul><li><p><i>mostly crude<\/i><\/p><\/li><\/ul><\/li>\s*<li><p>To Syria<\/p><\/li><\/ul>/)
  assert.match(html, /<strong>Sources<\/strong> said so./)
  assert.doesNotMatch(html, /@page|Liberation/)
})

for (const [name, expected] of [
  ["paste-word-windows-nested.html", "**Tehran, 7 December** — the council agreed three points.\n\n- First point\n  - A detail of the first, *in italics*\n    - A detail of the detail\n- **Second point**\n\n1. First reading\n2. Second reading\n"],
  ["paste-word-mac.html", "**Budget talks** resumed on Monday.\n\n- Oil revenue\n- Subsidies\n\nAfter the list.\n"],
  ["paste-google-docs.html", "## Oil exports rise\n\nExports reached **1.5 million barrels** *a day*, the [ministry said](https://www.shana.ir/news/1).\n\n- China\n- Syria\n\n<table><tbody><tr><td><p><strong>Month</strong></p></td><td><p><strong>Barrels</strong></p></td></tr><tr><td><p>May</p></td><td><p>1.5m</p></td></tr></tbody></table>\n"],
  ["paste-libreoffice.html", "**Kharg island** exports rose.\n\n- To China\n  - *mostly crude*\n- To Syria\n\n**Sources** said so.\n"],
]) {
  test(`pasted into a Markdown body, ${name} is saved as Markdown lists and ** bold, not raw HTML`, () => {
    const {editor, view} = open("")
    const slice = __parseFromClipboard(view, "", fixture(name), false, view.state.selection.$from)
    view.dispatch(view.state.tr.replaceSelection(slice))
    const source = editor.getSource()
    assert.doesNotMatch(source.replace(/<table>.*<\/table>/s, ""), /<|·|§|&nbsp;|\u00a0/)  // a table without a header row stays HTML
    assert.equal(source, expected)
  })
}

test("pasted into an HTML body, Word's lists are saved as nested lists and its bold as <strong>", () => {
  const {editor, view} = open("", {format: "html"})
  const slice = __parseFromClipboard(view, "", fixture("paste-word-windows-nested.html"), false, view.state.selection.$from)
  view.dispatch(view.state.tr.replaceSelection(slice))
  const source = editor.getSource()
  assert.doesNotMatch(source, /·|§|&nbsp;|\u00a0|style=|class=|<span|<b>/)
  assert.match(source, /<p><strong>Tehran, 7 December<\/strong> — the council agreed three points.<\/p>/)
  assert.match(source.replace(/\s*\n\s*/g, ""), /<ul><li>(?:<p>)?First point(?:<\/p>)?<ul><li>(?:<p>)?A detail of the first, <em>in italics<\/em>(?:<\/p>)?<ul><li>(?:<p>)?A detail of the detail(?:<\/p>)?<\/li><\/ul><\/li><\/ul><\/li><li>(?:<p>)?<strong>Second point<\/strong>/)
  assert.match(source.replace(/\s*\n\s*/g, ""), /<ol><li>(?:<p>)?First reading(?:<\/p>)?<\/li><li>(?:<p>)?Second reading/)
})

test("a web page's fragment is pasted clean: no scripts, styles, classes, fonts or spans", () => {
  const {html} = cleanPastedHTML(fixture("paste-web.html"))
  assertClean(html)
  assert.doesNotMatch(html, /tracker|ads\.example/)
  assert.match(html, /<h3>Markets react<\/h3>/)
  assert.match(html, /<strong>2%<\/strong>/)
  assert.match(html, /<ol><li>Banks<\/li><li>Energy<\/li><\/ol>/)
})

test("pasted into the editor, photos are listed as not brought over, with the reason", () => {
  const missing = []
  const {editor} = open("", {format: "html", onNotBroughtOver: detail => missing.push(...detail.items)})
  const cleaned = editor.view.someProp("transformPastedHTML", f => f(fixture("paste-web.html"), editor.view))
  assertClean(cleaned)
  assert.deepEqual(missing.map(item => item.src), ["https://cdn.example.com/photo.jpg"])
  assert.match(missing[0].reason, /not uploaded/)
})

test("with the host's upload hook, pasted photos go to it instead", () => {
  const uploaded = []
  const {editor} = open("", {format: "html", uploadPastedImage: image => uploaded.push(image)})
  editor.view.someProp("transformPastedHTML", f => f(fixture("paste-word.html"), editor.view))
  assert.equal(uploaded.length, 1)
  assert.equal(uploaded[0].alt, "Chart of the budget")
})

test("the bundle's entity decoder agrees with markdown-it's own on every named reference", () => {
  // HTML's named references, as Python's standard library lists them (html.entities.html5)
  const listed = execFileSync("python3", ["-c", "import html.entities, json; print(json.dumps(sorted(html.entities.html5)))"])
  let checked = 0
  for (const name of JSON.parse(listed).filter(n => n.endsWith(";"))) {
    const reference = `&${name}`
    assert.equal(decodeHTML(reference), referenceDecode(reference), reference)
    checked++
  }
  for (const reference of ["&#65;", "&#x1F600;", "&#0;", "&#xD800;", "&nosuch;"]) {
    assert.equal(decodeHTML(reference), referenceDecode(reference), reference)
  }
  assert.ok(checked > 2000)
})
