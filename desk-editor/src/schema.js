// The body's document model: what the editor can show and edit as rich text.
//
// Every node that can stand at the top of a body carries `sid`: the index of the source range it
// was read from (see source.js), so that saving writes an untouched block back byte for byte.
// Attributes named after source details (`markup`, `bullet`, `delim`, `tag`...) remember how the
// original wrote the node, so that a changed block is written back the way it was written.
// What the model cannot express exactly becomes an `opaque` block holding its source.

import {Schema} from "prosemirror-model"
import {embedUrl} from "./facts.js"

const sid = {sid: {default: null}}
const cls = {cls: {default: null}}

function classAttr(node) {
  return node.attrs.cls ? {class: node.attrs.cls} : {}
}

function classOf(dom) {
  return dom.getAttribute("class") || null
}

const cellAttrs = {
  colspan: {default: 1}, rowspan: {default: 1}, colwidth: {default: null},
  align: {default: null}, scope: {default: null}, ...cls,
}

function cellParse(dom) {
  return {
    colspan: Number(dom.getAttribute("colspan") || 1),
    rowspan: Number(dom.getAttribute("rowspan") || 1),
    align: dom.getAttribute("align") || null,
    scope: dom.getAttribute("scope") || null,
    cls: classOf(dom),
  }
}

function cellDOM(tag) {
  return node => {
    const attrs = {}
    if (node.attrs.colspan !== 1) attrs.colspan = String(node.attrs.colspan)
    if (node.attrs.rowspan !== 1) attrs.rowspan = String(node.attrs.rowspan)
    if (node.attrs.align) attrs.align = node.attrs.align
    if (node.attrs.scope) attrs.scope = node.attrs.scope
    if (node.attrs.cls) attrs.class = node.attrs.cls
    return [tag, attrs, 0]
  }
}

