// The body editor: ProseMirror over the desk's body <textarea>, which stays the form's value and
// the "Markdown"/"HTML" source view. See index.js for the API the desk calls.

import {EditorState, Plugin, TextSelection} from "prosemirror-state"
import {Fragment, Slice} from "prosemirror-model"
import {EditorView} from "prosemirror-view"
import {keymap} from "prosemirror-keymap"
import {history, undo, redo} from "prosemirror-history"
import {baseKeymap, toggleMark, setBlockType, wrapIn, chainCommands, exitCode, lift} from "prosemirror-commands"
import {inputRules, wrappingInputRule, textblockTypeInputRule, InputRule, undoInputRule} from "prosemirror-inputrules"
import {splitListItem, liftListItem, sinkListItem, wrapInList} from "prosemirror-schema-list"
import {loadTables} from "./tables.js"
import {schema} from "./schema.js"
import {Body} from "./source.js"
import {md} from "./markdown.js"
import {cleanHTML, embedUrl} from "./facts.js"
import {cleanPastedHTML} from "./paste.js"
import {countWords} from "./count.js"

// ---- paste ----

// Pasted bold, italic, strike-through and code take the body's own way of writing them (**, *, ~~, `
// in Markdown; <strong>, <em>, <del>, <code> in HTML), as if typed: a pasted <b> kept as "b" is not
// what Markdown's ** reads back, and the paragraph would be saved as raw HTML.
function plainFragment(fragment) {
  const nodes = []
  fragment.forEach(node => {
    // a link's "extra" (its attributes as they were written, in order) is for a link opened from the file
    const marks = node.marks.map(mark => "markup" in mark.attrs ? mark.type.create({...mark.attrs, markup: mark.type.spec.attrs.markup.default})
      : "extra" in mark.attrs ? mark.type.create({...mark.attrs, extra: null}) : mark)
    nodes.push(node.isText ? node.mark(marks) : node.type.create(node.attrs, plainFragment(node.content), marks))
  })
  return Fragment.fromArray(nodes)
}

function plainMarks(slice) {
  return new Slice(plainFragment(slice.content), slice.openStart, slice.openEnd)
}

// ---- commands ----

function markActive(state, type) {
  const {from, $from, to, empty} = state.selection
  if (empty) return !!type.isInSet(state.storedMarks || $from.marks())
  return state.doc.rangeHasMark(from, to, type)
}

function blockActive(state, type, attrs = {}) {
  const {$from} = state.selection
  for (let d = $from.depth; d > 0; d--) {
    const node = $from.node(d)
    if (node.type === type && Object.entries(attrs).every(([k, v]) => node.attrs[k] === v)) return true
  }
  return false
}

function toggleHeading(level) {
  return (state, dispatch) => blockActive(state, schema.nodes.heading, {level})
    ? setBlockType(schema.nodes.paragraph)(state, dispatch)
    : setBlockType(schema.nodes.heading, {level})(state, dispatch)
}

function toggleWrap(type) {
  return (state, dispatch) => blockActive(state, type) ? lift(state, dispatch) : wrapIn(type)(state, dispatch)
}

function toggleList(type) {
  return (state, dispatch) => blockActive(state, type)
    ? liftListItem(schema.nodes.list_item)(state, dispatch)
    : wrapInList(type)(state, dispatch)
}

function insertRule(state, dispatch) {
  if (dispatch) {
    const rule = schema.nodes.horizontal_rule.create()
    dispatch(state.tr.replaceSelectionWith(rule).scrollIntoView())
  }
  return true
}

function linkCommand(ask) {
  return (state, dispatch, view) => {
    const type = schema.marks.link
    if (markActive(state, type)) return toggleMark(type)(state, dispatch)
    if (state.selection.empty) return false
    if (!dispatch) return true
    Promise.resolve(ask()).then(href => {
      if (!href) return
      view.dispatch(view.state.tr.addMark(view.state.selection.from, view.state.selection.to,
        type.create({href: href.trim()})))
      view.focus()
    })
    return true
  }
}

const hardBreak = chainCommands(exitCode, (state, dispatch) => {
  if (dispatch) dispatch(state.tr.replaceSelectionWith(schema.nodes.hard_break.create()).scrollIntoView())
  return true
})

// ---- Markdown shortcuts as Ghost and Gutenberg have them ----

