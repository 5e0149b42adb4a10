// Survey builder: confirm deletions; show the options field only for choice questions.
document.addEventListener("DOMContentLoaded", () => {
  document.querySelectorAll("button[data-confirm]").forEach((button) => {
    button.addEventListener("click", (event) => {
      if (!window.confirm(button.dataset.confirm)) event.preventDefault();
    });
  });
  const kind = document.getElementById("id_kind");
  const options = document.getElementById("div_id_options");
  if (kind && options) {
    const update = () => {
      options.hidden = !["ett val", "flera val"].includes(kind.value);
    };
    kind.addEventListener("change", update);
    update();
  }
});
