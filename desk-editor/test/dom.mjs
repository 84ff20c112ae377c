// A browser's globals for the editor's modules under Node (jsdom), set before they are imported.
import {JSDOM} from "jsdom"

const dom = new JSDOM("<!doctype html><html><body></body></html>", {pretendToBeVisual: true})
const {window} = dom
globalThis.window = window
for (const name of ["document", "navigator", "Node", "HTMLElement", "Element", "DOMParser", "MutationObserver",
                    "getComputedStyle", "requestAnimationFrame", "cancelAnimationFrame", "KeyboardEvent", "Event",
                    "CustomEvent", "InputEvent", "ClipboardEvent", "DataTransfer", "Text", "Range", "Selection"]) {
  if (window[name] !== undefined && globalThis[name] === undefined) {
    Object.defineProperty(globalThis, name, {value: window[name], configurable: true, writable: true})
  }
}
// jsdom lays nothing out: ProseMirror asks for rectangles when it scrolls the selection into view
window.Element.prototype.getClientRects ??= function () { return [] }
window.Element.prototype.getBoundingClientRect ??= function () { return {top: 0, left: 0, right: 0, bottom: 0, width: 0, height: 0} }
window.Range.prototype.getClientRects = function () { return [] }
window.Range.prototype.getBoundingClientRect = function () { return {top: 0, left: 0, right: 0, bottom: 0, width: 0, height: 0} }
window.document.elementFromPoint = () => null

export {window, dom}
