/* Locks that tell the truth (chalicelib/desk/locks.py): while the editor is open on a saved file,
   this page says so every few seconds (a heartbeat; the server renews the lock now and then), lets
   go of it when the tab closes (a keepalive request on pagehide), shows "NAME is editing" while
   another person holds it and clears that notice as soon as they leave, and, if someone takes over,
   says so at once in a dialog: the page's text stays, and the server refuses this page's saves
   while the other person holds the lock. No inline script anywhere (CSP). */
(function () {
  "use strict";
  var form = document.getElementById("editor");
  var notice = document.getElementById("editing");
  if (!form || !notice) { return; }
  var csrf = document.querySelector('meta[name="csrf-token"]').content;
  var every = 1000 * (parseInt(form.dataset.lockCheck || "5", 10) || 5);
  var held = false, other = "", dialog = null, status = document.getElementById("status");

  function post(data, keepalive) {
    return fetch("/desk/lock", {method: "POST", credentials: "same-origin", keepalive: !!keepalive,
      headers: {"Content-Type": "application/json", "X-CSRF-Token": document.querySelector('meta[name="csrf-token"]').content || csrf}, body: JSON.stringify(data)});
  }
  function say(text) { if (status) { status.textContent = text; } }
  function when(iso) {
    var d = new Date(iso);
    return isNaN(d) ? "" : d.toLocaleTimeString([], {hour: "2-digit", minute: "2-digit"});
  }

  function takenOver(name, since) {
    if (!dialog) {
      dialog = document.createElement("dialog");
      dialog.id = "taken-over";
      dialog.setAttribute("aria-labelledby", "taken-over-heading");
      dialog.setAttribute("aria-describedby", "taken-over-text");
      dialog.innerHTML = '<h2 id="taken-over-heading"></h2><p id="taken-over-text"></p>' +
        '<p><button type="button" id="taken-over-ok">Keep my text here</button></p>';
      document.body.appendChild(dialog);
      dialog.querySelector("#taken-over-ok").addEventListener("click", function () { dialog.close(); });
    }
    dialog.querySelector("#taken-over-heading").textContent = name + " took over this article";
    dialog.querySelector("#taken-over-text").textContent = name + " took over editing at " + when(since) +
      ". Your text is still here and in this browser, but your saves are refused while they edit: copy what you " +
      "need, or take over again.";
    if (!dialog.open) { dialog.showModal(); dialog.querySelector("#taken-over-ok").focus(); }
  }

  function check(takeOver) {
    var key = form.dataset.key;
    if (!key) { return; }
    post({key: key, take_over: !!takeOver}).then(function (response) {
      return response.json().then(function (json) { return {status: response.status, json: json}; });
    }).then(function (answer) {
      if (answer.status === 409) {
        var name = answer.json.editing.name;
        document.getElementById("editing-who").textContent = name;
        notice.hidden = false;
        if (held) { takenOver(name, answer.json.editing.since); }
        held = false; other = name;
      } else if (answer.status === 200) {
        if (other) { say(other + " has left: you are editing this article now."); }
        notice.hidden = true; held = true; other = "";
      }
    }).catch(function () {});
  }

  document.getElementById("take-over").addEventListener("click", function () { check(true); });
  window.addEventListener("pagehide", function () {
    if (held && form.dataset.key) { post({key: form.dataset.key, release: true}, true).catch(function () {}); }
  });
  check(false);
  setInterval(function () { check(false); }, every);
})();
