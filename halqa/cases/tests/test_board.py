"""The kanban board (issue 11, "Board and planning"): who sees which board and which cards, moving a
card (the keyboard / no-JavaScript form and the script's JSON alike, through `services.move`),
work-in-progress limits enforced on the server, the API, and a fixed number of queries."""

from __future__ import annotations

import datetime as dt
import itertools

import pytest
from django.urls import reverse
from django.utils import timezone
from rest_framework.test import APIClient

from halqa.cases import services
from halqa.cases.board import PER_COLUMN, Board, community_board
from halqa.cases.models import BoardLimit, Case, CaseMember, DifficultyTypeRow, MemberRole, Stage, Topic
from halqa.communities.models import Role
from halqa.communities.tests.factories import CommunityFactory
from halqa.core.testing.queries import assert_query_bound
from halqa.events.models import Event, Verb

pytestmark = pytest.mark.django_db

API_BOARD = "/api/v1/cases/board/"
STORY = {
    "what_happened": "Half the class stops writing in the last five minutes.",
    "help_wanted": "How do colleagues get every student to write something?",
    "language": "en",
}
JSON = {"HTTP_ACCEPT": "application/json"}


def api_as(user) -> APIClient:
    client = APIClient()
    if user is not None:
        client.force_login(user)
    return client


def ask(user, school, title, **extra) -> Case:
    return services.submit_case(actor=user, school=school, title=title, **{**STORY, **extra})


@pytest.fixture
def board_world(world):
    """Tala's case is the community's (Cyrus facilitates, Eve is a member, the student Sami a guest);
    Parisa asks anonymously and her case is the community's too; a third case has a working group
    with Parisa in it (a parent, a full participant) and Cyrus as its lead."""
    w = world
    w.community = CommunityFactory(
        school=w.school, facilitator=w.colleague, members={Role.MEMBER: [w.expert], Role.GUEST: [w.student]}
    )
    w.open_case = ask(w.teacher, w.school, "Exit tickets stay blank", types=["methodological"], subject="math")
    w.anonymous_case = ask(w.parent, w.school, "My son is afraid of the board", anonymous=True)
    w.group_case = ask(w.teacher, w.school, "Homework nobody reads", urgency="high")
    for case in (w.open_case, w.anonymous_case):
        services.triage(case, actor=w.principal, community=w.community, assign=True)
        case.refresh_from_db()
    services.add_to_group(w.group_case, actor=w.principal, person=w.parent, role=MemberRole.MEMBER)
    services.add_to_group(w.group_case, actor=w.principal, person=w.colleague, role=MemberRole.LEAD)
    w.school_board = reverse("cases:board")
    w.community_board = reverse("cases:community_board", args=[w.community.pk])
    w.group_board = reverse("cases:group_board")
    return w


def board_key(w, kind="school"):
    return f"school:{w.school.pk}" if kind == "school" else f"community:{w.community.pk}"


def board_move(client, case, to, *, board, seen=None, reason="", json=False):
    data = {"to": to, "seen_stage": seen or case.stage, "board": board}
    if reason:
        data["over_limit_reason"] = reason
    return client.post(reverse("cases:board_move", args=[case.pk]), data, **(JSON if json else {}))


# --- Who opens which board -------------------------------------------------------------------------


def test_the_boards_answer_those_who_may_and_hide_from_the_others(board_world, login, client):
    w = board_world
    assert login(w.principal).get(w.school_board).status_code == 200
    assert login(w.principal).get(w.community_board).status_code == 200  # coordinates its school
    for person in (w.colleague, w.expert):  # facilitator, member
        assert login(person).get(w.community_board).status_code == 200
    # Another school's teacher or principal, a parent or a guest student of the community: no such board.
    for person in (w.other_teacher, w.other_principal, w.parent, w.student):
        assert login(person).get(w.community_board).status_code == 404, person
    for person in (w.teacher, w.parent, w.other_teacher):
        assert login(person).get(w.school_board).status_code == 404, person
    assert login(w.other_principal).get(f"{w.school_board}?school={w.school.pk}").status_code == 404
    assert login(w.parent).get(w.group_board).status_code == 200
    # ?community= on the coordinator's address leads to the community's board.
    response = login(w.colleague).get(f"{w.school_board}?community={w.community.pk}")
    assert response.status_code == 302 and response["Location"] == w.community_board
    client.logout()
    for path in (w.school_board, w.community_board, w.group_board):
        response = client.get(path)
        assert response.status_code == 302 and "/accounts/login/" in response["Location"]


