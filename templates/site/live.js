/* A live blog's page, kept up to date without moving under the reader's eyes (chalicelib/site/live.py).
   Every few seconds (the section's data-poll) it asks the edge for the live blog's newest entries (its
   data-live fragment, a few seconds old at most) and, where there are new ones, offers them as a button
   ("3 new updates"); they are added only when the reader asks. An entry corrected or edited is replaced
   where it is; one deleted is removed; the key events are replaced. Without this script the page works
   as it is: "Newer updates" and "Older updates" are links. */
(function () {
  "use strict";
  var section = document.querySelector("[data-live]");
  if (!section || !window.fetch || !window.DOMParser) { return; }
  var list = section.querySelector("[data-live-entries]");
  var announce = section.querySelector("[data-live-announce]");
  var every = Math.max(1, parseFloat(section.getAttribute("data-poll")) || 5) * 1000;
  var waiting = [];  /* new entries, newest first, not shown yet */
  var button = null;
  var reload = section.querySelector("[data-live-reload]");
  if (reload && reload.parentNode) { reload.parentNode.hidden = true; }

  function shown() { return Array.prototype.slice.call(list.querySelectorAll(".live-entry")); }

  function newestShown() {
    var first = list.querySelector(".live-entry");
    return first ? first.getAttribute("data-sk") : "";
  }

  function say() {
    if (!waiting.length) {
      if (button) { button.remove(); button = null; }
      return;
    }
    if (!button) {
      button = document.createElement("button");
      button.type = "button";
      button.className = "live-new";
      button.addEventListener("click", showWaiting);
      announce.appendChild(button);
    }
    button.textContent = waiting.length === 1 ? "1 new update" : waiting.length + " new updates";
  }

  function showWaiting() {
    var none = list.querySelector(".live-none");
    if (none) { none.remove(); }
    var first = null;
    for (var i = waiting.length - 1; i >= 0; i -= 1) {
      var node = document.importNode(waiting[i], true);
      list.insertBefore(node, list.firstChild);
      first = node;
    }
    waiting = [];
    say();
    if (first) {
      first.setAttribute("tabindex", "-1");
      first.focus();
    }
  }

  function apply(text) {
    var fresh = new DOMParser().parseFromString(text, "text/html");
    var freshList = fresh.querySelector("[data-live-entries]");
    if (!freshList) { return false; }
    var entries = Array.prototype.slice.call(freshList.querySelectorAll(".live-entry"));
    var byId = {};
    entries.forEach(function (entry) { byId[entry.id] = entry; });
    var oldest = freshList.getAttribute("data-covers") || "";  /* "": the fragment holds every entry */
    shown().forEach(function (entry) {
      var now = byId[entry.id];
      if (now && now.getAttribute("data-version") !== entry.getAttribute("data-version")) {
        entry.replaceWith(document.importNode(now, true));
      } else if (!now && entry.getAttribute("data-sk") >= oldest) {
        entry.remove();  /* deleted, or moved: gone from the newest entries */
      }
    });
    var top = newestShown();
    waiting = entries.filter(function (entry) {
      return !document.getElementById(entry.id) && entry.getAttribute("data-sk") > top;
    });
    say();
    var events = fresh.querySelector("[data-live-key-events]");
    var ours = section.querySelector("[data-live-key-events]");
    if (events && ours) {
      ours.replaceWith(document.importNode(events, true));
    } else if (events) {
      announce.parentNode.insertBefore(document.importNode(events, true), announce);
    } else if (ours) {
      ours.remove();
    }
    var ended = fresh.querySelector("[data-live-ended]");
    return !(ended && ended.getAttribute("data-live-ended"));
  }

  var timer = null;
  var over = false;  /* the live blog ended: nothing more to ask */

  function later(ms) {
    window.clearTimeout(timer);
    timer = over ? null : window.setTimeout(poll, ms);
  }

  function poll() {
    timer = null;
    if (document.hidden) { return; }  /* a tab in the background asks nothing; it asks again when shown */
    fetch(section.getAttribute("data-live"), {credentials: "omit", cache: "no-cache"})
      .then(function (answer) { return answer.ok ? answer.text() : ""; })
      .then(function (text) {
        if (text && !apply(text)) { over = true; }
        later(every);
      })
      .catch(function () { later(every * 2); /* offline: try again, less often */ });
  }

  document.addEventListener("visibilitychange", function () {
    if (!document.hidden && timer === null) { later(0); }
  });
  later(every);
})();
