// Table editing (prosemirror-tables: cell selection, Tab between cells, column widths) is loaded on
// first use: when the body has a table. Under Node (the tests) it is a dynamic import; the desk's
// bundle replaces this module with tables-script.js, which fetches body-editor-tables.js (build.mjs).
export function loadTables() {
  return import("prosemirror-tables")
}
