/* The Subscribers screen: a list's CSV straight to S3 (presigned POST), then the screen again with the
   import's outcome; while an import or export runs, the screen is shown again every two seconds. */
(function () {
  "use strict";
  var form = document.getElementById("import-list");
  var csrf = document.querySelector('meta[name="csrf-token"]').content;
  var said = document.getElementById("import-progress"), bar = document.getElementById("upload-progress");
  function el(tag, text) { var e = document.createElement(tag); if (text) { e.textContent = text; } return e; }
  function problems(list) {
    var box = document.getElementById("problems"), ul = box.querySelector("ul");
    ul.textContent = "";
    form.querySelectorAll(".field-error").forEach(function (p) { p.hidden = true; });
    list.forEach(function (p) {
      var li = el("li"), a = el("a", p.message); a.href = "#" + p.field; li.appendChild(a); ul.appendChild(li);
      var beside = document.getElementById("e-" + p.field); if (beside) { beside.textContent = p.message; beside.hidden = false; }
    });
    box.hidden = !list.length; if (list.length) { box.focus(); }
  }
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
    fetch("/desk/subscribers/import", {method: "POST", credentials: "same-origin",
      headers: {"Content-Type": "application/json", "X-CSRF-Token": csrf},
      body: JSON.stringify({name: file.name, size: file.size, newsletters: chosen})})
      .then(function (r) { return r.json().then(function (j) { return {status: r.status, json: j}; }); })
      .then(function (answer) {
        if (answer.status !== 200) { problems(answer.json.problems || [{field: "list", message: answer.json.error || "Refused."}]); said.textContent = ""; return; }
        var data = new FormData();
        Object.keys(answer.json.fields).forEach(function (k) { data.append(k, answer.json.fields[k]); });
        data.append("file", file);
        var xhr = new XMLHttpRequest();
        xhr.open("POST", answer.json.url);
        bar.hidden = false;
        xhr.upload.addEventListener("progress", function (e) { if (e.lengthComputable) { bar.value = Math.round(100 * e.loaded / e.total); said.textContent = "Uploading… " + bar.value + "%"; } });
        xhr.addEventListener("load", function () {
          bar.hidden = true;
          if (xhr.status >= 200 && xhr.status < 300) { window.location.assign("/desk/subscribers?import=" + encodeURIComponent(answer.json.id)); }
          else { said.textContent = "The file was not uploaded: storage answered " + xhr.status + ". Try again."; }
        });
        xhr.addEventListener("error", function () { bar.hidden = true; said.textContent = "The file was not uploaded: the connection failed. Try again."; });
        xhr.send(data);
      });
  });
})();
