// HTML bodies (written by hand, by the desk, or by the WordPress import): cut into top-level
// blocks with their exact source ranges, read into the model with ProseMirror's DOM parser, and
// written back as HTML.
//
// `units` scans the source once, as a tokenizer (comments, tags, text), keeping the nesting of
// elements; a unit ends where the nesting is back at the top. Gutenberg's block comments
// (`<!-- wp:name {...} -->` ... `<!-- /wp:name -->`) make one unit each, delimiters included.
// `checkUnits` then proves the cut: the units parsed one by one give the same document as the
// whole body parsed at once, or the body is one opaque unit.
//
// A unit becomes rich text only when its model, written back, is the same HTML as the unit once
// both are sanitized as ingest does (`canonical`); otherwise it stays an opaque block.

import {DOMParser as PMDOMParser, DOMSerializer} from "prosemirror-model"
import {schema} from "./schema.js"
import {clean, inertDocument} from "./facts.js"

const VOID = new Set(["area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta", "source", "track", "wbr"])
const RAW = new Set(["script", "style", "textarea", "title", "xmp", "iframe", "noembed", "noframes", "noscript"])
const BLOCK = new Set(["address", "article", "aside", "blockquote", "details", "dialog", "dd", "div", "dl", "dt",
  "fieldset", "figcaption", "figure", "footer", "form", "h1", "h2", "h3", "h4", "h5", "h6", "header", "hgroup", "hr",
  "li", "main", "nav", "ol", "p", "pre", "section", "table", "ul", "summary", "audio", "video", "iframe", "script",
  "style", "object", "embed", "canvas", "svg", "noscript", "center", "caption", "thead", "tbody", "tfoot", "tr", "td",
  "th", "menu", "search"])
// Start tags that close an open <p> (HTML's "in body" insertion mode)
const CLOSES_P = new Set(["address", "article", "aside", "blockquote", "center", "details", "dialog", "dir", "div",
  "dl", "fieldset", "figcaption", "figure", "footer", "form", "h1", "h2", "h3", "h4", "h5", "h6", "header", "hgroup",
  "hr", "main", "menu", "nav", "ol", "p", "pre", "search", "section", "summary", "table", "ul", "listing", "xmp"])
