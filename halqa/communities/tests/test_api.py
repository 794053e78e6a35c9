"""The communities API: the same rules and services as the pages, route by route.

Who may, who may not (anonymous 403; a community one may not know exists 404; not allowed 403),
bad input (400, nothing changed), and query counts that hold when the data grows tenfold.
"""

from __future__ import annotations

import datetime as dt
import re

import pytest
from django.utils import timezone
from rest_framework.test import APIClient

from halqa.accounts.tests.factories import MembershipFactory, UserFactory
from halqa.communities import rules
from halqa.communities.models import (
    Activity,
    CharterRevision,
    Community,
    Decision,
    DecisionStatus,
    Goal,
    GoalUpdate,
    Membership,
    Role,
    Status,
    Visibility,
)
from halqa.communities.tests.factories import (
    ActivityFactory,
    CharterRevisionFactory,
    CommunityFactory,
    CommunityMembershipFactory,
    DecisionFactory,
    GoalFactory,
    NetworkCommunityFactory,
    SignedDecisionFactory,
)
from halqa.communities.tests.seeding import assert_community_queries_do_not_grow

pytestmark = pytest.mark.django_db

API = "/api/v1/communities/"
EMAIL = re.compile(r"[\w.+-]+@example\.org")
TODAY = dt.date(2025, 9, 1)


@pytest.fixture
def api():
    return APIClient()


@pytest.fixture
def plc(world):
    """The world plus communities.

    * `community` — Al-Farabi School, visible to the school: Tala facilitates, Cyrus is a member,
      Eve an expert, Parisa (a parent) a guest; a charter, two goals, two activities, a draft decision.
    * `private` — members only, in the same school: Cyrus facilitates.
    * `in_network` — across the network's schools (Al-Farabi and Hafez), led by Supervisor Saeed.
    * `public` — in School No. 17 (the foreign authority), open to every signed-in person.
    """
    w = world
    w.deputy = UserFactory(display_name="Deputy Darya", roles=["principal"])
    MembershipFactory(user=w.deputy, school=w.school, position="deputy")
    w.newcomer = UserFactory(display_name="Newcomer Nima", roles=["teacher"], email="nima@example.org")
    MembershipFactory(user=w.newcomer, school=w.school, position="teacher")
    w.community = CommunityFactory(
        school=w.school,
        name="Grade 8 Mathematics PLC",
        topic="Formative assessment in grade 8 mathematics",
        facilitator=w.teacher,
        members={Role.MEMBER: [w.colleague], Role.EXPERT: [w.expert], Role.GUEST: [w.parent]},
    )
    CharterRevisionFactory(community=w.community, edited_by=w.teacher)
    w.goal = GoalFactory(community=w.community, title="Pass rate to 80%", due_date=TODAY + dt.timedelta(days=200))
    GoalFactory(community=w.community, title="Every lesson has an exit ticket", due_date=TODAY + dt.timedelta(days=90))
    w.activity = ActivityFactory(community=w.community, title="Common assessment design", starts_on=TODAY)
    ActivityFactory(community=w.community, title="Peer observation round", starts_on=TODAY + dt.timedelta(days=14))
    w.draft = DecisionFactory(community=w.community, number="12/2025")
    w.private = CommunityFactory(
        school=w.school, name="Leadership circle", visibility=Visibility.MEMBERS, facilitator=w.colleague
    )
    w.in_network = NetworkCommunityFactory(
        network=w.network, name="Network of science teachers", facilitator=w.other_teacher
    )
    w.public = CommunityFactory(
        school=w.foreign_school, name="Open reading circle", visibility=Visibility.PUBLIC, facilitator=w.foreign_teacher
    )
    return w


@pytest.fixture
def as_(api, plc):
    def sign_in(who):
        api.force_login(getattr(plc, who) if isinstance(who, str) else who)
        return api

    return sign_in


def url(community, *rest) -> str:
    return f"{API}{community.pk}/" + "".join(f"{part}/" for part in rest)


def names(response) -> list[str]:
    return [c["name"] for c in response.json()["results"]]


def grew(really: bool) -> None:
    assert really, "the seeded data should show in the answer"


def sign(api, community, decision_pk, fingerprint=None):
    """Sign as the API asks: with the fingerprint of the draft as one read it."""
    if fingerprint is None:
        fingerprint = api.get(url(community, "decisions", decision_pk)).json().get("fingerprint") or ""
    return api.post(url(community, "decisions", decision_pk, "sign"), {"fingerprint": fingerprint}, format="json")


def membership(community, person) -> Membership:
    return Membership.objects.get(community=community, user=person)


# --- Anonymous callers ------------------------------------------------------------------------


def every_route(plc) -> list[tuple[str, str]]:
    c = plc.community
    goal, activity, decision = plc.goal, plc.activity, plc.draft
    member = membership(c, plc.colleague)
    return [
        ("get", API),
        ("post", API),
        ("get", url(c)),
        ("patch", url(c)),
        ("get", url(c, "charter")),
        ("put", url(c, "charter")),
        ("patch", url(c, "charter")),
        ("get", url(c, "charter", "history")),
        ("post", url(c, "join")),
        ("post", url(c, "leave")),
        ("post", url(c, "answer-invitation")),
        ("patch", url(c, "me")),
        ("get", url(c, "goals")),
        ("post", url(c, "goals")),
        ("get", url(c, "goals", goal.pk)),
        ("patch", url(c, "goals", goal.pk)),
        ("delete", url(c, "goals", goal.pk)),
        ("post", url(c, "goals", goal.pk, "progress")),
        ("get", url(c, "members")),
        ("post", url(c, "members")),
        ("get", url(c, "members", "pending")),
        ("get", url(c, "members", member.pk)),
        ("patch", url(c, "members", member.pk)),
        ("delete", url(c, "members", member.pk)),
        ("post", url(c, "members", member.pk, "accept")),
        ("post", url(c, "members", member.pk, "decline")),
        ("get", url(c, "activities")),
        ("post", url(c, "activities")),
        ("get", url(c, "activities", activity.pk)),
        ("patch", url(c, "activities", activity.pk)),
        ("delete", url(c, "activities", activity.pk)),
        ("get", url(c, "decisions")),
        ("post", url(c, "decisions")),
        ("get", url(c, "decisions", decision.pk)),
        ("patch", url(c, "decisions", decision.pk)),
        ("delete", url(c, "decisions", decision.pk)),
        ("post", url(c, "decisions", decision.pk, "sign")),
    ]


def test_anonymous_callers_get_403_on_every_route_and_nothing_changes(api, plc):
    counts = [Model.objects.count() for Model in (Community, Goal, Activity, Decision, Membership, CharterRevision)]
    for method, path in every_route(plc):
        response = getattr(api, method)(path, {"name": "x"}, format="json")
        assert response.status_code == 403, (method, path)
        assert response.json() == {"detail": "Authentication credentials were not provided."}
    assert counts == [
        Model.objects.count() for Model in (Community, Goal, Activity, Decision, Membership, CharterRevision)
    ]
    assert Decision.objects.get(pk=plc.draft.pk).status == DecisionStatus.DRAFT


# --- The list ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "who,expected",
    [
        # Tala: her school's communities and the network; not the members-only circle.
        ("teacher", ["Grade 8 Mathematics PLC", "Network of science teachers", "Open reading circle"]),
        (
            "colleague",
            ["Grade 8 Mathematics PLC", "Leadership circle", "Network of science teachers", "Open reading circle"],
        ),
        # The principal leads the school: every community in it, members-only included.
        (
            "principal",
            ["Grade 8 Mathematics PLC", "Leadership circle", "Network of science teachers", "Open reading circle"],
        ),
        ("other_teacher", ["Network of science teachers", "Open reading circle"]),
        ("foreign_teacher", ["Open reading circle"]),
        ("supervisor", ["Network of science teachers", "Open reading circle"]),
        ("expert", ["Grade 8 Mathematics PLC", "Open reading circle"]),
    ],
)
def test_list_shows_only_the_communities_one_may_know(as_, who, expected):
    response = as_(who).get(API)
    assert response.status_code == 200
    assert names(response) == expected


