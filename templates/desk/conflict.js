/* The conflict panel: a save found the file changed since it was opened (chalicelib/desk/conflicts.py).
   It is scrolled into view, focused and announced; it says who saved the other version and when,
   lists the fields that differ (each with "Use theirs"), shows the body word by word, and lets the
   editor keep theirs, keep their own, or copy their text into the editor and go on from there.
   No inline script anywhere (CSP). */
(function () {
  "use strict";
  function when(iso) {
    var d = new Date(iso);
    return isNaN(d) ? "" : d.toLocaleString([], {day: "numeric", month: "short", hour: "2-digit", minute: "2-digit"});
  }
  function el(tag, text) { var node = document.createElement(tag); if (text !== undefined) { node.textContent = text; } return node; }

  window.DeskConflict = {
    show: function (found, action, keepMine) {
      var box = document.getElementById("conflict"), form = document.getElementById("editor");
      var heading = document.getElementById("conflict-heading");
      heading.textContent = found.gone ? "Someone deleted this article while you were editing"
        : (found.by || "Someone") + " saved this article" + (found.at ? " at " + when(found.at) : "") + " while you were editing";
      var fieldsBox = document.getElementById("conflict-fields");
      fieldsBox.textContent = "";
      if (found.fields && found.fields.length) {
        var table = el("table"), head = el("thead"), row = el("tr");
        table.className = "fields-changed";
        ["Field", "Theirs", "Yours", ""].forEach(function (name) { var th = el("th", name); th.scope = "col"; row.appendChild(th); });
        head.appendChild(row); table.appendChild(head);
        var body = el("tbody");
        found.fields.forEach(function (change) {
          var tr = el("tr"), th = el("th", change.label); th.scope = "row"; tr.appendChild(th);
          tr.appendChild(el("td", change.theirs)); tr.appendChild(el("td", change.mine));
          var cell = el("td"), use = el("button", "Use theirs");
          use.type = "button";
          use.setAttribute("aria-label", "Use their " + change.label);
          use.addEventListener("click", function () {
            var input = form.elements[change.field];
            if (input && input.type === "checkbox") { input.checked = change.theirs === "true"; } else if (input) { input.value = change.theirs; }
            if (input) { form.dispatchEvent(new Event("input", {bubbles: true})); }
            use.disabled = true; use.textContent = "Copied";
          });
          cell.appendChild(use); tr.appendChild(cell); body.appendChild(tr);
        });
        table.appendChild(body);
        fieldsBox.appendChild(el("h3", "Fields that differ"));
        fieldsBox.appendChild(table);
      }
      var diff = document.getElementById("conflict-diff");
      diff.textContent = "";
      (found.diff || []).forEach(function (run) {
        diff.appendChild(run[0] === "removed" ? el("del", run[1]) : run[0] === "added" ? el("ins", run[1]) : document.createTextNode(run[1]));
      });
      document.getElementById("theirs").value = found.theirs_body !== undefined ? found.theirs_body : found.theirs;
      document.getElementById("mine").value = document.getElementById("f-body").value;
      // Approving a submission that changed: the new text is not what was reviewed, so it can only be read.
      var keep = document.getElementById("keep-mine");
      keep.hidden = action === "approve" && found.key === form.dataset.key;
      keep.onclick = function () { box.hidden = true; keepMine(); };
      document.getElementById("keep-theirs").onclick = function () {
        form.dispatchEvent(new CustomEvent("desk:discard"));  // editor.js forgets this tab's kept copy
        window.location.reload();
      };
      document.getElementById("copy-theirs").onclick = function () {
        document.getElementById("f-body").value = document.getElementById("theirs").value;
        document.getElementById("mine").value = document.getElementById("theirs").value;
        form.dispatchEvent(new Event("input", {bubbles: true}));
        var status = document.getElementById("status");
        if (status) { status.textContent = "Their text is in the editor now: change it, then Keep my version to save it."; }
      };
      box.hidden = false;
      box.scrollIntoView({block: "start"});
      box.focus();
      var status = document.getElementById("status");
      if (status) { status.textContent = "Not saved: " + heading.textContent + ". Compare the two versions below."; }
    }
  };
})();
