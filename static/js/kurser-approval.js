// Approval queue: "select all" for the bulk-approve checkboxes (no inline script: CSP).
document.addEventListener("DOMContentLoaded", () => {
  document.querySelectorAll("[data-select-all]").forEach((master) => {
    master.addEventListener("change", () => {
      document.querySelectorAll('input[name="' + master.dataset.selectAll + '"]').forEach((box) => {
        box.checked = master.checked;
      });
    });
  });
});
