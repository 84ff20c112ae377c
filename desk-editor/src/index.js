// The desk's body editor, bundled as templates/desk/vendor/body-editor/body-editor.js (make vendor-desk),
// with its styles in body-editor.css beside it (the page links both; no inline script or style).
//
// API (window.BodyEditor), for the desk's editor page:
//
//   const editor = BodyEditor.mount(textarea, {format: "markdown" | "html", ...options})
//
// mounts a rich-text editor over the body's <textarea> (e.g. <textarea id="f-body">). The textarea
// stays the form's value: it always holds the body as it would be saved, and it is the "Markdown" /
// "HTML" source view (the toolbar's last button, or editor.showSource(true)). Options:
//
//   format            "markdown" (default) or "html": the body is saved in the format it was opened in
//   labelledBy        id of the element naming the text box (default: the textarea's <label>)
//   liveRegion        an element where formatting changes are announced (default: one of its own,
//                     role="status"); false for none
//   askLink()         returns (or resolves to) the address for Ctrl/Cmd+K and the Link button
//                     (default: window.prompt)
//   shownSrc(src)     the address to show a photo at in the editor (the file keeps src; the <img> has it
//                     as data-src, for the page to set a size it learns later); default: src
//   uploadPastedImage({src, alt})   called for each image in pasted HTML; without it, the images
//                     are left out and listed in a "notBroughtOver" event
//   onChange({source, changed}), onCount({words, minutes}), onNotBroughtOver({items: [{src, alt, reason}]}),
//   onAnnounce(text)  callbacks; the same events are dispatched on the textarea as
//                     "bodyeditor:change", "bodyeditor:count", "bodyeditor:notBroughtOver"
//
// The editor object:
//
//   editor.getSource()        the body as it would be saved (the opened text, byte for byte, while
//                             nothing changed; otherwise only the changed blocks are rewritten)
//   editor.isChanged()        whether saving would change the file
//   editor.setSource(text, {asOpened})  load another text as the body (e.g. the version kept after a
//                             conflict); asOpened: true makes it the text isChanged() compares with
//   editor.format             "markdown" or "html"
//   editor.count()            {words, minutes}
//   editor.insertImage({src, alt, caption, credit})   a photo with its caption and credit, at the selection
//   editor.insertEmbed(url)   an embed card (YouTube, Vimeo, X, Instagram, TikTok, Bluesky...)
//   editor.showSource(bool)   the source view (the textarea) or the formatted text
//   editor.view               the ProseMirror EditorView
//   editor.destroy()          the textarea back as it was

import {BodyEditor} from "./editor.js"
import {Body} from "./source.js"
import {FACTS} from "./facts.js"

export function mount(textarea, options = {}) {
  return new BodyEditor(textarea, options)
}

export {BodyEditor, Body, FACTS}

if (typeof window !== "undefined") window.BodyEditor = {mount, Body}
