/* A confirmed bulk action, one article a request, with its progress shown and said (chalicelib/desk/bulk.py).
   Without this script the form does them all in one request. No inline script anywhere (CSP). */
(function () {
  "use strict";
  var form = document.getElementById("bulk-confirm");
  if (!form) { return; }
  form.addEventListener("submit", function (event) {
    event.preventDefault();
    var items = Array.prototype.map.call(form.querySelectorAll('input[name="item"]'), function (input) { return input.value; });
    var common = Array.prototype.filter.call(form.elements, function (el) { return el.name && el.name !== "item" && el.type === "hidden"; })
      .map(function (el) { return encodeURIComponent(el.name) + "=" + encodeURIComponent(el.value); });
    var bar = document.getElementById("bulk-bar"), status = document.getElementById("bulk-status");
    var done = 0, failed = [];
    document.getElementById("bulk-progress").hidden = false;
    form.querySelector('button[type="submit"]').disabled = true;
    function next(i) {
      if (i >= items.length) {
        status.textContent = done + " of " + items.length + " done." + (failed.length ? " Not done: " + failed.join("; ") : "");
        var link = document.createElement("a");
        link.href = "/desk/articles"; link.textContent = "Back to the articles";
        status.appendChild(document.createTextNode(" ")); status.appendChild(link);
        return;
      }
      fetch("/desk/bulk", {method: "POST", credentials: "same-origin",
        headers: {"Content-Type": "application/x-www-form-urlencoded"},
        body: common.concat(["one=1", "item=" + encodeURIComponent(items[i])]).join("&")})
        .then(function (r) { return r.json(); })
        .then(function (answer) { done += answer.done.length; failed = failed.concat(answer.failed); })
        .catch(function () { failed.push(items[i].split("|")[0] + ": no answer"); })
        .then(function () {
          bar.value = i + 1;
          status.textContent = (i + 1) + " of " + items.length + "\u2026";
          next(i + 1);
        });
    }
    next(0);
  });
})();
