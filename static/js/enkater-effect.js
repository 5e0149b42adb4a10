// The effect dashboard's list of non-responders: "select all on this page" and one submit per
// click (the server sends at most one reminder per person, survey and day anyway). No inline
// script (CSP).
(function () {
  "use strict";
  const form = document.querySelector("[data-reminder-form]");
  if (!form) return;
  const all = form.querySelector("[data-select-all]");
  const boxes = Array.from(form.querySelectorAll("[data-person]"));
  if (all) {
    all.addEventListener("change", () => boxes.forEach((b) => { b.checked = all.checked; }));
    boxes.forEach((b) => b.addEventListener("change", () => {
      const n = boxes.filter((x) => x.checked).length;
      all.checked = n === boxes.length;
      all.indeterminate = n > 0 && n < boxes.length;
    }));
  }
  let sent = false;
  form.addEventListener("submit", (event) => {
    if (sent) { event.preventDefault(); return; }
    sent = true;
    // Disable after the browser has read the form (a disabled submitter would drop its value).
    window.setTimeout(() => form.querySelectorAll("[data-submit-once]").forEach((b) => { b.disabled = true; }), 0);
  });
})();
