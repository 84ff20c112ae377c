// The admin screens (Comments, Tags, Categories, Media): times in the editor's own time zone.
// Without this script they stay in UTC, as the server wrote them, and say so.
(function () {
  "use strict";
  var zone = "";
  try { zone = Intl.DateTimeFormat().resolvedOptions().timeZone; } catch (e) { return; }
  var shown = new Intl.DateTimeFormat(undefined, {dateStyle: "medium", timeStyle: "short"});
  document.querySelectorAll("time.local[datetime]").forEach(function (el) {
    var d = new Date(el.getAttribute("datetime"));
    if (!isNaN(d)) { el.textContent = shown.format(d); el.title = el.getAttribute("datetime"); }
  });
  document.querySelectorAll(".zone").forEach(function (el) { el.textContent = zone; });
})();