def test_another_coordinator_sees_only_their_own_schools_board(board_world, login):
    w = board_world
    other = ask(w.other_teacher, w.other_school, "Timetable clash in grade 8")
    page = login(w.other_principal).get(w.school_board).content.decode()
    assert other.title in page and w.open_case.title not in page


def test_a_parent_in_a_working_group_sees_that_card_and_no_other(board_world, login):
    w = board_world
    page = login(w.parent).get(w.group_board).content.decode()
    assert w.group_case.title in page
    assert w.open_case.title not in page
    assert w.anonymous_case.title not in page  # her own request, but not a group she is in
    body = api_as(w.parent).get(API_BOARD, {"groups": "true"}).json()
    shown = [card["id"] for column in body["columns"] for card in column["cards"]]
    assert shown == [w.group_case.pk]
    assert api_as(w.parent).get(API_BOARD, {"community": w.community.pk}).status_code == 404


def test_a_community_member_sees_the_communitys_cards_only(board_world, login):
    w = board_world
    page = login(w.expert).get(w.community_board).content.decode()
    assert w.open_case.title in page and w.anonymous_case.title in page
    assert w.group_case.title not in page  # not assigned to the community


def test_an_anonymous_requester_is_named_on_no_card(board_world, login):
    w = board_world
    name = w.parent.display_name
    for person, path in (
        (w.principal, w.school_board),
        (w.principal, w.community_board),
        (w.colleague, w.community_board),
        (w.expert, w.community_board),
    ):
        page = login(person).get(path).content.decode()
        assert w.anonymous_case.title in page and name not in page, (person, path)
    body = api_as(w.colleague).get(API_BOARD, {"community": w.community.pk}).content.decode()
    assert w.anonymous_case.title in body and name not in body


def test_a_card_shows_its_age_owner_due_date_and_overdue(board_world, login):
    w = board_world
    stage_day = timezone.now() - dt.timedelta(days=9)
    due = timezone.localdate() - dt.timedelta(days=2)
    # A case still "submitted" is measured against its first planned stage, as on the case page.
    Case.objects.filter(pk=w.group_case.pk).update(
        stage_changed_at=stage_day, due_dates={"clarifying": due.isoformat()}
    )
    body = api_as(w.principal).get(API_BOARD).json()
    card = next(c for col in body["columns"] for c in col["cards"] if c["id"] == w.group_case.pk)
    assert card["age_days"] == 9 and card["overdue"] is True and card["due"] == due.isoformat()
    assert card["owner"] == {"id": w.colleague.pk, "display_name": w.colleague.display_name}
    assert card["urgency"] == "high" and card["requester_group"] == "early_career_teacher"
    assert set(card["moves"]) == {"clarifying", "matched", "declined"}
    page = login(w.principal).get(w.school_board).content.decode()
    assert "9 days in this stage" in page and f"Owner: {w.colleague.display_name}" in page and "overdue" in page
    # A due date still ahead is shown without the flag.
    Case.objects.filter(pk=w.group_case.pk).update(due_dates={"clarifying": "2999-01-01"})
    body = api_as(w.principal).get(API_BOARD).json()
    card = next(c for col in body["columns"] for c in col["cards"] if c["id"] == w.group_case.pk)
    assert card["overdue"] is False


def test_the_board_filters_by_kind_topic_group_subject_and_owner(board_world):
    w = board_world
    topic = Topic.objects.get(key="engaging_students")
    services.triage(w.group_case, actor=w.principal, topics=[topic.pk])
    client = api_as(w.principal)

    def ids(**filters):
        body = client.get(API_BOARD, filters).json()
        return {card["id"] for column in body["columns"] for card in column["cards"]}

    everything = {w.open_case.pk, w.anonymous_case.pk, w.group_case.pk}
    assert ids() == everything
    assert ids(type="methodological") == {w.open_case.pk}
    assert ids(subject="math") == {w.open_case.pk}
    assert ids(group="parent") == {w.anonymous_case.pk}
    assert ids(topic=topic.pk) == {w.group_case.pk}
    assert ids(owner=w.colleague.pk) == {w.group_case.pk}
    assert client.get(API_BOARD, {"type": "philosophical"}).status_code == 400
    page = api_as(w.principal)
    html = page.get(w.school_board, {"owner": w.colleague.pk}).content.decode()
    assert w.group_case.title in html and w.open_case.title not in html


