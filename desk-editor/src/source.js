// A body's source and its model, kept side by side, so that saving writes the same file.
//
// Opening cuts the source into top-level pieces (markdown.js `blocks`, html.js `units`), each with
// its exact text, and the model's top-level nodes carry their piece's index (`sid`). Saving:
//
// - nothing changed: the opened text, byte for byte;
// - a node equal to its piece's node: the piece's text, byte for byte, and the original spacing
//   around it while its neighbours are its original neighbours;
// - a changed node: its piece's text with the change applied in place (`patch`: the difference
//   between the old and new node written out, found in the original by its context), so one word
//   changed is one word changed in the file; failing that, the node written afresh, the way the
//   original wrote it where the model remembers (bullets, emphasis markers, tags...);
// - every written node is read back and must give the same node (`verify`); a Markdown node that
//   does not is written as HTML, which Markdown keeps as it is.
//
// Text between pieces that is not blank (Markdown's link reference definitions, a stray comment)
// is a piece of its own, kept as an opaque block: nothing the editor does not show is dropped.

import {schema} from "./schema.js"
import * as markdown from "./markdown.js"
import * as html from "./html.js"

const WP_OPEN = /^<!--\s+wp:([a-z][a-z0-9_-]*\/)?([a-z][a-z0-9_-]*)[\s\S]*?-->/
const WP_CLOSE = /<!--\s+\/wp:[^>]*-->$/

function withSid(node, sid) {
  return node.type.create({...node.attrs, sid}, node.content, node.marks)
}

function opaque(text, format, label = null) {
  return schema.nodes.opaque.create({source: text, format, label})
}

export class Body {
  /** Read `source` ("markdown" or "html") into pieces and a document. */
  constructor(source, format) {
    if (format !== "markdown" && format !== "html") throw new Error(`format must be "markdown" or "html", not ${format}`)
    this.source = source
    this.format = format
    this.env = {}
    this.pieces = []  // {text, node, gapAfter, before, after}
    this.lead = ""
    if (format === "markdown") this.readMarkdown()
    else this.readHTML()
    const nodes = this.pieces.map((piece, sid) => (piece.node = withSid(piece.node, sid)))
    this.doc = schema.nodes.doc.create(null, nodes.length ? nodes : [schema.nodes.paragraph.create()])
  }

  addPiece(text, node, gapAfter = "") {
    this.pieces.push({text, node, gapAfter, before: "", after: ""})
  }

  addGap(text) {
    // blank text joins the spacing; anything else is a piece of its own
    const body = text.replace(/^\s+/, "").replace(/\s+$/, "")
    if (!body) {
      if (this.pieces.length) this.pieces[this.pieces.length - 1].gapAfter += text
      else this.lead += text
      return
    }
    const start = text.indexOf(body)
    this.addGap(text.slice(0, start))
    this.addPiece(body, opaque(body, this.format, this.format === "markdown" ? "Link definitions" : "HTML"))
    this.addGap(text.slice(start + body.length))
  }

  readMarkdown() {
    const lines = markdown.lines(this.source)
    const blocks = markdown.blocks(this.source, this.env)
    let at = 0
    for (const block of blocks) {
      this.addGap(lines.slice(at, block.start).join(""))
      const text = lines.slice(block.start, block.end).join("")
      this.addPiece(text, markdown.modelBlock(block, text, this.env) || opaque(text, "markdown"))
      at = block.end
    }
    this.addGap(lines.slice(at).join(""))
  }

  readHTML() {
    const source = this.source
    let cut = html.units(source)
    if (!html.checkUnits(source, cut)) {
      const start = source.length - source.trimStart().length
      cut = source.trim() ? [{start, end: start + source.trim().length, kind: "whole"}] : []
    }
    let at = 0
    for (const unit of cut) {
      this.addGap(source.slice(at, unit.start))
      const text = source.slice(unit.start, unit.end)
      if (unit.kind === "wp") this.readBlock(text, unit.name)
      else if (unit.kind === "element" || unit.kind === "text") {
        this.addPiece(text, html.modelUnit(text, unit.kind === "text") || opaque(text, "html"))
      } else {
        this.addPiece(text, opaque(text, "html", commentLabel(text)))
      }
      at = unit.end
    }
    this.addGap(source.slice(at))
  }

