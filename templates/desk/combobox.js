/* Pickers for what exists: Categories, Tags and Author choose from the site's own names.

   The ARIA Authoring Practices "editable combobox with list autocomplete"
   (https://www.w3.org/WAI/ARIA/apg/patterns/combobox/): the text input keeps focus and its name,
   role=combobox with aria-expanded, aria-controls and aria-activedescendant; the suggestions are a
   role=listbox beside it. Down and Up move through them, Enter chooses, Escape closes, typing filters.
   A field of several names (data-multiple) is edited as WordPress's tag box is: names separated by
   commas, the suggestions for the one being typed. Without this script the field is the plain text
   input it was, and the server refuses a name that does not exist either way (chalicelib/desk/pickers.py).

   data-choices: the names to offer (JSON). data-create="category" or "author": this person may
   create a new one; the list then ends with "Create category 'NAME'", which records the choice in
   the form's hidden "create" field (sent with the save). data-free: a new name is fine (tags).
   No inline script anywhere (CSP). */
(function () {
  "use strict";
  var MAX_SHOWN = 12;

  function setUp(input, n) {
    var choices = [];
    try { choices = JSON.parse(input.dataset.choices || "[]"); } catch (e) { return; }
    var multiple = input.hasAttribute("data-multiple");
    var create = input.dataset.create || "";
    var list = document.createElement("ul");
    var wrap = document.createElement("div");
    var active = -1, options = [];
    wrap.className = "combobox";
    input.parentNode.insertBefore(wrap, input);
    wrap.appendChild(input);
    list.id = input.id + "-list";
    list.setAttribute("role", "listbox");
    list.setAttribute("aria-label", "Suggestions");  // not the field's own name: that stays the input's alone
    list.hidden = true;
    wrap.appendChild(list);
    input.setAttribute("role", "combobox");
    input.setAttribute("aria-autocomplete", "list");
    input.setAttribute("aria-expanded", "false");
    input.setAttribute("aria-controls", list.id);

    function parts() { return multiple ? input.value.split(",") : [input.value]; }
    function typed() { var p = parts(); return p[p.length - 1].trim(); }
    function chosen() {
      var p = parts();
      return p.slice(0, -1).map(function (s) { return s.trim().toLowerCase(); });
    }
    function same(a, b) { return a.trim().toLowerCase() === b.trim().toLowerCase(); }

    function close() {
      list.hidden = true; active = -1;
      input.setAttribute("aria-expanded", "false");
      input.removeAttribute("aria-activedescendant");
    }

    function highlight(index) {
      options.forEach(function (option, i) { option.setAttribute("aria-selected", i === index ? "true" : "false"); });
      active = index;
      if (index >= 0) {
        input.setAttribute("aria-activedescendant", options[index].id);
        options[index].scrollIntoView({block: "nearest"});
      } else { input.removeAttribute("aria-activedescendant"); }
    }

    function open(showAll) {
      var text = typed(), lower = text.toLowerCase(), taken = chosen();
      var names = choices.filter(function (name) { return taken.indexOf(name.toLowerCase()) < 0; });
      if (!showAll || text) {
        var starts = names.filter(function (name) { return name.toLowerCase().indexOf(lower) === 0; });
        var inside = names.filter(function (name) { return name.toLowerCase().indexOf(lower) > 0; });
        names = starts.concat(inside);
      }
      names = names.slice(0, MAX_SHOWN);
      list.textContent = ""; options = [];
      names.forEach(function (name) { add(name, name, false); });
      var exists = choices.some(function (name) { return same(name, text); });
      if (text && !exists && create) { add("Create " + create + " \u2018" + text + "\u2019", text, true); }
      if (!options.length) { close(); return; }
      list.hidden = false;
      input.setAttribute("aria-expanded", "true");
      highlight(-1);
    }

    function add(shown, value, creates) {
      var option = document.createElement("li");
      option.id = list.id + "-" + options.length;
      option.setAttribute("role", "option");
      option.setAttribute("aria-selected", "false");
      option.textContent = shown;
      option.dataset.value = value;
      if (creates) { option.className = "creates"; option.dataset.creates = "1"; }
      option.addEventListener("mousedown", function (event) { event.preventDefault(); choose(option); });
      list.appendChild(option); options.push(option);
    }

    function choose(option) {
      var value = option.dataset.value;
      if (option.dataset.creates) {
        var consent = input.form && input.form.elements.create;
        if (consent) { consent.value = (consent.value ? consent.value + "\n" : "") + create + ":" + value; }
        choices.push(value);
      }
      if (multiple) {
        var p = parts().slice(0, -1).map(function (s) { return s.trim(); }).filter(Boolean);
        p.push(value);
        input.value = p.join(", ") + ", ";
      } else { input.value = value; }
      close();
      input.focus();
      input.dispatchEvent(new Event("change", {bubbles: true}));
      if (input.form) { input.form.dispatchEvent(new Event("input", {bubbles: true})); }  // kept as typing is
    }

    input.addEventListener("input", function () { open(false); });
    input.addEventListener("blur", function () { setTimeout(close, 150); });
    input.addEventListener("keydown", function (event) {
      var shown = !list.hidden;
      if (event.key === "ArrowDown") {
        event.preventDefault();
        if (!shown) { open(true); }
        if (options.length) { highlight(active + 1 < options.length ? active + 1 : 0); }
      } else if (event.key === "ArrowUp") {
        event.preventDefault();
        if (!shown) { open(true); }
        if (options.length) { highlight(active > 0 ? active - 1 : options.length - 1); }
      } else if (event.key === "Enter" && shown && active >= 0) {
        event.preventDefault();
        choose(options[active]);
      } else if (event.key === "Escape" && shown) {
        event.preventDefault();
        close();
      }
    });
    // A name typed whole and left (Tab, a click elsewhere): trailing separators are tidied away.
    input.addEventListener("change", function () {
      if (multiple && document.activeElement !== input) { input.value = input.value.replace(/[,\s]+$/, ""); }
    });
  }

  document.querySelectorAll("input[data-choices]").forEach(setUp);
})();