export const schema = new Schema({
  nodes: {
    doc: {content: "block+"},

    paragraph: {
      group: "block", content: "inline*",
      // bare: written without <p> (an HTML list item or cell whose text had no paragraph)
      attrs: {...sid, ...cls, bare: {default: false}},
      parseDOM: [{tag: "p", getAttrs: dom => ({cls: classOf(dom), bare: dom.hasAttribute("data-bare")})}],
      toDOM: node => ["p", classAttr(node), 0],
    },

    heading: {
      group: "block", content: "inline*", defining: true,
      attrs: {...sid, ...cls, level: {default: 2}, id: {default: null}, markup: {default: "#"}},
      parseDOM: [1, 2, 3, 4, 5, 6].map(level => ({
        tag: "h" + level,
        getAttrs: dom => ({level, cls: classOf(dom), id: dom.getAttribute("id")}),
      })),
      toDOM: node => ["h" + node.attrs.level, {...classAttr(node), ...(node.attrs.id ? {id: node.attrs.id} : {})}, 0],
    },

    blockquote: {
      group: "block", content: "block+", defining: true,
      attrs: {...sid, ...cls, cite: {default: null}},
      parseDOM: [{tag: "blockquote", getAttrs: dom => ({cls: classOf(dom), cite: dom.getAttribute("cite")})}],
      toDOM: node => ["blockquote", {...classAttr(node), ...(node.attrs.cite ? {cite: node.attrs.cite} : {})}, 0],
    },

    code_block: {
      group: "block", content: "text*", marks: "", code: true, defining: true,
      attrs: {...sid, ...cls, info: {default: ""}, markup: {default: "```"}},
      parseDOM: [{tag: "pre", preserveWhitespace: "full", getAttrs: dom => ({
        cls: classOf(dom),
        markup: dom.childNodes.length === 1 && dom.firstChild.nodeName === "CODE" ? "pre>code" : "pre",
      })}],
      toDOM: node => ["pre", classAttr(node), ["code", 0]],
    },

    horizontal_rule: {
      group: "block",
      attrs: {...sid, ...cls, markup: {default: "---"}},
      parseDOM: [{tag: "hr", getAttrs: dom => ({cls: classOf(dom)})}],
      toDOM: node => ["hr", classAttr(node)],
    },

    bullet_list: {
      group: "block", content: "list_item+",
      attrs: {...sid, ...cls, tight: {default: true}, bullet: {default: "-"}},
      parseDOM: [{tag: "ul", getAttrs: dom => ({cls: classOf(dom)})}],
      toDOM: node => ["ul", classAttr(node), 0],
    },

    ordered_list: {
      group: "block", content: "list_item+",
      attrs: {...sid, ...cls, tight: {default: true}, order: {default: 1}, delim: {default: "."},
              type: {default: null}, reversed: {default: false}, explicitStart: {default: false}},
      parseDOM: [{tag: "ol", getAttrs: dom => ({
        cls: classOf(dom), order: dom.hasAttribute("start") ? Number(dom.getAttribute("start")) : 1,
        explicitStart: dom.hasAttribute("start"), type: dom.getAttribute("type"), reversed: dom.hasAttribute("reversed"),
      })}],
      toDOM: node => {
        const attrs = classAttr(node)
        if (node.attrs.explicitStart || node.attrs.order !== 1) attrs.start = String(node.attrs.order)
        if (node.attrs.type) attrs.type = node.attrs.type
        if (node.attrs.reversed) attrs.reversed = ""
        return ["ol", attrs, 0]
      },
    },

    list_item: {
      content: "paragraph block*", defining: true,
      attrs: {...cls, id: {default: null}},
      parseDOM: [{tag: "li", getAttrs: dom => ({cls: classOf(dom), id: dom.getAttribute("id")})}],
      toDOM: node => ["li", {...classAttr(node), ...(node.attrs.id ? {id: node.attrs.id} : {})}, 0],
    },

    table: {
      group: "block", content: "table_row+", tableRole: "table", isolating: true,
      // head: rows in <thead>; foot: rows in <tfoot>; figure: the class of a wrapping <figure>, caption its
      // figcaption's inner HTML (WordPress's table block); align: a Markdown table's column alignments
      attrs: {...sid, ...cls, head: {default: 0}, foot: {default: 0}, figure: {default: null},
              caption: {default: null}, captionCls: {default: null}, align: {default: null}},
      parseDOM: [{tag: "figure", priority: 60, getAttrs: tableFigureAttrs, contentElement: "table"},
                 {tag: "table", getAttrs: dom => ({
        cls: classOf(dom),
        head: dom.tHead ? dom.tHead.rows.length : 0,
        foot: dom.tFoot ? dom.tFoot.rows.length : 0,
      })}],
      toDOM: node => ["table", classAttr(node), ["tbody", 0]],
    },
    table_row: {
      content: "(table_cell | table_header)*", tableRole: "row",
      parseDOM: [{tag: "tr"}], toDOM: () => ["tr", 0],
    },
    table_cell: {
      content: "paragraph+", attrs: cellAttrs, tableRole: "cell", isolating: true,
      parseDOM: [{tag: "td", getAttrs: cellParse}], toDOM: cellDOM("td"),
    },
    table_header: {
      content: "paragraph+", attrs: cellAttrs, tableRole: "header_cell", isolating: true,
      parseDOM: [{tag: "th", getAttrs: cellParse}], toDOM: cellDOM("th"),
    },

    // A photo with its caption and credit (docs/content-format.md). caption and credit are inline
    // markup in the body's own format (Markdown or HTML), kept as written.
    figure: {
      group: "block", atom: true, draggable: true,
      attrs: {...sid, ...cls, src: {default: ""}, alt: {default: ""}, title: {default: null},
              width: {default: null}, height: {default: null}, imgCls: {default: null},
              caption: {default: ""}, credit: {default: ""}, captionCls: {default: null}, link: {default: null}},
      parseDOM: [{tag: "figure", priority: 60, getAttrs: figureAttrs}],
      toDOM: node => ["figure", classAttr(node), ["img", {src: node.attrs.src, alt: node.attrs.alt}]],
    },

    // An address of YouTube, Vimeo, X... on its own line: the site shows it as a link card.
    embed: {
      group: "block", atom: true, draggable: true,
      attrs: {...sid, url: {default: ""}},
      parseDOM: [{tag: "p", priority: 60, getAttrs: dom =>
        !dom.children.length && !dom.attributes.length && embedUrl(dom.textContent.trim()) ? {url: dom.textContent.trim()} : false}],
      toDOM: node => ["p", {"data-embed": node.attrs.url}, node.attrs.url],
    },

    // What the model cannot express: its source, kept byte for byte, shown rendered, edited as source.
    opaque: {
      group: "block", atom: true, selectable: true,
      attrs: {...sid, source: {default: ""}, format: {default: "html"}, label: {default: null}},
      toDOM: () => ["div", {"data-opaque": ""}],
    },

    text: {group: "inline"},

    image: {
      group: "inline", inline: true, draggable: true,
      attrs: {src: {default: ""}, alt: {default: ""}, title: {default: null}, width: {default: null},
              height: {default: null}, ...cls, markup: {default: null}},
      parseDOM: [{tag: "img[src]", getAttrs: dom => ({
        src: dom.getAttribute("src"), alt: dom.getAttribute("alt") || "", title: dom.getAttribute("title"),
        width: dom.getAttribute("width"), height: dom.getAttribute("height"), cls: classOf(dom),
        markup: dom.hasAttribute("alt") ? null : "noalt",
      })}],
      toDOM: node => {
        const attrs = {src: node.attrs.src, alt: node.attrs.alt}
        for (const name of ["title", "width", "height"]) if (node.attrs[name]) attrs[name] = node.attrs[name]
        if (node.attrs.cls) attrs.class = node.attrs.cls
        return ["img", attrs]
      },
    },

    hard_break: {
      group: "inline", inline: true, selectable: false,
      attrs: {markup: {default: null}},  // Markdown: "\\" or "  "; HTML: "<br>" or "<br />"
      parseDOM: [{tag: "br"}],
      toDOM: () => ["br"],
    },
  },

  marks: {
    link: {
      attrs: {href: {default: ""}, title: {default: null}, extra: {default: null}},
      inclusive: false,
      parseDOM: [{tag: "a[href]", getAttrs: dom => ({
        href: dom.getAttribute("href"), title: dom.getAttribute("title"),
        extra: JSON.stringify(Array.from(dom.attributes, a => [a.name, a.value])),
      })}],
      toDOM: mark => ["a", linkAttributes(mark), 0],
    },
    em: {
      attrs: {markup: {default: "*"}},
      parseDOM: [{tag: "em", getAttrs: () => ({markup: "em"})}, {tag: "i", getAttrs: () => ({markup: "i"})}],
      toDOM: mark => [htmlTag(mark.attrs.markup, "em"), 0],
    },
    strong: {
      attrs: {markup: {default: "**"}},
      parseDOM: [{tag: "strong", getAttrs: () => ({markup: "strong"})}, {tag: "b", getAttrs: () => ({markup: "b"})}],
      toDOM: mark => [htmlTag(mark.attrs.markup, "strong"), 0],
    },
    strike: {
      attrs: {markup: {default: "~~"}},
      parseDOM: ["del", "s", "strike"].map(tag => ({tag, getAttrs: () => ({markup: tag})})),
      toDOM: mark => [htmlTag(mark.attrs.markup, "del"), 0],
    },
    // Other inline HTML the site keeps (sup, sub, abbr, mark...): kept with its attributes, in HTML bodies.
    inline_html: {
      attrs: {tag: {default: "span"}, attrs: {default: "[]"}},
      excludes: "",
      parseDOM: ["sup", "sub", "abbr", "mark", "u", "ins", "small", "kbd", "samp", "var", "dfn", "q", "cite",
                 "span", "acronym", "big"].map(tag => ({tag, getAttrs: dom => ({
        tag, attrs: JSON.stringify(Array.from(dom.attributes, a => [a.name, a.value])),
      })})),
      toDOM: mark => [mark.attrs.tag, Object.fromEntries(JSON.parse(mark.attrs.attrs)), 0],
    },
    code: {
      attrs: {markup: {default: "`"}},
      parseDOM: [{tag: "code", getAttrs: () => ({markup: "code"})}, {tag: "tt", getAttrs: () => ({markup: "tt"})}],
      toDOM: mark => [mark.attrs.markup === "tt" ? "tt" : "code", 0],
    },
  },
})

