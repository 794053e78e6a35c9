"""The order of the cards inside a board column (issue 11, "Board and planning"): by drag-and-drop
(JSON), by "Move up" / "Move down" (no JavaScript, keyboard) and through the API, for whoever may
move the case on that board and nobody else; a card dropped into another column lands where it
was dropped."""

from __future__ import annotations

import pytest
from django.urls import reverse

from halqa.cases import services
from halqa.cases.board import build, community_board, groups_board, school_board
from halqa.cases.models import Case, Stage
from halqa.cases.tests.test_board import JSON, api_as, ask, board_key, board_world  # noqa: F401 (a fixture)
from halqa.events.models import Event

pytestmark = pytest.mark.django_db

API = "/api/v1/cases/"


def column_titles(user, board, stage="submitted") -> list[str]:
    view = build(user, board)
    return [card.case.title for card in next(c for c in view.columns if c.stage == stage).cards]


def place(client, case, *, board, before=None, after=None, seen=None, json=False):
    data = {"board": board, "seen_stage": seen or case.stage}
    if before is not None:
        data["before"] = getattr(before, "pk", before)
    if after is not None:
        data["after"] = getattr(after, "pk", after)
    return client.post(reverse("cases:board_move", args=[case.pk]), data, **(JSON if json else {}))


@pytest.fixture
def column(board_world):  # noqa: F811 (the fixture imported above)
    """Five submitted cases of the school, in the order they came (three from the world, two more)."""
    w = board_world
    w.fourth = ask(w.teacher, w.school, "Fourth card")
    w.fifth = ask(w.teacher, w.school, "Fifth card")
    w.board = school_board(w.principal, w.school.pk)
    w.start = column_titles(w.principal, w.board)
    assert w.start == [
        "Exit tickets stay blank",
        "My son is afraid of the board",
        "Homework nobody reads",
        "Fourth card",
        "Fifth card",
    ]
    return w


def test_the_service_puts_a_card_before_or_after_another_and_the_order_stays_whole(column):
    w = column
    events = Event.objects.count()
    services.place_on_board(w.fifth, actor=w.principal, board=w.board, before=w.open_case)
    assert column_titles(w.principal, w.board) == ["Fifth card", *w.start[:4]]
    services.place_on_board(w.open_case, actor=w.principal, board=w.board, after=w.fourth.pk)
    services.place_on_board(w.group_case, actor=w.principal, board=w.board, before=w.fifth)
    expected = [
        "Homework nobody reads",
        "Fifth card",
        "My son is afraid of the board",
        "Fourth card",
        "Exit tickets stay blank",
    ]
    assert column_titles(w.principal, w.board) == expected
    # Many more moves between the same two cards: positions stay distinct, renumbered when needed.
    for _ in range(14):
        services.place_on_board(w.fourth, actor=w.principal, board=w.board, after=w.fifth)
        services.place_on_board(w.fourth, actor=w.principal, board=w.board, before=w.anonymous_case)
        services.place_on_board(w.anonymous_case, actor=w.principal, board=w.board, before=w.fourth)
    positions = list(Case.objects.filter(school=w.school, stage="submitted").values_list("board_position", flat=True))
    assert len(set(positions)) == len(positions)
    assert column_titles(w.principal, w.board) == expected  # the last placing left them as they were
    assert Event.objects.count() == events  # an order is not a stage change: no event, no notice
    # The community's board keeps the same relative order of its own cards.
    assert column_titles(w.colleague, community_board(w.colleague, w.community.pk)) == [
        "My son is afraid of the board",
        "Exit tickets stay blank",
    ]