def test_list_says_my_role_and_status(as_, plc):
    rows = {c["name"]: c for c in as_("colleague").get(API).json()["results"]}
    assert (rows["Grade 8 Mathematics PLC"]["my_role"], rows["Grade 8 Mathematics PLC"]["my_status"]) == (
        "member",
        "active",
    )
    assert rows["Leadership circle"]["my_role"] == "facilitator"
    assert (rows["Open reading circle"]["my_role"], rows["Open reading circle"]["my_status"]) == (None, None)
    assert rows["Grade 8 Mathematics PLC"]["member_count"] == 3  # the members listed to her: not the guest
    assert rows["Grade 8 Mathematics PLC"]["school"] == {"id": plc.school.pk, "name": "Al-Farabi School"}
    assert rows["Network of science teachers"]["network"]["id"] == plc.network.pk
    assert "permissions" not in rows["Grade 8 Mathematics PLC"]


def test_list_filters_by_text_and_format(as_):
    api = as_("colleague")
    assert names(api.get(API, {"q": "reading"})) == ["Open reading circle"]
    assert names(api.get(API, {"q": "FORMATIVE"})) == ["Grade 8 Mathematics PLC"]
    assert names(api.get(API, {"format": "network"})) == ["Network of science teachers"]
    assert names(api.get(API, {"format": "network", "q": "reading"})) == []
    assert api.get(API, {"format": ""}).json()["count"] == 4


@pytest.mark.parametrize(
    "params,field",
    [({"format": "book_club"}, "format"), ({"q": "x" * 201}, "q"), ({"page": "99"}, None)],
)
def test_list_refuses_bad_filters(as_, params, field):
    response = as_("teacher").get(API, params)
    if field is None:
        assert response.status_code == 404  # a page past the end
    else:
        assert response.status_code == 400
        assert field in response.json()


def test_list_query_count_does_not_grow(as_, plc):
    api = as_("colleague")

    def ok(response):
        assert response.status_code == 200

    assert_community_queries_do_not_grow(
        plc,
        [plc.community, plc.private, plc.in_network, plc.public],
        lambda: api.get(API),
        check=ok,
        check_after=lambda r: grew(r.json()["count"] > 20),
    )


# --- One community ----------------------------------------------------------------------------


def test_a_member_sees_everything_and_what_they_may_do(as_, plc):
    data = as_("colleague").get(url(plc.community)).json()
    assert data["name"] == "Grade 8 Mathematics PLC"
    assert data["my_role"] == "member" and data["my_status"] == "active"
    assert data["permissions"] == sorted(rules.ROLE_ACTIONS[Role.MEMBER])
    assert data["charter"]["norm_list"] == [
        "We start on time.",
        "We bring student work.",
        "What is said here stays here.",
    ]
    assert data["charter"]["edited_by"] == {"id": plc.teacher.pk, "display_name": "Teacher Tala"}
    # Facilitators first; the parent who came as a guest is listed only for those who manage members.
    assert [m["display_name"] for m in data["members"]] == ["Teacher Tala", "Expert Eve", "Colleague Cyrus"]
    assert [g["title"] for g in data["goals"]] == ["Every lesson has an exit ticket", "Pass rate to 80%"]
    assert [a["title"] for a in data["program"]] == ["Common assessment design", "Peer observation round"]
    assert [d["number"] for d in data["decisions"]] == ["12/2025"]
    assert not EMAIL.search(str(data)), "no email address in a community's answer"


def test_the_facilitator_may_manage(as_, plc):
    data = as_("teacher").get(url(plc.community)).json()
    assert {"manage_members", "edit_charter", "draft_decision"} <= set(data["permissions"])
    assert "sign_decision" not in data["permissions"]


def test_the_principal_may_sign_and_a_deputy_may_not(as_, plc):
    assert "sign_decision" in as_("principal").get(url(plc.community)).json()["permissions"]
    deputy = as_("deputy").get(url(plc.community)).json()
    assert "sign_decision" not in deputy["permissions"] and "manage_members" in deputy["permissions"]
    assert deputy["my_role"] is None


def test_a_guest_reads_what_a_visitor_reads_and_sees_no_other_guest(as_, plc):
    """Joining never shows less than visiting: the parent, a guest, reads members, goals and
    decisions as she did as a school-mate visitor; the other guest (a student) stays hidden."""
    CommunityMembershipFactory(community=plc.community, user=plc.student, role=Role.GUEST)
    data = as_("parent").get(url(plc.community)).json()
    assert data["my_role"] == "guest"
    assert data["charter"]["mission"]
    assert [a["title"] for a in data["program"]] == ["Common assessment design", "Peer observation round"]
    assert [m["display_name"] for m in data["members"]] == [
        "Teacher Tala",
        "Expert Eve",
        "Colleague Cyrus",
        "Parent Parisa",
    ]
    assert data["member_count"] == 4
    assert [g["title"] for g in data["goals"]] == ["Every lesson has an exit ticket", "Pass rate to 80%"]
    assert [d["number"] for d in data["decisions"]] == ["12/2025"]
    assert {"read_discussion", "view_members", "view_goals", "view_decisions"} <= set(data["permissions"])
    assert "Student Sami" not in str(data)


def test_an_invited_person_sees_the_community_to_answer(as_, plc):
    CommunityMembershipFactory(community=plc.private, user=plc.newcomer, status=Status.INVITED)
    data = as_("newcomer").get(url(plc.private)).json()
    assert data["my_status"] == "invited"
    assert data["permissions"] == ["view"]
    assert {"members", "goals", "decisions", "program"}.isdisjoint(data)


@pytest.mark.parametrize(
    "who,community",
    [
        ("other_teacher", "community"),  # a teacher of another school, school-only community
        ("foreign_principal", "community"),
        ("teacher", "private"),  # members only: a colleague in the same school who is not a member
        ("newcomer", "private"),
        ("parent", "private"),
        ("foreign_teacher", "in_network"),
    ],
)
def test_a_community_one_may_not_know_answers_404_on_every_route(as_, plc, who, community):
    api = as_(who)
    target = getattr(plc, community)
    goal = GoalFactory(community=target)
    activity = ActivityFactory(community=target)
    decision = DecisionFactory(community=target)
    member = Membership.objects.filter(community=target).first()
    paths = [
        ("get", url(target)),
        ("patch", url(target)),
        ("get", url(target, "charter")),
        ("put", url(target, "charter")),
        ("get", url(target, "charter", "history")),
        ("post", url(target, "join")),
        ("post", url(target, "leave")),
        ("post", url(target, "answer-invitation")),
        ("patch", url(target, "me")),
        ("get", url(target, "goals")),
        ("post", url(target, "goals")),
        ("get", url(target, "goals", goal.pk)),
        ("post", url(target, "goals", goal.pk, "progress")),
        ("get", url(target, "members")),
        ("post", url(target, "members")),
        ("get", url(target, "members", "pending")),
        ("patch", url(target, "members", member.pk)),
        ("delete", url(target, "members", member.pk)),
        ("post", url(target, "members", member.pk, "accept")),
        ("post", url(target, "members", member.pk, "decline")),
        ("get", url(target, "activities")),
        ("delete", url(target, "activities", activity.pk)),
        ("get", url(target, "decisions")),
        ("patch", url(target, "decisions", decision.pk)),
        ("post", url(target, "decisions", decision.pk, "sign")),
    ]
    for method, path in paths:
        response = getattr(api, method)(path, {}, format="json")
        assert response.status_code == 404, (method, path, response.status_code)
    assert Decision.objects.get(pk=decision.pk).status == DecisionStatus.DRAFT
    assert Membership.objects.get(pk=member.pk).status == Status.ACTIVE


def test_unknown_ids_are_404(as_, plc):
    api = as_("teacher")
    assert api.get(f"{API}999999/").status_code == 404
    assert api.get(f"{API}999999/goals/").status_code == 404
    assert api.get(url(plc.community, "goals", 999999)).status_code == 404
    assert api.get(f"{API}abc/").status_code == 404
    # A goal of another community, asked for through this one.
    other_goal = GoalFactory(community=plc.in_network)
    assert api.get(url(plc.community, "goals", other_goal.pk)).status_code == 404