// The forms the model holds whole, read before the general rules for their parts (priority 60):
// a photo with its caption and credit, WordPress's table in a <figure>.
function figureAttrs(dom) {
  const elements = Array.from(dom.children)
  let img = elements[0], link = null
  if (img && img.tagName === "A" && img.children.length === 1 && img.firstElementChild.tagName === "IMG" &&
      img.childNodes.length === 1) {
    link = JSON.stringify(Array.from(img.attributes, a => [a.name, a.value]))
    img = img.firstElementChild
  }
  if (!img || img.tagName !== "IMG" || elements.length > 2) return false
  const caption = elements[1]
  if (caption && caption.tagName !== "FIGCAPTION") return false
  if (Array.from(dom.childNodes).some(n => n.nodeType === 3 && /\S/.test(n.data))) return false
  let captionHTML = "", credit = ""
  if (caption) {
    const small = caption.lastElementChild
    if (small && small.tagName === "SMALL" && small.classList.contains("credit") && !small.nextSibling) {
      credit = small.innerHTML
      const copy = caption.cloneNode(true)
      copy.lastElementChild.remove()
      captionHTML = copy.innerHTML.replace(/\s+$/, "")
    } else {
      captionHTML = caption.innerHTML
    }
  }
  return {
    cls: classOf(dom), src: img.getAttribute("src") || "", alt: img.getAttribute("alt") || "",
    title: img.getAttribute("title"), width: img.getAttribute("width"), height: img.getAttribute("height"),
    imgCls: JSON.stringify(Array.from(img.attributes, a => [a.name, a.value])),
    caption: captionHTML, credit, link,
    captionCls: caption ? JSON.stringify(Array.from(caption.attributes, a => [a.name, a.value])) : null,
  }
}