# --- Moving a card --------------------------------------------------------------------------------


def test_the_keyboard_and_no_javascript_move_works(board_world, login):
    w = board_world
    client = login(w.principal)
    page = client.get(w.school_board).content.decode()
    assert f'id="move-{w.open_case.pk}"' in page and 'value="clarifying"' in page
    response = board_move(client, w.open_case, "clarifying", board=board_key(w))
    assert response.status_code == 302 and response["Location"].endswith(f"#card-{w.open_case.pk}")
    w.open_case.refresh_from_db()
    assert w.open_case.stage == Stage.CLARIFYING
    assert Event.objects.filter(verb=Verb.CASE_MOVED, target_id=w.open_case.pk, actor=w.principal).exists()
    followed = client.get(response["Location"]).content.decode()
    assert "moved to “Clarifying”" in followed


def test_a_card_offers_only_the_moves_the_person_may_make(board_world, login):
    w = board_world
    services.move(w.open_case, actor=w.principal, to=Stage.MATCHED)
    page = login(w.expert).get(w.community_board).content.decode()  # a member, not in the group
    assert f'id="move-{w.open_case.pk}"' not in page
    page = login(w.colleague).get(w.community_board).content.decode()  # facilitator: the group
    assert f'id="move-{w.open_case.pk}"' in page
    assert f'id="move-{w.anonymous_case.pk}"' not in page  # "submitted": the coordinator's move


def test_illegal_moves_are_refused_with_the_reason(board_world, login):
    w = board_world
    # The requester may withdraw but not run her case; the facilitator may not publish.
    refused = board_move(login(w.teacher), w.group_case, "clarifying", board="groups", json=True)
    assert refused.status_code == 403 and refused.json()["detail"] == "You cannot move this case to “Clarifying”."
    withdrawn = board_move(login(w.teacher), w.group_case, "withdrawn", board="groups", json=True)
    assert withdrawn.status_code == 400 and "not on this board" in withdrawn.json()["detail"]  # not her group
    refused = board_move(login(w.colleague), w.open_case, "clarifying", board=board_key(w, "community"), json=True)
    assert refused.status_code == 403 and refused.json()["detail"] == "You cannot move this case to “Clarifying”."
    off_table = board_move(login(w.principal), w.open_case, "published", board=board_key(w), json=True)
    assert (
        off_table.status_code == 400
        and "cannot go from “Submitted” to “Solution published”" in off_table.json()["detail"]
    )
    # Without JavaScript the reason is a message on the board.
    client = login(w.colleague)
    response = board_move(client, w.open_case, "clarifying", board=board_key(w, "community"))
    assert response.status_code == 302
    assert "You cannot move this case to “Clarifying”." in client.get(response["Location"]).content.decode()
    # A case that is not on the named board, or a board the person may not open.
    elsewhere = board_move(login(w.principal), w.group_case, "clarifying", board=board_key(w, "community"), json=True)
    assert elsewhere.status_code == 400 and "not on this board" in elsewhere.json()["detail"]
    assert board_move(login(w.teacher), w.open_case, "withdrawn", board=board_key(w), json=True).status_code == 404
    for case in (w.open_case, w.group_case):
        case.refresh_from_db()
        assert case.stage == Stage.SUBMITTED
    assert board_move(login(w.other_teacher), w.open_case, "withdrawn", board="groups").status_code == 404
    nonsense = login(w.principal).post(
        reverse("cases:board_move", args=[w.open_case.pk]), {"to": "finished", "board": board_key(w)}, **JSON
    )
    assert nonsense.status_code == 400 and nonsense.json()["detail"]
    assert board_move(login(w.principal), w.open_case, "clarifying", board="school:abc").status_code == 404
    assert login(w.principal).get(reverse("cases:board_move", args=[w.open_case.pk])).status_code == 405