def test_detail_query_count_does_not_grow(as_, plc):
    api = as_("colleague")

    def everything(response):
        assert response.status_code == 200
        assert {"members", "goals", "program", "decisions"} <= set(response.json())

    assert_community_queries_do_not_grow(
        plc,
        [plc.community],
        lambda: api.get(url(plc.community)),
        check=everything,
        check_after=lambda r: grew(len(r.json()["members"]) > 20 and len(r.json()["decisions"]) > 10),
    )


@pytest.mark.parametrize("who", ["parent", "principal", "newcomer"])
def test_detail_query_count_does_not_grow_for_guests_leaders_and_visitors(as_, plc, who):
    api = as_(who)

    def ok(response):
        assert response.status_code == 200

    assert_community_queries_do_not_grow(plc, [plc.community], lambda: api.get(url(plc.community)), check=ok)


@pytest.mark.parametrize("part", ["members", "members/pending", "goals", "activities", "decisions", "charter/history"])
def test_part_lists_query_count_does_not_grow(as_, plc, part):
    CommunityMembershipFactory(community=plc.community, user=plc.newcomer, status=Status.REQUESTED)
    api = as_("teacher")

    def ok(response):
        assert response.status_code == 200

    before, after = assert_community_queries_do_not_grow(
        plc,
        [plc.community],
        lambda: api.get(f"{url(plc.community)}{part}/"),
        check=ok,
        check_after=lambda r: grew(r.json()["count"] > 5),
    )
    assert before == after


# --- Creating and changing a community --------------------------------------------------------


def test_a_teacher_creates_a_community_in_her_school_and_facilitates_it(as_, plc):
    response = as_("newcomer").post(
        API,
        {
            "school": plc.school.pk,
            "name": "Grade 5 reading",
            "topic": "Reading fluency in grade 5",
            "format": "action_research",
            "visibility": "members",
            "cadence": "monthly",
            "charter": {"mission": "Every child reads fluently by grade 5.", "norms": "We start on time."},
        },
        format="json",
    )
    assert response.status_code == 201, response.json()
    data = response.json()
    assert (data["name"], data["format"], data["visibility"], data["cadence"]) == (
        "Grade 5 reading",
        "action_research",
        "members",
        "monthly",
    )
    assert data["my_role"] == "facilitator" and data["member_count"] == 1
    assert data["charter"]["mission"] == "Every child reads fluently by grade 5."
    assert data["charter"]["note"] == "First version"
    assert "manage_members" in data["permissions"]
    community = Community.objects.get(pk=data["id"])
    assert community.school == plc.school and community.created_by == plc.newcomer


def test_the_supervisor_creates_a_network_community(as_, plc):
    response = as_("supervisor").post(
        API, {"network": plc.network.pk, "name": "Science network", "topic": "Inquiry labs"}, format="json"
    )
    assert response.status_code == 201, response.json()
    assert response.json()["network"] == {"id": plc.network.pk, "name": plc.network.name}
    assert response.json()["charter"]["mission"] is None  # no charter yet: null fields, not a 404


@pytest.mark.parametrize(
    "who,home,message",
    [
        ("teacher", "foreign_school", "Only the staff of a school can create a community in it."),
        ("parent", "school", "Only the staff of a school can create a community in it."),
        ("teacher", "network", "Only the network's supervisor can create a network-wide community."),
        ("principal", "network", "Only the network's supervisor can create a network-wide community."),
    ],
)
def test_one_cannot_create_a_community_somewhere_else(as_, plc, who, home, message):
    place = getattr(plc, home)
    key = "network" if home == "network" else "school"
    response = as_(who).post(API, {key: place.pk, "name": "Takeover", "topic": "Anything"}, format="json")
    assert response.status_code == 403
    assert response.json() == {"detail": message}
    assert not Community.objects.filter(name="Takeover").exists()


@pytest.mark.parametrize(
    "data,field,message",
    [
        ({"school": 999999}, "detail", "Only the staff of a school can create a community in it."),
        ({"network": 999999}, "detail", "Only the network's supervisor can create a network-wide community."),
        ({}, "non_field_errors", "A community belongs to one school or to one network."),
        ({"school": "SCHOOL", "network": "NET"}, "school", "A valid integer is required."),
        ({"name": ""}, "name", "This field may not be blank."),
        ({"name": "   "}, "name", "This field may not be blank."),
        ({"name": None}, "name", "This field may not be null."),
        ({"name": "n" * 201}, "name", "no more than 200 characters"),
        ({"topic": ["a", "b"]}, "topic", "Not a valid string."),
        ({"format": "book_club"}, "format", '"book_club" is not a valid choice.'),
        ({"charter": {"mission": "m" * 2001}}, "charter", "no more than 2000 characters"),
        ({"charter": "Be kind"}, "charter", "Invalid data"),
    ],
)
def test_bad_community_input_is_refused_and_nothing_is_created(as_, plc, data, field, message):
    before = Community.objects.count()
    body = {"name": "Fine name", "topic": "Fine topic", **data}
    if "school" not in data and "network" not in data and data:
        body["school"] = plc.school.pk
    response = as_("teacher").post(API, body, format="json")
    assert response.status_code in (400, 403)
    assert message in str(response.json()[field])
    assert Community.objects.count() == before


def test_a_school_and_a_network_at_once_is_refused(as_, plc):
    response = as_("supervisor").post(
        API, {"school": plc.school.pk, "network": plc.network.pk, "name": "Both", "topic": "Both"}, format="json"
    )
    # The supervisor is not staff of the school: refused before the one-home rule is even asked.
    assert response.status_code in (400, 403)
    assert not Community.objects.filter(name="Both").exists()


@pytest.mark.parametrize("who", ["teacher", "principal", "deputy"])
def test_facilitators_and_leaders_change_the_community(as_, plc, who):
    response = as_(who).patch(
        url(plc.community), {"name": "Grade 8 Maths", "cadence": "weekly", "school": plc.other_school.pk}, format="json"
    )
    assert response.status_code == 200, response.json()
    community = Community.objects.get(pk=plc.community.pk)
    assert (community.name, community.cadence) == ("Grade 8 Maths", "weekly")
    assert community.school == plc.school  # the home is not changed this way
    assert response.json()["name"] == "Grade 8 Maths"


@pytest.mark.parametrize("who", ["colleague", "expert", "parent", "newcomer", "student"])
def test_others_cannot_change_the_community_whatever_they_send(as_, plc, who):
    api = as_(who)
    for body in ({"name": "Taken over"}, {"name": ""}):
        response = api.patch(url(plc.community), body, format="json")
        assert response.status_code == 403
        assert response.json() == {"detail": "Only facilitators can change the community and its charter."}
    assert Community.objects.get(pk=plc.community.pk).name == "Grade 8 Mathematics PLC"


@pytest.mark.parametrize(
    "data,field",
    [
        ({"name": ""}, "name"),
        ({"topic": "t" * 301}, "topic"),
        ({"visibility": "secret"}, "visibility"),
        ({"cadence_note": 5 * ["x"]}, "cadence_note"),
    ],
)
def test_bad_changes_are_refused_and_nothing_changes(as_, plc, data, field):
    response = as_("teacher").patch(url(plc.community), {"cadence": "weekly", **data}, format="json")
    assert response.status_code == 400
    assert field in response.json()
    assert Community.objects.get(pk=plc.community.pk).cadence == "biweekly"


def test_communities_are_not_replaced_or_deleted(as_, plc):
    api = as_("principal")
    assert api.put(url(plc.community), {"name": "X", "topic": "Y"}, format="json").status_code == 405
    assert api.delete(url(plc.community)).status_code == 405
    assert Community.objects.filter(pk=plc.community.pk).exists()


def test_format_in_the_query_filters_and_does_not_pick_a_renderer(as_):
    response = as_("teacher").get(API, {"format": "json"})
    assert response.status_code == 400  # "json" is not a community format
    assert "format" in response.json()


# --- The charter ------------------------------------------------------------------------------


def test_everyone_who_sees_the_community_reads_its_charter(as_, plc):
    for who in ("parent", "colleague", "newcomer", "principal"):
        data = as_(who).get(url(plc.community, "charter")).json()
        assert data["mission"] == "Every student in grade 8 reaches the standard in mathematics."
        assert data["note"] == "First version"


