// Discussions: the people picker under a post's text box, a confirmation before deleting, and
// htmx showing a refused post's errors. Optional: every form works without it.
(() => {
  if (window.halqaDiscussions) return;
  window.halqaDiscussions = true;

  function insertAtCaret(box, text) {
    const start = box.selectionStart ?? box.value.length;
    const end = box.selectionEnd ?? start;
    const before = box.value.slice(0, start);
    const spacer = before && !/\s$/.test(before) ? " " : "";
    const inserted = spacer + text + " ";
    box.value = before + inserted + box.value.slice(end);
    box.focus();
    box.setSelectionRange(before.length + inserted.length, before.length + inserted.length);
  }

  document.addEventListener("click", (event) => {
    const button = event.target.closest("[data-mention-token]");
    const picker = button && button.closest("[data-mention-for]");
    const box = picker && document.getElementById(picker.dataset.mentionFor);
    if (!box) return;
    insertAtCaret(box, button.dataset.mentionToken);
    const search = picker.querySelector("[data-mention-search]");
    if (search) search.value = "";
    const results = picker.querySelector(".mention-results");
    if (results) results.replaceChildren();
  });

  // Enter in the name search must not send the post.
  document.addEventListener("keydown", (event) => {
    if (event.key === "Enter" && event.target.matches("[data-mention-search]")) event.preventDefault();
  });

  document.addEventListener("submit", (event) => {
    const form = event.target.closest("form[data-confirm]");
    if (form && !window.confirm(form.dataset.confirm)) event.preventDefault();
  });

  // htmx leaves 4xx answers unswapped; a refused post comes back as the thread with the errors shown.
  document.addEventListener("htmx:beforeSwap", (event) => {
    const target = event.detail.target;
    if (event.detail.xhr.status === 400 && target && target.closest("[data-discussion]")) {
      event.detail.shouldSwap = true;
      event.detail.isError = false;
    }
  });
})();