function markRule(pattern, type) {
  return new InputRule(pattern, (state, match, start, end) => {
    const [whole, text] = match
    const textStart = start + whole.indexOf(text)
    // the match may begin with the character before the opening marker (a space): it stays
    const markStart = textStart - (whole.length - whole.indexOf(text) - text.length)
    const tr = state.tr
    tr.delete(textStart + text.length, end)
    tr.delete(markStart, textStart)
    tr.addMark(markStart, markStart + text.length, type.create())
    tr.removeStoredMark(type)
    return tr
  })
}

function ruleInput() {
  return new InputRule(/^(?:---|\*\*\*|___)$/, (state, match, start, end) => {
    const $start = state.doc.resolve(start)
    if ($start.parent.type !== schema.nodes.paragraph || $start.parent.textContent.length !== match[0].length - 1) return null
    const from = $start.before(), to = $start.after()
    const tr = state.tr.replaceWith(from, to, [schema.nodes.horizontal_rule.create(), schema.nodes.paragraph.create()])
    return tr.setSelection(TextSelection.create(tr.doc, from + 2)).scrollIntoView()
  })
}

function rules() {
  const {nodes, marks} = schema
  return inputRules({rules: [
    textblockTypeInputRule(/^(#{1,6})\s$/, nodes.heading, match => ({level: match[1].length})),
    wrappingInputRule(/^\s*>\s$/, nodes.blockquote),
    wrappingInputRule(/^\s*([-+*])\s$/, nodes.bullet_list, match => ({bullet: match[1]})),
    wrappingInputRule(/^(\d+)([.)])\s$/, nodes.ordered_list, match => ({order: Number(match[1]), delim: match[2]}),
      (match, node) => node.childCount + node.attrs.order === Number(match[1])),
    textblockTypeInputRule(/^```([\w-]*)\s?$/, nodes.code_block, match => ({info: match[1] || ""})),
    ruleInput(),
    markRule(/(?:^|[^*])\*\*([^*\s](?:[^*]*[^*\s])?)\*\*$/, marks.strong),
    markRule(/(?:^|[^_])__([^_\s](?:[^_]*[^_\s])?)__$/, marks.strong),
    markRule(/(?:^|[^*])\*([^*\s](?:[^*]*[^*\s])?)\*$/, marks.em),
    markRule(/(?:^|[^_\w])_([^_\s](?:[^_]*[^_\s])?)_$/, marks.em),
    markRule(/(?:^|[^`])`([^`]+)`$/, marks.code),
    markRule(/(?:^|[^~])~~([^~\s](?:[^~]*[^~\s])?)~~$/, marks.strike),
  ]})
}

// ---- node views: what the model keeps whole, shown as readers see it ----

function element(tag, attrs = {}, ...children) {
  const el = document.createElement(tag)
  for (const [k, v] of Object.entries(attrs)) if (v != null) el.setAttribute(k, v)
  for (const child of children) if (child != null) el.append(child)
  return el
}

function renderSource(source, format) {
  return cleanHTML(format === "markdown" ? md.render(source) : source)
}

function renderInlineSource(source, format) {
  return cleanHTML(format === "markdown" ? md.renderInline(source) : source)
}

// Photos shown at the address the host page gives (options.shownSrc: a photo's original may not be
// served, a size is); each keeps its file's address in data-src, for the page to set it later.
function showImages(container, shownSrc) {
  if (!shownSrc) return container
  for (const img of container.querySelectorAll("img[src]")) {
    const src = img.getAttribute("src"), shown = shownSrc(src)
    img.setAttribute("data-src", src)
    if (shown != null && shown !== src) img.setAttribute("src", shown)
  }
  return container
}

/** `html` as nodes, its photos at their shown addresses: parsed inert (a <template>), so no
 * original is fetched before its address is changed. */
function rendered(html, shownSrc) {
  const template = document.createElement("template")
  template.innerHTML = html
  return showImages(template.content, shownSrc)
}

class ImageView {
  constructor(node, shownSrc) {
    const {src, alt, title} = node.attrs
    const shown = shownSrc(src)
    this.dom = element("img", {src: shown == null ? src : shown, alt, title, "data-src": src})
  }
}

class SourceBlockView {
  constructor(node, view, getPos, format, shownSrc = null) {
    this.node = node
    this.view = view
    this.getPos = getPos
    this.format = format
    this.shownSrc = shownSrc
    this.dom = element("div", {class: "be-block be-opaque", contenteditable: "false"})
    this.render()
  }

  render() {
    const {source, label, format} = this.node.attrs
    const kind = format === "markdown" ? "Markdown" : "HTML"
    this.dom.replaceChildren()
    const shown = element("div", {class: "be-rendered"})
    shown.append(rendered(renderSource(source, format), this.shownSrc))
    const name = label || `${kind} the editor keeps as it is`
    const edit = element("button", {type: "button", class: "be-edit"}, `Edit ${kind}`)
    edit.setAttribute("aria-label", `Edit ${kind}: ${name}`)
    edit.addEventListener("click", () => this.openSource())
    this.dom.append(element("p", {class: "be-label"}, name), shown, edit)
  }

  openSource() {
    const kind = this.node.attrs.format === "markdown" ? "Markdown" : "HTML"
    const area = element("textarea", {class: "be-source", rows: "8", "aria-label": `${kind} of this block`})
    area.value = this.node.attrs.source
    const done = element("button", {type: "button"}, "Done")
    done.addEventListener("click", () => {
      const pos = this.getPos()
      if (area.value !== this.node.attrs.source) {
        this.view.dispatch(this.view.state.tr.setNodeMarkup(pos, null, {...this.node.attrs, source: area.value}))
      } else {
        this.render()
      }
      this.view.focus()
    })
    this.dom.replaceChildren(element("p", {class: "be-label"}, `${kind} of this block`), area, done)
    area.focus()
  }

  update(node) {
    if (node.type !== this.node.type) return false
    this.node = node
    this.render()
    return true
  }

  stopEvent(event) { return this.dom.contains(event.target) && event.target !== this.dom }
  ignoreMutation() { return true }
}

class FigureView extends SourceBlockView {
  render() {
    const {src, alt, caption, credit} = this.node.attrs
    this.dom.className = "be-block be-figure"
    // the address the page can show it at (a photo's original is not served: the host page names a size)
    const shown = this.shownSrc ? this.shownSrc(src) : src
    const figure = element("figure", {}, element("img", {src: shown == null ? src : shown, alt, "data-src": src}))
    if (caption || credit) {
      const figcaption = element("figcaption")
      figcaption.append(rendered(renderInlineSource(caption, this.format), this.shownSrc))
      if (credit) {
        const small = element("small", {class: "credit"})
        small.append(rendered(renderInlineSource(credit, this.format), this.shownSrc))
        figcaption.append(caption ? " " : "", small)
      }
      figure.append(figcaption)
    }
    const edit = element("button", {type: "button", class: "be-edit"}, "Edit photo details")
    edit.addEventListener("click", () => this.openSource())
    this.dom.replaceChildren(figure, edit)
  }

  openSource() {
    const fields = {}
    const form = element("div", {class: "be-figure-form", role: "group", "aria-label": "Photo details"})
    for (const [name, label] of [["alt", "Describe the photo (alt text)"], ["caption", "Caption"], ["credit", "Credit"]]) {
      const id = `be-${name}-${Math.random().toString(36).slice(2)}`
      fields[name] = element("input", {id, type: "text"})
      fields[name].value = this.node.attrs[name]
      form.append(element("label", {for: id}, label), fields[name])
    }
    const done = element("button", {type: "button"}, "Done")
    done.addEventListener("click", () => {
      const attrs = {...this.node.attrs}
      for (const name of Object.keys(fields)) attrs[name] = fields[name].value.trim()
      // unchanged details leave the node as it is (ProseMirror does not redraw an equal node): redraw it here
      if (Object.keys(fields).some(name => attrs[name] !== this.node.attrs[name])) {
        this.view.dispatch(this.view.state.tr.setNodeMarkup(this.getPos(), null, attrs))
      } else {
        this.render()
      }
      this.view.focus()
    })
    form.append(done)
    this.dom.replaceChildren(form)
    fields.alt.focus()
  }
}

class EmbedView extends SourceBlockView {
  render() {
    const {url} = this.node.attrs
    this.dom.className = "be-block be-embed"
    this.dom.replaceChildren(element("p", {class: "embed-card"},
      element("span", {class: "embed-provider"}, embedUrl(url) || "Link"), " ",
      element("span", {class: "embed-url"}, url)))
  }
}

// ---- the toolbar: one tab stop, arrow keys between buttons (roving tabindex) ----

const BUTTONS = [
  {name: "Heading", run: toggleHeading(2), active: s => blockActive(s, schema.nodes.heading, {level: 2})},
  {name: "Subheading", run: toggleHeading(3), active: s => blockActive(s, schema.nodes.heading, {level: 3})},
  {name: "Bold", key: "Mod-b", run: toggleMark(schema.marks.strong), active: s => markActive(s, schema.marks.strong), mark: true},
  {name: "Italic", key: "Mod-i", run: toggleMark(schema.marks.em), active: s => markActive(s, schema.marks.em), mark: true},
  {name: "Link", key: "Mod-k", link: true, active: s => markActive(s, schema.marks.link), mark: true},
  {name: "Quote", run: toggleWrap(schema.nodes.blockquote), active: s => blockActive(s, schema.nodes.blockquote)},
  {name: "List", run: toggleList(schema.nodes.bullet_list), active: s => blockActive(s, schema.nodes.bullet_list)},
  {name: "Numbered list", run: toggleList(schema.nodes.ordered_list), active: s => blockActive(s, schema.nodes.ordered_list)},
  {name: "Code", key: "Mod-e", run: toggleMark(schema.marks.code), active: s => markActive(s, schema.marks.code), mark: true},
  {name: "Code block", run: setBlockType(schema.nodes.code_block), active: s => blockActive(s, schema.nodes.code_block)},
  {name: "Divider", run: insertRule},
]

// On a phone (the width below) the toolbar keeps these and puts the others in its "More" menu (the
// ARIA menu button pattern); body-editor.css hides one set or the other, with the same query.
const PHONE = "(max-width: 600px)"
const ON_A_PHONE = new Set(["Bold", "Italic", "Link", "List"])

function shown(button) {
  return getComputedStyle(button).display !== "none"
}

function toolbar(editor) {
  const bar = element("div", {role: "toolbar", "aria-label": "Formatting", class: "be-toolbar"})
  const buttons = BUTTONS.map((spec, i) => {
    const button = element("button", {type: "button", tabindex: i === 0 ? "0" : "-1", "data-command": spec.name,
      ...(ON_A_PHONE.has(spec.name) ? {} : {class: "be-secondary"})})
    button.textContent = spec.name
    if (spec.active) button.setAttribute("aria-pressed", "false")
    button.addEventListener("mousedown", event => event.preventDefault())  // keep the text's selection
    button.addEventListener("click", () => editor.command(spec))
    bar.append(button)
    return button
  })
  const source = element("button", {type: "button", tabindex: "-1", "aria-pressed": "false", class: "be-source-toggle be-secondary"},
    editor.format === "markdown" ? "Markdown" : "HTML")
  source.addEventListener("click", () => editor.showSource(source.getAttribute("aria-pressed") !== "true"))
  bar.append(source)
  buttons.push(source)
  const {more, menu} = moreMenu(editor, buttons.filter(b => b.classList.contains("be-secondary")))
  bar.append(more, menu)
  buttons.push(more)
  const stops = () => buttons.filter(shown)
  const move = target => {
    for (const b of buttons) b.setAttribute("tabindex", b === target ? "0" : "-1")
  }
  // the one tab stop is always a button shown (the first, if the one last used went into the menu)
  const keepStop = () => {
    const stop = buttons.find(b => b.getAttribute("tabindex") === "0")
    if (!stop || !shown(stop)) move(stops()[0])
  }
  bar.addEventListener("keydown", event => {
    const visible = stops()
    const at = visible.indexOf(document.activeElement)
    if (at < 0) return
    const next = {ArrowRight: at + 1, ArrowDown: at + 1, ArrowLeft: at - 1, ArrowUp: at - 1, Home: 0, End: visible.length - 1}[event.key]
    if (next === undefined) return
    event.preventDefault()
    const target = visible[(next + visible.length) % visible.length]
    move(target)
    target.focus()
  })
  const phone = globalThis.matchMedia?.(PHONE)
  phone?.addEventListener?.("change", keepStop)
  return {bar, buttons, source, keepStop}
}

function moreMenu(editor, twins) {
  // The menu button pattern (WAI-ARIA APG): Enter, Space or Down opens the menu on its first item, Up
  // on its last; Up and Down move, Home and End; Escape closes, back on More; Enter or Space does the
  // command and closes, back in the text as the toolbar's buttons do. Each item clicks its button (hidden on a phone).
  const id = "be-more-" + Math.random().toString(36).slice(2, 8)
  const more = element("button", {type: "button", tabindex: "-1", class: "be-more", "aria-haspopup": "menu",
    "aria-expanded": "false", "aria-controls": id}, "More")
  const menu = element("div", {role: "menu", id, "aria-label": "More formatting", class: "be-menu"})
  menu.hidden = true
  const items = twins.map(twin => {
    const pressed = twin.hasAttribute("aria-pressed")
    const item = element("button", {type: "button", tabindex: "-1", role: pressed ? "menuitemcheckbox" : "menuitem"}, twin.textContent)
    item.addEventListener("mousedown", event => event.preventDefault())
    item.addEventListener("click", () => {
      close()
      twin.click()
    })
    menu.append(item)
    return {item, twin}
  })
  const open = focusLast => {
    for (const {item, twin} of items) {
      if (twin.hasAttribute("aria-pressed")) item.setAttribute("aria-checked", twin.getAttribute("aria-pressed"))
    }
    menu.hidden = false
    more.setAttribute("aria-expanded", "true")
    items[focusLast ? items.length - 1 : 0].item.focus()
    document.addEventListener("pointerdown", outside, true)
  }
  function close(refocus = true) {
    if (menu.hidden) return
    menu.hidden = true
    more.setAttribute("aria-expanded", "false")
    document.removeEventListener("pointerdown", outside, true)
    if (refocus) more.focus()
  }
  function outside(event) {
    if (!menu.contains(event.target) && event.target !== more) close(false)
  }
  more.addEventListener("mousedown", event => event.preventDefault())
  more.addEventListener("click", () => (menu.hidden ? open(false) : close()))
  more.addEventListener("keydown", event => {
    if (event.key !== "ArrowDown" && event.key !== "ArrowUp") return
    event.preventDefault()
    event.stopPropagation()  // not the toolbar's arrows
    open(event.key === "ArrowUp")
  })
  menu.addEventListener("keydown", event => {
    event.stopPropagation()
    const list = items.map(i => i.item)
    const at = list.indexOf(document.activeElement)
    if (event.key === "Escape") { event.preventDefault(); close(); return }
    if (event.key === "Tab") { close(false); return }
    const next = {ArrowDown: at + 1, ArrowUp: at - 1, Home: 0, End: list.length - 1}[event.key]
    if (next === undefined) return
    event.preventDefault()
    list[(next + list.length) % list.length].focus()
  })
  menu.addEventListener("focusout", event => {
    if (!menu.hidden && event.relatedTarget && !menu.contains(event.relatedTarget) && event.relatedTarget !== more) close(false)
  })
  return {more, menu}
}

// ---- the editor ----

function hasTable(doc) {
  let found = false
  doc.descendants(node => {
    if (node.type === schema.nodes.table) found = true
    return !found && !node.isTextblock
  })
  return found
}

export class BodyEditor {
  constructor(textarea, options = {}) {
    this.textarea = textarea
    this.options = options
    this.format = options.format === "html" ? "html" : "markdown"
    this.opened = textarea.value
    this.body = new Body(this.opened, this.format)
    this.lastCount = null
    this.build()
  }

  build() {
    const {textarea, options} = this
    this.root = element("div", {class: "body-editor"})
    const {bar, buttons, source, keepStop} = toolbar(this)
    this.buttons = buttons
    this.keepToolbarStop = keepStop
    this.sourceButton = source
    this.surface = element("div", {class: "be-surface"})
    this.root.append(bar, this.surface)
    if (options.liveRegion !== false) {
      this.live = options.liveRegion instanceof (globalThis.HTMLElement || Object) && options.liveRegion.nodeType
        ? options.liveRegion
        : element("div", {class: "be-live", role: "status", "aria-live": "polite"})
      if (!this.live.isConnected) this.root.append(this.live)
    }
    textarea.before(this.root)
    this.keepToolbarStop()
    textarea.hidden = true
    const labelId = options.labelledBy || labelFor(textarea)
    const format = this.format
    this.view = new EditorView(this.surface, {
      state: this.newState(this.body.doc),
      attributes: {
        role: "textbox", "aria-multiline": "true", class: "be-text",
        ...(labelId ? {"aria-labelledby": labelId} : {"aria-label": "Body"}),
        ...(textarea.getAttribute("aria-describedby") ? {"aria-describedby": textarea.getAttribute("aria-describedby")} : {}),
      },
      nodeViews: {
        opaque: (node, view, getPos) => new SourceBlockView(node, view, getPos, format, options.shownSrc),
        figure: (node, view, getPos) => new FigureView(node, view, getPos, format, options.shownSrc),
        ...(options.shownSrc ? {image: node => new ImageView(node, options.shownSrc)} : {}),
        embed: (node, view, getPos) => new EmbedView(node, view, getPos, format),
      },
      transformPastedHTML: html => this.pasted(html),
      transformPasted: slice => plainMarks(slice),
      dispatchTransaction: tr => this.dispatch(tr),
    })
    bar.setAttribute("aria-controls", this.view.dom.id || (this.view.dom.id = (textarea.id || "body") + "-editor"))
    this.textarea.addEventListener("input", () => { this.sourceEdited = true })
    this.refresh()
    this.tablesIfNeeded()
  }

  newState(doc) {
    const mod = {}
    for (const spec of BUTTONS) if (spec.key) mod[spec.key] = (state, dispatch, view) => this.command(spec, view)
    return EditorState.create({doc, plugins: [
      rules(),
      keymap({
        ...mod,
        "Mod-z": undo, "Mod-Shift-z": redo, "Mod-y": redo, Backspace: undoInputRule,
        Enter: splitListItem(schema.nodes.list_item),
        "Shift-Enter": hardBreak, "Mod-Enter": hardBreak,
        Tab: chainCommands(this.inTables(t => t.goToNextCell(1)), sinkListItem(schema.nodes.list_item)),
        "Shift-Tab": chainCommands(this.inTables(t => t.goToNextCell(-1)), liftListItem(schema.nodes.list_item)),
        "Mod-Alt-2": toggleHeading(2), "Mod-Alt-3": toggleHeading(3),
        "Mod-Shift-7": toggleList(schema.nodes.ordered_list), "Mod-Shift-8": toggleList(schema.nodes.bullet_list),
      }),
      keymap(baseKeymap),
      history(),
      ...(this.tables ? [this.tables.columnResizing({cellMinWidth: 40}), this.tables.tableEditing()] : []),
      new Plugin({props: {handleDOMEvents: {focus: () => { this.focused = true; return false }}}}),
    ]})
  }

  command(spec, view = this.view) {
    const before = spec.active ? spec.active(view.state) : null
    const run = spec.link ? linkCommand(() => (this.options.askLink || (() => globalThis.prompt?.("Link to (address)")))()) : spec.run
    const done = run(view.state, view.dispatch, view)
    if (done && spec.active) {
      const after = spec.active(this.view.state)
      if (after !== before) this.announce(`${spec.name} ${after ? "on" : "off"}`)
    } else if (done) {
      this.announce(`${spec.name} added`)
    }
    view.focus()
    return done
  }

  announce(text) {
    if (!this.live) return
    this.live.textContent = text
    this.options.onAnnounce?.(text)
  }

  dispatch(tr) {
    const state = this.view.state.apply(tr)
    this.view.updateState(state)
    if (tr.docChanged) { this.refresh(); this.tablesIfNeeded() }
    else this.updateToolbar()
  }

  // A table command, once table editing is loaded (tables.js); until then it does nothing.
  inTables(command) {
    return (state, dispatch, view) => (this.tables ? command(this.tables)(state, dispatch, view) : false)
  }

  // Table editing is loaded the first time the body has a table (opened, pasted or typed in), and the
  // editor's plugins are set again with it, in the place they always had.
  tablesIfNeeded() {
    if (this.tables || this.tablesLoading || !hasTable(this.view.state.doc)) return
    this.tablesLoading = loadTables().then(tables => {
      this.tables = tables
      if (this.view.isDestroyed) return
      const plugins = this.view.state.plugins.slice()  // kept, with their state (history): the tables go
      plugins.splice(plugins.length - 1, 0, tables.columnResizing({cellMinWidth: 40}), tables.tableEditing())  // where newState puts them
      this.view.updateState(this.view.state.reconfigure({plugins}))
    }, error => {
      this.tablesLoading = null
      globalThis.console?.error(error)
    })
  }

  refresh() {
    this.textarea.value = this.getSource()
    this.updateToolbar()
    const source = this.textarea.value
    this.emit("change", {source, changed: source !== this.opened})
    const count = this.count()
    if (!this.lastCount || count.words !== this.lastCount.words) {
      this.lastCount = count
      this.emit("count", count)
    }
  }

  updateToolbar() {
    BUTTONS.forEach((spec, i) => {
      if (spec.active) this.buttons[i].setAttribute("aria-pressed", String(!!spec.active(this.view.state)))
    })
  }

  emit(name, detail) {
    const handler = this.options["on" + name[0].toUpperCase() + name.slice(1)]
    if (handler) handler(detail)
    const view = this.textarea.ownerDocument.defaultView
    this.textarea.dispatchEvent(new view.CustomEvent("bodyeditor:" + name, {detail}))
  }

  /** The file's body as it would be saved: the opened text, byte for byte, while nothing changed. */
  getSource() {
    if (this.sourceShown) return this.textarea.value
    return this.body.write(this.view.state.doc)
  }

  isChanged() {
    return this.getSource() !== this.opened
  }

  count() {
    return countWords(this.view.state.doc, this.format)
  }

  /** Show the source (the textarea) instead of the rich text, or back. */
  showSource(show) {
    if (show === !!this.sourceShown) return
    if (show) {
      this.textarea.value = this.getSource()
      this.sourceShown = true
      this.sourceEdited = false
      this.textarea.hidden = false
      this.surface.hidden = true
      this.textarea.focus?.()
    } else {
      this.sourceShown = false
      if (this.sourceEdited) {
        this.body = new Body(this.textarea.value, this.format)
        this.view.updateState(this.newState(this.body.doc)); this.tablesIfNeeded()
      }
      this.textarea.hidden = true
      this.surface.hidden = false
      this.refresh()
      this.view.focus()
    }
    this.sourceButton.setAttribute("aria-pressed", String(!!show))
    this.announce(show ? `Showing the ${this.format === "markdown" ? "Markdown" : "HTML"}` : "Showing the formatted text")
  }

  /** Load `text` as the body (another version kept after a conflict...); `asOpened` makes it the
   * text that isChanged() compares with, as after a save. */
  setSource(text, {asOpened = false} = {}) {
    if (asOpened) this.opened = text
    this.body = new Body(text, this.format)
    this.view.updateState(this.newState(this.body.doc)); this.tablesIfNeeded()
    if (this.sourceShown) this.textarea.value = text
    this.sourceEdited = false
    this.refresh()
  }

  /** Put a photo at the selection: {src, alt, caption, credit}. */
  insertImage({src, alt = "", caption = "", credit = ""}) {
    const node = schema.nodes.figure.create({src, alt, caption: escapeInline(caption, this.format),
      credit: escapeInline(credit, this.format)})
    this.replaceSelection(node)
  }

  /** Put an embed card (an address of YouTube, Vimeo...) at the selection. */
  insertEmbed(url) {
    if (!embedUrl(url)) throw new Error(`not an address the site shows as an embed: ${url}`)
    this.replaceSelection(schema.nodes.embed.create({url}))
  }

  replaceSelection(node) {
    this.view.dispatch(this.view.state.tr.replaceSelectionWith(node).scrollIntoView())
  }

  pasted(html) {
    const {html: cleaned, images} = cleanPastedHTML(html, {keepImages: !!this.options.uploadPastedImage})
    if (images.length && this.options.uploadPastedImage) {
      for (const image of images) this.options.uploadPastedImage(image)
    } else if (images.length) {
      this.emit("notBroughtOver", {items: images.map(image => ({src: image.src, alt: image.alt,
        reason: "a photo in pasted text is not uploaded: add it with the photos panel"}))})
    }
    return cleaned
  }

  destroy() {
    this.view.destroy()
    this.root.remove()
    this.textarea.hidden = false
  }
}

function labelFor(textarea) {
  if (!textarea.id) return null
  const label = textarea.ownerDocument.querySelector(`label[for="${textarea.id}"]`)
  if (!label) return null
  if (!label.id) label.id = textarea.id + "-label"
  return label.id
}

function escapeInline(text, format) {
  if (format === "html") return text.replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;")
  return text.replace(/[\\`*_[\]<>~]/g, "\\$&").replace(/\n+/g, " ")
}
