/* The desk's presigned uploads, shared by the screens that send a file straight to S3 (import.js,
   subscribers.js, media.js, admin.js): the start request, which the desk answers with where the file
   goes (url, fields, and the job's id or key), then the file itself with its progress, and the upload
   form's error summary. Loaded before those scripts (defer keeps the order); no inline script (CSP). */
window.DeskUpload = (function () {
  "use strict";
  var meta = document.querySelector('meta[name="csrf-token"]');

  // POST ``data`` as JSON to one of the desk's own URLs: resolves with the answer's status and JSON.
  function post(url, data) {
    return fetch(url, {method: "POST", credentials: "same-origin",
      headers: {"Content-Type": "application/json", "X-CSRF-Token": meta ? meta.content : ""},
      body: JSON.stringify(data)})
      .then(function (r) { return r.json().then(function (j) { return {status: r.status, json: j}; }); });
  }

  // ``file`` to where ``answer`` (the start request's JSON) says; while it goes, ``bar`` (if any) fills and ``said``
  // reads "<uploading> N%". Resolves once storage took it; rejects with why not, in words
  // ("storage answered 403", "the connection failed"). Showing or hiding the bar is the caller's.
  function upload(file, answer, bar, said, uploading) {
    return new Promise(function (resolve, reject) {
      var data = new FormData();
      Object.keys(answer.fields).forEach(function (k) { data.append(k, answer.fields[k]); });
      data.append("file", file);
      var xhr = new XMLHttpRequest();
      xhr.open("POST", answer.url);
      xhr.upload.addEventListener("progress", function (e) {
        if (bar && e.lengthComputable) { bar.value = Math.round(100 * e.loaded / e.total); said.textContent = uploading + " " + bar.value + "%"; }
      });
      xhr.addEventListener("load", function () {
        if (xhr.status >= 200 && xhr.status < 300) { resolve(); } else { reject("storage answered " + xhr.status); }
      });
      xhr.addEventListener("error", function () { reject("the connection failed"); });
      xhr.send(data);
    });
  }

  // The form's error summary (#problems) linking to each field, and each message beside its field (#e-<field>).
  function problems(form, list) {
    var box = document.getElementById("problems"), ul = box.querySelector("ul");
    ul.textContent = "";
    form.querySelectorAll(".field-error").forEach(function (p) { p.hidden = true; });
    list.forEach(function (p) {
      var li = document.createElement("li"), a = document.createElement("a");
      a.textContent = p.message; a.href = "#" + p.field; li.appendChild(a); ul.appendChild(li);
      var beside = document.getElementById("e-" + p.field); if (beside) { beside.textContent = p.message; beside.hidden = false; }
    });
    box.hidden = !list.length; if (list.length) { box.focus(); }
  }

  return {post: post, upload: upload, problems: problems};
})();
