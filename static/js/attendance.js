// The tablet attendance screen. No inline script (CSP): everything the page needs is in data-*
// attributes. Every save is a submission with a client-generated UUID, kept in localStorage until
// the server has answered, so a dropped Wi-Fi connection never loses marks, and a replay of the
// same submission is answered by the server with the stored result (never stored twice).
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
  const list = document.getElementById("attendance-list");
  const stateEl = document.getElementById("save-state");
  const msg = document.getElementById("messages");
  const QUEUE = "modig-attendance-queue-" + sessionId;
  const DRAFT = "modig-attendance-draft-" + sessionId;
  const ATTENDED = ["närvarande", "sen", "delvis"];
  const CYCLE = { "anmäld": "närvarande", "närvarande": "sen", "sen": "frånvarande", "delvis": "frånvarande",
                  "frånvarande": "närvarande", "förhinder": "närvarande" };
  let sending = false;

  function text(key) { return msg.getAttribute("data-" + key) || key; }
  function load(key, fallback) {
    try { return JSON.parse(localStorage.getItem(key)) || fallback; } catch (e) { return fallback; }
  }
  function store(key, value) {
    try { localStorage.setItem(key, JSON.stringify(value)); } catch (e) { /* storage full: keep going */ }
  }
  function uuid4() {
    if (window.crypto && crypto.randomUUID) return crypto.randomUUID();
    const b = crypto.getRandomValues(new Uint8Array(16));
    b[6] = (b[6] & 0x0f) | 0x40; b[8] = (b[8] & 0x3f) | 0x80;
    const h = Array.from(b, (x) => x.toString(16).padStart(2, "0")).join("");
    return h.slice(0, 8) + "-" + h.slice(8, 12) + "-" + h.slice(12, 16) + "-" + h.slice(16, 20) + "-" + h.slice(20);
  }
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

  async function flush() {
    if (sending) return;
    let queue = load(QUEUE, []);
    if (!queue.length) return;
    sending = true;
    setState("saving", text("saving"));
    try {
      while (queue.length) {
        const sub = queue[0];
        let res;
        try {
          res = await fetch(submitUrl, {
            method: "POST", credentials: "same-origin", redirect: "manual",
            headers: { "Content-Type": "application/json", "X-CSRFToken": csrf, "Accept": "application/json" },
            body: JSON.stringify(sub),
          });
        } catch (e) {
          setState("unsent", text("unsent"));
          return;
        }
        if (res.type === "opaqueredirect" || res.status === 403 || res.status === 401) {
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
          (body.marks || []).forEach((m) => {
            const row = rowFor(m.person_id);
            if (row && !isDirtyLocally(m.person_id)) row.classList.remove("is-dirty");
          });
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
      sending = false;
    }
  }

  function isDirtyLocally(pid) { return Object.prototype.hasOwnProperty.call(load(DRAFT, {}), String(pid)); }

  function save() {
    if (locked) return;
    const marks = rows().filter((r) => r.dataset.status !== "anmäld").map((r) => ({
      person_id: parseInt(r.dataset.person, 10),
      status: r.dataset.status,
      minutes: parseInt(r.dataset.minutes, 10) || 0,
    }));
    if (!marks.length) return;
    const queue = load(QUEUE, []);
    const reasonEl = document.getElementById("change-reason");
    const sub = { client_id: uuid4(), marks: marks };
    if (reasonEl) sub.reason = reasonEl.value.trim();
    queue.push(sub);
    store(QUEUE, queue);
    store(DRAFT, {});
    flush();
  }

  // --- events ----------------------------------------------------------------------------------

  list.addEventListener("click", (ev) => {
    // The status pill is part of the tap target too (the button is the keyboard path).
    const btn = ev.target.closest('[data-action="cycle"], [data-role="status-label"]');
    if (!btn || locked) return;
    const row = btn.closest(".attendance-row");
    setStatus(row, CYCLE[row.dataset.status] || "närvarande");
  });
  list.addEventListener("change", (ev) => {
    const row = ev.target.closest(".attendance-row");
    if (!row || locked) return;
    if (ev.target.dataset.role === "kind") setStatus(row, ev.target.value);
    if (ev.target.dataset.role === "minutes") {
      const v = Math.max(0, Math.min(planned, parseInt(ev.target.value, 10) || 0));
      setStatus(row, row.dataset.status, v);
    }
  });
  root.querySelector('[data-action="all-present"]').addEventListener("click", () => {
    if (locked) return;
    const unmarked = rows().filter((r) => r.dataset.status === "anmäld");
    (unmarked.length ? unmarked : rows()).forEach((r) => setStatus(r, "närvarande"));
  });
  root.querySelector('[data-action="save"]').addEventListener("click", save);
  document.getElementById("walkin-results").addEventListener("click", (ev) => {
    const btn = ev.target.closest("[data-add-person]");
    if (!btn || locked) return;
    const row = addRow(btn.dataset.addPerson, btn.dataset.name, btn.dataset.workplace);
    setStatus(row, "närvarande");
    const q = document.getElementById("walkin-q");
    q.value = "";
    document.getElementById("walkin-results").textContent = "";
    row.scrollIntoView({ block: "center" });
    row.querySelector('[data-action="cycle"]').focus();
  });
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

  window.addEventListener("online", flush);
  setInterval(() => { if (navigator.onLine) flush(); }, 5000);
  if (!locked) setInterval(refresh, 10000);

  // --- start: bring back what this tablet has not sent yet --------------------------------------

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
  else if (Object.keys(draft).length) setState("dirty", text("dirty"));
})();
