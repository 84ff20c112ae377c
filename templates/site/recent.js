/* The recent-posts widget, brought up to date: a page stays cached at the edge for a day, and the
   list it was made with is replaced by the widget's own path (one small request, invalidated when a
   new article joins it). Without this script the page keeps the list it was made with. */
(function () {
  "use strict";
  var box = document.querySelector("[data-fresh]");
  if (!box || !window.fetch || !window.DOMParser) { return; }
  fetch(box.getAttribute("data-fresh"), {credentials: "omit"})
    .then(function (answer) { return answer.ok ? answer.text() : ""; })
    .then(function (text) {
      var fresh = text && new DOMParser().parseFromString(text, "text/html").querySelector("ul");
      var shown = box.querySelector("ul");
      if (fresh && shown && fresh.innerHTML !== shown.innerHTML) { shown.replaceWith(document.importNode(fresh, true)); }
    })
    .catch(function () { /* offline or failing: the list the page was made with stays */ });
})();
