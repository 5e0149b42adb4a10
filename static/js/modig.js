// Small shared behaviour. No inline scripts anywhere (CSP): pages include files like this one.
document.addEventListener("DOMContentLoaded", () => {
  // Auto-submit selects marked data-autosubmit (filters) — only as an enhancement.
  document.querySelectorAll("select[data-autosubmit]").forEach((el) => {
    el.addEventListener("change", () => el.form && el.form.requestSubmit());
  });
});