def test_no_charter_yet_answers_null_fields(as_, plc):
    data = as_("colleague").get(url(plc.private, "charter")).json()
    assert data == {
        "mission": None,
        "vision": None,
        "values": None,
        "norms": None,
        "norm_list": None,
        "note": None,
        "edited_by": None,
        "edited_at": None,
    }


def test_the_facilitator_saves_new_versions_and_the_history_keeps_them(as_, plc):
    api = as_("teacher")
    charter = {"mission": "All students reach the standard.", "vision": "V", "values": "Openness", "norms": "One\nTwo"}
    response = api.put(url(plc.community, "charter"), {**charter, "note": "Sharper mission"}, format="json")
    assert response.status_code == 200, response.json()
    assert response.json()["norm_list"] == ["One", "Two"]
    response = api.patch(url(plc.community, "charter"), {"vision": "A new vision"}, format="json")
    assert response.status_code == 200
    assert (response.json()["mission"], response.json()["vision"]) == (
        "All students reach the standard.",
        "A new vision",
    )
    history = api.get(url(plc.community, "charter", "history")).json()
    assert history["count"] == 3
    assert [r["note"] for r in history["results"]] == ["", "Sharper mission", "First version"]


def test_saving_the_same_charter_is_refused(as_, plc):
    current = CharterRevision.objects.filter(community=plc.community).first()
    response = as_("teacher").patch(url(plc.community, "charter"), {"mission": current.mission}, format="json")
    assert response.status_code == 400
    assert response.json() == {"non_field_errors": ["Nothing changed in the charter."]}
    assert CharterRevision.objects.filter(community=plc.community).count() == 1


@pytest.mark.parametrize(
    "method,data,field",
    [
        ("put", {"mission": "Only the mission"}, "vision"),
        ("patch", {"mission": "m" * 2001}, "mission"),
        ("patch", {"norms": {"one": 1}}, "norms"),
        ("patch", {"note": "n" * 301}, "note"),
    ],
)
def test_bad_charter_input_is_refused(as_, plc, method, data, field):
    response = getattr(as_("teacher"), method)(url(plc.community, "charter"), data, format="json")
    assert response.status_code == 400
    assert field in response.json()
    assert CharterRevision.objects.filter(community=plc.community).count() == 1


@pytest.mark.parametrize("who", ["colleague", "expert", "parent", "newcomer"])
def test_only_facilitators_and_leaders_edit_the_charter(as_, plc, who):
    response = as_(who).put(
        url(plc.community, "charter"), {"mission": "x", "vision": "x", "values": "x", "norms": "x"}, format="json"
    )
    assert response.status_code == 403
    assert response.json() == {"detail": "Only facilitators can change the community and its charter."}
    assert CharterRevision.objects.filter(community=plc.community).count() == 1


def test_the_principal_may_edit_the_charter(as_, plc):
    response = as_("principal").patch(url(plc.community, "charter"), {"values": "Evidence first"}, format="json")
    assert response.status_code == 200
    assert response.json()["edited_by"]["display_name"] == "Principal Pia"


# --- Goals ------------------------------------------------------------------------------------


def test_members_read_goals_and_a_goal_with_its_history(as_, plc):
    api = as_("expert")
    assert [g["title"] for g in api.get(url(plc.community, "goals")).json()["results"]] == [
        "Every lesson has an exit ticket",
        "Pass rate to 80%",
    ]
    GoalUpdate.objects.create(goal=plc.goal, progress=30, note="First check", by=plc.colleague)
    data = api.get(url(plc.community, "goals", plc.goal.pk)).json()
    assert data["updates"][0]["note"] == "First check"
    assert data["updates"][0]["by"] == {"id": plc.colleague.pk, "display_name": "Colleague Cyrus"}


def test_a_guest_reads_goals(as_, plc):
    api = as_("parent")
    assert api.get(url(plc.community, "goals")).status_code == 200
    assert api.get(url(plc.community, "goals", plc.goal.pk)).status_code == 200


def test_the_facilitator_adds_changes_and_removes_goals(as_, plc):
    api = as_("teacher")
    response = api.post(
        url(plc.community, "goals"),
        {"title": "Fewer failing grades", "target": "Under 10%", "measure": "Term grades", "due_date": "2026-06-01"},
        format="json",
    )
    assert response.status_code == 201, response.json()
    goal = Goal.objects.get(pk=response.json()["id"])
    assert goal.community == plc.community and goal.progress == 0
    response = api.patch(url(plc.community, "goals", goal.pk), {"target": "Under 5%", "progress": 90}, format="json")
    assert response.status_code == 200
    goal.refresh_from_db()
    assert (goal.target, goal.progress) == ("Under 5%", 0)  # progress moves only through progress notes
    assert api.delete(url(plc.community, "goals", goal.pk)).status_code == 204
    assert not Goal.objects.filter(pk=goal.pk).exists()


@pytest.mark.parametrize("who", ["colleague", "expert", "newcomer"])
def test_members_and_visitors_cannot_add_change_or_remove_goals(as_, plc, who):
    api = as_(who)
    response = api.post(url(plc.community, "goals"), {"title": ""}, format="json")
    assert response.status_code == 403
    assert response.json() == {"detail": "Only facilitators can add, change and remove goals."}
    response = api.patch(url(plc.community, "goals", plc.goal.pk), {"title": "Mine"}, format="json")
    assert response.json() == {"detail": "Only facilitators can add, change and remove goals."}
    assert api.delete(url(plc.community, "goals", plc.goal.pk)).status_code == 403
    assert Goal.objects.get(pk=plc.goal.pk).title == "Pass rate to 80%"
    assert Goal.objects.filter(community=plc.community).count() == 2


@pytest.mark.parametrize(
    "data,field,message",
    [
        ({"due_date": None}, "due_date", "This field may not be null."),
        ({"due_date": "next spring"}, "due_date", "Date has wrong format."),
        ({"title": "t" * 301}, "title", "no more than 300 characters"),
        ({"title": " "}, "title", "This field may not be blank."),
        ({"measure": 42}, None, None),  # numbers are taken as text
    ],
)
def test_bad_goal_input_is_refused(as_, plc, data, field, message):
    body = {"title": "T", "target": "T", "measure": "M", "due_date": "2026-06-01", **data}
    response = as_("teacher").post(url(plc.community, "goals"), body, format="json")
    if field is None:
        assert response.status_code == 201
        return
    assert response.status_code == 400
    assert message in str(response.json()[field])
    assert Goal.objects.filter(community=plc.community).count() == 2


def test_missing_goal_fields_are_named(as_, plc):
    response = as_("teacher").post(url(plc.community, "goals"), {}, format="json")
    assert response.status_code == 400
    assert set(response.json()) == {"title", "target", "measure", "due_date"}


@pytest.mark.parametrize("who", ["colleague", "teacher"])
def test_members_record_progress(as_, plc, who):
    response = as_(who).post(
        url(plc.community, "goals", plc.goal.pk, "progress"), {"progress": 45, "note": "Mid-term check"}, format="json"
    )
    assert response.status_code == 200, response.json()
    assert response.json()["progress"] == 45
    assert response.json()["updates"][0]["note"] == "Mid-term check"
    assert Goal.objects.get(pk=plc.goal.pk).progress == 45


@pytest.mark.parametrize("who,status", [("expert", 403), ("parent", 403), ("newcomer", 403), ("principal", 403)])
def test_others_cannot_record_progress(as_, plc, who, status):
    response = as_(who).post(url(plc.community, "goals", plc.goal.pk, "progress"), {"progress": 99}, format="json")
    assert response.status_code == status
    assert Goal.objects.get(pk=plc.goal.pk).progress == 0
    assert not GoalUpdate.objects.exists()


@pytest.mark.parametrize(
    "data,message",
    [
        ({"progress": 101}, "less than or equal to 100"),
        ({"progress": -1}, "greater than or equal to 0"),
        ({"progress": "half"}, "A valid integer is required."),
        ({}, "This field is required."),
        ({"progress": 50, "note": "n" * 501}, "no more than 500 characters"),
    ],
)
def test_bad_progress_is_refused_and_nothing_changes(as_, plc, data, message):
    response = as_("colleague").post(url(plc.community, "goals", plc.goal.pk, "progress"), data, format="json")
    assert response.status_code == 400
    assert message in str(response.json())
    assert Goal.objects.get(pk=plc.goal.pk).progress == 0
    assert not GoalUpdate.objects.exists()


