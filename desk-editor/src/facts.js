// What the site allows in a body, as ingest's sanitizer has it (chalicelib/content/markup.py), and
// the addresses the site shows as embed cards (chalicelib/content/embeds.py): one fact each, written
// to facts.json by write_facts.py and bundled, never copied by hand (a test compares them).
//
// `clean` is ingest's allow-list applied with DOMPurify: the same tags, the same attributes per tag,
// the same classes per tag, the same URL schemes (data: only as a raster image's src), ids that the
// page's own templates do not use, and HTML's obsolete phrase elements as HTML5 names them.

import createDOMPurify from "dompurify"
import FACTS from "./facts.json" with {type: "json"}

export {FACTS}

const ATTRIBUTES = Object.fromEntries(Object.entries(FACTS.attributes).map(([tag, names]) => [tag, new Set(names)]))
const CLASSES = Object.fromEntries(FACTS.classes.flatMap(group => group.tags.map(tag => [tag, new Set(group.classes)])))
const ALL_ATTRIBUTES = [...new Set([...Object.values(FACTS.attributes).flat(), "class"])]
const BODY_ID = new RegExp("^(?:" + FACTS.body_id + ")$")
const TEMPLATE_IDS = new RegExp("^(?:" + FACTS.template_ids + ")$")
const DATA_IMAGE = new RegExp("^(?:" + FACTS.data_image + ")$", "i")
const SCHEME = /^([a-z][a-z0-9+.-]*):/i
const OBSOLETE = new RegExp("<(/?)(" + Object.keys(FACTS.obsolete).join("|") + ")\\b", "gi")
const NEXTPAGE = /<!--\s*nextpage\s*-->/gi

let purifier = null

function purify() {
  if (purifier) return purifier
  purifier = createDOMPurify(globalThis.window)
  purifier.addHook("uponSanitizeAttribute", (node, data) => {
    const tag = node.nodeName.toLowerCase()
    data.keepAttr = keepAttribute(tag, data.attrName, data)
    if (data.keepAttr) data.forceKeepAttr = true
  })
  return purifier
}

function keepAttribute(tag, name, data) {
  if (name === "class") {
    const allowed = CLASSES[tag]
    const kept = allowed ? data.attrValue.split(/\s+/).filter(c => allowed.has(c)) : []
    data.attrValue = kept.join(" ")
    return kept.length > 0
  }
  if (!ATTRIBUTES[tag] || !ATTRIBUTES[tag].has(name)) return false
  const value = data.attrValue
  if (name === "id") return BODY_ID.test(value) && !TEMPLATE_IDS.test(value)
  if (name === "target") {
    data.attrValue = "_blank"
    return value.trim().toLowerCase() === "_blank"
  }
  if (["src", "href", "cite", "poster"].includes(name)) {
    if (/^data:/i.test(value)) return tag === "img" && name === "src" && DATA_IMAGE.test(value)
    const scheme = SCHEME.exec(value)
    if (scheme && !FACTS.url_schemes.includes(scheme[1].toLowerCase())) return false
    if (FACTS.media_tags.includes(tag) || name === "poster") return FACTS.media_sources.some(p => value.startsWith(p))
  }
  return true
}

/** HTML with only what ingest keeps, as a DocumentFragment. */
export function clean(html) {
  const modern = html.replace(NEXTPAGE, FACTS.page_break).replace(OBSOLETE, (m, closing, name) => {
    const element = FACTS.obsolete[name.toLowerCase()]
    return "<" + closing + (closing ? element.split(" ")[0] : element)
  })
  return purify().sanitize(modern, {
    ALLOWED_TAGS: FACTS.tags, ALLOWED_ATTR: ALL_ATTRIBUTES, RETURN_DOM_FRAGMENT: true,
    SANITIZE_DOM: false, ALLOW_DATA_ATTR: false, ALLOW_ARIA_ATTR: false, KEEP_CONTENT: true,
  })
}

let inert = null

/** A document with no window, for HTML the editor only reads or writes: an <img> made or moved into
 * the page's own document is fetched at once, even detached (a photo's original, never served). */
export function inertDocument() {
  if (!inert || inert.defaultView) inert = document.implementation.createHTMLDocument("")
  return inert
}

/** `clean` as a string of HTML. */
export function cleanHTML(html) {
  const holder = inertDocument().createElement("div")
  holder.append(clean(html))
  return holder.innerHTML
}

/** The embed provider's name for an address alone on a line (YouTube, Vimeo...), or null. */
export function embedUrl(text) {
  if (!/^https?:\/\/[^\s<>"]+$/.test(text)) return null
  let host
  try { host = new URL(text).hostname.toLowerCase() } catch { return null }
  host = host.replace(/^www\./, "").replace(/^m\./, "")
  for (const [known, [, name]] of Object.entries(FACTS.embed_providers)) {
    if (host === known || host.endsWith("." + known)) return name
  }
  return null
}
