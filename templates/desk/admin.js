// The media library: a new file for a photo at the same address (a presigned POST straight to S3,
// as an upload). Without this script the form stays hidden.
(function () {
  "use strict";
  var meta = document.querySelector('meta[name="csrf-token"]');
  document.querySelectorAll("form.replace-file").forEach(function (form) {
    form.hidden = false;  // needs this script: without it, the photo is replaced by uploading it again
    var said = form.querySelector("[role=status]");
    form.addEventListener("submit", function (event) {
      event.preventDefault();
      var file = form.querySelector("input[type=file]").files[0];
      if (!file) { said.textContent = "Choose the new file first."; return; }
      said.textContent = "Uploading…";
      fetch("/desk/media/upload", {method: "POST", credentials: "same-origin",
        headers: {"Content-Type": "application/json", "X-CSRF-Token": meta ? meta.content : ""},
        body: JSON.stringify({name: file.name, type: file.type, size: file.size, alt: "", replace: form.dataset.key,
          etag: form.dataset.etag})})
        .then(function (r) { return r.json().then(function (j) { return {status: r.status, json: j}; }); })
        .then(function (answer) {
          if (answer.status !== 200) {
            said.textContent = "Not replaced: " + (answer.json.problems || [{message: answer.json.error || "refused"}])
              .map(function (p) { return p.message; }).join("; ");
            return;
          }
          var data = new FormData();
          Object.keys(answer.json.fields).forEach(function (k) { data.append(k, answer.json.fields[k]); });
          data.append("file", file);
          return fetch(answer.json.url, {method: "POST", body: data}).then(function (r) {
            said.textContent = r.ok ? "Replaced: new sizes being made; the articles showing it follow within a minute."
              : "Not replaced: storage answered " + r.status + ". Try again.";
          });
        })
        .catch(function () { said.textContent = "Not replaced: the connection failed. Try again."; });
    });
  });
})();
