// Markdown bodies: read with markdown-it exactly as ingest reads them (markdown-it-py is its port:
// CommonMark, html on, GFM tables and strikethrough; chalicelib/content/markup.py), written back
// with prosemirror-markdown's serializer, taught the source details each node remembers.
//
// Reading works one top-level block at a time (`blocks`): each block's lines are its source range.
// A block becomes rich text only when writing its model back renders to the same HTML as its
// source (`modelBlock`); otherwise it stays an opaque block holding its lines.

import MarkdownIt from "markdown-it"
import {MarkdownSerializer} from "prosemirror-markdown"
import {schema} from "./schema.js"
import {embedUrl} from "./facts.js"

export const md = new MarkdownIt("commonmark", {html: true}).enable(["table", "strikethrough"])

class Unmodelable extends Error {}

/** The body as top-level blocks: [{start, end, tokens}] with start/end source line numbers. */
export function blocks(source, env) {
  const tokens = md.parse(source, env)
  const out = []
  for (let i = 0; i < tokens.length;) {
    let j = i, depth = 0
    do { depth += tokens[j].nesting; j++ } while (depth > 0 && j < tokens.length)
    out.push({start: tokens[i].map[0], end: tokens[i].map[1], tokens: tokens.slice(i, j)})
    i = j
  }
  return out
}

/** The source's lines, each with its line ending (as markdown-it counts them). */
export function lines(source) {
  return source.match(/[^\r\n]*(?:\r\n|\r|\n)|[^\r\n]+$/g) || []
}

/** A block's tokens as one node of the model, or null when the model cannot hold it exactly. */
export function modelBlock(block, text, env) {
  let node
  try {
    node = convertBlocks(block.tokens, env, true, text)
  } catch (err) {
    if (err instanceof Unmodelable) return null
    throw err
  }
  if (node.length !== 1) return null
  const written = serializeNode(node[0])
  return render(written, env) === render(text, env) ? node[0] : null
}

/** markdown-it's HTML for a piece of Markdown, link references resolved from the whole body. */
export function render(text, env) {
  return md.render(text, {references: env.references || {}})
}

/** Parse a piece of Markdown into top-level nodes, or null when it does not model exactly. */
export function parseBlocks(text, env) {
  const tokens = md.parse(text, {references: env.references || {}})
  try {
    return convertBlocks(tokens, env, true, text)
  } catch (err) {
    if (err instanceof Unmodelable) return null
    throw err
  }
}

function convertBlocks(tokens, env, topLevel, source) {
  const out = []
  for (let i = 0; i < tokens.length;) {
    let j = i, depth = 0
    do { depth += tokens[j].nesting; j++ } while (depth > 0 && j < tokens.length)
    out.push(convertBlock(tokens.slice(i, j), env, topLevel, source))
    i = j
  }
  return out
}

function inner(tokens, env) {
  return convertBlocks(tokens.slice(1, -1), env, false)
}

function convertBlock(tokens, env, topLevel, source) {
  const open = tokens[0]
  switch (open.type) {
    case "paragraph_open": {
      const children = tokens[1].children
      if (topLevel) {
        const figure = figureOf(children, source, tokens[0].map)
        if (figure) return figure
        if (children.length === 1 && children[0].type === "text" && embedUrl(children[0].content)) {
          return schema.nodes.embed.create({url: children[0].content})
        }
      }
      return schema.nodes.paragraph.create(null, convertInline(children, env))
    }
    case "heading_open": {
      const setext = open.markup === "=" || open.markup === "-"
      return schema.nodes.heading.create({level: Number(open.tag.slice(1)), markup: setext ? open.markup : "#"},
        convertInline(tokens[1].children, env))
    }
    case "blockquote_open":
      return schema.nodes.blockquote.create(null, inner(tokens, env))
    case "bullet_list_open":
      return schema.nodes.bullet_list.create({bullet: open.markup, tight: isTight(tokens)}, inner(tokens, env))
    case "ordered_list_open": {
      const start = open.attrGet("start")
      return schema.nodes.ordered_list.create({order: start ? Number(start) : 1, delim: open.markup,
        tight: isTight(tokens)}, inner(tokens, env))
    }
    case "list_item_open": {
      const content = inner(tokens, env)
      if (!content.length || content[0].type !== schema.nodes.paragraph) {
        content.unshift(schema.nodes.paragraph.create())
        if (content.length > 1) throw new Unmodelable("a list item that starts with a block")
      }
      return schema.nodes.list_item.create(null, content)
    }
    case "fence":
      return schema.nodes.code_block.create({info: open.info, markup: open.markup},
        codeText(open.content))
    case "code_block":
      return schema.nodes.code_block.create({markup: "    "}, codeText(open.content))
    case "hr":
      return schema.nodes.horizontal_rule.create({markup: open.markup})
    case "table_open":
      return convertTable(tokens, env)
    default:
      throw new Unmodelable(open.type)
  }
}

