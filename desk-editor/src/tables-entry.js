// body-editor-tables.js (build.mjs): prosemirror-tables, for tables-script.js.
import {tableEditing, goToNextCell, columnResizing} from "prosemirror-tables"

window.BodyEditorTables = {tableEditing, goToNextCell, columnResizing}
