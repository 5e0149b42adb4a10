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
