// The tablet attendance screen. No inline script (CSP): everything the page needs is in data-*
// attributes. Every save is a submission with a client-generated UUID, kept in localStorage until
// the server has answered, so a dropped Wi-Fi connection never loses marks, and a replay of the
// same submission is answered by the server with the stored result (never stored twice).
// Marks are saved on their own a moment after the last tap (the same submission path as
// "Spara"); until the server has confirmed them they stay in a draft in localStorage, the page
// warns before it is left, and the ombud's start page shows "osparad närvaro".
(function () {
  "use strict";
  const root = document.getElementById("attendance");
  if (!root) return;

  const sessionId = root.dataset.session;
  const submitUrl = root.dataset.submitUrl;
  const planned = parseInt(root.dataset.planned, 10);
  const lateDefault = parseInt(root.dataset.lateDefault, 10);
  const csrf = root.dataset.csrf;
  const locked = root.dataset.locked === "1";
  let started = root.dataset.started === "1";
  const list = document.getElementById("attendance-list");
  const stateEl = document.getElementById("save-state");
  const msg = document.getElementById("messages");
  const QUEUE = "modig-attendance-queue-" + sessionId;
  const DRAFT = "modig-attendance-draft-" + sessionId;
  const LABEL = "modig-attendance-label-" + sessionId;  // read by the start page (kurser-unsaved.js)
  const AUTOSAVE_MS = 1200;
  const saveBtn = root.querySelector('[data-action="save"]');
  const ATTENDED = ["närvarande", "sen", "delvis"];
  const CYCLE = { "anmäld": "närvarande", "närvarande": "sen", "sen": "frånvarande", "delvis": "frånvarande",
                  "frånvarande": "närvarande", "förhinder": "närvarande" };
  let sending = false;
  let autosaveTimer = null;

  // Nothing can be marked on a cancelled or locked session, or before the session has started:
  // the controls are disabled by the server with the reason shown next to them.
  function blocked() { return locked || !started; }

  function text(key) { return msg.getAttribute("data-" + key) || key; }
  // The tablet's offline queue helpers, shared with the survey hand-over (offline-queue.js).
  const load = window.ModigOffline.load;
  const store = window.ModigOffline.store;
  const uuid4 = window.ModigOffline.uuid4;
  function rows() { return Array.from(list.querySelectorAll(".attendance-row[data-person]")); }
  function rowFor(pid) { return list.querySelector('.attendance-row[data-person="' + pid + '"]'); }

  function setState(state, label) {
    stateEl.dataset.state = state;
    stateEl.textContent = label;
  }

  function render(row) {
    const status = row.dataset.status;
    row.querySelector('[data-role="status-label"]').textContent = text("status-" + status);
    const kind = row.querySelector('[data-role="kind"]');
    if (status !== "anmäld") kind.value = status;
    row.querySelector('[data-role="minutes"]').value = row.dataset.minutes;
    row.querySelector('[data-action="cycle"]').setAttribute("aria-pressed", ATTENDED.includes(status) ? "true" : "false");
  }

  function counts() {
    const all = rows();
    root.querySelector('[data-count="present"]').textContent = all.filter((r) => ATTENDED.includes(r.dataset.status)).length;
    root.querySelector('[data-count="total"]').textContent = all.length;
  }

  function defaultMinutes(status, current) {
    if (status === "närvarande") return planned;
    if (status === "sen") return current > 0 && current < planned ? current : lateDefault;
    if (status === "delvis") return current > 0 && current < planned ? current : Math.round(planned / 2);
    return 0;
  }

  function saveDraft() {
    const draft = {};
    rows().filter((r) => r.classList.contains("is-dirty")).forEach((r) => {
      draft[r.dataset.person] = {
        status: r.dataset.status, minutes: parseInt(r.dataset.minutes, 10) || 0,
        name: r.querySelector(".attendance-name").textContent, workplace: r.querySelector(".attendance-workplace").textContent,
      };
    });
    store(DRAFT, draft);
  }

  function setStatus(row, status, minutes) {
    row.dataset.status = status;
    row.dataset.minutes = minutes === undefined ? defaultMinutes(status, parseInt(row.dataset.minutes, 10)) : minutes;
    row.classList.add("is-dirty");
    render(row);
    counts();
    saveDraft();
    if (!sending && !load(QUEUE, []).length) setState("dirty", text("dirty"));
    scheduleAutosave();
  }

  function addRow(pid, name, workplace) {
    let row = rowFor(pid);
    if (row) return row;
    const tpl = document.getElementById("row-template").content.firstElementChild.cloneNode(true);
    tpl.dataset.person = pid;
    tpl.querySelector(".attendance-name").textContent = name;
    tpl.querySelector(".attendance-workplace").textContent = workplace || "";
    tpl.querySelectorAll("[id]").forEach((el) => { el.id = el.id.replace(/-new$/, "-" + pid); });
    tpl.querySelectorAll("[for]").forEach((el) => { el.htmlFor = el.htmlFor.replace(/-new$/, "-" + pid); });
    tpl.querySelector("[aria-describedby]").setAttribute("aria-describedby", "st-" + pid);
    const empty = document.getElementById("attendance-empty");
    if (empty) empty.remove();
    list.appendChild(tpl);
    render(tpl);
    return tpl;
  }

  // --- sending ---------------------------------------------------------------------------------

  function unconfirmed() { return load(QUEUE, []).length > 0 || Object.keys(load(DRAFT, {})).length > 0; }

  // What the server confirmed is no longer a draft; a row changed again meanwhile stays one.
  function confirmed(sub) {
    const draft = load(DRAFT, {});
    sub.marks.forEach((m) => {
      const d = draft[m.person_id];
      if (d && d.status === m.status && (parseInt(d.minutes, 10) || 0) === m.minutes) delete draft[m.person_id];
    });
    store(DRAFT, draft);
    rows().forEach((r) => { if (!Object.prototype.hasOwnProperty.call(draft, r.dataset.person)) r.classList.remove("is-dirty"); });
  }

  function setSending(on) {
    sending = on;
    // While a submission is on its way "Spara" cannot be tapped again: one tap, one submission.
    saveBtn.disabled = on || blocked();
    saveBtn.setAttribute("aria-busy", on ? "true" : "false");
  }

  // `leaving`: the page is being left, so the request must outlive it (keepalive).
  async function flush(leaving) {
    if (sending || blocked()) return;
    let queue = load(QUEUE, []);
    if (!queue.length) return;
    setSending(true);
    setState("saving", text("saving"));
    try {
      while (queue.length) {
        const sub = queue[0];
        // From the first attempt on, this submission keeps its UUID until the server answers:
        // it may have arrived even if the answer did not.
        if (!sub.tried) { sub.tried = true; store(QUEUE, queue); }
        let res;
        try {
          res = await fetch(submitUrl, {
            method: "POST", credentials: "same-origin", redirect: leaving ? "follow" : "manual", keepalive: !!leaving,
            headers: { "Content-Type": "application/json", "X-CSRFToken": csrf, "Accept": "application/json" },
            body: JSON.stringify({ client_id: sub.client_id, marks: sub.marks, reason: sub.reason }),
          });
        } catch (e) {
          setState("unsent", text("unsent"));
          return;
        }
        if (res.type === "opaqueredirect" || res.redirected || res.status === 403 || res.status === 401) {
          setState("error", text("login"));
          return;
        }
        if (res.status >= 500) { setState("unsent", text("unsent")); return; }
        let body = {};
        try { body = await res.json(); } catch (e) { body = {}; }
        queue = load(QUEUE, []);
        queue.shift();
        store(QUEUE, queue);
        if (res.ok) {
          confirmed(sub);
          const badge = document.querySelector("[data-session-status]");
          if (badge && body.session_status) badge.textContent = text("session-" + body.session_status);
          const t = new Date();
          setState("saved", text("saved") + " " + String(t.getHours()).padStart(2, "0") + ":" + String(t.getMinutes()).padStart(2, "0"));
        } else if (res.status === 409) {
          setState("error", text("conflict"));
        } else {
          setState("error", body.error || String(res.status));
        }
      }
    } finally {
      setSending(false);
    }
  }

  function sameContent(a, b) {
    return JSON.stringify([a.marks, a.reason || ""]) === JSON.stringify([b.marks, b.reason || ""]);
  }

  function save(leaving, auto) {
    clearTimeout(autosaveTimer);
    if (blocked()) return;
    const reasonEl = document.getElementById("change-reason");
    // An approved session changes only with a reason, given on purpose: no autosave (it would
    // log a half-typed reason), and without a reason "Spara" says so instead of failing.
    if (reasonEl && (auto || !reasonEl.value.trim())) {
      if (!auto && !leaving) { setState("error", text("reason")); reasonEl.focus(); }
      return;
    }
    const marks = rows().filter((r) => r.dataset.status !== "anmäld").map((r) => ({
      person_id: parseInt(r.dataset.person, 10),
      status: r.dataset.status,
      minutes: parseInt(r.dataset.minutes, 10) || 0,
    }));
    const queue = load(QUEUE, []);
    // Nothing changed since the server's last answer: one submission is enough.
    if (!marks.length || (!queue.length && !rows().some((r) => r.classList.contains("is-dirty")))) return;
    const sub = { client_id: uuid4(), marks: marks, reason: reasonEl ? reasonEl.value.trim() : "" };
    const last = queue[queue.length - 1];
    if (last && sameContent(last, sub)) { flush(leaving); return; }  // already waiting, with its own UUID
    if (last && !last.tried) queue.pop();  // never sent: the newer snapshot replaces it
    queue.push(sub);
    store(QUEUE, queue);
    flush(leaving);
  }

  function scheduleAutosave() {
    clearTimeout(autosaveTimer);
    autosaveTimer = setTimeout(() => save(false, true), AUTOSAVE_MS);
  }

  // --- events ----------------------------------------------------------------------------------

  list.addEventListener("click", (ev) => {
    // The status pill is part of the tap target too (the button is the keyboard path).
    const btn = ev.target.closest('[data-action="cycle"], [data-role="status-label"]');
    if (!btn || blocked()) return;
    const row = btn.closest(".attendance-row");
    setStatus(row, CYCLE[row.dataset.status] || "närvarande");
  });
  list.addEventListener("change", (ev) => {
    const row = ev.target.closest(".attendance-row");
    if (!row || blocked()) return;
    if (ev.target.dataset.role === "kind") setStatus(row, ev.target.value);
    if (ev.target.dataset.role === "minutes") {
      const v = Math.max(0, Math.min(planned, parseInt(ev.target.value, 10) || 0));
      setStatus(row, row.dataset.status, v);
    }
  });
  root.querySelector('[data-action="all-present"]').addEventListener("click", () => {
    if (blocked()) return;
    const unmarked = rows().filter((r) => r.dataset.status === "anmäld");
    (unmarked.length ? unmarked : rows()).forEach((r) => setStatus(r, "närvarande"));
  });
  saveBtn.addEventListener("click", () => save());
  document.getElementById("walkin-results").addEventListener("click", (ev) => {
    const btn = ev.target.closest("[data-add-person]");
    if (!btn || blocked()) return;
    const row = addRow(btn.dataset.addPerson, btn.dataset.name, btn.dataset.workplace);
    setStatus(row, "närvarande");
    const q = document.getElementById("walkin-q");
    q.value = "";
    document.getElementById("walkin-results").textContent = "";
    row.scrollIntoView({ block: "center" });
    row.querySelector('[data-action="cycle"]').focus();
  });

  // "Lägg till ny deltagare": someone not in the register. The server adds them as a temporary
  // participant (one person per client id, so a retry after a lost answer adds no one twice)
  // and answers with their id; from then on they are a row like any other, marked present and
  // saved through the ordinary submission queue.
  document.getElementById("walkin-results").addEventListener("submit", async (ev) => {
    const form = ev.target.closest("#walkin-form");
    if (!form) return;
    ev.preventDefault();
    if (blocked()) return;
    const error = document.getElementById("walkin-error");
    const submit = form.querySelector('[type="submit"]');
    if (!form.dataset.clientId) form.dataset.clientId = uuid4();
    const body = {
      client_id: form.dataset.clientId,
      first_name: form.elements.first_name.value.trim(),
      last_name: form.elements.last_name.value.trim(),
      workplace_id: form.elements.workplace_id.value,
      personnummer: form.elements.personnummer.value.trim(),
    };
    submit.disabled = true;
    let res, answer = {};
    try {
      res = await fetch(form.dataset.url, {
        method: "POST", credentials: "same-origin", redirect: "manual",
        headers: { "Content-Type": "application/json", "X-CSRFToken": csrf, "Accept": "application/json" },
        body: JSON.stringify(body),
      });
      try { answer = await res.json(); } catch (e) { answer = {}; }
    } catch (e) {
      res = null;
    } finally {
      submit.disabled = false;
    }
    if (!res || res.status >= 500) {
      error.textContent = text("walkin-offline");
      error.classList.remove("d-none");
      return;
    }
    if (res.type === "opaqueredirect" || res.status === 403 || res.status === 401) {
      error.textContent = text("login");
      error.classList.remove("d-none");
      return;
    }
    if (!res.ok) {
      error.textContent = answer.error || String(res.status);
      error.classList.remove("d-none");
      // Corrected input is a new add: a new id (the refused one stored nothing).
      delete form.dataset.clientId;
      return;
    }
    const row = addRow(String(answer.person_id), answer.name, answer.workplace);
    setStatus(row, "närvarande");
    document.getElementById("walkin-q").value = "";
    document.getElementById("walkin-results").textContent = "";
    row.scrollIntoView({ block: "center" });
    row.querySelector('[data-action="cycle"]').focus();
  });

  // The session started while the page was open (the server says so): marking opens.
  function unblock() {
    started = true;
    root.dataset.started = "1";
    const reason = document.getElementById("marking-blocked");
    if (reason) reason.remove();
    root.querySelectorAll('[aria-describedby~="marking-blocked"]').forEach((el) => {
      el.disabled = false;
      const rest = el.getAttribute("aria-describedby").split(" ").filter((id) => id !== "marking-blocked");
      if (rest.length) el.setAttribute("aria-describedby", rest.join(" ")); else el.removeAttribute("aria-describedby");
    });
  }

  // QR check-ins from phones arrive on the server: show them here, without touching what
  // this tablet has changed and not yet sent.
  async function refresh() {
    if (sending || !navigator.onLine || load(QUEUE, []).length) return;
    let body;
    try {
      const res = await fetch(root.dataset.stateUrl, { credentials: "same-origin", redirect: "manual",
                                                       headers: { "Accept": "application/json" } });
      if (!res.ok) return;
      body = await res.json();
    } catch (e) { return; }
    if (body.started && !started) unblock();
    const draft = load(DRAFT, {});
    (body.marks || []).forEach((m) => {
      if (Object.prototype.hasOwnProperty.call(draft, String(m.person_id))) return;
      const row = rowFor(m.person_id) || addRow(String(m.person_id), m.name, m.workplace);
      if (row.classList.contains("is-dirty")) return;
      if (row.dataset.status !== m.status || String(row.dataset.minutes) !== String(m.minutes)) {
        row.dataset.status = m.status; row.dataset.minutes = m.minutes; render(row);
      }
    });
    counts();
  }

  window.addEventListener("online", () => flush());
  setInterval(() => { if (navigator.onLine) flush(); }, 5000);
  if (!locked) setInterval(refresh, started ? 10000 : 5000);

  // Leaving with marks the server has not confirmed: send them now (keepalive), and ask first,
  // since without a network they exist only on this tablet.
  window.addEventListener("beforeunload", (ev) => {
    if (blocked() || !unconfirmed()) return;
    save(true);
    ev.preventDefault();
    ev.returnValue = "";
  });
  document.addEventListener("visibilitychange", () => {
    if (document.visibilityState === "hidden" && !blocked()) save(true);
  });

  // --- start: bring back what this tablet has not sent yet --------------------------------------

  if (!locked) store(LABEL, { user: root.dataset.user, label: root.dataset.label });
  rows().forEach(render);
  const queued = load(QUEUE, []);
  queued.forEach((sub) => sub.marks.forEach((m) => {
    const row = rowFor(m.person_id);
    if (row) { row.dataset.status = m.status; row.dataset.minutes = m.minutes; row.classList.add("is-dirty"); render(row); }
  }));
  const draft = load(DRAFT, {});
  Object.keys(draft).forEach((pid) => {
    const d = draft[pid];
    const row = rowFor(pid) || addRow(pid, d.name, d.workplace);
    row.dataset.status = d.status; row.dataset.minutes = d.minutes; row.classList.add("is-dirty"); render(row);
  });
  counts();
  if (queued.length) { setState("unsent", text("unsent")); flush(); }
  else if (Object.keys(draft).length) { setState("dirty", text("dirty")); scheduleAutosave(); }
})();
