// The desk's loadTables (build.mjs puts it in place of tables.js): body-editor-tables.js, a second
// bundle beside this one on our own origin (CSP script-src 'self'), added as a script element the
// first time a body has a table. It uses this bundle's ProseMirror modules (one copy of each, so that
// its plugins and selections are the editor's own): they are handed over in BodyEditorShared.
import {Fragment, Slice} from "prosemirror-model"
import {NodeSelection, Plugin, PluginKey, Selection, SelectionRange, TextSelection} from "prosemirror-state"
import {Transform} from "prosemirror-transform"
import {Decoration, DecorationSet} from "prosemirror-view"
import {keydownHandler} from "prosemirror-keymap"

const here = typeof document !== "undefined" && document.currentScript ? document.currentScript.src : ""
let loading = null

export function loadTables() {
  if (loading) return loading
  // what prosemirror-tables 1.8 imports (build.mjs fails the build if it asks for anything else)
  window.BodyEditorShared = {
    "prosemirror-model": {Fragment, Slice},
    "prosemirror-state": {NodeSelection, Plugin, PluginKey, Selection, SelectionRange, TextSelection},
    "prosemirror-transform": {Transform}, "prosemirror-view": {Decoration, DecorationSet},
    "prosemirror-keymap": {keydownHandler}}
  loading = new Promise((resolve, reject) => {
    if (window.BodyEditorTables) { resolve(window.BodyEditorTables); return }
    const script = document.createElement("script")
    script.src = here.replace(/\/body-editor\.([^/]*)$/, "/body-editor-tables.$1")
    script.addEventListener("load", () => resolve(window.BodyEditorTables))
    script.addEventListener("error", () => { loading = null; script.remove(); reject(new Error("table editing did not load")) })
    document.head.append(script)
  })
  return loading
}