# --- Members ----------------------------------------------------------------------------------


def test_members_see_the_member_list_without_emails(as_, plc):
    plc.colleague.expertise.create(name="Assessment design")
    response = as_("expert").get(url(plc.community, "members"))
    assert response.status_code == 200
    rows = {m["display_name"]: m for m in response.json()["results"]}
    assert set(rows) == {"Teacher Tala", "Colleague Cyrus", "Expert Eve"}
    cyrus = rows["Colleague Cyrus"]
    assert (cyrus["role"], cyrus["person"], cyrus["expertise"]) == ("member", plc.colleague.pk, ["Assessment design"])
    assert rows["Teacher Tala"]["is_young_teacher"] is True
    assert not EMAIL.search(str(response.json()))
    assert "email" not in cyrus
    one = as_("expert").get(url(plc.community, "members", membership(plc.community, plc.colleague).pk))
    assert one.status_code == 200 and one.json()["display_name"] == "Colleague Cyrus"


@pytest.mark.parametrize(
    "who,sees_guest", [("newcomer", False), ("colleague", False), ("teacher", True), ("principal", True)]
)
def test_parents_and_students_who_came_as_guests_are_listed_only_for_those_who_manage(as_, plc, who, sees_guest):
    listed = {m["display_name"] for m in as_(who).get(url(plc.community, "members")).json()["results"]}
    detail = {m["display_name"] for m in as_(who).get(url(plc.community)).json()["members"]}
    assert listed == detail
    assert ("Parent Parisa" in listed) is sees_guest
    assert {"Teacher Tala", "Colleague Cyrus", "Expert Eve"} <= listed


def test_a_guest_reads_the_member_list_with_herself_and_no_other_guest(as_, plc):
    student = CommunityMembershipFactory(community=plc.community, user=plc.student, role=Role.GUEST)
    api = as_("parent")
    response = api.get(url(plc.community, "members"))
    assert response.status_code == 200
    listed = [m["display_name"] for m in response.json()["results"]]
    assert listed == ["Teacher Tala", "Expert Eve", "Colleague Cyrus", "Parent Parisa"]
    assert api.get(url(plc.community, "members", membership(plc.community, plc.teacher).pk)).status_code == 200
    assert api.get(url(plc.community, "members", student.pk)).status_code == 404


def test_the_facilitator_sees_invitations_and_requests(as_, plc):
    CommunityMembershipFactory(community=plc.community, user=plc.newcomer, status=Status.REQUESTED, message="May I?")
    CommunityMembershipFactory(
        community=plc.community, user=plc.other_teacher, status=Status.INVITED, invited_by=plc.teacher
    )
    response = as_("teacher").get(url(plc.community, "members", "pending"))
    assert response.status_code == 200
    rows = {m["display_name"]: m for m in response.json()["results"]}
    assert (rows["Newcomer Nima"]["status"], rows["Newcomer Nima"]["message"]) == ("requested", "May I?")
    assert rows["Other Olga"]["invited_by"]["display_name"] == "Teacher Tala"
    assert "Newcomer Nima" not in {
        m["display_name"] for m in as_("teacher").get(url(plc.community, "members")).json()["results"]
    }


@pytest.mark.parametrize("who", ["colleague", "expert", "parent"])
def test_members_cannot_see_pending_ones(as_, plc, who):
    assert as_(who).get(url(plc.community, "members", "pending")).status_code == 403


def test_an_invitation_is_emailed_through_the_queue(
    as_, plc, smtp_server, run_tasks, django_capture_on_commit_callbacks
):
    plc.other_teacher.email = "olga@example.org"
    plc.other_teacher.save()
    with django_capture_on_commit_callbacks(execute=True):
        response = as_("teacher").post(
            url(plc.community, "members"),
            {"person": plc.other_teacher.pk, "role": "expert", "message": "Join us for the assessment work."},
            format="json",
        )
    assert response.status_code == 201, response.json()
    data = response.json()
    assert (data["status"], data["role"], data["display_name"]) == ("invited", "expert", "Other Olga")
    assert smtp_server.messages == []  # not sent inside the request: queued
    run_tasks()
    assert [m["to"] for m in smtp_server.messages] == [["olga@example.org"]]
    assert "Grade 8 Mathematics PLC" in smtp_server.messages[0]["message"]["Subject"] + str(
        smtp_server.messages[0]["message"].get_body(("plain",)).get_content()
    )


def test_inviting_twice_is_refused_with_the_reason(as_, plc):
    api = as_("teacher")
    first = api.post(url(plc.community, "members"), {"person": plc.other_teacher.pk}, format="json")
    assert first.status_code == 201
    again = api.post(url(plc.community, "members"), {"person": plc.other_teacher.pk}, format="json")
    assert again.status_code == 400
    assert again.json() == {"person": ["Other Olga is already invited to or a member of this community."]}
    member = api.post(url(plc.community, "members"), {"person": plc.colleague.pk}, format="json")
    assert member.status_code == 400
    assert Membership.objects.filter(community=plc.community, user=plc.other_teacher).count() == 1


@pytest.mark.parametrize(
    "person,data,field,message",
    [
        ("parent_of_other_school", {}, "person", "You cannot invite this person."),  # private: not hers to see
        ("student", {"role": "member"}, "role", "Parents and students take part as guests."),
        (None, {"person": 999999}, "person", "You cannot invite this person."),
        (None, {"person": "Olga"}, "person", "Incorrect type. Expected pk value, received str."),
        (None, {}, "person", "This field is required."),
        ("other_teacher", {"role": "chair"}, "role", '"chair" is not a valid choice.'),
        ("other_teacher", {"message": "m" * 501}, "message", "no more than 500 characters"),
    ],
)
def test_bad_invitations_are_refused(as_, plc, person, data, field, message):
    people = {"parent_of_other_school": plc.other_parent, "student": plc.student, "other_teacher": plc.other_teacher}
    body = {**({"person": people[person].pk} if person else {}), **data}
    before = Membership.objects.count()
    response = as_("principal").post(url(plc.community, "members"), body, format="json")
    assert response.status_code == 400
    assert message in str(response.json()[field])
    assert Membership.objects.count() == before


def test_the_principal_invites_a_student_as_a_guest(as_, plc):
    response = as_("principal").post(
        url(plc.community, "members"), {"person": plc.student.pk, "role": "guest"}, format="json"
    )
    assert response.status_code == 201
    assert response.json()["role"] == "guest"


@pytest.mark.parametrize("who", ["colleague", "expert", "parent", "newcomer"])
def test_a_member_cannot_manage_members(as_, plc, who):
    api = as_(who)
    target = membership(plc.community, plc.colleague if who != "colleague" else plc.expert)
    refusals = [
        (
            api.post(url(plc.community, "members"), {"person": plc.other_teacher.pk}, format="json"),
            "Only facilitators can invite, accept and remove members and change their roles.",
        ),
        (
            api.patch(url(plc.community, "members", target.pk), {"role": "facilitator"}, format="json"),
            "Only facilitators can invite, accept and remove members and change their roles.",
        ),
        (
            api.delete(url(plc.community, "members", target.pk)),
            "Only facilitators can invite, accept and remove members and change their roles.",
        ),
        (
            api.post(url(plc.community, "members", target.pk, "accept")),
            "Only facilitators can invite, accept and remove members and change their roles.",
        ),
        (
            api.post(url(plc.community, "members", target.pk, "decline")),
            "Only facilitators can invite, accept and remove members and change their roles.",
        ),
    ]
    for response, message in refusals:
        assert response.status_code == 403
        assert response.json() == {"detail": message}
    target.refresh_from_db()
    assert (target.status, target.role) == (Status.ACTIVE, Role.MEMBER if who != "colleague" else Role.EXPERT)
    assert not Membership.objects.filter(user=plc.other_teacher, community=plc.community).exists()


