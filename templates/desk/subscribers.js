/* The Subscribers screen: a list's CSV straight to S3 (presigned POST), then the screen again with the
   import's outcome; while an import or export runs, the screen is shown again every two seconds. */
(function () {
  "use strict";
  var form = document.getElementById("import-list");
  var said = document.getElementById("import-progress"), bar = document.getElementById("upload-progress");
  function problems(list) { DeskUpload.problems(form, list); }
  function watch(node, param) {
    var id = node && node.dataset.job;
    if (!id) { return; }
    setTimeout(function check() {
      fetch("/desk/subscribers/progress?id=" + encodeURIComponent(id), {credentials: "same-origin"})
        .then(function (r) { return r.json(); }).then(function (s) {
          if (s.finished) { window.location.assign("/desk/subscribers?" + param + "=" + encodeURIComponent(id)); }
          else { setTimeout(check, 2000); }
        });
    }, 2000);
  }
  watch(said, "import");
  watch(document.getElementById("export-status"), "export");
  form.addEventListener("submit", function (event) {
    event.preventDefault();
    var file = document.getElementById("list").files[0];
    var chosen = Array.prototype.map.call(form.querySelectorAll('input[name="newsletter"]:checked'), function (b) { return b.value; });
    if (!file) { problems([{field: "list", message: "Choose the exported CSV file first."}]); return; }
    problems([]);
    said.textContent = "Starting…";
    DeskUpload.post("/desk/subscribers/import", {name: file.name, size: file.size, newsletters: chosen}).then(function (answer) {
      if (answer.status !== 200) { problems(answer.json.problems || [{field: "list", message: answer.json.error || "Refused."}]); said.textContent = ""; return; }
      bar.hidden = false;
      DeskUpload.upload(file, answer.json, bar, said, "Uploading…").then(function () {
        bar.hidden = true; window.location.assign("/desk/subscribers?import=" + encodeURIComponent(answer.json.id));
      }, function (why) { bar.hidden = true; said.textContent = "The file was not uploaded: " + why + ". Try again."; });
    });
  });
})();
