// The kanban board's drag-and-drop (SortableJS, served from npm). A card dropped in a column is sent
// as that card's own "Move to" form, so the server applies the same rules as without this script;
// a lost race or a refusal puts the card back and says why, a full column asks for a reason, and a
// move that needs a note or a date opens the case page with the move chosen. A card dropped higher
// or lower in its own column is sent like its "Move up" / "Move down" buttons: before the card now
// below it, or after the card now above it.
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

  const neighbour = (card) => {
    const below = card.nextElementSibling;
    if (below && below.dataset.case) return ["before", below.dataset.case];
    const above = card.previousElementSibling;
    if (above && above.dataset.case) return ["after", above.dataset.case];
    return null;
  };

  const send = async (card, to, reason, place) => {
    const form = card.querySelector("form.board-move, form.board-order");
    const data = new FormData(form);
    data.set("to", to);
    data.delete("before");
    data.delete("after");
    if (place) data.set(place[0], place[1]);
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
    // In its own column the card still counts among the children: past its old place, one further.
    const shift = event.from === event.to && event.newIndex < event.oldIndex ? 1 : 0;
    event.from.insertBefore(event.item, event.from.children[event.oldIndex + shift] || null);
  };

  // The "Move up" / "Move down" buttons name the cards now above and below.
  const renumber = (list) => {
    const cards = [...list.querySelectorAll(":scope > .board-card")];
    cards.forEach((card, index) => {
      for (const [name, other] of [["before", cards[index - 1]], ["after", cards[index + 1]]]) {
        const button = card.querySelector(`form.board-order button[name=${name}]`);
        if (!button) continue;
        button.hidden = !other;
        if (other) button.value = other.dataset.case;
      }
    });
  };

  const reordered = async (event) => {
    if (event.oldIndex === event.newIndex) return;
    const card = event.item;
    const answer = await send(card, "", null, neighbour(card));
    if (answer.ok) {
      renumber(event.to);
      say(answer.body.detail, false);
      card.querySelector("a").focus();
      return;
    }
    putBack(event);
    say(answer.body.detail || board.dataset.failed, true);
  };

  const settle = (card, body) => {
    card.dataset.stage = body.stage;
    card.dataset.moves = body.moves.map(([value]) => value).join(" ");
    for (const seen of card.querySelectorAll("input[name=seen_stage]")) seen.value = body.stage;
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
    if (event.from === event.to) {
      await reordered(event);
      return;
    }
    const card = event.item;
    const to = event.to.dataset.stage;
    const place = neighbour(card);
    let answer = await send(card, to, null, place);
    if (answer.body.needs_reason) {
      const reason = await askReason(answer.body.detail);
      if (reason === null) {
        putBack(event);
        return;
      }
      answer = await send(card, to, reason, place);
    }
    if (answer.ok && answer.body.redirect) {
      window.location.assign(answer.body.redirect);
      return;
    }
    if (answer.ok) {
      settle(card, answer.body);
      recount(event.from.closest("[data-column]"), -1);
      recount(event.to.closest("[data-column]"), +1);
      renumber(event.from);
      renumber(event.to);
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
      sort: true,
      animation: 150,
      draggable: ".board-card[data-reorder]",
      filter: "select, button, input, textarea",
      preventOnFilter: false,
      onEnd: dropped,
    });
  }
})();
