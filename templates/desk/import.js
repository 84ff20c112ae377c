/* Import from WordPress: the export straight to S3 (presigned POST), then the imports function's
   progress, the site's (live, refused), the report, and the comments once the articles are live. */
(function () {
  "use strict";
  var form = document.getElementById("import");
  if (!form) { return; }
  var said = document.getElementById("progress"), counts = document.getElementById("counts");
  var refusedList = document.getElementById("refused"), actions = document.getElementById("actions");
  var bar = document.getElementById("upload-progress");
  function el(tag, text) { var e = document.createElement(tag); if (text) { e.textContent = text; } return e; }
  var post = DeskUpload.post;
  function problems(list) { DeskUpload.problems(form, list); }
  function show(s) {
    counts.textContent = ""; refusedList.textContent = ""; actions.textContent = "";
    var text = {waiting: "Waiting for the imports function…", converting: "Converting the export…",
      uploading: "Uploading: " + (s.done || 0) + " of " + (s.files || "?") + " files.",
      "dry run": "Dry run done: " + (s.files || 0) + " files would be uploaded; nothing was.",
      refused: "Refused: some converted files have problems; nothing was uploaded.", failed: s.error || "Failed."}[s.state];
    if (s.state === "uploaded") {
      text = s.finished ? "Done: " + s.live + " files live, " + Object.keys(s.refused || {}).length + " refused."
        : "Uploaded " + s.files + " files; live " + s.live + ", refused " + Object.keys(s.refused || {}).length + ", waiting " + s.waiting + ".";
      if (s.kept) { text += " " + s.kept + " already there with other content: kept as they were, not overwritten (see the report)."; }
    }
    said.textContent = text || s.state;
    Object.keys(s.counts || {}).forEach(function (kind) {
      var parts = Object.keys(s.counts[kind]).map(function (k) { return s.counts[kind][k] + " " + k; });
      counts.appendChild(el("li", kind + ": " + parts.join(", ")));
    });
    if (s.blocks && (s.blocks.rendered || s.blocks.reported)) {
      counts.appendChild(el("li", "blocks: " + (s.blocks.rendered || 0) + " rendered, " + (s.blocks.reported || 0) + " reported"));
    }
    if (s.subscribers && s.subscribers.found_in_export && s.subscribers.found_in_export.length) {
      var where = el("li", "Subscribers: this site's sign-up form was " + s.subscribers.found_in_export.join(", ") + ". Export them there and "), go = el("a", "import them in Subscribers");
      go.href = s.subscribers.import_at; where.appendChild(go); where.appendChild(document.createTextNode(".")); counts.appendChild(where);
    }
    Object.keys(s.refused || {}).forEach(function (key) { refusedList.appendChild(el("li", key + ": " + s.refused[key])); });
    (s.problems || []).forEach(function (p) { refusedList.appendChild(el("li", p.file + ": " + p.problems.join("; "))); });
    if (s.counts) { var a = el("a", "The report"); a.href = "/desk/import/report?id=" + encodeURIComponent(s.id); actions.appendChild(a); }
    if (s.state === "dry run") {
      var again = el("button", "Import for real"); again.type = "button";
      again.addEventListener("click", function () {
        post("/desk/import/start", {again: s.id}).then(function (answer) { if (answer.status === 200) { follow(answer.json.id); } });
      });
      actions.appendChild(document.createTextNode(" ")); actions.appendChild(again);
    }
    if (s.state === "uploaded" && s.finished && s.comments) {
      var bring = el("button", "Bring over the " + s.comments + " comments"); bring.type = "button";
      bring.addEventListener("click", function () { comments(s.id, 0); });
      actions.appendChild(document.createTextNode(" ")); actions.appendChild(bring);
    }
  }
  function comments(id, start) {
    post("/desk/import/comments", {id: id, start: start}).then(function (answer) {
      if (answer.status !== 200) { said.textContent = answer.json.error || "Comments not imported."; return; }
      said.textContent = "Comments: " + answer.json.done + " of " + answer.json.total + " brought over.";
      answer.json.failed.forEach(function (f) { refusedList.appendChild(el("li", f)); });
      if (answer.json.done < answer.json.total) { comments(id, answer.json.done); }
    });
  }
  function follow(id) {
    if (window.history && history.replaceState) { history.replaceState(null, "", "/desk/import?id=" + encodeURIComponent(id)); }
    fetch("/desk/import/progress?id=" + encodeURIComponent(id), {credentials: "same-origin"})
      .then(function (r) { return r.json(); }).then(function (s) {
        show(s);
        if (!s.finished) { setTimeout(function () { follow(id); }, 1000); }
      });
  }
  form.addEventListener("submit", function (event) {
    event.preventDefault();
    var file = document.getElementById("export").files[0];
    if (!file) { problems([{field: "export", message: "Choose the WordPress export (.xml) first."}]); return; }
    problems([]);
    said.textContent = "Starting…";
    post("/desk/import/start", {name: file.name, size: file.size, dry_run: document.getElementById("dry_run").checked,
      media_from: document.getElementById("media_from").value}).then(function (answer) {
      if (answer.status !== 200) { problems(answer.json.problems || [{field: "export", message: answer.json.error || "refused"}]); said.textContent = ""; return; }
      bar.hidden = false;
      DeskUpload.upload(file, answer.json, bar, said, "Uploading the export…").then(function () { bar.hidden = true; follow(answer.json.id); },
        function (why) { bar.hidden = true; said.textContent = "The export was not uploaded: " + why + ". Try again."; });
    });
  });
  if (form.dataset.id) { follow(form.dataset.id); }
})();
