// The ombud's start page: attendance marked on this tablet that the server has not confirmed yet
// (attendance.js keeps it in localStorage until then) is listed as "osparad närvaro", with a link
// back to each session, where it is sent again. No inline script (CSP).
(function () {
  "use strict";
  const box = document.getElementById("unsaved-attendance");
  if (!box) return;
  const found = {};
  function read(key) {
    try { return JSON.parse(localStorage.getItem(key)); } catch (e) { return null; }
  }
  try {
    for (let i = 0; i < localStorage.length; i++) {
      const m = /^modig-attendance-(queue|draft)-(\d+)$/.exec(localStorage.key(i) || "");
      if (!m) continue;
      const value = read(m[0]);
      let n = 0;
      if (Array.isArray(value)) value.forEach((sub) => { n += (sub.marks || []).length; });
      else if (value) n = Object.keys(value).length;
      if (n) found[m[2]] = Math.max(found[m[2]] || 0, n);
    }
  } catch (e) { return; }  // storage switched off: nothing can be waiting either
  const list = box.querySelector('[data-role="list"]');
  Object.keys(found).forEach((id) => {
    const label = read("modig-attendance-label-" + id) || {};
    // A shared tablet: show only what this user marked.
    if (label.user && label.user !== box.dataset.user) return;
    const li = document.createElement("li");
    const a = document.createElement("a");
    a.href = box.dataset.url.replace("/0/", "/" + id + "/");
    a.textContent = label.label || box.dataset.fallback + " " + id;
    li.appendChild(a);
    li.appendChild(document.createTextNode(" · " + box.dataset.marks.replace("{n}", String(found[id]))));
    list.appendChild(li);
  });
  if (list.children.length) box.hidden = false;
})();