def test_a_move_that_needs_a_note_or_a_date_goes_to_the_case_page(board_world, login):
    w = board_world
    services.move(w.open_case, actor=w.principal, to=Stage.MATCHED)
    w.open_case.refresh_from_db()
    client = login(w.principal)
    response = board_move(client, w.open_case, "scheduled", board=board_key(w))
    url = f"{w.open_case.get_absolute_url()}?to=scheduled#move-h"
    assert response.status_code == 302 and response["Location"] == url
    assert (
        board_move(client, w.open_case, "declined", board=board_key(w), json=True)
        .json()["redirect"]
        .endswith("?to=declined#move-h")
    )
    page = client.get(url.split("#")[0]).content.decode()
    assert '<option value="scheduled" selected>' in page
    w.open_case.refresh_from_db()
    assert w.open_case.stage == Stage.MATCHED  # nothing moved yet


def test_two_people_dragging_the_same_card_one_wins_the_other_is_told(board_world, login):
    w = board_world
    first = board_move(login(w.principal), w.open_case, "clarifying", board=board_key(w), json=True)
    assert first.status_code == 200 and first.json()["stage"] == "clarifying"
    assert set(first.json()["moves"][0]) <= {"matched", "Group formed"}
    district = login(w.district_admin)  # an authority admin coordinates too, and saw "submitted"
    second = board_move(district, w.open_case, "declined", board=board_key(w), seen="submitted", json=True)
    assert second.status_code == 409 and "it is now “Clarifying”" in second.json()["detail"]
    # Without JavaScript the loser reads the same on the board.
    response = board_move(district, w.open_case, "declined", board=board_key(w), seen="submitted")
    assert response.status_code == 302
    assert "it is now “Clarifying”" in district.get(response["Location"]).content.decode()
    w.open_case.refresh_from_db()
    assert w.open_case.stage == Stage.CLARIFYING


# --- Work-in-progress limits ----------------------------------------------------------------------


def test_a_full_column_takes_a_card_only_with_a_reason(board_world, login):
    w = board_world
    BoardLimit.objects.create(school=w.school, stage=Stage.CLARIFYING, limit=1)
    services.move(w.group_case, actor=w.principal, to=Stage.CLARIFYING)
    client = login(w.principal)
    page = client.get(w.school_board).content.decode()
    assert "At its limit: a card moved in needs a reason." in page and "board-column-full" in page

    refused = board_move(client, w.open_case, "clarifying", board=board_key(w), json=True)
    assert refused.status_code == 400 and refused.json()["needs_reason"] is True
    assert "at its limit (1 of 1)" in refused.json()["detail"]
    no_js = board_move(client, w.open_case, "clarifying", board=board_key(w))
    assert no_js.status_code == 400 and 'name="over_limit_reason"' in no_js.content.decode()
    w.open_case.refresh_from_db()
    assert w.open_case.stage == Stage.SUBMITTED

    reason = "The requester leaves on Thursday; it cannot wait."
    moved = board_move(client, w.open_case, "clarifying", board=board_key(w), reason=reason)
    assert moved.status_code == 302
    event = Event.objects.filter(verb=Verb.CASE_MOVED, target_id=w.open_case.pk).latest("at")
    assert event.after == {"stage": "clarifying", "note": reason, "over_limit_reason": reason}
    page = client.get(w.school_board).content.decode()
    assert "Over its limit: a card moved in needs a reason." in page


def test_the_api_enforces_the_limit_when_a_board_is_given(board_world):
    w = board_world
    BoardLimit.objects.create(community=w.community, stage=Stage.CLARIFYING, limit=1)
    services.move(w.anonymous_case, actor=w.principal, to=Stage.CLARIFYING)
    move = f"/api/v1/cases/{w.open_case.pk}/move/"
    client = api_as(w.principal)
    refused = client.post(move, {"to": "clarifying", "board": board_key(w, "community")}, format="json")
    assert refused.status_code == 400 and "over_limit_reason" in refused.json()
    assert client.post(move, {"to": "clarifying", "board": "somewhere"}, format="json").status_code == 400
    moved = client.post(
        move,
        {"to": "clarifying", "board": board_key(w, "community"), "over_limit_reason": "Exam week."},
        format="json",
    )
    assert moved.status_code == 200 and moved.json()["stage"] == "clarifying"
    column = next(
        c for c in client.get(API_BOARD, {"community": w.community.pk}).json()["columns"] if c["stage"] == "clarifying"
    )
    assert column["total"] == 2 and column["limit"] == 1 and column["over_limit"] is True


