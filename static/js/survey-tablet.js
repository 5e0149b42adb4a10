// Answering on the ombud's tablet (enkater/views/tablet.py). One page with four screens: the
// ombud's list (names and a status, never an answer), the hand-over, the participant mode (that
// person's due surveys only, no menu, Swedish or English) and "Tack!". The screens are parts of
// one page so that the next participant can answer while the network is down.
//
// Answers are queued in localStorage, one submission per survey and moment with its own client
// UUID (offline-queue.js, the attendance screen's approach), and sent in order; the server stores
// a replayed submission once. The list shows only how many are waiting, never what they say, and
// the form is emptied from the page as soon as it is queued. No inline script (CSP).
(function () {
  "use strict";
  const root = document.getElementById("survey-tablet");
  if (!root || !window.ModigOffline) return;
  const { load, store, uuid4, outcome } = window.ModigOffline;

  const QUEUE = "modig-survey-queue-" + root.dataset.session;
  const submitUrl = root.dataset.submitUrl;
  const csrf = root.dataset.csrf;
  const listText = document.getElementById("text-list");
  const screens = ["list", "handover", "participant", "thanks"];
  const chrome = [document.querySelector("body > header"), document.querySelector("body > footer"),
                  document.querySelector(".skip-link")].filter(Boolean);
  const formsBox = document.getElementById("participant-forms");
  let screen = "list";
  let lang = root.dataset.language === "en" ? "en" : "sv";
  let current = null;  // {person, firstName, items: ["surveyId:moment", …]}
  let sending = false;

  function t(key) {
    const el = document.getElementById("text-" + lang);
    return (el && el.getAttribute("data-" + key)) || key;
  }
  function lt(key) { return listText.getAttribute("data-" + key) || key; }
  function today() {
    const d = new Date();
    return d.getFullYear() + "-" + String(d.getMonth() + 1).padStart(2, "0") + "-" + String(d.getDate()).padStart(2, "0");
  }

  // --- screens ---------------------------------------------------------------------------------

  function show(name) {
    screen = name;
    screens.forEach((s) => { document.getElementById("screen-" + s).hidden = s !== name; });
    // The menu and the footer are the ombud's: away while the tablet is handed over.
    // (a class too: Bootstrap's d-flex on the footer outranks the hidden attribute).
    chrome.forEach((el) => { el.hidden = name !== "list"; });
    document.body.classList.toggle("survey-handed-over", name !== "list");
    window.scrollTo(0, 0);
    const heading = document.querySelector("#screen-" + name + " h1");
    if (heading) { heading.setAttribute("tabindex", "-1"); heading.focus(); }
  }

  function clearForms() {
    formsBox.replaceChildren();
    document.getElementById("participant-error").hidden = true;
  }

  function backToList() {
    clearForms();
    current = null;
    show("list");
    renderStatuses();
  }

  // --- the participant's forms -----------------------------------------------------------------

  function values(form) {
    const out = {};
    Array.from(form.elements).forEach((el) => {
      if (!el.name || el.disabled || el.type === "button" || el.type === "submit") return;
      if (el.type === "radio") { if (el.checked) out[el.name] = el.value; return; }
      if (el.type === "checkbox") {
        if (!Array.isArray(out[el.name])) out[el.name] = [];
        if (el.checked) out[el.name].push(el.value);
        return;
      }
      if (el.tagName === "SELECT" && el.multiple) {
        out[el.name] = Array.from(el.selectedOptions, (o) => o.value);
        return;
      }
      out[el.name] = el.value;
    });
    return out;
  }

  function fill(form, vals) {
    Array.from(form.elements).forEach((el) => {
      if (!el.name || !(el.name in vals)) return;
      const v = vals[el.name];
      if (el.type === "radio") el.checked = el.value === v;
      else if (el.type === "checkbox") el.checked = Array.isArray(v) && v.includes(el.value);
      else if (el.tagName === "SELECT" && el.multiple) Array.from(el.options).forEach((o) => { o.selected = v.includes(o.value); });
      else el.value = v;
    });
  }

  function buildForms(kept) {
    clearForms();
    current.items.forEach((item, i) => {
      const [survey, moment] = item.split(":");
      const tpl = document.getElementById("form-" + survey + "-" + lang);
      if (!tpl) return;
      const form = document.createElement("form");
      form.className = "tablet-survey";
      form.autocomplete = "off";
      form.dataset.survey = survey;
      form.dataset.moment = moment;
      form.dataset.item = item;
      const heading = document.createElement("h2");
      heading.className = "h4";
      heading.textContent = tpl.dataset.name;
      form.appendChild(heading);
      form.appendChild(tpl.content.cloneNode(true));
      // Two surveys may share question codes: keep every id on the page unique.
      const p = "s" + i + "-";
      form.querySelectorAll("[id]").forEach((el) => { el.id = p + el.id; });
      form.querySelectorAll("label[for]").forEach((el) => { el.htmlFor = p + el.htmlFor; });
      ["aria-describedby", "aria-labelledby"].forEach((attr) => {
        form.querySelectorAll("[" + attr + "]").forEach((el) => {
          el.setAttribute(attr, el.getAttribute(attr).split(" ").map((id) => p + id).join(" "));
        });
      });
      if (kept && kept[item]) fill(form, kept[item]);
      formsBox.appendChild(form);
    });
  }

  function applyLanguage() {
    ["screen-participant", "screen-thanks"].forEach((id) => document.getElementById(id).setAttribute("lang", lang));
    root.querySelectorAll("[data-t]").forEach((el) => { el.textContent = t(el.dataset.t); });
    root.querySelectorAll("[data-t-label]").forEach((el) => { el.setAttribute("aria-label", t(el.dataset.tLabel)); });
    root.querySelectorAll("[data-lang]").forEach((b) => b.setAttribute("aria-pressed", b.dataset.lang === lang ? "true" : "false"));
  }

  function setLanguage(next) {
    if (next === lang) return;
    const kept = {};
    formsBox.querySelectorAll("form").forEach((f) => { kept[f.dataset.item] = values(f); });
    lang = next;
    applyLanguage();
    if (current) buildForms(kept);
  }

  function submitAnswers() {
    const forms = Array.from(formsBox.querySelectorAll("form"));
    const invalid = forms.find((f) => !f.checkValidity());
    const error = document.getElementById("participant-error");
    if (invalid) {
      error.textContent = t("invalid");
      error.hidden = false;
      invalid.reportValidity();
      return;
    }
    const queue = load(QUEUE, []);
    forms.forEach((f) => {
      queue.push({
        client_id: uuid4(), person_id: parseInt(current.person, 10), survey_id: parseInt(f.dataset.survey, 10),
        moment: f.dataset.moment, values: values(f), answered_on: today(),
      });
    });
    store(QUEUE, queue);
    // The answers leave the page at once: nothing to scroll back to or find with "back".
    const button = personButton(current.person);
    if (button) button.dataset.items = "";
    clearForms();
    current = null;
    show("thanks");
    flush();
  }

  // --- the list ----------------------------------------------------------------------------------

  function personButton(pid) { return root.querySelector('[data-action="hand-over"][data-person="' + pid + '"]'); }

  function renderStatuses() {
    const queue = load(QUEUE, []);
    const waiting = {};
    queue.forEach((item) => { waiting[item.person_id] = (waiting[item.person_id] || 0) + 1; });
    root.querySelectorAll(".tablet-person[data-person]").forEach((li) => {
      const pid = li.dataset.person;
      const status = li.querySelector('[data-role="status"]');
      const button = personButton(pid);
      if (!button) return;
      const n = parseInt(li.dataset.pending, 10) || 0;
      let label, state;
      if (waiting[pid]) { label = lt("unsent"); state = "is-unsent"; }
      else if (n > 0 && button.dataset.items) { label = lt("waiting").replace("{n}", String(n)); state = "is-waiting"; }
      else { label = lt("done"); state = "is-done"; }
      status.textContent = label;
      status.className = "tablet-status " + state;
      // One person answers once: their row opens again only for what is still due.
      button.disabled = state !== "is-waiting";
    });
    const count = root.querySelector('[data-role="waiting-count"]');
    if (count) count.textContent = String(root.querySelectorAll(".tablet-status.is-waiting").length);
    const box = document.getElementById("tablet-unsent");
    box.querySelector('[data-role="unsent-count"]').textContent = String(queue.length);
    box.hidden = queue.length === 0;
  }

  function failed(message) {
    const box = document.getElementById("tablet-failed");
    box.textContent = message;
    box.hidden = false;
  }

  async function flush() {
    if (sending) return;
    let queue = load(QUEUE, []);
    if (!queue.length) { renderStatuses(); return; }
    sending = true;
    try {
      while (queue.length) {
        const item = queue[0];
        let res = null;
        try {
          res = await fetch(submitUrl, {
            method: "POST", credentials: "same-origin", redirect: "manual",
            headers: { "Content-Type": "application/json", "X-CSRFToken": csrf, "Accept": "application/json" },
            body: JSON.stringify(item),
          });
        } catch (e) {
          res = null;
        }
        const how = outcome(res);
        if (how === "offline") return;
        if (how === "login") { failed(lt("login")); return; }
        let body = {};
        try { body = await res.json(); } catch (e) { body = {}; }
        queue = load(QUEUE, []);
        queue.shift();
        store(QUEUE, queue);
        const li = root.querySelector('.tablet-person[data-person="' + item.person_id + '"]');
        if (how === "done") {
          // The server says what is still due for the person (never what was answered).
          if (li) li.dataset.pending = String(body.pending || 0);
          const button = personButton(item.person_id);
          if (button) button.dataset.items = body.items || "";
        } else {
          // Refused (the message names no one): what is still due can be answered again.
          failed(lt("failed") + " " + (body.error || String(res.status)));
          const button = personButton(item.person_id);
          if (button) button.dataset.items = [button.dataset.items, item.survey_id + ":" + item.moment].filter(Boolean).join(" ");
        }
        renderStatuses();
      }
    } finally {
      sending = false;
      renderStatuses();
    }
  }

  // --- events ------------------------------------------------------------------------------------

  root.addEventListener("click", (ev) => {
    // The status pill is part of the person's tap target too (the button is the keyboard path).
    const row = ev.target.closest(".tablet-person");
    const el = ev.target.closest("[data-action], [data-lang]") || (row && row.querySelector('[data-action="hand-over"]'));
    if (!el) return;
    if (el.dataset.lang) { setLanguage(el.dataset.lang); return; }
    const action = el.dataset.action;
    if (action === "hand-over") {
      if (el.disabled || !el.dataset.items) return;
      current = { person: el.dataset.person, firstName: el.dataset.firstName, items: el.dataset.items.split(" ") };
      document.querySelector('#screen-handover [data-role="first-name"]').textContent = current.firstName;
      lang = root.dataset.language === "en" ? "en" : "sv";
      history.pushState({ surveyTablet: true }, "");
      show("handover");
    } else if (action === "start") {
      applyLanguage();
      buildForms();
      show("participant");
    } else if (action === "cancel") {
      backToList();
    } else if (action === "leave") {
      if (window.confirm(t("leave-confirm"))) backToList();
    } else if (action === "submit") {
      submitAnswers();
    } else if (action === "to-list") {
      backToList();
    }
  });
  formsBox.addEventListener("submit", (ev) => { ev.preventDefault(); submitAnswers(); });

  // While the tablet is handed over, "back" stays where it is: leaving participant mode is the
  // deliberate "Tillbaka till utbildaren" (a glance is kept out, not a determined user).
  window.addEventListener("popstate", () => {
    if (screen !== "list") history.pushState({ surveyTablet: true }, "");
  });
  window.addEventListener("beforeunload", (ev) => {
    if (screen === "participant" || load(QUEUE, []).length) {
      ev.preventDefault();
      ev.returnValue = "";
    }
  });
  // A page restored from the browser's memory never shows a half-filled form.
  window.addEventListener("pageshow", (ev) => { if (ev.persisted) backToList(); });
  window.addEventListener("online", () => flush());
  setInterval(() => { if (navigator.onLine) flush(); }, 5000);

  applyLanguage();
  renderStatuses();
  flush();
})();
