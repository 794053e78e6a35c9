"""Two people on the board at the same moment, on PostgreSQL with two connections: of two drags of
one card one wins and the other is told; two cards dropped into the last free place of a column do
not both get in without a reason (the column is counted under the limit row's lock)."""

from __future__ import annotations

import threading

import pytest
from django.core.exceptions import ValidationError
from django.db import connection, connections

from halqa.cases import services, workflow
from halqa.cases.board import community_board, school_board
from halqa.cases.models import BoardLimit, Case, Stage
from halqa.communities.tests.factories import NetworkCommunityFactory

pytestmark = [
    pytest.mark.django_db(transaction=True),
    pytest.mark.skipif(
        connection.vendor != "postgresql", reason="SQLite runs one writing transaction at a time: nothing overlaps"
    ),
]

STORY = {"what_happened": "Something happened.", "help_wanted": "Ideas, please.", "language": "en"}


def at_once(*calls):
    """Run the calls in threads of their own (each its own connection); returns (results, errors)."""
    results, errors = [], []

    def run(call):
        try:
            results.append(call())
        except Exception as error:
            errors.append(error)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=run, args=(call,)) for call in calls]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)
    return results, errors


def test_two_drags_of_one_card_at_once_one_wins_the_other_is_told(world):
    case = services.submit_case(actor=world.teacher, school=world.school, title="One card", **STORY)
    board = school_board(world.principal, world.school.pk)
    seen = Case.objects.get(pk=case.pk)
    results, errors = at_once(
        lambda: services.move_on_board(
            seen, actor=world.principal, to=Stage.CLARIFYING, board=board, seen_stage="submitted"
        ),
        lambda: services.move_on_board(
            seen, actor=world.district_admin, to=Stage.CLARIFYING, board=board, seen_stage="submitted"
        ),
    )
    assert len(results) == 1 and len(errors) == 1
    assert isinstance(errors[0], services.Conflict) and "Clarifying" in errors[0].message
    assert Case.objects.get(pk=case.pk).stage == Stage.CLARIFYING


def test_two_cards_into_the_last_free_place_one_needs_a_reason(world, monkeypatch):
    """A network's community, with cases of two schools: nothing but the column's limit row stands
    between the two moves (each locks its own case, and its own school)."""
    community = NetworkCommunityFactory(network=world.network, facilitator=world.supervisor)
    cases = []
    for person, school in ((world.teacher, world.school), (world.other_teacher, world.other_school)):
        case = services.submit_case(actor=person, school=school, title=f"A card of {school.name}", **STORY)
        services.triage(case, actor=world.district_admin, community=community, assign=True)
        cases.append(Case.objects.get(pk=case.pk))
    BoardLimit.objects.create(community=community, stage=Stage.CLARIFYING, limit=1)
    board = community_board(world.district_admin, community.pk)
    meet = threading.Barrier(2)
    missing = workflow.missing

    def together(*args, **kwargs):
        meet.wait(timeout=5)  # both hold their own case's lock and are about to count the column
        return missing(*args, **kwargs)

    monkeypatch.setattr(workflow, "missing", together)
    results, errors = at_once(
        *(
            (
                lambda case=case: services.move_on_board(
                    case, actor=world.district_admin, to=Stage.CLARIFYING, board=board
                )
            )
            for case in cases
        )
    )
    assert len(results) == 1 and len(errors) == 1, errors
    assert isinstance(errors[0], ValidationError) and "over_limit_reason" in errors[0].message_dict
    assert Case.objects.filter(community=community, stage=Stage.CLARIFYING).count() == 1


def test_two_people_reordering_one_column_at_once_leave_a_whole_order(world, monkeypatch):
    """Both place a card just before the same card while every position is still the default, so
    both need the column renumbered: the column's lock serves them one after the other (each reading
    the positions the other wrote), and no two cards share a position."""
    import time

    cases = [
        services.submit_case(actor=world.teacher, school=world.school, title=f"Card {n}", **STORY) for n in range(6)
    ]
    board = school_board(world.principal, world.school.pk)
    between = services._position_between

    def slowly(*args):
        time.sleep(0.3)  # both would have read the column by now, were nothing holding the second back
        return between(*args)

    monkeypatch.setattr(services, "_position_between", slowly)
    first, second, target = cases[4], cases[5], cases[1]
    results, errors = at_once(
        lambda: services.place_on_board(first, actor=world.principal, board=board, before=target),
        lambda: services.place_on_board(second, actor=world.district_admin, board=board, before=target),
    )
    assert len(results) == 2 and not errors, errors
    positions = dict(Case.objects.filter(pk__in=[c.pk for c in cases]).values_list("pk", "board_position"))
    assert len(set(positions.values())) == len(cases)
    order = [pk for pk, _position in sorted(positions.items(), key=lambda item: item[1])]
    assert order.index(first.pk) < order.index(target.pk) and order.index(second.pk) < order.index(target.pk)
    assert order.index(cases[0].pk) < min(order.index(first.pk), order.index(second.pk))
    assert order[-2:] == [cases[2].pk, cases[3].pk]
