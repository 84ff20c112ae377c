/* Photos: upload straight to S3 with a presigned POST (progress for each file), follow the sizes
   being made, and, in the editor, insert a photo into the body or set it as the featured image.
   No inline script (CSP); every text is set with textContent. */
(function () {
  "use strict";
  var box = document.getElementById("photos");
  if (!box) { return; }
  var input = document.getElementById("upload");
  var altInput = document.getElementById("alt");
  var button = document.getElementById("upload-start");
  var queue = document.getElementById("queue");
  var drop = document.getElementById("drop");
  var picked = [];
  var body = document.getElementById("f-body");  // in the editor only

  function el(tag, text, cls) { var e = document.createElement(tag); if (text) { e.textContent = text; } if (cls) { e.className = cls; } return e; }
  function fieldError(text) {
    var p = document.getElementById("e-alt");
    p.textContent = text || ""; p.hidden = !text;
    if (text) { altInput.setAttribute("aria-invalid", "true"); altInput.focus(); } else { altInput.removeAttribute("aria-invalid"); }
  }

  function insert(photo) {
    if (window.DeskBody && window.DeskBody.insertPhoto(photo)) { return; }  // the rich text (body.js)
    var alt = (photo.alt || "").replace(/[\[\]]/g, "");
    var text = "![" + alt + "](" + photo.src + ")";
    var at = body.selectionStart || body.value.length;
    var before = body.value.slice(0, at), after = body.value.slice(at);
    var gap = before && !/\n\n$/.test(before) ? (/\n$/.test(before) ? "\n" : "\n\n") : "";
    body.value = before + gap + text + "\n\n" + after.replace(/^\n+/, "");
    body.dispatchEvent(new Event("input", {bubbles: true}));
    body.focus();
  }
  function feature(photo) {
    var image = document.getElementById("f-image"), alt = document.getElementById("f-image_alt");
    image.value = photo.src; alt.value = photo.alt || alt.value;
    image.dispatchEvent(new Event("input", {bubbles: true}));
  }
  function actions(row, photo) {
    if (!body) { return; }
    var where = el("div", "", "row-actions");
    var ins = el("button", "Insert"); ins.type = "button";
    ins.addEventListener("click", function () { insert(photo); });
    var fea = el("button", "Set as featured image"); fea.type = "button";
    fea.addEventListener("click", function () { feature(photo); });
    where.appendChild(ins); where.appendChild(fea); row.appendChild(where);
  }

  function follow(row, photo, said, started, then) {
    fetch("/desk/media/status?key=" + encodeURIComponent(photo.key), {credentials: "same-origin"})
      .then(function (r) { return r.json(); }).then(function (s) {
        said.textContent = s.message || s.error || "";
        if (s.state === "making" && Date.now() - started < 300000) { setTimeout(function () { follow(row, photo, said, started, then); }, 1000); return; }
        if (s.state === "ready") { photo.alt = s.alt || photo.alt; photo.thumb = s.thumb || ""; actions(row, photo); if (then && then.ready) { then.ready(photo); } }
        else if (then && then.failed) { then.failed(s.message || s.error || "the photo could not be read"); }
      });
  }

  // then: {ready(photo), failed(reason)}, for the body's own uploads (a dropped or pasted photo)
  function send(file, alt, then) {
    var failed = function (why) { if (then && then.failed) { then.failed(why); } };
    var row = el("li", "", "photo");
    row.appendChild(el("p", file.name));
    var bar = el("progress"); bar.max = 100; bar.value = 0; bar.setAttribute("aria-label", "Uploading " + file.name);
    var said = el("p", "Starting…"); said.setAttribute("role", "status");
    row.appendChild(bar); row.appendChild(said); queue.prepend(row);
    DeskUpload.post("/desk/media/upload", {name: file.name, type: file.type, size: file.size, alt: alt}).then(function (answer) {
      if (answer.status !== 200) {
        var problems = answer.json.problems || [{message: answer.json.error || "refused"}];
        said.textContent = "Not uploaded: " + problems.map(function (p) { return p.message; }).join("; ");
        bar.remove(); failed(said.textContent.replace(/^Not uploaded: /, "")); return;
      }
      DeskUpload.upload(file, answer.json, bar, said, "Uploading…").then(function () {
        bar.value = 100; said.textContent = "Sizes being made…";
        follow(row, {key: answer.json.key, src: answer.json.src, alt: alt}, said, Date.now(), then);
      }, function (why) { said.textContent = "Not uploaded: " + why + ". Try again."; failed(why); });
    });
  }

  var pickedThen = null;
  function start() {
    if (!picked.length) { return; }
    var alt = altInput.value.trim();
    if (!alt && box.dataset.requireAlt === "true") { fieldError("Give the photo alt text: describe it for readers who cannot see it."); return; }
    fieldError("");
    var files = picked, then = pickedThen; picked = []; pickedThen = null; input.value = "";
    files.forEach(function (file) { send(file, alt, then); });
    altInput.value = "";
  }
  function choose(files, then) {
    picked = Array.prototype.slice.call(files); pickedThen = then || null;
    if (altInput.value.trim()) { start(); return; }
    var hint = document.getElementById("e-alt");  // asked for every time; required where the site says so
    hint.textContent = box.dataset.requireAlt === "true" ? "Give the photo alt text, then choose Upload."
      : "Describe the photo in Alt text, then choose Upload.";
    hint.hidden = false; altInput.focus();
  }
  input.addEventListener("change", function () { choose(input.files); });
  // For the body (body.js): a photo dropped on the text goes through the panel (alt text asked for),
  // and a photo carried in pasted text is uploaded with the alt text it came with.
  if (body) { window.DeskPhotos = {choose: choose, upload: send}; }
  button.addEventListener("click", start);
  ["dragenter", "dragover"].forEach(function (t) { drop.addEventListener(t, function (e) { e.preventDefault(); drop.classList.add("over"); }); });
  ["dragleave", "drop"].forEach(function (t) { drop.addEventListener(t, function (e) { e.preventDefault(); drop.classList.remove("over"); }); });
  drop.addEventListener("drop", function (e) { if (e.dataTransfer && e.dataTransfer.files.length) { choose(e.dataTransfer.files); } });

  // The editor's panel: the newest photos, each with Insert and Set as featured image.
  var library = document.getElementById("library");
  if (library && body) {
    fetch("/desk/media?format=json", {credentials: "same-origin"}).then(function (r) { return r.json(); }).then(function (found) {
      (found.photos || []).forEach(function (photo) {
        if (photo.state !== "ready" || !photo.photo) { return; }
        var row = el("li", "", "photo");
        if (photo.thumb) { var img = el("img"); img.src = photo.thumb; img.alt = photo.alt || ""; row.appendChild(img); }
        row.appendChild(el("p", photo.alt || photo.key));
        row.draggable = true;  // into the body's text (body.js)
        row.addEventListener("dragstart", function (e) {
          e.dataTransfer.setData("application/x-desk-photo", JSON.stringify({src: photo.src, alt: photo.alt || "", thumb: photo.thumb || ""}));
          e.dataTransfer.setData("text/plain", photo.src);
        });
        actions(row, photo); library.appendChild(row);
      });
    });
  }
})();
