// Staff pages: small enhancements only; every page works without this file.
document.addEventListener("DOMContentLoaded", () => {
  // "Skriv ut" on the register extract.
  document.querySelectorAll("[data-print]").forEach((el) => {
    el.addEventListener("click", () => window.print());
  });
  // A new municipality makes the chosen workplace meaningless: clear it before filtering.
  // (Looked up at change time: htmx replaces the workplace select with the new municipality's.)
  const municipality = document.getElementById("id_municipality");
  if (municipality && municipality.form && municipality.form.matches(".filter-bar")) {
    municipality.addEventListener("change", () => {
      const workplace = document.getElementById("id_workplace");
      if (workplace) workplace.value = "";
    }, { capture: true });
  }
  // Keep the export link in step with the filters applied through htmx.
  document.body.addEventListener("htmx:afterSettle", () => {
    const link = document.getElementById("export-link");
    if (link) link.search = window.location.search;
  });
});