def test_move_up_and_move_down_without_javascript(column, login):
    w = column
    client = login(w.principal)
    page = client.get(w.school_board).content.decode()
    up = f'name="before" value="{w.group_case.pk}"'  # "Move up" of the fourth card: before the third
    assert "Move up" in page and "Move down" in page and up in page
    response = place(client, w.fourth, board=board_key(w), before=w.group_case)
    assert response.status_code == 302 and response["Location"].endswith(f"#card-{w.fourth.pk}")
    assert "has its new place in “Submitted”" in client.get(response["Location"]).content.decode()
    response = place(client, w.open_case, board=board_key(w), after=w.anonymous_case)  # "Move down"
    assert response.status_code == 302
    assert column_titles(w.principal, w.board) == [
        "My son is afraid of the board",
        "Exit tickets stay blank",
        "Fourth card",
        "Homework nobody reads",
        "Fifth card",
    ]


def test_a_drop_inside_the_column_answers_the_script(column, login):
    w = column
    answer = place(login(w.principal), w.fifth, board=board_key(w), before=w.anonymous_case, json=True)
    assert answer.status_code == 200 and answer.json()["stage"] == "submitted"
    assert "clarifying" in {stage for stage, _label in answer.json()["moves"]}
    assert column_titles(w.principal, w.board)[1] == "Fifth card"


def test_a_card_dropped_into_another_column_lands_where_it_was_dropped(column, login):
    w = column
    for case in (w.open_case, w.anonymous_case):
        services.move(case, actor=w.principal, to=Stage.CLARIFYING)
    client = login(w.principal)
    data = {"to": "clarifying", "seen_stage": "submitted", "board": board_key(w), "before": w.open_case.pk}
    answer = client.post(reverse("cases:board_move", args=[w.fifth.pk]), data, **JSON)
    assert answer.status_code == 200 and answer.json()["stage"] == "clarifying"
    assert column_titles(w.principal, w.board, "clarifying") == [
        "Fifth card",
        "Exit tickets stay blank",
        "My son is afraid of the board",
    ]
    # The card it was dropped next to has left meanwhile: the move stands, the column's order places it.
    services.move(w.open_case, actor=w.principal, to=Stage.MATCHED)
    data = {"to": "clarifying", "seen_stage": "submitted", "board": board_key(w), "before": w.open_case.pk}
    answer = client.post(reverse("cases:board_move", args=[w.fourth.pk]), data, **JSON)
    assert answer.status_code == 200
    assert Case.objects.get(pk=w.fourth.pk).stage == Stage.CLARIFYING


def test_who_may_move_the_case_on_the_board_may_order_it_and_nobody_else(column, login, client):
    w = column
    # The community's facilitator (its cases' group) orders the community's column.
    facilitator = place(
        login(w.colleague), w.anonymous_case, board=board_key(w, "community"), before=w.open_case, json=True
    )
    assert facilitator.status_code == 200
    # A parent in the working group orders her groups board (one card: nothing to place it by).
    alone = place(login(w.parent), w.group_case, board="groups", before=w.open_case, json=True)
    assert alone.status_code == 400 and "same board" in alone.json()["detail"]
    # A plain member of the community sees the cards but may not move them, nor order them.
    member = place(login(w.expert), w.open_case, board=board_key(w, "community"), before=w.anonymous_case, json=True)
    assert member.status_code == 403 and member.json()["detail"] == "You cannot move this case."
    # The requester may not order the school's board she cannot open; others may not know the case.
    assert place(login(w.teacher), w.open_case, board=board_key(w), after=w.fifth).status_code == 404
    for person in (w.other_teacher, w.other_principal, w.student, w.other_parent, w.foreign_principal):
        assert place(login(person), w.open_case, board=board_key(w), after=w.fifth).status_code == 404
    anonymous = place(client.__class__(), w.open_case, board=board_key(w), after=w.fifth)
    assert anonymous.status_code == 302 and "/accounts/login/" in anonymous["Location"]
    # A card of another column, or of another board, is no place to put it by.
    services.move(w.group_case, actor=w.principal, to=Stage.CLARIFYING)
    moved = place(login(w.principal), w.fifth, board=board_key(w), before=w.group_case, json=True)
    assert moved.status_code == 409 and "has left this column" in moved.json()["detail"]
    elsewhere = place(login(w.colleague), w.open_case, board=board_key(w, "community"), before=w.fourth, json=True)
    assert elsewhere.status_code == 400 and "same board" in elsewhere.json()["detail"]
    stale = place(login(w.principal), w.fifth, board=board_key(w), before=w.fourth, seen="clarifying", json=True)
    assert stale.status_code == 409 and "it is now “Submitted”" in stale.json()["detail"]
    both = login(w.principal).post(
        reverse("cases:board_move", args=[w.fifth.pk]),
        {"board": board_key(w), "seen_stage": "submitted", "before": w.fourth.pk, "after": w.open_case.pk},
        **JSON,
    )
    assert both.status_code == 400 and "before or after" in both.json()["detail"]
    # Only the facilitator's placing happened. A position belongs to the case, so the school's board
    # shows the community's two cards in the community's order (after the cards never placed).
    assert column_titles(w.principal, w.board) == [
        "Fourth card",
        "Fifth card",
        "My son is afraid of the board",
        "Exit tickets stay blank",
    ]


