// User administration: show only the scope fields that fit the chosen role; confirm deactivation.
document.addEventListener("DOMContentLoaded", () => {
  const form = document.querySelector("form[data-role-form]");
  if (form) {
    const role = form.querySelector("[name=role]");
    const municipalities = document.getElementById("div_id_municipalities");
    const person = document.getElementById("div_id_person");
    const update = () => {
      if (municipalities) municipalities.hidden = role.value !== "lokal_projektledare";
      if (person) person.hidden = role.value !== "ombud";
    };
    if (role) {
      role.addEventListener("change", update);
      update();
    }
  }
  document.querySelectorAll("button[data-confirm]").forEach((button) => {
    button.addEventListener("click", (event) => {
      if (!window.confirm(button.dataset.confirm)) event.preventDefault();
    });
  });
});
