/* The Articles and Pages lists: dates in the editor's own time zone. The server renders them in the
   zone desk.js last told it (the desk_zone cookie, chalicelib/desk/zones.py), else UTC; here each
   <time> is said again in the browser's zone. No inline script anywhere (CSP). */
(function () {
  "use strict";
  var zone = "";
  try { zone = Intl.DateTimeFormat().resolvedOptions().timeZone || ""; } catch (e) { return; }
  if (!zone) { return; }
  document.querySelectorAll("input[data-zone]").forEach(function (input) { input.value = zone; });
  document.querySelectorAll("[data-zone-name]").forEach(function (span) { span.textContent = zone; });
  var months = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"];
  function pad(n) { return (n < 10 ? "0" : "") + n; }
  document.querySelectorAll("table.list time[datetime]").forEach(function (time) {
    var d = new Date(time.getAttribute("datetime"));
    if (isNaN(d)) { return; }
    time.textContent = d.getDate() + " " + months[d.getMonth()] + " " + d.getFullYear() + ", " + pad(d.getHours()) + ":" + pad(d.getMinutes());
  });
})();
