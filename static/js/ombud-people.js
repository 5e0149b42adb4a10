// Staff pages: small enhancements only; every page works without this file.
document.addEventListener("DOMContentLoaded", () => {
  // "Skriv ut" on the register extract.
  document.querySelectorAll("[data-print]").forEach((el) => {
    el.addEventListener("click", () => window.print());
  });
  // A new municipality makes the chosen workplace meaningless: clear it before filtering.
  const municipality = document.getElementById("id_municipality");
  const workplace = document.getElementById("id_workplace");
  if (municipality && workplace && municipality.form && municipality.form.matches(".filter-bar")) {
    municipality.addEventListener("change", () => { workplace.value = ""; }, { capture: true });
  }
  // Keep the export link in step with the filters applied through htmx.
  document.body.addEventListener("htmx:afterSettle", () => {
    const link = document.getElementById("export-link");
    if (link) link.search = window.location.search;
  });
});