def test_the_facilitator_changes_a_role_and_removes_a_member(as_, plc):
    api = as_("teacher")
    cyrus = membership(plc.community, plc.colleague)
    response = api.patch(url(plc.community, "members", cyrus.pk), {"role": "facilitator"}, format="json")
    assert response.status_code == 200
    assert response.json()["role"] == "facilitator"
    eve = membership(plc.community, plc.expert)
    assert api.delete(url(plc.community, "members", eve.pk)).status_code == 204
    eve.refresh_from_db()
    assert eve.status == Status.REMOVED
    # Gone from the list, and no longer a resource of the community.
    assert api.get(url(plc.community, "members", eve.pk)).status_code == 404


def test_the_last_facilitator_can_be_neither_demoted_nor_removed(as_, plc):
    api = as_("principal")
    tala = membership(plc.community, plc.teacher)
    reason = ["A community needs at least one facilitator. Make someone else a facilitator first."]
    response = api.patch(url(plc.community, "members", tala.pk), {"role": "member"}, format="json")
    assert response.status_code == 400
    assert response.json() == {"non_field_errors": reason}
    response = api.delete(url(plc.community, "members", tala.pk))
    assert response.status_code == 400
    assert response.json() == {"non_field_errors": reason}
    tala.refresh_from_db()
    assert (tala.role, tala.status) == (Role.FACILITATOR, Status.ACTIVE)


def test_an_empty_patch_changes_nothing(as_, plc):
    cyrus = membership(plc.community, plc.colleague)
    assert as_("teacher").patch(url(plc.community, "members", cyrus.pk), {}, format="json").status_code == 200
    assert Membership.objects.get(pk=cyrus.pk).role == Role.MEMBER


@pytest.mark.parametrize("data,field", [({"role": "boss"}, "role"), ({"role": ["member"]}, "role")])
def test_bad_role_changes_are_refused(as_, plc, data, field):
    cyrus = membership(plc.community, plc.colleague)
    response = as_("teacher").patch(url(plc.community, "members", cyrus.pk), data, format="json")
    assert response.status_code == 400
    assert field in response.json()
    assert Membership.objects.get(pk=cyrus.pk).role == Role.MEMBER


def test_a_parent_guest_cannot_be_made_a_member(as_, plc):
    parisa = membership(plc.community, plc.parent)
    response = as_("teacher").patch(url(plc.community, "members", parisa.pk), {"role": "member"}, format="json")
    assert response.status_code == 400
    assert response.json() == {"role": ["Parents and students take part as guests."]}


def test_asking_to_join_then_being_accepted(as_, plc):
    response = as_("newcomer").post(url(plc.community, "join"), {"message": "I teach grade 8 too."}, format="json")
    assert response.status_code == 201, response.json()
    assert (response.json()["status"], response.json()["message"]) == ("requested", "I teach grade 8 too.")
    again = as_("newcomer").post(url(plc.community, "join"), {}, format="json")
    assert again.status_code == 403
    assert again.json() == {"detail": "You cannot ask to join this community."}
    request = membership(plc.community, plc.newcomer)
    response = as_("teacher").post(
        url(plc.community, "members", request.pk, "accept"), {"role": "observer"}, format="json"
    )
    assert response.status_code == 200
    assert (response.json()["status"], response.json()["role"]) == ("active", "observer")
    response = as_("teacher").post(url(plc.community, "members", request.pk, "accept"), {}, format="json")
    assert response.status_code == 400
    assert response.json() == {"non_field_errors": ["This request has already been answered."]}


def test_declining_a_request(as_, plc):
    request = CommunityMembershipFactory(community=plc.community, user=plc.newcomer, status=Status.REQUESTED)
    response = as_("principal").post(url(plc.community, "members", request.pk, "decline"))
    assert response.status_code == 200
    assert response.json()["status"] == "declined"
    # A declined request is no longer a pending one.
    assert as_("principal").post(url(plc.community, "members", request.pk, "decline")).status_code == 404


def test_accepting_an_active_member_is_refused(as_, plc):
    cyrus = membership(plc.community, plc.colleague)
    response = as_("teacher").post(url(plc.community, "members", cyrus.pk, "accept"), {}, format="json")
    assert response.status_code == 400
    response = as_("teacher").post(url(plc.community, "members", cyrus.pk, "accept"), {"role": "pope"}, format="json")
    assert response.status_code == 400 and "role" in response.json()


@pytest.mark.parametrize(
    "who,status",
    [("student", 403), ("colleague", 403), ("principal", 403), ("other_teacher", 404)],
)
def test_who_cannot_ask_to_join(as_, plc, who, status):
    response = as_(who).post(url(plc.community, "join"), {"message": "Please"}, format="json")
    assert response.status_code == status
    assert not Membership.objects.filter(community=plc.community, status=Status.REQUESTED).exists()


def test_a_join_message_that_is_too_long_is_refused(as_, plc):
    response = as_("newcomer").post(url(plc.community, "join"), {"message": "m" * 501}, format="json")
    assert response.status_code == 400
    assert not Membership.objects.filter(community=plc.community, user=plc.newcomer).exists()


def test_the_invited_person_accepts_with_an_activity(as_, plc):
    CommunityMembershipFactory(
        community=plc.private, user=plc.newcomer, status=Status.INVITED, invited_by=plc.colleague
    )
    response = as_("newcomer").post(
        url(plc.private, "answer-invitation"), {"accept": True, "activity": "I take the minutes."}, format="json"
    )
    assert response.status_code == 200, response.json()
    assert (response.json()["status"], response.json()["activity"]) == ("active", "I take the minutes.")
    again = as_("newcomer").post(url(plc.private, "answer-invitation"), {"accept": False}, format="json")
    assert again.status_code == 400
    assert again.json() == {"non_field_errors": ["This invitation has already been answered."]}


def test_the_invited_person_declines(as_, plc):
    CommunityMembershipFactory(community=plc.community, user=plc.newcomer, status=Status.INVITED)
    response = as_("newcomer").post(url(plc.community, "answer-invitation"), {"accept": False}, format="json")
    assert response.status_code == 200
    assert membership(plc.community, plc.newcomer).status == Status.DECLINED


@pytest.mark.parametrize(
    "data,field",
    [({}, "accept"), ({"accept": "perhaps"}, "accept"), ({"accept": True, "activity": "a" * 301}, "activity")],
)
def test_bad_answers_are_refused(as_, plc, data, field):
    invitation = CommunityMembershipFactory(community=plc.community, user=plc.newcomer, status=Status.INVITED)
    response = as_("newcomer").post(url(plc.community, "answer-invitation"), data, format="json")
    assert response.status_code == 400
    assert field in response.json()
    assert Membership.objects.get(pk=invitation.pk).status == Status.INVITED


def test_without_an_invitation_there_is_nothing_to_answer(as_, plc):
    response = as_("newcomer").post(url(plc.community, "answer-invitation"), {"accept": True}, format="json")
    assert response.status_code == 400
    assert response.json() == {"non_field_errors": ["You have no invitation to this community."]}
    # The invitation is the invited person's alone to answer.
    CommunityMembershipFactory(community=plc.community, user=plc.newcomer, status=Status.INVITED)
    response = as_("teacher").post(url(plc.community, "answer-invitation"), {"accept": True}, format="json")
    assert response.status_code == 400
    assert membership(plc.community, plc.newcomer).status == Status.INVITED


def test_a_member_leaves(as_, plc):
    response = as_("colleague").post(url(plc.community, "leave"))
    assert response.status_code == 200
    assert response.json()["status"] == "left"
    assert as_("colleague").get(url(plc.community)).json()["my_status"] == "left"


def test_the_last_facilitator_cannot_leave_and_strangers_have_nothing_to_leave(as_, plc):
    response = as_("teacher").post(url(plc.community, "leave"))
    assert response.status_code == 400
    assert "at least one facilitator" in response.json()["non_field_errors"][0]
    response = as_("principal").post(url(plc.community, "leave"))
    assert response.status_code == 400
    assert response.json() == {"non_field_errors": ["You are not a member of this community."]}
    assert membership(plc.community, plc.teacher).status == Status.ACTIVE


