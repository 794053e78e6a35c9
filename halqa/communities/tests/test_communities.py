"""Communities themselves: who sees which (list, filters, one community), creating one, changing
its settings, and what the community page and the API cost as the data grows.

Pages, API and services side by side; the scene is `plc` (conftest.py) on the suite's `world`.
"""

from __future__ import annotations

import pytest
from django.urls import reverse
from freezegun import freeze_time

from halqa.communities import rules, services
from halqa.communities.models import (
    Activity,
    CharterRevision,
    Community,
    Decision,
    DecisionStatus,
    Goal,
    Membership,
    Role,
    Status,
)
from halqa.communities.tests.conftest import (
    API,
    EMAIL,
    TODAY,
    add,
    grew,
    membership,
    names,
    page_url,
    url,
)
from halqa.communities.tests.factories import (
    ActivityFactory,
    CommunityMembershipFactory,
    DecisionFactory,
    GoalFactory,
)
from halqa.communities.tests.seeding import assert_community_queries_do_not_grow

pytestmark = pytest.mark.django_db


# --- Anonymous callers ------------------------------------------------------------------------


def test_anonymous_is_sent_to_sign_in(plc, client):
    response = client.get(page_url("detail", plc.community.pk))
    assert response.status_code == 302
    assert reverse("account_login") in response["Location"]


def test_list_requires_sign_in(client):
    assert client.get(page_url("list")).status_code == 302


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


# --- Who sees which community ------------------------------------------------------------------


@pytest.mark.parametrize(
    "who,status",
    [
        ("teacher", 200),  # facilitator
        ("colleague", 200),  # member
        ("expert", 200),
        ("parent", 200),  # guest
        ("principal", 200),  # leader of the school
        ("district_admin", 200),
        ("other_teacher", 404),  # another school, school-only community
        ("foreign_teacher", 404),
        ("student", 200),  # belongs to the school: sees the page, cannot ask to join
        ("other_parent", 404),
    ],
)
def test_who_sees_a_school_community(world, plc, client, who, status):
    client.force_login(getattr(world, who))
    assert client.get(page_url("detail", plc.community.pk)).status_code == status


@pytest.mark.parametrize(
    "who,status", [("colleague", 200), ("teacher", 404), ("principal", 200), ("other_teacher", 404)]
)
def test_members_only_community_is_invisible_to_non_members(world, plc, client, who, status):
    client.force_login(getattr(world, who))
    assert client.get(page_url("detail", plc.private.pk)).status_code == status
    listing = client.get(page_url("list")).content.decode()
    assert ("Leadership circle" in listing) == (status == 200)


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


# --- The list and its filters ------------------------------------------------------------------


def test_list_shows_my_communities_and_ones_i_can_join(world, plc, client):
    client.force_login(world.colleague)
    page = client.get(page_url("list")).content.decode()
    assert "Grade 8 Mathematics PLC" in page and "Network of science teachers" in page and "Leadership circle" in page


def test_home_page_lists_my_communities(world, plc, client):
    client.force_login(world.colleague)
    assert "Grade 8 Mathematics PLC" in client.get("/").content.decode()


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


def test_format_in_the_query_filters_and_does_not_pick_a_renderer(as_):
    response = as_("teacher").get(API, {"format": "json"})
    assert response.status_code == 400  # "json" is not a community format
    assert "format" in response.json()


def test_a_nul_character_in_the_search_is_refused(as_):
    """Refused where input enters (halqa.core.input): PostgreSQL cannot search for it."""
    response = as_("colleague").get(API, {"q": "read\x00ing"})
    assert response.status_code == 400
    assert response.json() == {"detail": "The address contains a NUL character, which cannot be processed."}


# --- One community ------------------------------------------------------------------------------


def test_a_guest_sees_what_a_visitor_sees_and_no_other_guest(world, plc, client):
    """Joining never shows less than visiting: the parent, a guest, reads what a school-mate
    visitor reads (members, goals, decisions); other guests stay hidden from her."""
    add(plc.community, world.student, Role.GUEST)
    client.force_login(world.parent)
    page = client.get(page_url("detail", plc.community.pk)).content.decode()
    assert "Every student in grade 8 reaches the standard in mathematics." in page
    assert "Pass rate to 80%" in page
    assert world.colleague.display_name in page
    members = client.get(page_url("members", plc.community.pk)).content.decode()
    assert world.colleague.display_name in members and world.parent.display_name in members
    assert world.student.display_name not in members and world.student.display_name not in page
    assert client.get(page_url("decisions", plc.community.pk)).status_code == 200
    assert client.get(page_url("program", plc.community.pk)).status_code == 200


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


