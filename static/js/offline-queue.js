// What a page needs to keep submissions on the tablet until the server has answered: JSON in
// localStorage (a full or switched-off storage never stops the page) and a client UUID per
// submission, which the server uses to store a replayed submission once. The same approach as
// the attendance screen (attendance.js) and the survey hand-over (survey-tablet.js) use these. No inline script (CSP).
window.ModigOffline = (function () {
  "use strict";
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
  // How a POST of a queued submission ended, as attendance.js reads it: "offline" (no answer or
  // a 5xx: keep it and try again), "login" (signed out: keep it), "done" or "refused" (the
  // server answered: it leaves the queue either way).
  function outcome(res) {
    if (!res || res.status >= 500) return "offline";
    if (res.type === "opaqueredirect" || res.redirected || res.status === 401 || res.status === 403) return "login";
    return res.ok ? "done" : "refused";
  }
  return { load: load, store: store, uuid4: uuid4, outcome: outcome };
})();
