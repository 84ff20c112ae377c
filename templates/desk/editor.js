/* The editor page's trust: the date decides the action, the state is always said, nothing typed is
   lost. desk.js saves and follows; this file listens to its events (desk:changed, desk:saved,
   desk:followed, desk:discard) and keeps the page true. No inline script anywhere (CSP). */
(function () {
  "use strict";
  var form = document.getElementById("editor");
  if (!form) { return; }
  var statusBox = document.getElementById("status");
  var heading = document.getElementById("heading");
  var stateLine = document.getElementById("state");
  var stateText = document.getElementById("state-text");
  // A scheduled article's state line, kept while a draft of changes to it is saved (it stays scheduled).
  var scheduledText = stateLine && stateLine.dataset.state === "scheduled" ? stateText.textContent : "";
  var stateLink = document.getElementById("state-link");
  var historyLink = document.getElementById("history-link");
  var publish = document.getElementById("publish");
  var publishNow = document.getElementById("publish-now");
  var publishNowHint = document.getElementById("h-publish-now");
  var unpublish = document.getElementById("unpublish");
  var local = document.getElementById("f-date");
  var utc = document.getElementById("f-date-utc");
  var bodyBox = document.getElementById("f-body");
  var zone = "UTC";
  try { zone = Intl.DateTimeFormat().resolvedOptions().timeZone || "UTC"; } catch (e) {}

  // --- times, as chalicelib/desk/zones.py writes them: "Wed 9 Dec, 10:00" in the editor's zone ------
  function shown(when, weekday, inZone) {
    var d = when instanceof Date ? when : new Date(when);
    if (isNaN(d)) { return ""; }
    var parts = {};
    new Intl.DateTimeFormat("en-GB", {timeZone: inZone || zone, weekday: "short", day: "numeric", month: "short", year: "numeric",
      hour: "2-digit", minute: "2-digit", hourCycle: "h23"}).formatToParts(d).forEach(function (p) { parts[p.type] = p.value; });
    var thisYear = new Intl.DateTimeFormat("en-GB", {timeZone: inZone || zone, year: "numeric"}).format(new Date());
    return (weekday ? parts.weekday + " " : "") + parts.day + " " + parts.month + (parts.year !== thisYear ? " " + parts.year : "") +
      ", " + parts.hour + ":" + parts.minute;
  }
  function asLocal(iso) {  // for the datetime-local input, which takes the browser's own time
    var d = new Date(iso);
    return isNaN(d) ? "" : new Date(d.getTime() - d.getTimezoneOffset() * 60000).toISOString().slice(0, 16);
  }
  function withZone(when, weekday) { return shown(when, weekday) + " (" + zone + ")"; }
  // The newsroom's own zone (settings' time_zone), where WordPress's schedule picker works: a time the
  // editor chose in another zone is also said in the newsroom's, so "09:00" meant as the newsroom's
  // morning is seen to be another hour there before it is scheduled.
  var siteZone = form.dataset.siteZone || "";
  try { new Intl.DateTimeFormat("en-GB", {timeZone: siteZone}); } catch (e) { siteZone = ""; }
  function atNewsroom(when) {
    var there = shown(when, true, siteZone), here = shown(when, true);
    if (!siteZone || siteZone === zone || there === here) { return ""; }
    var sameDay = there.split(", ")[0] === here.split(", ")[0];  // then the time alone: "05:30 at the newsroom"
    return (sameDay ? there.split(", ").pop() : there) + " at the newsroom (" + siteZone + ")";
  }
  var siteTime = document.getElementById("site-time");

  function title() { return (form.elements.title && form.elements.title.value.trim()) || ""; }

  // --- the date decides the action (WordPress's "Schedule", Ghost's "Schedule for later") -----------
  function chosenDate() {
    if (local && local.value) { var d = new Date(local.value); if (!isNaN(d)) { return d; } }
    if (utc && utc.value) { var u = new Date(utc.value); if (!isNaN(u)) { return u; } }
    return null;
  }
  function decide() {
    if (!publish) { return; }
    var when = chosenDate();
    var future = !!when && when.getTime() > Date.now();
    var there = when ? atNewsroom(when) : "";
    if (siteTime) { siteTime.textContent = there ? "That is " + there + "." : ""; siteTime.hidden = !there; }
    if (future) {
      publish.textContent = "Schedule for " + withZone(when, true) + (there ? ", " + there : "");
      publish.dataset.action = "schedule";
    } else {
      publish.textContent = "Publish";
      publish.dataset.action = "publish";
    }
    publishNow.hidden = !future;
    publishNowHint.hidden = !future;
  }
  if (local) { local.addEventListener("input", decide); local.addEventListener("change", decide); }
  setInterval(decide, 30000);  // a scheduled time that passes while the page is open: Publish again
  decide();

  // --- the state line and the outcome beside the buttons -------------------------------------------
  function setState(name, text, href, linkText) {
    stateLine.dataset.state = name;
    stateText.textContent = text;
    stateLink.hidden = !href;
    stateLink.href = href || "#";
    stateLink.textContent = linkText || "";
  }
  function sayWithLink(text, href, linkText) {
    statusBox.textContent = "";
    var words = document.createElement("span");
    words.textContent = text + " ";
    statusBox.appendChild(words);
    if (href) {
      var link = document.createElement("a");
      link.href = href; link.textContent = linkText;
      statusBox.appendChild(link);
    }
    if (statusBox.scrollIntoView) { statusBox.scrollIntoView({block: "nearest"}); }  // in view if the page moved
  }
  function keyIsLive(key) { return !!key && !/^(drafts|submissions)\//.test(key); }

  var lastAction = "", lastSavedKey = "", lastQuiet = false;
  form.addEventListener("desk:followed", function (event) {
    event.preventDefault();  // said here, in the editor's words
    var s = event.detail.state, took = " (" + event.detail.seconds + " s)";
    var edge = s.edge_note ? " " + s.edge_note : "";
    var now = withZone(new Date());
    var saved = lastQuiet ? "saved automatically" : "saved";
    if (s.state === "live") {
      var since = s.date ? withZone(s.date) : now;
      if (lastAction === "publish-now" && s.date && utc) { utc.value = s.date; if (local) { local.value = asLocal(s.date); } decide(); }
      setState("live", "Live since " + since + ".", s.url, "View on site");
      sayWithLink("Published: live since " + since + took + "." + edge, s.url, "Open the page");
      if (unpublish && keyIsLive(form.dataset.key)) { unpublish.hidden = false; }
    } else if (s.state === "scheduled") {
      var there = s.date ? atNewsroom(new Date(s.date)) : "";
      var at = s.date ? withZone(s.date, true) + (there ? ", " + there : "") : "";
      scheduledText = "Scheduled for " + at + ".";
      setState("scheduled", scheduledText, s.preview, "Preview link");
      sayWithLink("Scheduled for " + at + ": it goes live then, not before.", s.preview, "Preview link");
      if (unpublish && keyIsLive(form.dataset.key)) { unpublish.hidden = false; }
    } else if (s.state === "draft" && /^drafts\//.test(lastSavedKey) && keyIsLive(form.dataset.key) &&
               stateLine.dataset.state === "scheduled") {
      setState("scheduled", scheduledText + " Changes in draft (saved at " + now + ") are not in it.", s.preview, "Preview link");
      sayWithLink("Changes " + saved + " as a draft at " + now + ". The version scheduled goes live without them: " +
        "Schedule to include them.", s.preview, "Preview link");
    } else if (s.state === "draft" && /^drafts\//.test(lastSavedKey) && keyIsLive(form.dataset.key)) {
      setState("live", "Live, with changes in draft (saved at " + now + "). The site shows the live version.", s.preview, "Preview link");
      sayWithLink("Changes " + saved + " as a draft at " + now + ". The site still shows the live version.", s.preview, "Preview link");
    } else if (s.state === "draft" && !/^submissions\//.test(lastSavedKey)) {
      setState("draft", "Draft: not on the site.", s.preview, "Preview link");
      sayWithLink("Draft " + saved + " at " + now + ". It is not on the site.", s.preview, "Preview link");
    } else if (s.state === "in review" || (s.state === "draft" && /^submissions\//.test(lastSavedKey))) {
      if (lastAction === "draft") {
        setState("draft", "Draft, not yet sent for review.", s.preview, "Preview link");
        sayWithLink("Draft " + saved + " at " + now + ". Send it for review when it is ready.", s.preview, "Preview link");
      } else {
        setState("in review", "In review: waiting for an editor.", s.preview, "Preview link");
        sayWithLink("In review: sent to the editors at " + now + ".", s.preview, "Preview link");
      }
    } else if (s.state === "unpublished") {
      setState("unpublished", "Unpublished: not on the site. Publishing it again brings it back.");
      sayWithLink("Unpublished at " + now + "." + edge);
      if (unpublish) { unpublish.hidden = true; }
    } else if (s.state === "refused") {
      setState("refused", "Refused: " + s.problems.join("; ") + ".");
      sayWithLink("Refused: " + s.problems.join("; ") + ".");
    }
  });

  // After the first save: the heading is the title, the address is the article's, History is there.
  form.addEventListener("desk:saved", function (event) {
    var answer = event.detail.answer;
    lastSavedKey = answer.key || "";
    lastQuiet = !!event.detail.quiet;
    if (answer.state === "unchanged") { return; }
    var name = title();
    if (name) {
      heading.textContent = name;
      document.title = name + " \u2013 Newsroom desk";
      if (unpublish) { unpublish.dataset.title = name; }
    }
    if (form.dataset.key && historyLink) {
      historyLink.hidden = false;
      historyLink.href = "/desk/history?key=" + encodeURIComponent(form.dataset.key);
    }
    if (form.dataset.key && !/[?&]key=/.test(location.search)) {
      history.replaceState(null, "", "/desk/edit?key=" + encodeURIComponent(form.dataset.key));
    }
    if (unpublish && /^(publish|schedule|approve)$/.test(event.detail.action) && keyIsLive(answer.key)) {
      unpublish.hidden = false;  // at once, as WordPress's "Switch to draft" is after publishing
      var correction = document.getElementById("correction-field");
      if (correction && /^articles\//.test(answer.key)) { correction.hidden = false; }
    }
    if (answer.scheduled_for) {
      var thereToo = atNewsroom(new Date(answer.scheduled_for));
      setState("scheduled", "Scheduled for " + withZone(answer.scheduled_for, true) + (thereToo ? ", " + thereToo : "") + ".");
    }
    if (event.detail.quiet) { statusBox.textContent = "Draft saved automatically at " + withZone(new Date()) + "."; }
  });

  // --- nothing typed is lost ------------------------------------------------------------------------
  // Each tab keeps its own copy (its id lives in sessionStorage, so a reload finds it and a second tab
  // never overwrites the first); the copy goes once the server has what it holds.
  var tabId = "";
  try {
    tabId = sessionStorage.getItem("desk:tab") || "";
    if (!tabId) { tabId = Date.now().toString(36) + Math.random().toString(36).slice(2, 8); sessionStorage.setItem("desk:tab", tabId); }
  } catch (e) { tabId = "tab"; }
  var PREFIX = "desk:copy:";
  function copyKey(key) { return PREFIX + (key || "new") + ":" + tabId; }
  var edits = 0, sentEdits = -1, firstChange = 0;
  function dirty() { return edits > 0 && edits !== sentEdits; }

  function fieldValues() {
    var out = {};
    form.dataset.fields.split(" ").forEach(function (name) {
      var input = form.elements[name];
      if (input) { out[name] = input.type === "checkbox" ? (input.checked ? "true" : "") : input.value; }
    });
    return out;
  }
  function keep() {
    try {
      localStorage.setItem(copyKey(form.dataset.key), JSON.stringify({key: form.dataset.key || "", title: title(),
        fields: fieldValues(), body: bodyBox.value, at: Date.now()}));
    } catch (e) {}
  }
  function changed() {
    edits += 1;
    firstChange = firstChange || Date.now();
    keep();
  }
  form.addEventListener("input", changed);
  form.addEventListener("desk:changed", function () { changed(); decide(); });
  // What a save sends is what was typed up to the click: the count then says whether more came after.
  form.addEventListener("click", function (event) {
    var button = event.target.closest && event.target.closest("button[data-action]");
    if (button && button.dataset.action !== "preview") {
      sentEdits = edits;
      lastAction = button.dataset.now === "true" ? "publish-now" : button.dataset.action;
    }
  }, true);
  form.addEventListener("desk:saved", function (event) {
    var was = event.detail.answer.key;
    try { localStorage.removeItem(copyKey("")); localStorage.removeItem(copyKey(was)); } catch (e) {}
    if (edits === sentEdits) { edits = 0; sentEdits = -1; firstChange = 0; } else { keep(); }
  });
  form.addEventListener("desk:discard", function () {
    try { localStorage.removeItem(copyKey(form.dataset.key)); } catch (e) {}
    edits = 0; firstChange = 0;
  });

  // Closing the tab (or leaving the page) with unsaved changes asks first.
  window.addEventListener("beforeunload", function (event) {
    if (dirty()) { event.preventDefault(); event.returnValue = ""; }
  });

  // The offer to restore: this article's copy from this tab (a reload), else the newest another tab
  // of this article left behind (for a new article: a new article's, from a tab closed or crashed
  // before its first save); it names the article and when the words were typed.
  function offered() {
    var own = null, newest = null;
    try {
      own = JSON.parse(localStorage.getItem(copyKey(form.dataset.key)) || "null");
      if (!own) {
        for (var i = 0; i < localStorage.length; i += 1) {
          var name = localStorage.key(i);
          if (name.indexOf(PREFIX + (form.dataset.key || "new") + ":") === 0) {
            var found = JSON.parse(localStorage.getItem(name) || "null");
            if (found && (!newest || found.at > newest.copy.at)) { newest = {name: name, copy: found}; }
          }
        }
      }
    } catch (e) { return null; }
    if (own) { return {name: copyKey(form.dataset.key), copy: own}; }
    return newest;
  }
  var offer = offered();
  if (offer && (offer.copy.body !== bodyBox.value || JSON.stringify(offer.copy.fields) !== JSON.stringify(fieldValues()))) {
    var box = document.getElementById("restore");
    document.getElementById("restore-what").textContent = "This browser kept changes to \u201c" +
      (offer.copy.title || "a new article") + "\u201d that were not saved, typed at " + withZone(offer.copy.at, true) + ".";
    box.hidden = false;
    document.getElementById("restore-yes").addEventListener("click", function () {
      var kept = offer.copy;
      Object.keys(kept.fields).forEach(function (name) {
        var input = form.elements[name];
        if (input && input.type === "checkbox") { input.checked = kept.fields[name] === "true"; } else if (input) { input.value = kept.fields[name]; }
      });
      if (utc && local) { local.value = asLocal(kept.fields.date || ""); }
      bodyBox.value = kept.body;
      bodyBox.dispatchEvent(new Event("input", {bubbles: true}));  // a body editor mounted on it follows
      if (offer.name !== copyKey(form.dataset.key)) { try { localStorage.removeItem(offer.name); } catch (e) {} }
      box.hidden = true;
      decide();
      statusBox.textContent = "Your unsaved changes are back. They are not saved yet.";
    });
    document.getElementById("restore-no").addEventListener("click", function () {
      try { localStorage.removeItem(offer.name); } catch (e) {}
      box.hidden = true;
    });
  }

  // Saved to the server as a draft within a minute of the first change: a new article once it has a
  // title (its address comes from it), a contributor's in their submissions, a live article's as its
  // draft of changes. The wait is the form's data-autosave-ms (30 s).
  setInterval(function () {
    var wait = Number(form.dataset.autosaveMs) || 30000;
    if (!dirty() || !firstChange || Date.now() - firstChange < wait || typeof form.deskSave !== "function") { return; }
    if (!form.dataset.key && !title() && !(form.elements.slug && form.elements.slug.value)) { return; }
    sentEdits = edits;
    lastAction = "draft";
    firstChange = Date.now();  // the next try is a wait away, saved or not
    form.deskSave("draft", false, true);
  }, 1000);
})();