function codeText(content) {
  const text = content.replace(/\n$/, "")
  return text ? schema.text(text) : null
}

function isTight(tokens) {
  // markdown-it hides the paragraphs of a tight list; a list with none is tight too
  const level = tokens[0].level + 2
  return !tokens.some(t => t.type === "paragraph_open" && t.level === level && !t.hidden)
}

function convertTable(tokens, env) {
  const rows = [], align = []
  let head = 0, inHead = false
  for (let i = 0; i < tokens.length; i++) {
    const t = tokens[i]
    if (t.type === "thead_open") inHead = true
    else if (t.type === "thead_close") inHead = false
    else if (t.type === "tr_open") rows.push([])
    else if (t.type === "tr_close" && inHead) head++
    else if (t.type === "th_open" || t.type === "td_open") {
      const style = t.attrGet("style") || ""
      const cellAlign = (style.match(/text-align:(\w+)/) || [])[1] || null
      if (inHead) align.push(cellAlign)
      const type = t.type === "th_open" ? schema.nodes.table_header : schema.nodes.table_cell
      rows[rows.length - 1].push(type.create(null, schema.nodes.paragraph.create({bare: true},
        convertInline(tokens[i + 1].children, env))))
    }
  }
  return schema.nodes.table.create({head, align: JSON.stringify(align)},
    rows.map(cells => schema.nodes.table_row.create(null, cells)))
}

// The figure form (docs/content-format.md): an image alone on a paragraph's first line, then the
// caption's lines, the last of them "Credit: ..." when there is a credit.
const CREDIT = /^credit:\s*/i

function figureOf(children, source, map) {
  if (children.length < 3 || children[0].type !== "image" || children[1].type !== "softbreak" || !source) return null
  const paragraph = lines(source).slice(0, map[1] - map[0]).map(line => line.replace(/\r?\n|\r$/, "").trim())
  const image = children[0]
  const rest = paragraph.slice(1)
  let credit = ""
  if (rest.length && CREDIT.test(rest[rest.length - 1])) credit = rest.pop().replace(CREDIT, "")
  return schema.nodes.figure.create({
    src: image.attrGet("src"), alt: md.renderer.renderInlineAsText(image.children, md.options, {}),
    title: image.attrGet("title"), caption: rest.join("\n"), credit,
  })
}

function convertInline(children, env) {
  const nodes = []
  let marks = []
  for (const t of children) {
    switch (t.type) {
      case "text": if (t.content) nodes.push(schema.text(t.content, marks)); break
      case "softbreak": nodes.push(schema.text("\n", marks)); break
      case "hardbreak": nodes.push(schema.nodes.hard_break.create({markup: "\\"}, null, marks)); break
      case "code_inline": nodes.push(schema.text(t.content || " ", [...marks, schema.marks.code.create({markup: t.markup})])); break
      case "image":
        nodes.push(schema.nodes.image.create({src: t.attrGet("src"), title: t.attrGet("title"),
          alt: md.renderer.renderInlineAsText(t.children, md.options, env)}, null, marks))
        break
      case "strong_open": marks = schema.marks.strong.create({markup: t.markup}).addToSet(marks); break
      case "em_open": marks = schema.marks.em.create({markup: t.markup}).addToSet(marks); break
      case "s_open": marks = schema.marks.strike.create({markup: t.markup}).addToSet(marks); break
      case "link_open":
        marks = schema.marks.link.create({href: t.attrGet("href"), title: t.attrGet("title")}).addToSet(marks)
        break
      case "strong_close": marks = schema.marks.strong.removeFromSet(marks); break
      case "em_close": marks = schema.marks.em.removeFromSet(marks); break
      case "s_close": marks = schema.marks.strike.removeFromSet(marks); break
      case "link_close": marks = schema.marks.link.removeFromSet(marks); break
      default: throw new Unmodelable(t.type)  // html_inline and anything new: kept as source
    }
  }
  return nodes
}

