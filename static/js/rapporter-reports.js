// Report request form: show the month field only for the monthly attendance report, the
// period fields for the others, and only the formats the chosen kind comes in.
// Progressive enhancement: without JS every field is shown and the server validates.
document.addEventListener("DOMContentLoaded", () => {
  const form = document.getElementById("report-form");
  if (!form) return;
  const kind = form.elements.namedItem("kind");
  const format = form.elements.namedItem("format");
  const month = form.querySelector("[data-report-month]");
  const period = form.querySelector("[data-report-period]");
  let formats = {};
  try {
    formats = JSON.parse(form.dataset.formats || "{}");
  } catch (e) {
    formats = {};
  }
  const update = () => {
    const isMonthly = kind.value === "narvarorapport";
    if (month) month.hidden = !isMonthly;
    if (period) period.hidden = isMonthly;
    const allowed = formats[kind.value];
    if (!allowed || !format) return;
    Array.from(format.options).forEach((option) => {
      option.disabled = !allowed.includes(option.value);
    });
    if (!allowed.includes(format.value)) format.value = allowed[0];
  };
  kind.addEventListener("change", update);
  update();
});

// Live progress: htmx replaces the table body every 2 s while reports are queued or running.
// A swapped-in region is not announced by screen readers, so a fixed live region outside the
// table says when the last running report has finished.
document.addEventListener("htmx:afterSwap", (event) => {
  const rows = document.getElementById("report-rows");
  const live = document.getElementById("report-live");
  if (!rows || !live || event.detail.target.id !== "report-rows") return;
  const before = Number(live.dataset.active || "0");
  const now = Number(rows.dataset.active || "0");
  if (before > 0 && now === 0) live.textContent = live.dataset.doneText || "";
  live.dataset.active = String(now);
});