def test_a_member_chooses_an_activity_and_a_role(as_, plc):
    api = as_("colleague")
    response = api.patch(url(plc.community, "me"), {"activity": "I prepare the data.", "role": "expert"}, format="json")
    assert response.status_code == 200, response.json()
    assert (response.json()["activity"], response.json()["role"]) == ("I prepare the data.", "expert")
    response = api.patch(url(plc.community, "me"), {"role": "observer"}, format="json")
    assert (response.json()["activity"], response.json()["role"]) == ("I prepare the data.", "observer")


@pytest.mark.parametrize(
    "who,data,field,message",
    [
        ("colleague", {"role": "facilitator"}, "role", "Ask a facilitator to change this role."),
        ("teacher", {"role": "member"}, "role", "Ask a facilitator to change this role."),
        ("parent", {"role": "member"}, "role", "Ask a facilitator to change this role."),  # a guest stays a guest
        ("colleague", {"activity": "a" * 301}, "activity", "no more than 300 characters"),
        ("colleague", {"role": "king"}, "role", "is not a valid choice"),
        ("newcomer", {"activity": "Lurking"}, "non_field_errors", "You are not a member of this community."),
    ],
)
def test_bad_changes_to_ones_own_place_are_refused(as_, plc, who, data, field, message):
    person = getattr(plc, who)
    before = list(Membership.objects.filter(user=person).values_list("role", "activity"))
    response = as_(who).patch(url(plc.community, "me"), data, format="json")
    assert response.status_code == 400
    assert message in str(response.json()[field])
    assert list(Membership.objects.filter(user=person).values_list("role", "activity")) == before


def test_a_teacher_who_came_as_a_guest_cannot_promote_herself(as_, plc):
    CommunityMembershipFactory(community=plc.private, user=plc.newcomer, role=Role.GUEST)
    response = as_("newcomer").patch(url(plc.private, "me"), {"role": "member"}, format="json")
    assert response.status_code == 400
    assert membership(plc.private, plc.newcomer).role == Role.GUEST
    members = as_("newcomer").get(url(plc.private)).json()["members"]
    assert [m["display_name"] for m in members] == ["Colleague Cyrus", "Newcomer Nima"]


# --- The work program -------------------------------------------------------------------------


@pytest.mark.parametrize("who", ["parent", "colleague", "newcomer", "principal"])
def test_guests_members_and_visitors_read_the_program(as_, plc, who):
    api = as_(who)
    response = api.get(url(plc.community, "activities"))
    assert response.status_code == 200
    assert [a["title"] for a in response.json()["results"]] == ["Common assessment design", "Peer observation round"]
    assert api.get(url(plc.community, "activities", plc.activity.pk)).json()["title"] == "Common assessment design"


def test_the_facilitator_plans_changes_and_removes_activities(as_, plc):
    api = as_("teacher")
    response = api.post(
        url(plc.community, "activities"),
        {
            "title": "Lesson study: fractions",
            "format": "lesson_study",
            "starts_on": "2025-10-01",
            "ends_on": "2025-10-15",
            "responsible": plc.colleague.pk,
            "notes": "Bring student work.",
        },
        format="json",
    )
    assert response.status_code == 201, response.json()
    data = response.json()
    assert (data["responsible"], data["responsible_name"], data["status"]) == (
        plc.colleague.pk,
        "Colleague Cyrus",
        "planned",
    )
    response = api.patch(
        url(plc.community, "activities", data["id"]), {"status": "done", "responsible": None}, format="json"
    )
    assert response.status_code == 200
    activity = Activity.objects.get(pk=data["id"])
    assert (activity.status, activity.responsible) == ("done", None)
    assert api.delete(url(plc.community, "activities", data["id"])).status_code == 204
    assert not Activity.objects.filter(pk=data["id"]).exists()


@pytest.mark.parametrize("who", ["colleague", "parent", "newcomer"])
def test_others_cannot_change_the_program(as_, plc, who):
    api = as_(who)
    message = {"detail": "Only facilitators can change the work program."}
    response = api.post(url(plc.community, "activities"), {"title": "Mine", "starts_on": "2025-10-01"}, format="json")
    assert (response.status_code, response.json()) == (403, message)
    response = api.patch(url(plc.community, "activities", plc.activity.pk), {"title": "Mine"}, format="json")
    assert (response.status_code, response.json()) == (403, message)
    assert api.delete(url(plc.community, "activities", plc.activity.pk)).status_code == 403
    assert Activity.objects.get(pk=plc.activity.pk).title == "Common assessment design"
    assert Activity.objects.filter(community=plc.community).count() == 2


@pytest.mark.parametrize(
    "data,field,message",
    [
        ({"ends_on": "2025-09-30"}, "ends_on", "The end date cannot be before the start date."),
        ({"responsible": "newcomer"}, "responsible", "The responsible person must be a member of the community."),
        ({"responsible": 999999}, "responsible", "The responsible person must be a member of the community."),
        ({"starts_on": "tomorrow"}, "starts_on", "Date has wrong format."),
        ({"starts_on": None}, "starts_on", "This field may not be null."),
        ({"title": "t" * 201}, "title", "no more than 200 characters"),
        ({"format": "party"}, "format", "is not a valid choice"),
        ({"notes": "n" * 2001}, "notes", "no more than 2000 characters"),
    ],
)
def test_bad_activities_are_refused_and_nothing_is_saved(as_, plc, data, field, message):
    if data.get("responsible") == "newcomer":
        data = {"responsible": plc.newcomer.pk}
    body = {"title": "Workshop", "starts_on": "2025-10-01", **data}
    response = as_("teacher").post(url(plc.community, "activities"), body, format="json")
    assert response.status_code == 400
    assert message in str(response.json()[field])
    assert Activity.objects.filter(community=plc.community).count() == 2


def test_moving_an_activitys_end_before_its_start_is_refused(as_, plc):
    response = as_("teacher").patch(
        url(plc.community, "activities", plc.activity.pk), {"ends_on": "2025-08-01"}, format="json"
    )
    assert response.status_code == 400
    assert response.json() == {"ends_on": ["The end date cannot be before the start date."]}
    assert Activity.objects.get(pk=plc.activity.pk).ends_on is None


# --- Decisions --------------------------------------------------------------------------------


DECISION = {
    "number": "14/2025",
    "topic": "Formative assessment",
    "goals_text": "Raise the pass rate to 80%.",
    "period_start": "2025-09-01",
    "period_end": "2026-06-30",
}


@pytest.mark.parametrize("who", ["colleague", "expert", "principal", "deputy"])
def test_members_and_leaders_read_decisions(as_, plc, who):
    api = as_(who)
    response = api.get(url(plc.community, "decisions"))
    assert response.status_code == 200
    assert [d["number"] for d in response.json()["results"]] == ["12/2025"]
    assert api.get(url(plc.community, "decisions", plc.draft.pk)).json()["status"] == "draft"


def test_a_guest_reads_decisions(as_, plc):
    assert as_("parent").get(url(plc.community, "decisions")).status_code == 200
    assert as_("parent").get(url(plc.community, "decisions", plc.draft.pk)).status_code == 200


@pytest.mark.parametrize("who", ["teacher", "principal"])
def test_facilitators_and_leaders_draft_a_decision_with_the_members_as_they_stand(as_, plc, who):
    response = as_(who).post(
        url(plc.community, "decisions"),
        {**DECISION, "members": [], "status": "signed", "verification_code": "FAKE-FAKE-FAKE"},
        format="json",
    )
    assert response.status_code == 201, response.json()
    data = response.json()
    assert (data["status"], data["verification_code"], data["signed_by"]) == ("draft", None, None)
    assert [(m["name"], m["role"]) for m in data["members"]] == [
        ("Expert Eve", "expert"),
        ("Teacher Tala", "facilitator"),
        ("Colleague Cyrus", "member"),
    ]  # guests are not assigned by a decision


@pytest.mark.parametrize("who", ["colleague", "expert", "parent", "newcomer"])
def test_others_cannot_draft_change_or_delete(as_, plc, who):
    api = as_(who)
    response = api.post(url(plc.community, "decisions"), DECISION, format="json")
    assert response.status_code == 403
    response = api.patch(url(plc.community, "decisions", plc.draft.pk), {"topic": "Mine"}, format="json")
    assert response.status_code == 403
    assert api.delete(url(plc.community, "decisions", plc.draft.pk)).status_code == 403
    assert Decision.objects.filter(community=plc.community).count() == 1
    assert Decision.objects.get(pk=plc.draft.pk).topic == plc.community.topic


