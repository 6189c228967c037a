/* Autosave for the story editor. Progressive enhancement: without it, the "Save draft"
   button does the same by hand.

   - Every N seconds (data-autosave-seconds) and when the tab is hidden, unsaved text is
     sent to the writer's server draft; the status line says "Saved at 14:32".
   - A refused save never loses text: the text stays in the form, the save is retried
     later (after Retry-After for a 429), and while the server cannot take it (logged
     out, offline) it is also kept in this browser's local storage, then restored into
     the editor after logging in again, with a notice. Local storage is cleared as soon
     as the server has the text: on a shared computer it should hold nothing for long.
   - What it says comes from the page, in the page's language (base.html's #script-words,
     made by forum/templating.py); without those words it saves and keeps text as ever,
     and says nothing. */
(function () {
  "use strict";
  var saved = document.querySelector('meta[name="afterward-saved"]');
  if (saved) {
    try {
      saved.getAttribute("content").split(" ").forEach(function (k) { window.localStorage.removeItem(k); });
    } catch (e) { /* storage disabled: nothing was kept */ }
  }
  var form = document.querySelector("form[data-local-key]");
  if (!form || !window.fetch || !window.FormData) { return; }

  var key = form.getAttribute("data-local-key");
  var url = form.getAttribute("data-autosave-url");
  var seconds = parseInt(form.getAttribute("data-autosave-seconds") || "30", 10);
  var status = form.querySelector(".autosave-status");
  var fields = ["title", "summary", "body"];
  var said = document.getElementById("script-words");
  var lastSaved = null;
  var retryAt = 0;
  var saving = false;

  function say(text) { if (status) { status.textContent = text; } }
  function word(key) { return (said && said.getAttribute("data-" + key)) || ""; }
  function counted(key, n) {
    var category;  // the number's plural category in the page's language: "one", "other"...
    try { category = new Intl.PluralRules(document.documentElement.lang).select(n); } catch (e) { category = n === 1 ? "one" : "other"; }
    var text = (said && said.getAttribute("data-" + key + "-" + category)) || word(key + "-other");
    return text.replace("%(count)s", n.toLocaleString());
  }
  function field(name) { return form.elements.namedItem(name); }
  function snapshot() {
    return fields.map(function (n) { return field(n) ? field(n).value : ""; }).join("\u0000");
  }
  function clock() {
    var d = new Date();
    return ("0" + d.getHours()).slice(-2) + ":" + ("0" + d.getMinutes()).slice(-2);
  }

  function storage() {
    try { return window.localStorage; } catch (e) { return null; }
  }
  function keepLocally() {
    var store = storage();
    if (!store) { return; }
    var data = {};
    fields.concat(["draft_id"]).forEach(function (n) { if (field(n)) { data[n] = field(n).value; } });
    try { store.setItem(key, JSON.stringify(data)); } catch (e) { /* full or disabled */ }
  }
  function forgetLocally() {
    var store = storage();
    if (store) { store.removeItem(key); }
  }
  function restore() {
    var store = storage();
    var raw = store && store.getItem(key);
    if (!raw) { return; }
    var data;
    try { data = JSON.parse(raw); } catch (e) { forgetLocally(); return; }
    var changed = false;
    if (data.draft_id && field("draft_id") && !field("draft_id").value) { field("draft_id").value = data.draft_id; }
    fields.forEach(function (n) {
      if (field(n) && data[n] && data[n] !== field(n).value) { field(n).value = data[n]; changed = true; }
    });
    if (changed) {
      say(word("restored"));
      form.classList.add("restored");
    } else {
      forgetLocally();
    }
  }

  function freshToken() {
    // After logging in again (perhaps in another tab) the old form token is stale.
    return fetch(window.location.href, { credentials: "same-origin" })
      .then(function (r) { return r.text(); })
      .then(function (html) {
        var m = html.match(/name="csrf_token"[^>]*value="([^"]+)"/);
        if (m && field("csrf_token")) { field("csrf_token").value = m[1]; return true; }
        return false;
      });
  }

  function save(leaving, retried) {
    if (!url || saving || Date.now() < retryAt) { return; }
    var now = snapshot();
    if (now === lastSaved) { return; }
    var data = new FormData(form);
    data.set("action", "draft");
    var body = (field("body") || {}).value || "";
    saving = true;
    say(word("saving"));
    fetch(url, {
      method: "POST", body: data, credentials: "same-origin",
      headers: { "X-Requested-With": "fetch" },
      // keepalive lets the save finish as the tab goes away, but caps the body at 64 kB.
      keepalive: !!leaving && body.length < 30000
    }).then(function (r) {
      saving = false;
      if (r.ok) {
        return r.json().then(function (json) {
          lastSaved = now;
          if (field("draft_id")) { field("draft_id").value = json.draft_id; }
          forgetLocally();
          form.classList.remove("restored");
          say(word("saved").replace("%(time)s", clock()));
        });
      }
      keepLocally();
      if (r.status === 429) {
        var wait = parseInt(r.headers.get("Retry-After") || "30", 10);
        retryAt = Date.now() + wait * 1000;
        say(counted("retry", wait));
      } else if (r.status === 401) {
        say(word("logged-out"));
      } else if (r.status === 400 && !retried) {
        return freshToken().then(function (ok) { if (ok) { save(leaving, true); } });
      } else {
        say(word("not-saved"));
      }
    }).catch(function () {
      saving = false;
      keepLocally();
      say(word("offline"));
    });
  }

  restore();
  lastSaved = form.classList.contains("restored") ? null : snapshot();
  if (url) {
    window.setInterval(function () { save(false); }, Math.max(1, seconds) * 1000);
    document.addEventListener("visibilitychange", function () {
      if (document.visibilityState === "hidden") { save(true); }
    });
  }
  window.addEventListener("pagehide", function () {
    if (snapshot() !== lastSaved) { keepLocally(); }
  });
  form.addEventListener("submit", function () {
    // The server answers every submission with the text, saved or handed back; the local
    // copy is cleared by the page that confirms the story is saved (site.js).
    lastSaved = snapshot();
  });
}());
