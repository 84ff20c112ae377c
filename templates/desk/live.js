/* The live blog screen (chalicelib/desk/live.py): Enter in the Update box posts it (Shift+Enter is a new
   line), and the updates below are refreshed as ingest publishes them. Posting is the form's own: if it
   is refused, the screen comes back with the text still in the box. Deleting an update asks first. */
(function () {
  "use strict";
  var form = document.querySelector("[data-enter-posts]");
  if (form) {
    var box = form.querySelector("textarea");
    var sending = false;
    box.addEventListener("keydown", function (event) {
      if (event.key === "Enter" && !event.shiftKey && !event.isComposing) {
        event.preventDefault();
        if (!sending && box.value.trim()) {
          sending = true;
          form.requestSubmit();
        }
      }
    });
    form.addEventListener("submit", function () { sending = true; });
  }
  // Delete, beside Edit or correct under each posted update, takes it off the site: asked first.
  document.addEventListener("submit", function (event) {
    var button = event.submitter;
    if (button && button.name === "action" && button.value === "delete" && button.closest("#live-entries") &&
        !window.confirm("Delete this update? It is taken off the page and the feed at once.")) {
      event.preventDefault();
    }
  });
  var list = document.getElementById("live-entries");
  if (!list || !window.fetch) { return; }
  var rounds = 0;
  function refresh() {
    rounds += 1;
    fetch(list.getAttribute("data-entries"), {credentials: "same-origin", cache: "no-store"})
      .then(function (answer) { return answer.ok ? answer.text() : ""; })
      .then(function (text) {
        var fresh = text && new DOMParser().parseFromString(text, "text/html").getElementById("live-entries");
        var current = document.getElementById("live-entries");
        if (fresh && current && fresh.innerHTML !== current.innerHTML && !current.contains(document.activeElement)) {
          current.replaceWith(document.importNode(fresh, true));
        }
      })
      .catch(function () { /* the list stays as it is; the next round tries again */ })
      .then(function () { window.setTimeout(refresh, rounds < 20 ? 2000 : 10000); });
  }
  window.setTimeout(refresh, 2000);
})();
