// Small progressive enhancements; every page works without them.
// A list that submits its form when chosen from with the mouse or a finger. Not with the keyboard:
// arrow keys change the choice at each step in some browsers, and a page that reloads at the first
// step leaves a keyboard user no way to reach the third option (WCAG 3.2.2, on input); they choose,
// then press the button beside the list, which is always there.
document.addEventListener("keydown", (event) => {
  const select = event.target.closest && event.target.closest("select[data-autosubmit]");
  if (select) select.dataset.keyboard = "1";
});
document.addEventListener("pointerdown", (event) => {
  const select = event.target.closest && event.target.closest("select[data-autosubmit]");
  if (select) delete select.dataset.keyboard;
});
document.addEventListener("change", (event) => {
  const select = event.target.closest("select[data-autosubmit]");
  if (select && select.form && select.dataset.keyboard !== "1") select.form.requestSubmit();
});
document.addEventListener("click", (event) => {
  const button = event.target.closest("[data-copy]");
  if (!button) return;
  const target = document.getElementById(button.dataset.copy);
  if (target && navigator.clipboard) {
    navigator.clipboard.writeText(target.textContent.trim());
    button.textContent = button.dataset.copied || button.textContent;
  }
});
document.addEventListener("click", (event) => {
  if (event.target.closest("[data-print]")) window.print();
});