  readBlock(text, name) {
    // a Gutenberg block: modelled when its inside is one element the model holds
    const label = "WordPress block: " + name.replace(/^core\//, "")
    const open = WP_OPEN.exec(text), close = WP_CLOSE.exec(text)
    if (open && close && close.index >= open[0].length) {
      const inside = text.slice(open[0].length, close.index)
      const cut = html.units(inside)
      if (cut.length === 1 && (cut[0].kind === "element" || cut[0].kind === "text")) {
        const unitText = inside.slice(cut[0].start, cut[0].end)
        const node = html.modelUnit(unitText, cut[0].kind === "text")
        if (node) {
          this.addPiece(text, node)
          const piece = this.pieces[this.pieces.length - 1]
          piece.before = open[0] + inside.slice(0, cut[0].start)
          piece.after = inside.slice(cut[0].end) + close[0]
          piece.inner = unitText
          return
        }
      }
    }
    this.addPiece(text, opaque(text, "html", label))
  }

  /** The file's text for `doc`: the opened text when nothing changed. */
  write(doc) {
    if (doc.eq(this.doc)) return this.source
    const items = []
    doc.forEach((node, _, i) => {
      const sid = node.attrs.sid
      const piece = sid != null ? this.pieces[sid] : null
      const kept = piece && node.eq(piece.node)
      const before = i ? doc.child(i - 1) : null, after = i + 1 < doc.childCount ? doc.child(i + 1) : null
      items.push({node, sid, kept, text: kept ? piece.text : this.writeChanged(node, piece, before, after)})
    })
    const markdownBody = this.format === "markdown"
    let out = this.lead
    items.forEach((item, i) => {
      if (i) out += this.separator(items[i - 1], item)
      out += item.text
    })
    const last = items[items.length - 1]
    if (last && last.sid === this.pieces.length - 1 && last.sid != null) out += this.pieces[last.sid].gapAfter
    else if (markdownBody && !out.endsWith("\n")) out += "\n"
    else if (!markdownBody) out += (this.source.match(/\s*$/) || [""])[0]
    return out
  }

  separator(a, b) {
    const consecutive = a.sid != null && b.sid === a.sid + 1
    const gap = consecutive ? this.pieces[a.sid].gapAfter : null
    if (this.format === "html") return gap ?? "\n\n"
    if (consecutive && a.kept && b.kept) return gap
    let sep = gap || "\n"
    if (sameList(a.node, b.node)) sep = "\n<!-- -->\n\n"  // two lists in a row would be one list
    return sep
  }

  writeChanged(node, piece, before, after) {
    const fresh = this.serialize(node, before, after)
    if (piece && piece.node.type === node.type && piece.node.type !== schema.nodes.opaque) {
      const original = piece.inner ?? piece.text
      const patched = patch(original, this.serialize(piece.node, before, after), fresh)
      if (patched !== null && this.verify(patched, node)) return piece.before + patched + piece.after
      if (this.verify(fresh, node)) return piece.before + fresh + piece.after
    } else if (this.verify(fresh, node)) {
      return fresh
    }
    if (this.format === "markdown") return this.plainImage(node) ?? html.serializeHTML(node) + "\n"
    return fresh
  }

  /** A photo with no caption or credit (one just put in, say) as Markdown writes a photo, ![alt](src),
   * where that reads back as that photo alone (a paragraph of it), rather than as a <figure> in HTML. */
  plainImage(node) {
    if (node.type !== schema.nodes.figure) return null
    const {caption, credit, link, cls, imgCls, width, height, captionCls} = node.attrs
    if (caption || credit || link || cls || imgCls || width || height || captionCls) return null
    const text = markdown.serializeNode(node)
    const nodes = markdown.parseBlocks(text, this.env)
    const image = nodes && nodes.length === 1 && nodes[0].type === schema.nodes.paragraph && nodes[0].childCount === 1
      ? nodes[0].firstChild : null
    const same = image && image.type === schema.nodes.image && ["src", "alt", "title"].every(k => (image.attrs[k] || "") === (node.attrs[k] || ""))
    return same ? text : null
  }

  serialize(node, before, after) {
    if (this.format === "markdown") return markdown.serializeNode(node)
    return html.serializeHTML(node, before, after)
  }

  verify(text, node) {
    if (node.type === schema.nodes.opaque) return true
    const expected = withSid(node, null)
    if (this.format === "markdown") {
      const nodes = markdown.parseBlocks(text, this.env)
      return nodes !== null && nodes.length === 1 && nodes[0].eq(expected)
    }
    const bare = node.type === schema.nodes.paragraph && node.attrs.bare
    const content = html.parseHTML(text, bare && !/^\s*<p[\s>]/.test(text))
    return content.childCount === 1 && content.firstChild.eq(expected)
  }
}

function sameList(a, b) {
  if (a.type !== b.type) return false
  if (a.type === schema.nodes.bullet_list) return a.attrs.bullet === b.attrs.bullet
  if (a.type === schema.nodes.ordered_list) return a.attrs.delim === b.attrs.delim
  return false
}

function commentLabel(text) {
  if (/^<!--\s*more\b/i.test(text)) return "Read more"
  if (/^<!--\s*nextpage\s*-->$/i.test(text)) return "Page break"
  return "Comment (not shown to readers)"
}

const FLEXIBLE = /\s+|<br\s*\/?>/g

function flexible(text) {
  let out = "", at = 0
  for (const m of text.matchAll(FLEXIBLE)) {
    out += escapeRegExp(text.slice(at, m.index)) + (m[0].startsWith("<") ? "\\s*<br\\s*/?>\\s*" : "\\s*")
    at = m.index + m[0].length
  }
  return out + escapeRegExp(text.slice(at))
}

function escapeRegExp(text) {
  return text.replace(/[.*+?^${}()|[\]\\]/g, "\\$&")
}

/** `original` with the change from `old` to `fresh` made in place, or null where it cannot be found once. */
export function patch(original, old, fresh) {
  if (original === old) return fresh
  let p = 0
  while (p < old.length && p < fresh.length && old[p] === fresh[p]) p++
  let s = 0
  while (s < old.length - p && s < fresh.length - p && old[old.length - 1 - s] === fresh[fresh.length - 1 - s]) s++
  // widen the change to whole words, so that it is found by what a reader would see
  while (p > 0 && /\w/.test(old[p - 1])) p--
  while (s > 0 && /\w/.test(old[old.length - s])) s--
  const oldMid = old.slice(p, old.length - s), newMid = fresh.slice(p, fresh.length - s)
  for (const size of [40, 24, 12, 6, 3]) {
    const left = old.slice(Math.max(0, p - size), p), right = old.slice(old.length - s, old.length - s + size)
    if (!left && !right) continue
    const pattern = new RegExp(flexible(left) + "(" + flexible(oldMid) + ")" + flexible(right), "gd")
    const found = [...original.matchAll(pattern)]
    if (found.length === 1) {
      const [start, end] = found[0].indices[1]
      return original.slice(0, start) + newMid + original.slice(end)
    }
  }
  return null
}
