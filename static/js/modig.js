// Small shared behaviour. No inline scripts anywhere (CSP): pages include files like this one.
document.addEventListener("DOMContentLoaded", () => {
  // Auto-submit selects marked data-autosubmit (filters) — only as an enhancement.
  document.querySelectorAll("select[data-autosubmit]").forEach((el) => {
    el.addEventListener("change", () => el.form && el.form.requestSubmit());
  });
});

// A table wider than the screen scrolls inside its box (modig.css). Keyboard users must reach
// that box to scroll it with the arrow keys, so a box that actually scrolls becomes focusable
// (WCAG 2.1.1; axe "scrollable-region-focusable"). It gets no role or name of its own: it sits
// under the table's heading, and a second landmark with the same name would only repeat it.
(() => {
  const boxes = () => {
    try {
      return document.querySelectorAll(".table-responsive, main :has(> table.table)");
    } catch (e) {
      return document.querySelectorAll(".table-responsive"); // a browser without :has()
    }
  };
  const mark = () => {
    boxes().forEach((box) => {
      const scrolls = box.scrollWidth > box.clientWidth + 1;
      if (scrolls && !box.hasAttribute("tabindex")) {
        box.setAttribute("tabindex", "0");
        box.dataset.scrollFocus = "1";
      } else if (!scrolls && box.dataset.scrollFocus) {
        box.removeAttribute("tabindex");
        delete box.dataset.scrollFocus;
      }
    });
  };
  document.addEventListener("DOMContentLoaded", mark);
  window.addEventListener("resize", () => window.requestAnimationFrame(mark));
  document.addEventListener("htmx:afterSettle", mark);
})();