const WP_DELIMITER = /^<!--\s+(\/)?wp:([a-z][a-z0-9_-]*\/)?([a-z][a-z0-9_-]*)\s+(?:\{[\s\S]*?\}\s+)?(\/)?-->$/
const TOKEN = /<!--[\s\S]*?(?:-->|$)|<![^>]*>?|<\?[^>]*>?|<\/([a-zA-Z][^\s/>]*)[^>]*>?|<([a-zA-Z][^\s/>]*)(?:[^>"']|"[^"]*"|'[^']*')*>|[^<]+|</g

/** The body cut into units: [{start, end, kind: "element"|"text"|"comment"|"wp", name?}] and gaps between. */
export function units(source) {
  const out = []
  const stack = []
  let unitStart = -1, unitKind = null
  let wp = null  // the open Gutenberg block at the top: {name, depth, start}
  TOKEN.lastIndex = 0
  let match
  while ((match = TOKEN.exec(source)) !== null) {
    const token = match[0], at = match.index, end = at + token.length
    if (token.startsWith("<!--")) {
      const delimiter = !stack.length && WP_DELIMITER.exec(token.trim())
      if (delimiter && unitStart < 0) {
        const name = (delimiter[2] || "core/") + delimiter[3]
        if (delimiter[4]) {  // a void block: <!-- wp:latest-posts /-->
          if (!wp) out.push({start: at, end, kind: "wp", name})
        } else if (delimiter[1]) {
          if (wp && wp.name === name && --wp.depth === 0) {
            out.push({start: wp.start, end, kind: "wp", name})
            wp = null
          }
        } else if (wp) {
          if (wp.name === name) wp.depth++
        } else {
          wp = {name, depth: 1, start: at}
        }
        continue
      }
      if (!stack.length && !wp) {
        if (unitStart >= 0) { out.push({start: unitStart, end: at, kind: unitKind}); unitStart = -1 }
        out.push({start: at, end, kind: "comment"})
      }
      continue
    }
    if (match[2]) {  // a start tag
      const name = match[2].toLowerCase()
      if (!stack.length && !wp) {
        if (BLOCK.has(name) || unitStart < 0) {
          if (unitStart >= 0) { out.push({start: unitStart, end: at, kind: unitKind}); unitStart = -1 }
          if (BLOCK.has(name)) { unitStart = at; unitKind = "element" } else { unitStart = at; unitKind = "text" }
        }
      }
      if (stack.length && stack[stack.length - 1] === "p" && CLOSES_P.has(name)) stack.pop()
      if ((name === "li" || name === "dt" || name === "dd") && stack.includes(name)) {
        while (stack.length && stack.pop() !== name) { /* close up to the previous item */ }
      }
      if (RAW.has(name)) {
        const close = source.toLowerCase().indexOf("</" + name, end)
        TOKEN.lastIndex = close < 0 ? source.length : close
        stack.push(name)
        continue
      }
      if (!VOID.has(name) && !token.endsWith("/>")) stack.push(name)
      else if (!stack.length && !wp && unitKind === "element") { out.push({start: unitStart, end, kind: "element"}); unitStart = -1 }
      continue
    }
    if (match[1]) {  // an end tag
      const name = match[1].toLowerCase()
      const index = stack.lastIndexOf(name)
      if (index >= 0) stack.length = index
      if (!stack.length && !wp && unitStart >= 0 && unitKind === "element") {
        out.push({start: unitStart, end, kind: "element"})
        unitStart = -1
      }
      continue
    }
    // text
    if (!stack.length && !wp) {
      if (unitStart >= 0 && unitKind === "element") { out.push({start: unitStart, end: at, kind: "element"}); unitStart = -1 }
      if (/\S/.test(token) && unitStart < 0) {
        const lead = token.length - token.trimStart().length
        unitStart = at + lead
        unitKind = "text"
      }
    }
  }
  if (wp) out.push({start: wp.start, end: source.length, kind: "wp", name: wp.name})
  else if (unitStart >= 0) out.push({start: unitStart, end: source.length, kind: unitKind})
  // a text unit ends at its last non-space character; the rest is a gap
  for (const unit of out) {
    if (unit.kind === "text") unit.end = unit.start + source.slice(unit.start, unit.end).trimEnd().length
  }
  return out.filter(unit => unit.end > unit.start).sort((a, b) => a.start - b.start)
}

function fragment(html) {
  const template = document.createElement("template")
  template.innerHTML = html
  return template.content
}

/** HTML as ingest would keep it (the allow-list), with comments gone and spacing made plain. */
export function canonical(html) {
  const kept = clean(html)
  return describe(kept).replace(BLOCK_EDGE, "$1").replace(/\s*<br>\s*/g, "<br>").trim()
}

const BLOCK_EDGE = new RegExp("\\s*(</?(?:" + [...BLOCK].join("|") + ")\\b[^>]*>)\\s*", "g")

function describe(node, inPre = false) {
  let out = ""
  for (let child = node.firstChild; child; child = child.nextSibling) {
    if (child.nodeType === 3) {
      const text = child.data.replace(/[&<>]/g, c => ({"&": "&amp;", "<": "&lt;", ">": "&gt;"})[c])
      out += inPre ? text : text.replace(/[ \t\n\r\f]+/g, " ")
    } else if (child.nodeType === 1) {
      const tag = child.tagName.toLowerCase()
      const attrs = Array.from(child.attributes, a => [a.name, a.name === "class" ? a.value.split(/\s+/).filter(Boolean).sort().join(" ") : a.value])
        .filter(([name, value]) => name !== "class" || value)
        .sort(([a], [b]) => (a < b ? -1 : 1))
        .map(([k, v]) => ` ${k}="${v.replace(/"/g, "&quot;")}"`).join("")
      out += `<${tag}${attrs}>`
      if (!VOID.has(tag)) out += describe(child, inPre || tag === "pre") + `</${tag}>`
    }
  }
  return out
}

/** The document read from the units, one by one, is the document read at once. */
export function checkUnits(source, cut) {
  const whole = canonical(source)
  const parts = cut.map(unit => canonical(source.slice(unit.start, unit.end))).join("")
  return whole === parts
}

// ---- reading a unit into the model ----

const parser = PMDOMParser.fromSchema(schema)

// Before ProseMirror reads a unit: inline content directly in a list item, a cell or a quote is a
// paragraph without <p> (bare), and the forms the model holds whole are marked for it.
function prepare(root) {
  for (const element of root.querySelectorAll("li, td, th, blockquote")) wrapInline(element)
  return root
}

function wrapInline(element) {
  if (!element.childNodes.length && element.tagName !== "BLOCKQUOTE") {
    const p = document.createElement("p")
    p.setAttribute("data-bare", "")
    element.append(p)
    return
  }
  let run = []
  const flush = () => {
    if (run.some(n => n.nodeType === 1 || /\S/.test(n.data))) {
      const p = document.createElement("p")
      p.setAttribute("data-bare", "")
      run[0].before(p)
      for (const n of run) p.append(n)
    }
    run = []
  }
  for (const child of Array.from(element.childNodes)) {
    const block = child.nodeType === 1 && BLOCK.has(child.tagName.toLowerCase())
    if (block) flush()
    else if (child.nodeType === 1 || child.nodeType === 3) run.push(child)
  }
  flush()
}

/** A unit's HTML as top-level nodes of the model. */
export function parseHTML(html, bare = false) {
  const root = fragment(bare ? `<p data-bare="">${html}</p>` : html)
  const container = inertDocument().createElement("div")
  container.append(prepare(root))
  return parser.parse(container, {topNode: schema.nodes.doc.create()}).content
}

// ---- writing ----

const domSerializer = DOMSerializer.fromSchema(schema)

function escapeText(text) {
  return text.replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;").replace(/\u00a0/g, "&nbsp;")
}

function attributes(pairs) {
  return pairs.map(([k, v]) => v === "" && k === "reversed" ? ` ${k}` : ` ${k}="${String(v).replace(/&/g, "&amp;").replace(/"/g, "&quot;")}"`).join("")
}

function own(node, extra = []) {
  return attributes([...(node.attrs.cls ? [["class", node.attrs.cls]] : []), ...extra])
}

function inlineHTML(node) {
  const doc = inertDocument()
  const holder = doc.createElement("div")
  holder.append(domSerializer.serializeFragment(node.content, {document: doc}))
  return holder.innerHTML
}

function isTextblock(node) {
  return node && node.isTextblock
}

/** A node written as HTML; siblings decide whether a bare paragraph may stay bare. */
export function serializeHTML(node, before = null, after = null) {
  const name = node.type.name
  switch (name) {
    case "paragraph":
      return node.attrs.bare && !isTextblock(before) && !isTextblock(after)
        ? inlineHTML(node) : `<p${own(node)}>${inlineHTML(node)}</p>`
    case "heading":
      return `<h${node.attrs.level}${own(node, node.attrs.id ? [["id", node.attrs.id]] : [])}>${inlineHTML(node)}</h${node.attrs.level}>`
    case "blockquote":
      return `<blockquote${own(node, node.attrs.cite ? [["cite", node.attrs.cite]] : [])}>${children(node)}</blockquote>`
    case "code_block": {
      const text = escapeText(node.textContent)
      return node.attrs.markup === "pre" ? `<pre${own(node)}>${text}</pre>` : `<pre${own(node)}><code>${text}</code></pre>`
    }
    case "horizontal_rule":
      return `<hr${own(node)}>`
    case "bullet_list":
      return `<ul${own(node)}>${children(node)}</ul>`
    case "ordered_list": {
      const extra = []
      if (node.attrs.explicitStart || node.attrs.order !== 1) extra.push(["start", node.attrs.order])
      if (node.attrs.type) extra.push(["type", node.attrs.type])
      if (node.attrs.reversed) extra.push(["reversed", ""])
      return `<ol${own(node, extra)}>${children(node)}</ol>`
    }
    case "list_item":
      return `<li${own(node, node.attrs.id ? [["id", node.attrs.id]] : [])}>${children(node)}</li>`
    case "table":
      return table(node)
    case "figure":
      return figure(node)
    case "embed":
      return `<p>${escapeText(node.attrs.url)}</p>`
    case "opaque":
      return node.attrs.source
    default:
      throw new Error("no HTML for " + name)
  }
}

function children(node) {
  let out = ""
  node.forEach((child, _, i) => {
    out += serializeHTML(child, i ? node.child(i - 1) : null, i + 1 < node.childCount ? node.child(i + 1) : null)
  })
  return out
}

function table(node) {
  const rows = []
  node.forEach(row => {
    let cells = ""
    row.forEach(cell => {
      const tag = cell.type === schema.nodes.table_header ? "th" : "td"
      const extra = []
      if (cell.attrs.colspan !== 1) extra.push(["colspan", cell.attrs.colspan])
      if (cell.attrs.rowspan !== 1) extra.push(["rowspan", cell.attrs.rowspan])
      if (cell.attrs.align) extra.push(["align", cell.attrs.align])
      if (cell.attrs.scope) extra.push(["scope", cell.attrs.scope])
      cells += `<${tag}${own(cell, extra)}>${children(cell)}</${tag}>`
    })
    rows.push(`<tr>${cells}</tr>`)
  })
  const head = Math.min(node.attrs.head, rows.length), foot = Math.min(node.attrs.foot, rows.length - head)
  let inner = ""
  if (head) inner += `<thead>${rows.slice(0, head).join("")}</thead>`
  inner += `<tbody>${rows.slice(head, rows.length - foot).join("")}</tbody>`
  if (foot) inner += `<tfoot>${rows.slice(rows.length - foot).join("")}</tfoot>`
  const html = `<table${own(node)}>${inner}</table>`
  if (node.attrs.figure === null) return html
  const caption = node.attrs.caption === null ? "" :
    `<figcaption${node.attrs.captionCls ? attributes([["class", node.attrs.captionCls]]) : ""}>${node.attrs.caption}</figcaption>`
  return `<figure${node.attrs.figure ? attributes([["class", node.attrs.figure]]) : ""}>${html}${caption}</figure>`
}

function figure(node) {
  const a = node.attrs
  const pairs = a.imgCls ? JSON.parse(a.imgCls) : []
  const img = new Map(pairs)
  img.set("src", a.src)
  img.set("alt", a.alt)
  for (const name of ["title", "width", "height"]) {
    if (a[name]) img.set(name, a[name])
    else img.delete(name)
  }
  const credit = a.credit ? `<small class="credit">${a.credit}</small>` : ""
  const text = a.caption + (a.caption && credit ? " " : "") + credit
  const captionAttrs = a.captionCls ? attributes(JSON.parse(a.captionCls)) : ""
  const caption = text ? `<figcaption${captionAttrs}>${text}</figcaption>` : ""
  const image = `<img${attributes([...img])}>`
  const linked = a.link ? `<a${attributes(JSON.parse(a.link))}>${image}</a>` : image
  return `<figure${own(node)}>${linked}${caption}</figure>`
}

/** A unit's model, or null when writing the model back would not be the same HTML. */
export function modelUnit(html, bare) {
  const content = parseHTML(html, bare)
  if (content.childCount !== 1) return null
  const node = content.firstChild
  const written = serializeHTML(node)
  return canonical(written) === canonical(html) ? node : null
}

