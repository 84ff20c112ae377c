/* The article's body in the desk's editor: the rich-text editor (vendor/body-editor, desk-editor/ in
   the repository) mounted over the body's <textarea>, which stays the form's field and the
   "Markdown"/"HTML" source view. The textarea always holds the body as it would be saved, so the
   rest of the page (desk.js: preview, save, the copy kept in this browser) reads it as before.

   For the page's other scripts:
     window.DeskBody.get()            the body as it would be saved
     window.DeskBody.set(text, asOpened)   put another text in (a restored copy, their version...)
     window.DeskBody.onChange(fn)     fn(text) after every change, rich or in the source view
     window.DeskBody.isChanged()      whether saving would change the file
     window.DeskBody.insertPhoto(photo)   {src, alt}: a photo at the cursor, its details opened
                                      (alt, caption, credit); false where the rich text is not shown
     window.DeskBody.rich             true once the rich text is mounted

   If the editor's script did not load (or failed), none of this mounts and the textarea works as it
   always has. No inline script (CSP); every text is set with textContent. */
(function () {
  "use strict";
  var textarea = document.getElementById("f-body");
  if (!textarea) { return; }
  var format = textarea.dataset.format === "html" ? "html" : "markdown";
  var kind = format === "html" ? "HTML" : "Markdown";
  var opened = textarea.value;
  var relayed = textarea.value;  // the text the page was last told about
  var relaying = false;
  var listeners = [];
  var editor = null;
  var thumbs = {};  // a photo's address in the file -> a size this page can show (its original is not served)

  function notify(text) {
    listeners.forEach(function (fn) { try { fn(text); } catch (e) { window.console.error(e); } });
  }
  // The rich text's changes reach the page as the textarea's own "input" (desk.js keeps a copy of
  // the typing in this browser and starts its autosave on it); only real changes: mounting is none.
  function relay(text) {
    if (text === relayed) { return; }
    relayed = text;
    relaying = true;
    try { textarea.dispatchEvent(new Event("input", {bubbles: true})); } finally { relaying = false; }
    notify(text);
  }
  textarea.addEventListener("input", function () {
    if (relaying || textarea.value === relayed) { return; }
    relayed = textarea.value;
    notify(textarea.value);
  });

  window.DeskBody = {
    rich: false,
    get: function () { return editor ? editor.getSource() : textarea.value; },
    set: function (text, asOpened) {
      if (asOpened) { opened = text; }
      if (editor) { editor.setSource(text, {asOpened: !!asOpened}); } else { textarea.value = text; }
      relay(text);
    },
    onChange: function (fn) { listeners.push(fn); },
    isChanged: function () { return editor ? editor.isChanged() : textarea.value !== opened; },
    insertPhoto: function () { return false; }
  };

  // Without the rich text, the textarea as it was, with its Markdown toolbar (loaded only then: the
  // editor's first load stays within its budget, docs/performance.md).
  function plainTextarea() {
    var toolbar = document.querySelector("markdown-toolbar[for='f-body']");
    if (!toolbar || !toolbar.dataset.script || document.querySelector("script[data-markdown-toolbar]")) { return; }
    var script = document.createElement("script");
    script.type = "module"; script.src = toolbar.dataset.script; script.dataset.markdownToolbar = "";
    document.head.appendChild(script);
  }
  var Editor = window.BodyEditor;
  if (!Editor || typeof Editor.mount !== "function") { plainTextarea(); return; }  // the script did not load

  function el(tag, text, cls) { var e = document.createElement(tag); if (text) { e.textContent = text; } if (cls) { e.className = cls; } return e; }

  // Formatting changes are said here (a polite live region, not a second "status": the page has one).
  var live = el("div", "", "be-live");
  live.setAttribute("aria-live", "polite");
  var count = el("p", "", "hint body-count");
  count.id = "body-count";
  var notBrought = el("div", "", "notice");
  notBrought.id = "not-brought-over";
  notBrought.hidden = true;

  function showCount(c) {
    count.textContent = c.words === 1 ? "1 word" : c.words.toLocaleString("en") + " words";
    count.textContent += c.words ? ", about " + c.minutes + " min to read" : "";
  }

  function listNotBroughtOver(items) {
    if (!items.length) { return; }
    notBrought.hidden = false;
    if (!notBrought.firstChild) {
      notBrought.appendChild(el("p", "Not brought over from the pasted text:"));
      notBrought.appendChild(el("ul"));
    }
    var list = notBrought.querySelector("ul");
    items.forEach(function (item) {
      list.appendChild(el("li", (item.alt ? "\u201c" + item.alt + "\u201d " : "A photo ") +
        "(" + (item.src.length > 80 ? item.src.slice(0, 77) + "\u2026" : item.src) + "): " + item.reason));
    });
  }

  // Photos in pasted HTML: those carried in the clipboard itself (data: addresses) go up the photo
  // path as the panel's uploads do; one on another site or on the computer's disk cannot be read from
  // this page (its Content-Security-Policy), and is listed with the reason.
  function pastedImage(image) {
    var src = image.src || "";
    var data = /^data:(image\/(?:jpeg|png|gif|webp|avif));base64,([A-Za-z0-9+/=\s]+)$/.exec(src);
    if (!data || !window.DeskPhotos) {
      var reason = data ? "photos can be uploaded by editors only: ask one to add it"
        : /^(?:file|webkit-fake-url|blob):/i.test(src) ? "it is a file on your computer the browser does not hand over: upload it with the photos panel"
        : /^https?:/i.test(src) ? "it is on another site (" + src.replace(/^https?:\/\/([^/]+).*$/i, "$1") + "): save it and upload it with the photos panel, with its owner's permission"
        : "it has no address the desk can read: upload it with the photos panel";
      listNotBroughtOver([{src: src, alt: image.alt || "", reason: reason}]);
      return;
    }
    var bytes = atob(data[2].replace(/\s+/g, ""));
    var buffer = new Uint8Array(bytes.length);
    for (var i = 0; i < bytes.length; i++) { buffer[i] = bytes.charCodeAt(i); }
    var extension = data[1].split("/")[1].replace("jpeg", "jpg");
    var file = new File([buffer], "pasted-photo." + extension, {type: data[1]});
    window.DeskPhotos.upload(file, image.alt || "", {
      ready: function (photo) { placePhoto(photo, null, false); say("A photo from the pasted text is uploaded and in the text."); },
      failed: function (why) { listNotBroughtOver([{src: "pasted-photo." + extension, alt: image.alt || "", reason: "not uploaded: " + why}]); }
    });
  }

  function say(text) { live.textContent = text; }
  // A photo's original is never served (readers get its sizes): the desk shows one of its sizes,
  // known from the panel or asked for (editors; for others it stays its alt text).
  var asked = {};
  function shownSrc(src) {
    if (thumbs[src]) { return thumbs[src]; }
    if (!/^\/media\/[^?#]+$/.test(src)) { return src; }
    if (!asked[src] && document.getElementById("photos")) {
      asked[src] = true;
      fetch("/desk/media/status?key=" + encodeURIComponent(src.slice(1)), {credentials: "same-origin"})
        .then(function (r) { return r.ok ? r.json() : {}; }).then(function (s) {
          if (!s.thumb) { return; }
          thumbs[src] = s.thumb;
          editor.view.dom.querySelectorAll("img[data-src]").forEach(function (img) {
            if (img.getAttribute("data-src") === src) { img.src = s.thumb; }
          });
        });
    }
    return "";
  }

  try {
    editor = Editor.mount(textarea, {
      format: format,
      liveRegion: live,
      uploadPastedImage: pastedImage,
      shownSrc: shownSrc,
      onChange: function (detail) { relay(detail.source); },
      onCount: showCount,
      onNotBroughtOver: function (detail) { listNotBroughtOver(detail.items); }
    });
  } catch (e) {
    window.console.error("The rich-text body did not start; the text box is used instead.", e);
    document.querySelectorAll(".body-editor").forEach(function (root) { root.remove(); });
    textarea.hidden = false;
    editor = null;
    plainTextarea();
    return;
  }

  // The page around it: the rich text's own toolbar replaces the Markdown one; the textarea (the
  // source view) is named for what it shows, so "Body" names the text box people write in.
  var oldToolbar = document.querySelector("markdown-toolbar[for='f-body']");
  if (oldToolbar) { oldToolbar.remove(); }
  textarea.setAttribute("aria-label", "Body (" + kind + ")");
  var hint = document.getElementById("h-body");
  if (hint) {
    hint.textContent = "Write as in a word processor: Ctrl+B bold, Ctrl+I italic, Ctrl+K link; " +
      "start a line with ## for a heading, - for a list, > for a quote. The " + kind +
      " button shows the file's " + kind + ".";
  }
  var label = document.querySelector("label[for='f-body']");
  if (label) { label.addEventListener("click", function (e) { if (!editor.sourceShown) { e.preventDefault(); editor.view.focus(); } }); }
  textarea.after(count);
  count.after(notBrought);
  showCount(editor.count());
  window.DeskBody.rich = true;

  // Another script putting a text into the textarea and saying so with an input event (editor.js's
  // "Restore them", conflict.js's "Copy their text"): the rich text follows. Before the textarea's own
  // listener (capture), which takes the textarea's value as told.
  (textarea.form || document).addEventListener("input", function () {
    if (relaying || editor.sourceShown || textarea.value === relayed) { return; }
    editor.setSource(textarea.value);
  }, true);

  // ---- photos: from the panel's Insert, dragged from its library, or a file dropped on the text ----

  function openDetails(src) {
    var figures = editor.view.dom.querySelectorAll(".be-figure");
    for (var i = figures.length - 1; i >= 0; i--) {
      var img = figures[i].querySelector("img");
      if (img && img.getAttribute("src") === shownSrc(src)) {
        var edit = figures[i].querySelector(".be-edit");
        if (edit) { edit.click(); }
        return;
      }
    }
  }

  function placePhoto(photo, at, details) {
    if (photo.thumb) { thumbs[photo.src] = photo.thumb; }
    var view = editor.view, state = view.state;
    var node = state.schema.nodes.figure.create({src: photo.src, alt: (photo.alt || "").trim(), caption: "", credit: ""});
    var tr = at == null ? state.tr.replaceSelectionWith(node) : state.tr.replaceRangeWith(at, at, node);
    view.dispatch(tr.scrollIntoView());
    if (details) { openDetails(photo.src); say("Photo added. Give its alt text, caption and credit."); }
  }

  window.DeskBody.insertPhoto = function (photo) {
    if (!editor || editor.sourceShown) { return false; }
    placePhoto(photo, null, true);
    return true;
  };

  function dropAt(event) {
    var found = editor.view.posAtCoords({left: event.clientX, top: event.clientY});
    return found ? found.pos : null;
  }
  var surface = editor.view.dom.parentNode;
  surface.addEventListener("dragover", function (event) {
    var types = event.dataTransfer ? Array.prototype.slice.call(event.dataTransfer.types) : [];
    if (types.indexOf("application/x-desk-photo") >= 0 || types.indexOf("Files") >= 0) { event.preventDefault(); }
  }, true);
  surface.addEventListener("drop", function (event) {
    var transfer = event.dataTransfer;
    if (!transfer) { return; }
    var photo = transfer.getData("application/x-desk-photo");
    var files = Array.prototype.filter.call(transfer.files || [], function (f) { return /^image\//.test(f.type); });
    if (!photo && !files.length) { return; }
    event.preventDefault();
    event.stopPropagation();
    var at = dropAt(event);
    if (photo) {
      try { placePhoto(JSON.parse(photo), at, true); } catch (e) { window.console.error(e); }
      return;
    }
    if (!window.DeskPhotos) { say("Photos can be uploaded by editors only."); return; }
    // As the panel uploads: it asks for the alt text, then each photo goes into the text when ready.
    window.DeskPhotos.choose(files, {ready: function (p) { placePhoto(p, null, true); }});
    say("Give the photo alt text in the photos panel, then choose Upload: it goes into the text when ready.");
  }, true);
})();
