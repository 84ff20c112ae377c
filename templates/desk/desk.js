/* The editors' desk: previews, saves, autosave, conflicts. No inline script anywhere (CSP). */
(function () {
  "use strict";
  // The editor's time zone, for the times the desk's screens write (chalicelib/desk/zones.py): a display
  // preference, not a secret.
  try {
    var zone = Intl.DateTimeFormat().resolvedOptions().timeZone;
    document.cookie = "desk_zone=" + (/^[A-Za-z0-9_\/+-]{1,64}$/.test(zone) ? zone : "UTC") +
      "; Path=/desk; SameSite=Strict; Max-Age=31536000" + (location.protocol === "https:" ? "; Secure" : "");
  } catch (e) {}
  var form = document.getElementById("editor");
  if (!form) { return; }
  var csrf = document.querySelector('meta[name="csrf-token"]').content;
  var statusBox = document.getElementById("status");
  var problemsBox = document.getElementById("problems");
  // The version of every key a save may write, as this page opened it ("" where there was no file):
  // each write is conditional on its own key's (documents.py), so nobody overwrites what they never saw.
  var versions = {};
  try { versions = JSON.parse(form.dataset.versions || "{}"); } catch (e) {}

  function fields() {
    var out = {};
    form.dataset.fields.split(" ").forEach(function (name) {  // the fields the desk writes (documents.FIELDS)
      var input = form.elements[name];
      if (input) { out[name] = input.type === "checkbox" ? (input.checked ? "true" : "") : input.value; }
    });
    return out;
  }
  function body() { return document.getElementById("f-body").value; }
  // The outcome, beside the buttons: scrolled into view if the page moved under it (focus stays put).
  function say(text) {
    statusBox.textContent = text;
    if (text && statusBox.scrollIntoView) { statusBox.scrollIntoView({block: "nearest"}); }
  }

  // Publish at: shown in the editor's time zone, kept in UTC.
  var local = document.getElementById("f-date");
  var utc = document.getElementById("f-date-utc");
  try { document.getElementById("zone").textContent = Intl.DateTimeFormat().resolvedOptions().timeZone; } catch (e) {}
  function pad(n) { return (n < 10 ? "0" : "") + n; }
  if (utc.value) {
    var d = new Date(utc.value);
    if (!isNaN(d)) {
      local.value = d.getFullYear() + "-" + pad(d.getMonth() + 1) + "-" + pad(d.getDate()) + "T" + pad(d.getHours()) + ":" + pad(d.getMinutes());
    }
  }
  local.addEventListener("change", function () {
    var d = new Date(local.value);
    utc.value = isNaN(d) ? "" : d.toISOString().replace(/\.\d{3}Z$/, "Z");
    changed();
  });

  // The slug is suggested from the title until the editor writes one (new articles only).
  // An opened article's slug is never suggested again: changing it moves the article, and the hint says
  // that its old address will redirect (the title's words change without moving it, as in WordPress).
  var slug = form.elements.slug, title = form.elements.title, slugTouched = !!slug.value || slug.hasAttribute("data-opened");
  var moves = document.getElementById("slug-moves");
  slug.addEventListener("input", function () {
    slugTouched = true;
    document.getElementById("slug-shown").textContent = slug.value || slug.placeholder;
    if (moves) { moves.hidden = !slug.value || slug.value === moves.dataset.was; }
  });
  // Once published or scheduled in this page, a new article's address is its own: a later change of the
  // title (a correction) no longer moves it.
  form.addEventListener("desk:saved", function (event) {
    if (event.detail.action === "publish" || event.detail.action === "schedule" || event.detail.action === "approve") {
      slugTouched = true;
      if (moves) { moves.dataset.was = slug.value || slug.placeholder; }
    }
  });
  title.addEventListener("input", function () {
    if (!slugTouched) {
      slug.value = title.value.toLowerCase().normalize("NFKD").replace(/[\u0300-\u036f]/g, "")
        .replace(/[^a-z0-9]+/g, "-").replace(/^-+|-+$/g, "").slice(0, 120);
      document.getElementById("slug-shown").textContent = slug.value;
    }
  });

  // Typing is kept in this tab's browser copy, and saved to the server as a draft (editor.js).
  function changed() { form.dispatchEvent(new CustomEvent("desk:changed")); }

  function showProblems(problems) {
    var list = problemsBox.querySelector("ul");
    list.textContent = "";
    form.querySelectorAll(".field-error").forEach(function (p) { p.hidden = true; p.textContent = ""; });
    problems.forEach(function (p) {
      var item = document.createElement("li");
      var target = document.getElementById("f-" + p.field);
      if (target) {
        var link = document.createElement("a");
        link.href = "#f-" + p.field; link.textContent = p.text || (p.field + ": " + p.message);
        item.appendChild(link);
        var beside = document.getElementById("e-" + p.field);
        if (beside) { beside.textContent = p.message; beside.hidden = false; target.setAttribute("aria-invalid", "true"); }
      } else { item.textContent = p.text || (p.field + ": " + p.message); }
      list.appendChild(item);
    });
    problemsBox.hidden = problems.length === 0;
    if (problems.length) { problemsBox.focus(); }
  }

  // A write refused (403) because this page's token is of a session that ended, its person having signed
  // in again in another tab: sent once more with the new session's token (the refusal wrote nothing).
  function post(url, data, again) {
    var answered = function (response) { return response.json().then(function (json) { return {status: response.status, json: json}; }); };
    return fetch(url, {method: "POST", credentials: "same-origin",
      headers: {"Content-Type": "application/json", "X-CSRF-Token": csrf}, body: JSON.stringify(data)})
      .then(function (response) {
        if (response.status !== 403 || again) { return answered(response); }
        return fetch("/desk/session", {credentials: "same-origin"})
          .then(function (r) { return r.ok && !r.redirected ? r.json() : {}; }, function () { return {}; })
          .then(function (s) {
            if (!s.csrf || s.csrf === csrf) { return answered(response); }
            csrf = s.csrf; document.querySelector('meta[name="csrf-token"]').content = csrf;
            return post(url, data, true);
          });
      });
  }

  function preview() {
    return post("/desk/preview", {key: form.dataset.key, fields: fields(), body: body()}).then(function (answer) {
      if (answer.status !== 200) { showProblems(answer.json.problems || [{field: "file", message: answer.json.error || "refused"}]); return; }
      showProblems([]);
      var frame = document.getElementById("preview");
      frame.hidden = false; frame.srcdoc = answer.json.html;
      if (answer.json.waiting && answer.json.waiting.length) { say("Photos still being sized: " + answer.json.waiting.join("; ") + "."); }
    });
  }

  // Until ingest has applied the save, then (a live or unpublished article) until CloudFront says the
  // edge's copies are cleared: "still clearing" is said while they may still be served.
  function follow(key, version, started, since, gone) {
    fetch("/desk/status?key=" + encodeURIComponent(key) + "&version=" + encodeURIComponent(version) +
          "&since=" + encodeURIComponent(since || "") + (gone ? "&gone=1" : ""), {credentials: "same-origin"})
      .then(function (r) { return r.redirected ? {state: "signed out"} : r.json(); }).then(function (s) {
        if (s.state === "signed out" || statusBox.dataset.signedOut) { return; }  // the call to sign in stays
        var seconds = ((Date.now() - started) / 1000).toFixed(1);
        var again = function (ms) { if (Date.now() - started < 600000) { setTimeout(function () { follow(key, version, started, since, gone); }, ms); } };
        if (s.state === "waiting") { again(500); return; }
        if (s.edge === "clearing") { again(2000); }
        // editor.js says it in the editor's words and zone, and keeps the state line true.
        if (!form.dispatchEvent(new CustomEvent("desk:followed", {cancelable: true, detail: {state: s, seconds: seconds}}))) { return; }
        statusBox.textContent = "";
        var text = document.createElement("span");
        if (s.state === "refused") {
          text.textContent = "Refused: " + s.problems.join("; ");
        } else {
          text.textContent = s.state + " after " + seconds + " s. " + (s.edge_note ? s.edge_note + " " : "");
        }
        statusBox.appendChild(text);
        var href = s.state === "live" ? s.url : s.preview;
        if (href) {
          var link = document.createElement("a");
          link.href = href; link.textContent = s.state === "live" ? "Open the page" : "Preview link";
          statusBox.appendChild(link);
        }
      });
  }

  // The save under way: a second click on its button (a double-click) is the same save, and any other
  // save waits for it, so it is sent with the version this one gets back (never a conflict with oneself).
  var pending = null;
  function save(action, now, quiet) {
    if (pending) {
      if (quiet || (pending.action === action && !pending.quiet)) { return pending.done; }
      return pending.done.then(function () { return save(action, now, quiet); });
    }
    var sending = {action: action, quiet: !!quiet};
    pending = sending;
    sending.done = send(action, now, quiet).then(function () { pending = null; }, function () { pending = null; });
    return sending.done;
  }

  // The session ended (its 8 hours, a sign-out elsewhere, a new role): WordPress signs in again in a box over
  // the editor; here a new tab does, and this page, with the text, stays as it is to save from.
  function sessionEnded(quiet) {
    statusBox.dataset.signedOut = "true";  // until a save goes through: a late report of an earlier one keeps off it
    statusBox.textContent = "";
    statusBox.appendChild(document.createTextNode((quiet ? "Not saved to the server yet" : "Not saved") +
      ": your session has ended. Your text is still here and in this browser. "));
    var again = document.createElement("a");
    again.href = "/desk/sign-in"; again.target = "_blank"; again.rel = "noopener";
    again.textContent = "Sign in again in a new tab";
    statusBox.appendChild(again);
    statusBox.appendChild(document.createTextNode(", then come back to this page and save."));
  }

  function send(action, now, quiet) {
    // A Publish at typed halfway (a date without its time) is the value "", which would mean "now":
    // refused until it is a whole date and time, or cleared, so an embargo is never broken by it.
    if (local.validity && local.validity.badInput) {
      var half = "not a whole date and time: finish the date and the time, or clear it to publish now";
      if (quiet) { say("Not saved to the server yet: Publish at is " + half + "."); } else {
        say(""); showProblems([{field: "date", message: half, text: "Publish at is " + half}]);
      }
      return Promise.resolve();
    }
    var note = form.elements.correction ? form.elements.correction.value : "";
    var data = {action: action, key: form.dataset.key, version: form.dataset.version, versions: versions,
      fields: fields(), body: body(), correction: action === "publish" ? note : "", now: !!now,
      create: form.elements.create ? form.elements.create.value : ""};  // names chosen to create (combobox.js)
    if (!quiet) { say(action === "unpublish" ? "Unpublishing…" : "Saving…"); }
    return post("/desk/save", data).then(function (answer) {
      if (answer.status === 409) { conflict(answer.json.conflict, action); say(""); return; }
      if (answer.status === 401) { sessionEnded(quiet); return; }
      if (answer.status !== 200 && quiet) {  // an automatic save: said, and the focus stays where the editor types
        say("Not saved to the server yet: " + (answer.json.problems || [{text: answer.json.error}]).map(function (p) { return p.text || p.message; }).join("; "));
        return;
      }
      if (answer.status !== 200) { say(""); showProblems(answer.json.problems || [{field: "file", message: answer.json.error || "refused"}]); return; }
      showProblems([]);
      delete statusBox.dataset.signedOut;
      if (action === "publish" && form.elements.correction) { form.elements.correction.value = ""; }
      versions[answer.json.key] = answer.json.version;
      if (answer.json.removed) { versions[answer.json.removed] = ""; }
      if (answer.json.key === form.dataset.key || !form.dataset.key) {
        form.dataset.key = answer.json.key; form.dataset.version = answer.json.version;
      }
      say(answer.json.message);
      form.dispatchEvent(new CustomEvent("desk:saved", {detail: {action: action, answer: answer.json, quiet: !!quiet}}));
      if (answer.json.state === "submitted" || answer.json.state === "unpublishing") {
        follow(answer.json.key, answer.json.version, Date.now(), answer.json.since, answer.json.state === "unpublishing");
      }
    }, function () {  // no answer at all (offline, the connection dropped): said, never "Saving…" for ever
      say((quiet ? "Not saved to the server yet" : "Not saved") + ": the desk did not answer (offline?). " +
        "Your text is still here and in this browser: save again when you are back online.");
    });
  }

  // Someone saved meanwhile: conflict.js (fetched on the first 409) shows both versions; keeping mine saves again.
  var conflictScript = null;
  function conflict(found, action) {
    if (window.DeskConflict) { showConflict(found, action); return; }
    if (!conflictScript) {
      conflictScript = document.createElement("script");
      conflictScript.src = form.dataset.conflictScript;
      document.head.appendChild(conflictScript);
    }
    conflictScript.addEventListener("load", function () { showConflict(found, action); });
    conflictScript.addEventListener("error", function () {
      if (conflictScript) { conflictScript.remove(); conflictScript = null; }  // the next save tries again
      say("Someone else saved this article meanwhile: reload to see their version.");
    });
  }
  function showConflict(found, action) {
    window.DeskConflict.show(found, action, function () {
      versions[found.key] = found.version;  // they have seen theirs now
      if (found.key === form.dataset.key) { form.dataset.version = found.version; }
      save(action);
    });
  }

  form.querySelectorAll("button[data-action]").forEach(function (button) {
    button.addEventListener("click", function () {
      var action = button.dataset.action;
      if (action === "preview") { preview(); return; }
      if (action === "unpublish" && !window.confirm("Unpublish \u201c" + button.dataset.title + "\u201d? It will be gone from the site.")) { return; }
      if (action === "schedule" && !utc.value) { showProblems([{field: "date", message: "choose a date and time to schedule"}]); return; }
      save(action, button.dataset.now === "true");
    });
  });
  form.deskSave = save;  // for editor.js: the draft it saves while the editor types

  // "NAME is editing", taking over and letting go: locks.js.
})();