@pytest.mark.parametrize(
    "data,field,message",
    [
        ({"period_end": "2025-08-31"}, "period_end", "The end of the period cannot be before its start."),
        ({"period_end": "2029-09-01"}, "period_end", "A decision covers at most three years."),
        ({"topic": ""}, "topic", "This field may not be blank."),
        ({"goals_text": "g" * 4001}, "goals_text", "no more than 4000 characters"),
        ({"number": "n" * 41}, "number", "no more than 40 characters"),
        ({"period_start": 20250901}, "period_start", "Date has wrong format."),
    ],
)
def test_bad_decisions_are_refused(as_, plc, data, field, message):
    response = as_("teacher").post(url(plc.community, "decisions"), {**DECISION, **data}, format="json")
    assert response.status_code == 400
    assert message in str(response.json()[field])
    assert Decision.objects.filter(community=plc.community).count() == 1


def test_a_draft_is_changed_and_deleted(as_, plc):
    api = as_("teacher")
    response = api.patch(url(plc.community, "decisions", plc.draft.pk), {"number": "13/2025"}, format="json")
    assert response.status_code == 200
    assert Decision.objects.get(pk=plc.draft.pk).number == "13/2025"
    response = api.patch(url(plc.community, "decisions", plc.draft.pk), {"period_end": "2000-01-01"}, format="json")
    assert response.status_code == 400
    assert api.delete(url(plc.community, "decisions", plc.draft.pk)).status_code == 204
    assert not Decision.objects.filter(pk=plc.draft.pk).exists()


def test_the_principal_signs_and_a_signed_decision_never_changes(as_, plc):
    seen = as_("principal").get(url(plc.community, "decisions", plc.draft.pk)).json()["fingerprint"]
    response = sign(as_("principal"), plc.community, plc.draft.pk, seen)
    assert response.status_code == 200, response.json()
    data = response.json()
    assert data["status"] == "signed"
    assert (data["signed_by"], data["signed_by_name"], data["signed_by_title"]) == (
        plc.principal.pk,
        "Principal Pia",
        "Principal, Al-Farabi School",
    )
    assert re.fullmatch(r"[A-Z2-9]{4}-[A-Z2-9]{4}-[A-Z2-9]{4}", data["verification_code"])
    signed = Decision.objects.get(pk=plc.draft.pk)

    again = sign(as_("principal"), plc.community, plc.draft.pk, seen)
    assert again.status_code == 400
    assert again.json() == {"non_field_errors": ["This decision is already signed."]}

    edit = as_("teacher").patch(url(plc.community, "decisions", plc.draft.pk), {"topic": "Changed"}, format="json")
    assert edit.status_code == 400
    assert edit.json() == {"non_field_errors": ["A signed decision cannot be changed. Draft a new one to replace it."]}
    delete = as_("principal").delete(url(plc.community, "decisions", plc.draft.pk))
    assert delete.status_code == 400
    assert delete.json() == {"non_field_errors": ["A signed decision cannot be deleted."]}
    after = Decision.objects.get(pk=plc.draft.pk)
    assert (after.topic, after.signed_at, after.verification_code) == (
        signed.topic,
        signed.signed_at,
        signed.verification_code,
    )


@pytest.mark.parametrize(
    "who,status,message",
    [
        ("teacher", 403, "Only the principal of the school can sign this decision."),
        ("deputy", 403, "Only the principal of the school can sign this decision."),
        ("colleague", 403, "Only the principal of the school can sign this decision."),
        ("district_admin", 403, "Only the principal of the school can sign this decision."),
        ("supervisor", 404, None),
        ("other_principal", 404, None),
        ("parent", 403, None),
    ],
)
def test_only_the_schools_principal_signs(as_, plc, who, status, message):
    response = sign(as_(who), plc.community, plc.draft.pk)
    assert response.status_code == status
    if message:
        assert response.json() == {"detail": message}
    assert Decision.objects.get(pk=plc.draft.pk).status == DecisionStatus.DRAFT


def test_the_supervisor_signs_a_network_decision_and_a_principal_may_not(as_, plc):
    draft = DecisionFactory(community=plc.in_network)
    refused = sign(as_("principal"), plc.in_network, draft.pk, "0" * 64)
    assert refused.status_code == 403
    assert refused.json() == {"detail": "Only the network's supervisor can sign this decision."}
    response = sign(as_("supervisor"), plc.in_network, draft.pk)
    assert response.status_code == 200, response.json()
    assert response.json()["signed_by_title"] == f"Supervisor, {plc.network.name}"


def test_a_new_signed_decision_supersedes_the_old_one(as_, plc):
    api = as_("principal")
    first = sign(api, plc.community, plc.draft.pk).json()
    second_draft = api.post(url(plc.community, "decisions"), DECISION, format="json").json()
    second = sign(api, plc.community, second_draft["id"]).json()
    assert second["supersedes"] == first["id"]
    old = api.get(url(plc.community, "decisions", first["id"])).json()
    assert (old["status"], old["superseded_by"]) == ("superseded", second["id"])


# --- Public verification ----------------------------------------------------------------------


def test_anyone_verifies_a_signed_decision_without_an_account(api, plc):
    plc.principal.display_name = "Principal Pia"
    signed = SignedDecisionFactory(
        community=plc.community,
        number="9/2025",
        signed_by=plc.principal,
        signed_by_title="Principal, Al-Farabi School",
        signed_at=timezone.now(),
    )
    response = api.get(f"/api/v1/verify/{signed.verification_code.lower()}/")
    assert response.status_code == 200
    data = response.json()
    assert data["community"] == "Grade 8 Mathematics PLC"
    assert (data["school"], data["network"]) == ("Al-Farabi School", None)
    assert (data["number"], data["status"], data["superseded_by"]) == ("9/2025", "signed", None)
    assert data["signed_by_name"] == "Principal Pia" and data["signed_by_title"] == "Principal, Al-Farabi School"
    assert {m["name"]: m["role"] for m in data["members"]} == {
        "Teacher Tala": "facilitator",
        "Colleague Cyrus": "member",
        "Expert Eve": "expert",
    }
    assert {m["role_label"] for m in data["members"]} == {"Facilitator", "Member", "Expert"}
    assert "user" not in data["members"][0] and not EMAIL.search(str(data))


def test_verification_says_when_a_decision_was_superseded(api, plc):
    old = SignedDecisionFactory(community=plc.in_network, status=DecisionStatus.SUPERSEDED)
    newer = SignedDecisionFactory(community=plc.in_network, supersedes=old)
    data = api.get(f"/api/v1/verify/{old.verification_code}/").json()
    assert (data["status"], data["superseded_by"]) == ("superseded", newer.verification_code)
    assert (data["school"], data["network"]) == (None, plc.network.name)


@pytest.mark.parametrize("code", ["ABCD-EFGH-JKLM", "x" * 30, "draft"])
def test_unknown_codes_and_drafts_are_404(api, plc, code):
    plc.draft.verification_code = "DRAF-TDRA-FTXX"
    plc.draft.save()
    assert api.get(f"/api/v1/verify/{code}/").status_code == 404
    assert api.get("/api/v1/verify/DRAF-TDRA-FTXX/").status_code == 404


def test_a_nul_character_in_the_search_is_refused(as_):
    """Refused where input enters (halqa.core.input): PostgreSQL cannot search for it."""
    response = as_("colleague").get(API, {"q": "read\x00ing"})
    assert response.status_code == 400
    assert response.json() == {"detail": "The address contains a NUL character, which cannot be processed."}


def test_options_describe_the_routes(as_, plc):
    api = as_("teacher")
    for path in (API, url(plc.community), url(plc.community, "goals"), url(plc.community, "goals", plc.goal.pk)):
        response = api.options(path)
        assert response.status_code == 200, path
    assert set(api.options(url(plc.community, "goals", plc.goal.pk))["Allow"].split(", ")) == {
        "GET",
        "PATCH",
        "DELETE",
        "HEAD",
        "OPTIONS",
    }