function tableFigureAttrs(dom) {
  const elements = Array.from(dom.children)
  const table = elements[0]
  if (!table || table.tagName !== "TABLE" || elements.length > 2) return false
  const caption = elements[1]
  if (caption && caption.tagName !== "FIGCAPTION") return false
  return {
    cls: table.getAttribute("class"), head: table.tHead ? table.tHead.rows.length : 0,
    foot: table.tFoot ? table.tFoot.rows.length : 0, figure: dom.getAttribute("class") || "",
    caption: caption ? caption.innerHTML : null, captionCls: caption ? caption.getAttribute("class") : null,
  }
}

function htmlTag(markup, fallback) {
  return /^[a-z]+$/.test(markup) ? markup : fallback
}

/** A link's attributes in their original order, with its current href and title. */
export function linkAttributes(mark) {
  const pairs = mark.attrs.extra ? JSON.parse(mark.attrs.extra) : [["href", mark.attrs.href]]
  const out = {}
  for (const [name, value] of pairs) out[name] = value
  out.href = mark.attrs.href
  if (mark.attrs.title) out.title = mark.attrs.title
  else delete out.title
  return out
}

/** The node types that stand at the top of a body. */
export const TOP_LEVEL = new Set(Object.keys(schema.nodes).filter(name => schema.nodes[name].spec.attrs?.sid))
