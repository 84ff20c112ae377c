// The media library: a new file for a photo at the same address (a presigned POST straight to S3,
// as an upload). Without this script the form stays hidden.
(function () {
  "use strict";
  document.querySelectorAll("form.replace-file").forEach(function (form) {
    form.hidden = false;  // needs this script: without it, the photo is replaced by uploading it again
    var said = form.querySelector("[role=status]");
    form.addEventListener("submit", function (event) {
      event.preventDefault();
      var file = form.querySelector("input[type=file]").files[0];
      if (!file) { said.textContent = "Choose the new file first."; return; }
      said.textContent = "Uploading…";
      DeskUpload.post("/desk/media/upload", {name: file.name, type: file.type, size: file.size, alt: "", replace: form.dataset.key,
        etag: form.dataset.etag}).then(function (answer) {
        if (answer.status !== 200) {
          said.textContent = "Not replaced: " + (answer.json.problems || [{message: answer.json.error || "refused"}])
            .map(function (p) { return p.message; }).join("; ");
          return;
        }
        return DeskUpload.upload(file, answer.json, null, said, "").then(function () {
          said.textContent = "Replaced: new sizes being made; the articles showing it follow within a minute.";
        }, function (why) { said.textContent = "Not replaced: " + why + ". Try again."; });
      }).catch(function () { said.textContent = "Not replaced: the connection failed. Try again."; });
    });
  });
})();