// ---- writing ----

const LINE_START = /^(\s*)([=+-]+\s*$|>|#{1,6}(?:\s|$)|[*+-](?:\s|$)|\d{1,9}[.)](?:\s|$)|`{3,}|~{3,})/

function escapeText(state, text) {
  // prosemirror-markdown escapes the start of a block; a soft line break starts a line too
  return text.split("\n").map((line, i) => {
    let escaped = state.esc(line, i === 0 ? state.atBlockStart : false)
    if (i > 0 || state.atBlockStart) escaped = escaped.replace(LINE_START, (m, space, mark) => space + "\\" + mark)
    if (state.options.inTable) escaped = escaped.replace(/\|/g, "\\|")
    return escaped
  })
}

function fenceFor(node) {
  const marker = node.attrs.markup[0] === "~" ? "~" : "`"
  let length = Math.max(3, node.attrs.markup.length)
  for (const run of node.textContent.match(new RegExp(marker + "{3,}", "g")) || []) length = Math.max(length, run.length + 1)
  return marker.repeat(length)
}

function writeList(state, node, marker) {
  state.renderList(node, " ".repeat(marker(0).length), marker)
}

export const serializer = new MarkdownSerializer({
  paragraph(state, node) { state.renderInline(node); state.closeBlock(node) },
  heading(state, node) {
    if (node.attrs.markup !== "#" && node.attrs.level <= 2 && node.textContent.trim()) {
      state.renderInline(node)
      state.ensureNewLine()
      state.write(node.attrs.level === 1 ? "===" : "---")
    } else {
      state.write("#".repeat(node.attrs.level) + " ")
      state.renderInline(node, false)
    }
    state.closeBlock(node)
  },
  blockquote(state, node) { state.wrapBlock("> ", null, node, () => state.renderContent(node)) },
  code_block(state, node) {
    const text = node.textContent
    if (node.attrs.markup === "    " && text.trim() && !/^\s*\n|\n\s*$/.test(text)) {
      state.wrapBlock("    ", null, node, () => state.text(text, false))
      return
    }
    const fence = fenceFor(node)
    state.write(fence + (node.attrs.info || "") + "\n")
    state.text(text, false)
    state.ensureNewLine()
    state.write(fence)
    state.closeBlock(node)
  },
  horizontal_rule(state, node) { state.write(node.attrs.markup || "---"); state.closeBlock(node) },
  bullet_list(state, node) { writeList(state, node, () => (node.attrs.bullet || "-") + " ") },
  ordered_list(state, node) {
    const start = node.attrs.order ?? 1
    writeList(state, node, i => String(start + i) + (node.attrs.delim || ".") + " ")
  },
  list_item(state, node) { state.renderContent(node) },
  table(state, node) {
    const align = node.attrs.align ? JSON.parse(node.attrs.align) : []
    const rows = []
    node.forEach(row => {
      const cells = []
      row.forEach(cell => {
        const sub = serializer.serialize(cell, {inTable: true}).replace(/\n+$/, "")
        if (cell.childCount !== 1 || sub.includes("\n")) throw new Error("a table cell of one line only")
        cells.push(sub)
      })
      rows.push("| " + cells.join(" | ") + " |")
    })
    const width = node.firstChild.childCount
    const delimiter = Array.from({length: width}, (_, i) =>
      ({left: ":---", center: ":---:", right: "---:"})[align[i]] || "---")
    rows.splice(1, 0, "| " + delimiter.join(" | ") + " |")
    state.write(rows.join("\n"))
    state.closeBlock(node)
  },
  table_row() {}, table_cell() {}, table_header() {},
  figure(state, node) {
    const {src, alt, title, caption, credit} = node.attrs
    const lines = ["![" + state.esc(alt) + "](" + destination(src) + (title ? " " + linkTitle(title) : "") + ")"]
    if (caption) lines.push(caption)
    if (credit) lines.push("Credit: " + credit)
    state.write(lines.join("\n"))
    state.closeBlock(node)
  },
  embed(state, node) { state.write(node.attrs.url); state.closeBlock(node) },
  opaque(state, node) { state.write(node.attrs.source.replace(/\s+$/, "")); state.closeBlock(node) },
  image(state, node) {
    state.write("![" + state.esc(node.attrs.alt || "") + "](" + destination(node.attrs.src) +
      (node.attrs.title ? " " + linkTitle(node.attrs.title) : "") + ")")
  },
  hard_break(state, node, parent, index) {
    for (let i = index + 1; i < parent.childCount; i++) {
      if (parent.child(i).type !== node.type) {
        state.write(node.attrs.markup === "  " ? "  \n" : "\\\n")
        return
      }
    }
  },
  text(state, node) {
    if (state.inAutolink) { state.text(node.text, false); return }
    const parts = escapeText(state, node.text)
    parts.forEach((part, i) => {
      if (i) state.text("\n", false)
      state.text(part, false)
    })
  },
}, {
  em: {open: (s, m) => emphasis(m, "*"), close: (s, m) => emphasis(m, "*"), mixable: true, expelEnclosingWhitespace: true},
  strong: {open: (s, m) => emphasis(m, "**"), close: (s, m) => emphasis(m, "**"), mixable: true,
           expelEnclosingWhitespace: true},
  strike: {open: "~~", close: "~~", mixable: true, expelEnclosingWhitespace: true},
  inline_html: {
    open: (s, m) => "<" + m.attrs.tag + JSON.parse(m.attrs.attrs).map(([k, v]) => ` ${k}="${v.replace(/"/g, "&quot;")}"`).join("") + ">",
    close: (s, m) => "</" + m.attrs.tag + ">",
  },
  link: {
    open(state, mark, parent, index) {
      state.inAutolink = isPlainURL(mark, parent, index)
      return state.inAutolink ? "<" : "["
    },
    close(state, mark) {
      const auto = state.inAutolink
      state.inAutolink = undefined
      return auto ? ">" : "](" + destination(mark.attrs.href) + (mark.attrs.title ? " " + linkTitle(mark.attrs.title) : "") + ")"
    },
    mixable: true,
  },
  code: {
    open: (s, m, parent, index) => backticks(parent.child(index), -1),
    close: (s, m, parent, index) => backticks(parent.child(index - 1), 1),
    escape: false,
  },
}, {escapeExtraCharacters: /<(?=[A-Za-z/!?])|&(?=#?\w+;)/g})

function emphasis(mark, fallback) {
  return /^[*_~]+$/.test(mark.attrs.markup) ? mark.attrs.markup : fallback
}

function destination(url) {
  return /[\s<>]/.test(url) || !url ? "<" + url.replace(/[<>]/g, "\\$&") + ">" : url.replace(/[()\\]/g, "\\$&")
}

function linkTitle(title) {
  return '"' + title.replace(/["\\]/g, "\\$&") + '"'
}

function backticks(node, side) {
  let longest = 0
  if (node.isText) for (const run of node.text.match(/`+/g) || []) longest = Math.max(longest, run.length)
  const fence = "`".repeat(longest + 1)
  const pad = longest > 0 || (node.isText && /^`|`$/.test(node.text)) || (node.isText && /^ .* $/.test(node.text))
  return side < 0 ? fence + (pad ? " " : "") : (pad ? " " : "") + fence
}

function isPlainURL(link, parent, index) {
  if (link.attrs.title || !/^[a-z][a-z0-9+.-]*:[^\s<>]*$/i.test(link.attrs.href)) return false
  const content = parent.child(index)
  if (!content.isText || content.text !== link.attrs.href || content.marks[content.marks.length - 1] !== link) return false
  return index === parent.childCount - 1 || !link.isInSet(parent.child(index + 1).marks)
}

/** One top-level node written as Markdown, ending in a newline. */
export function serializeNode(node) {
  const doc = schema.nodes.doc.create(null, node)
  return serializer.serialize(doc).replace(/\n*$/, "\n")
}