def test_the_groups_board_does_not_walk_around_the_communitys_limit(board_world, login):
    """A card of the community moved from "my working groups" counts against the community's column;
    a case in no community has no limit there."""
    w = board_world
    BoardLimit.objects.create(community=w.community, stage=Stage.CLARIFYING, limit=1)
    services.move(w.anonymous_case, actor=w.principal, to=Stage.CLARIFYING)  # the column is full
    for case in (w.open_case, w.group_case):
        services.add_to_group(case, actor=w.principal, person=w.principal)  # the coordinator joins both groups
    client = login(w.principal)
    refused = board_move(client, w.open_case, "clarifying", board="groups", json=True)
    assert refused.status_code == 400 and refused.json()["needs_reason"] is True
    moved = board_move(client, w.open_case, "clarifying", board="groups", reason="Urgent.", json=True)
    assert moved.status_code == 200
    assert board_move(client, w.group_case, "clarifying", board="groups", json=True).status_code == 200


def test_limits_count_every_case_of_the_board_not_only_the_ones_shown(board_world):
    """A filter or a viewer who sees fewer cards does not make room in a full column."""
    w = board_world
    BoardLimit.objects.create(community=w.community, stage=Stage.SUBMITTED, limit=2)
    view = api_as(w.colleague).get(API_BOARD, {"community": w.community.pk, "group": "parent"}).json()
    column = next(c for c in view["columns"] if c["stage"] == "submitted")
    assert column["count"] == 1 and column["total"] == 2 and column["at_limit"] is True


def test_coordinators_and_facilitators_set_the_limits(board_world, login):
    w = board_world
    school_limits = reverse("cases:school_board_limits", args=[w.school.pk])
    community_limits = reverse("cases:community_board_limits", args=[w.community.pk])
    assert login(w.principal).get(school_limits).status_code == 200
    response = login(w.principal).post(school_limits, {"clarifying": "3", "drafting": ""})
    assert response.status_code == 302
    assert dict(BoardLimit.objects.filter(school=w.school).values_list("stage", "limit")) == {"clarifying": 3}
    assert Event.objects.filter(verb=Verb.SCHOOL_UPDATED, after={"wip_limits": {"clarifying": 3}}).exists()
    assert login(w.principal).post(school_limits, {"clarifying": "0"}).status_code == 400
    assert login(w.colleague).post(community_limits, {"in_review": "2"}).status_code == 302
    assert dict(BoardLimit.objects.filter(community=w.community).values_list("stage", "limit")) == {"in_review": 2}
    login(w.colleague).post(community_limits, {"in_review": ""})
    assert not BoardLimit.objects.filter(community=w.community).exists()
    # A member sees the board but does not set its limits; others may not know it exists.
    assert login(w.expert).get(community_limits).status_code == 403
    assert login(w.teacher).get(school_limits).status_code == 404
    assert login(w.other_teacher).get(community_limits).status_code == 404
    page = login(w.expert).get(w.community_board).content.decode()
    assert community_limits not in page
    assert community_limits in login(w.colleague).get(w.community_board).content.decode()


def test_the_limit_service_refuses_whom_it_should(board_world):
    w = board_world
    board = community_board(w.expert, w.community.pk)
    with pytest.raises(Exception, match="set this board's limits"):
        services.set_board_limits(board, actor=w.expert, limits={"drafting": 2})
    with pytest.raises(Exception, match="open stages"):
        services.set_board_limits(board, actor=w.colleague, limits={"closed": 2})
    with pytest.raises(Exception, match="groups board"):
        Board("groups").limit_owner()


# --- The API ----------------------------------------------------------------------------------------