# --- Creating a community -----------------------------------------------------------------------


def test_teacher_creates_a_community_and_becomes_facilitator(world, client):
    client.force_login(world.colleague)
    assert client.get(page_url("new")).status_code == 200
    response = client.post(
        page_url("new"),
        {
            "home": f"school:{world.school.pk}",
            "name": "Reading circle",
            "topic": "Reading aloud",
            "format": "discussion_circle",
            "visibility": "school",
            "cadence": "monthly",
            "charter-mission": "Read more",
        },
    )
    community = Community.objects.get(name="Reading circle")
    assert response.status_code == 302
    assert community.memberships.get(user=world.colleague).role == Role.FACILITATOR
    assert community.charter_revisions.get().mission == "Read more"


@pytest.mark.parametrize("who", ["parent", "student"])
def test_parents_and_students_cannot_create_communities(world, client, who):
    client.force_login(getattr(world, who))
    assert client.get(page_url("new")).status_code == 403


def test_a_foreign_school_cannot_be_chosen(world, client):
    client.force_login(world.teacher)
    response = client.post(
        page_url("new"),
        {
            "home": f"school:{world.foreign_school.pk}",
            "name": "X",
            "topic": "Y",
            "format": "subject_plc",
            "visibility": "school",
            "cadence": "weekly",
        },
    )
    assert response.status_code == 400
    assert "Select a valid choice" in response.content.decode()
    assert not Community.objects.filter(name="X").exists()


def test_supervisor_creates_a_network_community(world, client):
    client.force_login(world.supervisor)
    response = client.post(
        page_url("new"),
        {
            "home": f"network:{world.network.pk}",
            "name": "Across schools",
            "topic": "Data",
            "format": "network",
            "visibility": "public",
            "cadence": "monthly",
        },
    )
    assert response.status_code == 302
    assert Community.objects.get(name="Across schools").network == world.network


@pytest.mark.parametrize(
    "data,error",
    [
        ({"name": "", "topic": "t"}, "This field is required"),
        ({"name": "x" * 201, "topic": "t"}, "at most 200"),
        ({"name": "n", "topic": "t", "cadence": "yearly"}, "Select a valid choice"),
    ],
)
def test_bad_community_input_changes_nothing(world, client, data, error):
    client.force_login(world.teacher)
    before = Community.objects.count()
    form = {"home": f"school:{world.school.pk}", "format": "subject_plc", "visibility": "school", "cadence": "weekly"}
    response = client.post(page_url("new"), {**form, **data})
    assert response.status_code == 400
    assert error in response.content.decode()
    assert Community.objects.count() == before


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


# --- Settings -----------------------------------------------------------------------------------


def test_settings_page(world, plc, client):
    client.force_login(world.colleague)
    assert client.get(page_url("edit", plc.community.pk)).status_code == 403
    client.force_login(world.teacher)
    assert client.get(page_url("edit", plc.community.pk)).status_code == 200
    data = {"name": "Algebra PLC 2", "topic": "t", "format": "grade_team", "visibility": "members", "cadence": "custom"}
    assert client.post(page_url("edit", plc.community.pk), data).status_code == 302
    plc.community.refresh_from_db()
    assert plc.community.name == "Algebra PLC 2"


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


# --- Cost ---------------------------------------------------------------------------------------


@freeze_time(TODAY)  # the community page's "What is next" lists the activities from today on
def test_community_page_and_list_do_not_grow_with_data(world, plc, client):
    from halqa.accounts.tests.factories import UserFactory
    from halqa.core.testing.queries import count_queries

    client.force_login(world.teacher)
    for path in (
        page_url("detail", plc.community.pk),
        page_url("list"),
        page_url("members", plc.community.pk),
        page_url("program", plc.community.pk),
    ):
        client.get(path)
    before = {
        p: count_queries(lambda p=p: client.get(p))[0]
        for p in (
            page_url("detail", plc.community.pk),
            page_url("list"),
            page_url("members", plc.community.pk),
            page_url("program", plc.community.pk),
        )
    }
    for n in range(30):
        person = UserFactory(roles=["teacher"], subjects=["math"])
        add(plc.community, person)
        Goal.objects.create(community=plc.community, title=f"g{n}", target="t", measure="m", due_date=TODAY)
        Activity.objects.create(community=plc.community, title=f"a{n}", starts_on=TODAY, responsible=person)
        services.record_progress(plc.goal, actor=world.teacher, progress=n)
        services.create_community(
            actor=world.teacher, school=world.school, name=f"PLC {n}", topic="t", visibility="public"
        )
    after = {p: count_queries(lambda p=p: client.get(p))[0] for p in before}
    assert after == before


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
