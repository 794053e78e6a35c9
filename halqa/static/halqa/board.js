// The kanban board's drag-and-drop (SortableJS, served from npm). A card dropped in a column is sent
// as that card's own "Move to" form, so the server applies the same rules as without this script;
// a lost race or a refusal puts the card back and says why, a full column asks for a reason, and a
// move that needs a note or a date opens the case page with the move chosen.
(() => {
  const board = document.querySelector("[data-board]");
  if (!board || typeof Sortable === "undefined") return;
  const status = document.getElementById("board-status");
  const dialog = document.getElementById("board-reason");

  const say = (text, failed) => {
    status.textContent = text;
    status.classList.toggle("message-error", Boolean(failed));
    status.classList.toggle("message-success", !failed);
    status.hidden = false;
  };

  const recount = (column, change) => {
    const total = Number(column.dataset.total) + change;
    column.dataset.total = String(total);
    column.querySelector("[data-count]").textContent = String(total);
    const limit = Number(column.dataset.limit || 0);
    const warning = column.querySelector("[data-warning]");
    const full = limit > 0 && total >= limit;
    column.classList.toggle("board-column-full", full);
    if (warning) {
      warning.hidden = !full;
      warning.textContent = total > limit ? warning.dataset.over : warning.dataset.at;
    }
  };

  const send = async (card, to, reason) => {
    const form = card.querySelector("form.board-move");
    const data = new FormData(form);
    data.set("to", to);
    if (reason) data.set("over_limit_reason", reason);
    try {
      const response = await fetch(form.action, {
        method: "POST",
        body: data,
        credentials: "same-origin",
        headers: { Accept: "application/json" },
      });
      const body = await response.json().catch(() => ({}));
      return { ok: response.ok, body };
    } catch {
      return { ok: false, body: {} };
    }
  };

  const askReason = (message) =>
    new Promise((resolve) => {
      const text = dialog.querySelector("textarea");
      dialog.querySelector("[data-reason-message]").textContent = message;
      text.value = "";
      dialog.addEventListener(
        "close",
        () => resolve(dialog.returnValue === "move" && text.value.trim() ? text.value.trim() : null),
        { once: true },
      );
      dialog.showModal();
      text.focus();
    });

  const putBack = (event) => {
    event.from.insertBefore(event.item, event.from.children[event.oldIndex] || null);
  };

  const settle = (card, body) => {
    card.dataset.stage = body.stage;
    card.dataset.moves = body.moves.map(([value]) => value).join(" ");
    const form = card.querySelector("form.board-move");
    if (!body.moves.length) {
      form.remove();
      return;
    }
    form.querySelector("input[name=seen_stage]").value = body.stage;
    const select = form.querySelector("select[name=to]");
    const more = new Set(body.asks_more || []);
    select.replaceChildren(
      ...body.moves.map(([value, label]) => new Option(more.has(value) ? `${label} …` : label, value)),
    );
  };

  const dropped = async (event) => {
    if (event.from === event.to) return;
    const card = event.item;
    const to = event.to.dataset.stage;
    let answer = await send(card, to);
    if (answer.body.needs_reason) {
      const reason = await askReason(answer.body.detail);
      if (reason === null) {
        putBack(event);
        return;
      }
      answer = await send(card, to, reason);
    }
    if (answer.ok && answer.body.redirect) {
      window.location.assign(answer.body.redirect);
      return;
    }
    if (answer.ok) {
      settle(card, answer.body);
      recount(event.from.closest("[data-column]"), -1);
      recount(event.to.closest("[data-column]"), +1);
      say(answer.body.detail, false);
      card.querySelector("a").focus();
      return;
    }
    putBack(event);
    say(answer.body.detail || board.dataset.failed, true);
  };

  for (const list of board.querySelectorAll(".board-cards")) {
    Sortable.create(list, {
      group: {
        name: "board",
        pull: true,
        put: (to, _from, dragged) => (dragged.dataset.moves || "").split(" ").includes(to.el.dataset.stage),
      },
      sort: false,
      animation: 150,
      draggable: ".board-card:not([data-moves=''])",
      filter: "select, button, input, textarea",
      preventOnFilter: false,
      onEnd: dropped,
    });
  }
})();