def test_the_board_api_answers_both_sides(board_world):
    w = board_world
    body = api_as(w.colleague).get(API_BOARD, {"community": w.community.pk}).json()
    assert body["board"] == f"community:{w.community.pk}"
    assert [c["stage"] for c in body["columns"]][:3] == ["submitted", "clarifying", "matched"]
    assert len(body["columns"]) == 10 and [f["stage"] for f in body["finals"]] == ["closed", "declined", "withdrawn"]
    assert api_as(w.principal).get(API_BOARD, {"school": w.school.pk}).status_code == 200
    for person in (w.other_teacher, w.parent, w.student):
        assert api_as(person).get(API_BOARD, {"community": w.community.pk}).status_code == 404
    assert api_as(w.teacher).get(API_BOARD).status_code == 404  # coordinates no school
    assert api_as(None).get(API_BOARD).status_code in (401, 403)
    both = api_as(w.principal).get(API_BOARD, {"community": w.community.pk, "school": w.school.pk})
    assert both.status_code == 400


# --- Many cases: columns page, the query count stays put ------------------------------------------


def grow_thousands(w, n=2400):
    """Thousands of cases across the open stages of the school and the community, with leads,
    kinds, due dates."""
    stages = itertools.cycle(["submitted", "clarifying", "matched", "drafting", "in_review", "closed"])
    now = timezone.now()
    cases = Case.objects.bulk_create(
        Case(
            school=w.school,
            community=w.community if i % 2 else None,
            title=f"Grown case {i}",
            what_happened="x",
            help_wanted="y",
            language="en",
            requester=w.teacher,
            requester_group="early_career_teacher",
            audience="teacher",
            anonymous=i % 5 == 0,
            stage=next(stages),
            stage_changed_at=now - dt.timedelta(days=i % 30),
            due_dates={"drafting": "2020-01-01"} if i % 7 == 0 else {},
        )
        for i in range(n)
    )
    CaseMember.objects.bulk_create(
        CaseMember(case=case, user=w.colleague if i % 2 else w.expert, role=MemberRole.LEAD)
        for i, case in enumerate(cases)
        if i % 3 == 0
    )
    kind = DifficultyTypeRow.objects.get(code="methodological")
    Case.types.through.objects.bulk_create(Case.types.through(case=case, difficultytyperow=kind) for case in cases[::4])


def test_the_board_runs_a_fixed_number_of_queries_with_thousands_of_cases(board_world, login):
    w = board_world
    BoardLimit.objects.create(school=w.school, stage=Stage.DRAFTING, limit=5)
    client = login(w.principal)
    api = api_as(w.principal)

    def grow():
        grow_thousands(w)  # another 2,400 cases each time

    def many_cards(response):
        page = response.content.decode()
        assert page.count('<li class="board-card') == 5 * PER_COLUMN  # five full columns of the open stages
        assert "More (20 of " in page

    school = assert_query_bound(
        lambda: client.get(w.school_board), grow=grow, check=lambda r: r.status_code == 200, check_after=many_cards
    )
    community = assert_query_bound(
        lambda: client.get(w.community_board, {"type": "methodological"}),
        grow=grow,
        check=lambda r: r.status_code == 200,
    )
    api_board = assert_query_bound(
        lambda: api.get(API_BOARD, {"community": w.community.pk}),
        grow=grow,
        check=lambda r: r.status_code == 200,
        ceiling=20,
    )
    print(f"board queries (before, after growing): school {school}, community {community}, API {api_board}")


def test_a_column_pages_through_its_cards(board_world, login):
    w = board_world
    grow_thousands(w, n=300)
    client = login(w.principal)
    first = client.get(w.school_board).content.decode()
    second = client.get(w.school_board, {"column": "drafting", "page": 2}).content.decode()
    body = api_as(w.principal).get(API_BOARD, {"column": "drafting", "page": 2}).json()
    drafting = next(c for c in body["columns"] if c["stage"] == "drafting")
    assert drafting["page"] == 2 and len(drafting["cards"]) == PER_COLUMN and drafting["has_more"] is True
    titles = {card["title"] for card in drafting["cards"]}
    assert not any(f">{title}<" in first for title in titles)
    assert all(f">{title}<" in second for title in titles)
    assert "column=drafting&amp;page=1" in second and "column=drafting&amp;page=3" in second