def test_the_api_places_a_card_and_refuses_what_the_page_refuses(column):
    w = column
    api = api_as(w.principal)
    url = f"{API}{w.fourth.pk}/move/"
    placed = api.post(url, {"board": board_key(w), "before": w.open_case.pk}, format="json")
    assert placed.status_code == 200, placed.json()
    assert placed.json()["stage"] == "submitted"
    assert column_titles(w.principal, w.board)[0] == "Fourth card"
    same_stage = api.post(url, {"to": "submitted", "board": board_key(w), "after": w.fifth.pk}, format="json")
    assert same_stage.status_code == 200 and column_titles(w.principal, w.board)[-1] == "Fourth card"
    # Moved and placed at once, or neither.
    services.move(w.open_case, actor=w.principal, to=Stage.CLARIFYING)
    both = api.post(url, {"to": "clarifying", "board": board_key(w), "before": w.open_case.pk}, format="json")
    assert both.status_code == 200 and both.json()["stage"] == "clarifying"
    assert column_titles(w.principal, w.board, "clarifying") == ["Fourth card", "Exit tickets stay blank"]
    services.move(w.open_case, actor=w.principal, to=Stage.MATCHED)
    gone = api.post(
        f"{API}{w.fifth.pk}/move/", {"to": "clarifying", "board": board_key(w), "after": w.open_case.pk}, format="json"
    )
    assert gone.status_code == 409 and Case.objects.get(pk=w.fifth.pk).stage == Stage.SUBMITTED
    for body, field in (
        ({"board": board_key(w), "before": w.fifth.pk, "after": w.group_case.pk}, "after"),
        ({"before": w.fifth.pk}, "board"),
        ({"board": board_key(w)}, "to"),
        ({"board": board_key(w), "before": 0}, "before"),
    ):
        refused = api.post(f"{API}{w.group_case.pk}/move/", body, format="json")
        assert refused.status_code == 400 and field in refused.json(), (body, refused.json())
    assert api_as(w.expert).post(
        f"{API}{w.open_case.pk}/move/", {"board": board_key(w, "community"), "before": w.anonymous_case.pk}
    ).status_code in (403, 409)
    assert (
        api_as(w.other_teacher)
        .post(f"{API}{w.group_case.pk}/move/", {"board": board_key(w), "before": w.fifth.pk}, format="json")
        .status_code
        == 404
    )


def test_the_groups_board_orders_the_persons_own_cards(board_world):  # noqa: F811
    w = board_world
    second = ask(w.teacher, w.school, "A second group case")
    services.add_to_group(second, actor=w.principal, person=w.parent, role="member")
    board = groups_board(w.parent)
    assert column_titles(w.parent, board) == ["Homework nobody reads", "A second group case"]
    services.place_on_board(second, actor=w.parent, board=groups_board(w.parent), before=w.group_case)
    assert column_titles(w.parent, groups_board(w.parent)) == ["A second group case", "Homework nobody reads"]
