"""Cases (issue 11, first part): intake, who sees what, anonymity, and the transition table, on
pages and in the API alike."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse
from django.utils import timezone
from rest_framework.test import APIClient

from halqa.cases import services
from halqa.cases.access import case_access
from halqa.cases.models import Case, CaseMember, RequesterGroup, Stage, Topic
from halqa.communities.models import Role
from halqa.communities.tests.factories import CommunityFactory
from halqa.core.testing.queries import assert_query_bound
from halqa.events.models import Event, Verb

pytestmark = pytest.mark.django_db

API = "/api/v1/cases/"
STORY = {
    "title": "Grade 7 will not start the exit ticket",
    "what_happened": "Every lesson the last five minutes are lost: half the class does not write the exit ticket.",
    "what_tried": "Shorter tickets; a timer on the board.",
    "help_wanted": "How do colleagues get every student to write something?",
    "language": "en",
}


def api_as(user) -> APIClient:
    client = APIClient()
    if user is not None:
        client.force_login(user)
    return client


def ask(user, school, **extra) -> Case:
    return services.submit_case(actor=user, school=school, **{**STORY, **extra})


@pytest.fixture
def cases(world):
    """Tala (early-career teacher) asks openly; Parisa (parent) asks anonymously; a community of
    Cyrus's takes Tala's case, with the student Sami in it as a guest."""
    w = world
    w.open_case = ask(w.teacher, w.school, types=["methodological"])
    w.anonymous_case = ask(w.parent, w.school, anonymous=True, title="My son is afraid of the board")
    w.community = CommunityFactory(
        school=w.school, facilitator=w.colleague, members={Role.GUEST: [w.student], Role.MEMBER: [w.expert]}
    )
    Case.objects.filter(pk=w.open_case.pk).update(community=w.community)
    w.open_case.refresh_from_db()
    return w


# --- Intake -----------------------------------------------------------------------------------


def test_a_teacher_asks_for_help_and_the_profile_decides_the_group(world):
    response = api_as(world.teacher).post(
        API, {**STORY, "school": world.school.pk, "types": ["motivational"]}, format="json"
    )
    assert response.status_code == 201, response.json()
    body = response.json()
    assert body["stage"] == "submitted" and body["requester_group"] == "early_career_teacher"
    assert body["audience"] == "teacher" and body["types"] == ["motivational"]
    assert body["requester"] == {"id": world.teacher.pk, "display_name": world.teacher.display_name}
    case = Case.objects.get(pk=body["id"])
    assert Event.objects.filter(verb=Verb.CASE_SUBMITTED, target_id=case.pk, actor=world.teacher).exists()
    assert services.groups_for(world.colleague) == [RequesterGroup.EXPERIENCED_TEACHER]


def test_a_parent_asks_in_their_own_words_and_the_answer_is_for_parents(world, login):
    page = login(world.parent).get(reverse("cases:new")).content.decode()
    assert "What is happening? Tell it in your own words." in page
    case = ask(world.parent, world.school)
    assert case.requester_group == RequesterGroup.PARENT and case.audience == "parent"


@pytest.mark.parametrize("who", ["other_teacher", "expert", "supervisor"])
def test_one_asks_only_in_a_school_one_belongs_to(world, who):
    response = api_as(getattr(world, who)).post(API, {**STORY, "school": world.school.pk}, format="json")
    assert response.status_code == 403
    assert response.json() == {"detail": "You can ask for help only in a school you belong to."}
    assert not Case.objects.exists()


def test_anonymous_visitors_cannot_ask():
    assert api_as(None).post(API, STORY, format="json").status_code in (401, 403)


@pytest.mark.parametrize(
    "change",
    [
        {"title": ""},
        {"what_happened": ""},
        {"help_wanted": "x" * 4001},
        {"language": "xx"},
        {"types": ["philosophical"]},
        {"requester_group": "parent"},  # not what the profile says
        {"topics": [10**6]},
    ],
)
def test_bad_intake_is_refused_and_nothing_is_saved(world, change):
    response = api_as(world.teacher).post(API, {**STORY, "school": world.school.pk, **change}, format="json")
    assert response.status_code == 400, response.json()
    assert not Case.objects.exists()


def test_a_school_can_use_the_shared_topics_but_not_another_schools(world):
    shared = Topic.objects.get(key="engaging_students")
    own = Topic.objects.create(name="Ramadan timetable", school=world.school)
    foreign = Topic.objects.create(name="Elsewhere", school=world.other_school)
    case = ask(world.teacher, world.school, topics=[shared, own])
    assert set(case.topics.all()) == {shared, own}
    response = api_as(world.teacher).post(
        API, {**STORY, "school": world.school.pk, "topics": [foreign.pk]}, format="json"
    )
    assert response.status_code == 400


# --- Who sees what ----------------------------------------------------------------------------


@pytest.mark.parametrize("who", ["teacher", "principal", "colleague", "expert"])
def test_the_requester_the_coordinators_and_the_community_see_a_case(cases, who):
    client = api_as(getattr(cases, who))
    assert client.get(f"{API}{cases.open_case.pk}/").status_code == 200
    assert cases.open_case.pk in {c["id"] for c in client.get(API).json()["results"]}


@pytest.mark.parametrize("who", ["other_teacher", "other_principal", "foreign_teacher", "student", "other_parent"])
def test_others_may_not_know_a_case_exists(cases, who):
    """Another school, another authority, a student who is only a guest of the community, a parent."""
    client = api_as(getattr(cases, who))
    for case in (cases.open_case, cases.anonymous_case):
        assert client.get(f"{API}{case.pk}/").status_code == 404
        assert client.post(f"{API}{case.pk}/move/", {"to": "declined", "note": "x"}, format="json").status_code == 404
        assert client.get(f"{API}{case.pk}/events/").status_code == 404
    assert client.get(API).json()["results"] == []


def test_a_teacher_of_the_school_who_is_not_involved_does_not_see_a_case(cases):
    """The colleague's community has Tala's case; Parisa's anonymous case is in no community."""
    assert api_as(cases.colleague).get(f"{API}{cases.anonymous_case.pk}/").status_code == 404


def test_the_case_pages_answer_both_sides(cases, login):
    assert login(cases.teacher).get(cases.open_case.get_absolute_url()).status_code == 200
    assert login(cases.other_teacher).get(cases.open_case.get_absolute_url()).status_code == 404
    for name in ("cases:list", "cases:new"):
        assert login(cases.teacher).get(reverse(name)).status_code == 200
    assert login(cases.principal).get(reverse("cases:transcribe")).status_code == 200
    assert login(cases.teacher).get(reverse("cases:transcribe")).status_code == 403
    assert login(cases.expert).get(reverse("cases:new")).status_code == 403  # belongs to no school


def test_signed_out_visitors_are_sent_to_sign_in(cases, client):
    for path in (reverse("cases:list"), reverse("cases:new"), cases.open_case.get_absolute_url()):
        response = client.get(path)
        assert response.status_code == 302 and "/accounts/login/" in response["Location"]


# --- Anonymity --------------------------------------------------------------------------------


def test_an_anonymous_requester_is_named_to_the_coordinators_alone(cases):
    case = cases.anonymous_case
    CaseMember.objects.create(case=case, user=cases.colleague)
    seen_by_group = api_as(cases.colleague).get(f"{API}{case.pk}/").json()
    assert seen_by_group["requester"] is None and seen_by_group["anonymous"] is True
    assert cases.parent.display_name not in api_as(cases.colleague).get(f"{API}{case.pk}/events/").content.decode()
    coordinator = api_as(cases.principal).get(f"{API}{case.pk}/").json()
    assert coordinator["requester"]["id"] == cases.parent.pk
    assert api_as(cases.parent).get(f"{API}{case.pk}/").json()["requester"]["id"] == cases.parent.pk


def test_an_anonymous_requester_never_enters_the_event_trail(cases):
    case = cases.anonymous_case
    services.move(case, actor=cases.parent, to=Stage.WITHDRAWN)
    events = Event.objects.filter(target_id=case.pk, verb__startswith="case.")
    assert events.count() == 2 and not events.filter(actor=cases.parent).exists()
    assert set(events.values_list("actor_label", flat=True)) == {"Anonymous requester"}


def test_the_page_keeps_the_anonymous_name_from_the_group(cases, login):
    CaseMember.objects.create(case=cases.anonymous_case, user=cases.colleague)
    page = login(cases.colleague).get(cases.anonymous_case.get_absolute_url()).content.decode()
    assert cases.parent.display_name not in page and "Anonymous requester" in page


def test_an_anonymous_requester_cannot_join_their_own_group_and_be_named_there(cases):
    case = cases.anonymous_case
    with pytest.raises(ValidationError) as refused:
        services.add_to_group(case, actor=cases.principal, person=cases.parent)
    assert "anonymous" in str(refused.value.message_dict["person"])
    assert not CaseMember.objects.filter(case=case).exists()
    services.add_to_group(case, actor=cases.principal, person=cases.colleague)  # others still join
    assert list(CaseMember.objects.filter(case=case).values_list("user", flat=True)) == [cases.colleague.pk]


def test_a_coordinator_records_a_paper_request_from_the_box(world, login):
    response = login(world.principal).post(
        reverse("cases:transcribe"),
        {
            **STORY,
            "school": world.school.pk,
            "channel": "paper",
            "requester_group": "student",
            "audience": "student",
            "anonymous": "on",
            "urgency": "normal",
        },
    )
    case = Case.objects.get()
    assert response.status_code == 302 and case.channel == "paper" and case.anonymous and case.requester is None
    assert case.transcribed_by == world.principal and case.requester_group == "student"
    assert api_as(world.teacher).get(f"{API}{case.pk}/").status_code == 404


def test_only_coordinators_record_paper_requests(world):
    with pytest.raises(Exception) as refused:
        services.transcribe_case(
            actor=world.teacher,
            school=world.school,
            channel="paper",
            requester_group="parent",
            requester_name="A",
            **STORY,
        )
    assert "coordinators" in str(refused.value)


# --- The transition table ---------------------------------------------------------------------


def move(user, case, **body):
    return api_as(user).post(f"{API}{case.pk}/move/", body, format="json")


def test_the_coordinator_walks_a_case_through_the_cycle(cases):
    case, coordinator = cases.open_case, cases.principal
    assert move(coordinator, case, to="clarifying").status_code == 200
    assert move(coordinator, case, to="matched").status_code == 200  # it has a community
    at = (timezone.now() + dt.timedelta(days=3)).isoformat()
    response = move(cases.colleague, case, to="scheduled", session_at=at)  # the community's facilitator
    assert response.status_code == 200 and response.json()["stage"] == "scheduled"
    for stage in ("preparing", "in_session", "drafting"):
        assert move(cases.colleague, case, to=stage).status_code == 200, stage
    assert move(cases.colleague, case, to="in_review").status_code == 400  # no draft yet
    services.save_draft(case, actor=cases.colleague, title="Exit tickets", body="Start the ticket earlier.")
    assert move(cases.colleague, case, to="in_review").status_code == 200
    assert move(cases.colleague, case, to="published").status_code == 403  # only a coordinator publishes
    assert move(coordinator, case, to="published").status_code == 200
    assert move(coordinator, case, to="feedback").status_code == 200
    back = move(cases.teacher, case, to="drafting", note="We have no projector in that room.")
    assert back.status_code == 200
    history = api_as(cases.teacher).get(f"{API}{case.pk}/events/").json()["results"]
    assert [e["after"]["stage"] for e in history if e["verb"] == "case.moved"][-2:] == ["feedback", "drafting"]
    assert history[-1]["after"]["note"] == "We have no projector in that room."


@pytest.mark.parametrize(
    ("to", "body", "field"),
    [
        ("declined", {}, "note"),
        ("matched", {}, "group"),
        ("published", {}, "to"),
    ],
)
def test_a_move_without_what_it_needs_or_off_the_table_is_refused(cases, to, body, field):
    case = cases.anonymous_case  # in no community, no group
    response = move(cases.principal, case, to=to, **body)
    assert response.status_code == 400 and field in response.json()
    case.refresh_from_db()
    assert case.stage == "submitted"


def test_scheduling_needs_a_date(cases):
    case = cases.open_case
    services.move(case, actor=cases.principal, to=Stage.MATCHED)
    response = move(cases.principal, case, to="scheduled")
    assert response.status_code == 400 and "session_at" in response.json()


def test_the_requester_may_withdraw_but_not_run_the_case(cases):
    assert move(cases.teacher, cases.open_case, to="clarifying").status_code == 403
    assert move(cases.teacher, cases.open_case, to="withdrawn").status_code == 200
    again = move(cases.teacher, cases.open_case, to="clarifying")
    assert again.status_code == 403  # a withdrawn case moves no more


def test_a_declined_case_tells_the_requester_why(cases, login):
    move(cases.principal, cases.open_case, to="declined", note="This belongs to the counsellor; we passed it on.")
    page = login(cases.teacher).get(cases.open_case.get_absolute_url()).content.decode()
    assert "This belongs to the counsellor; we passed it on." in page


def test_two_people_moving_the_same_card_one_wins_the_other_is_told(cases):
    case = cases.open_case
    first = move(cases.principal, case, to="clarifying", seen_stage="submitted")
    second = move(cases.colleague, case, to="declined", note="dup", seen_stage="submitted")
    assert first.status_code == 200
    assert second.status_code == 409 and "Clarifying" in second.json()["detail"]
    repeated = move(cases.principal, case, to="clarifying")
    assert repeated.status_code == 409
    case.refresh_from_db()
    assert case.stage == "clarifying"


def test_the_page_offers_only_the_moves_the_table_allows(cases, login):
    page = login(cases.teacher).get(cases.open_case.get_absolute_url()).content.decode()
    assert 'value="withdrawn"' in page and 'value="clarifying"' not in page
    page = login(cases.principal).get(cases.open_case.get_absolute_url()).content.decode()
    assert 'value="clarifying"' in page and 'value="declined"' in page
    response = login(cases.principal).post(
        reverse("cases:move", args=[cases.open_case.pk]), {"to": "declined", "note": "", "seen_stage": "submitted"}
    )
    assert response.status_code == 400 and "Say why" in response.content.decode()
    response = login(cases.principal).post(
        reverse("cases:move", args=[cases.open_case.pk]), {"to": "clarifying", "seen_stage": "submitted"}
    )
    assert response.status_code == 302
    assert (
        login(cases.other_teacher)
        .post(reverse("cases:move", args=[cases.open_case.pk]), {"to": "withdrawn"})
        .status_code
        == 404
    )


def test_unknown_stages_and_bad_bodies_are_refused(cases):
    for body in (
        {"to": "finished"},
        {},
        {"to": "declined", "note": "x" * 2001},
        {"to": "scheduled", "session_at": "soon"},
    ):
        assert move(cases.principal, cases.open_case, **body).status_code == 400
    assert api_as(cases.principal).get(API, {"stage": "finished"}).status_code == 400


# --- The access layer and cost ----------------------------------------------------------------


def test_lists_and_actions_agree_for_cases(cases):
    from halqa.accounts.models import User
    from halqa.core import access

    with access.scope():
        for person in User.objects.all():
            granted = {c.pk: case_access.allowed(person, c).names for c in Case.objects.all()}
            for action in case_access.actions:
                listed = set(case_access.rows(person, action).values_list("pk", flat=True))
                assert listed == {pk for pk, names in granted.items() if action in names}, (person, action)


def test_the_list_and_the_case_stay_within_a_fixed_number_of_queries(cases):
    client = api_as(cases.principal)

    def grow():
        for n in range(30):
            case = ask(
                cases.teacher if n % 2 else cases.parent,
                cases.school,
                anonymous=n % 3 == 0,
                types=["theoretical", "motivational"],
            )
            services.move(case, actor=cases.principal, to=Stage.CLARIFYING)

    assert_query_bound(lambda: client.get(API), grow=grow, check=lambda r: r.status_code == 200, ceiling=20)
    assert_query_bound(
        lambda: client.get(f"{API}{cases.open_case.pk}/events/"),
        grow=grow,
        check=lambda r: r.status_code == 200,
        ceiling=15,
    )


# --- Clarification, sorting, feedback -----------------------------------------------------------


def test_the_coordinator_asks_and_the_requester_answers(cases, login):
    case = cases.anonymous_case
    asked = api_as(cases.principal).post(f"{API}{case.pk}/clarifications/", {"body": "Since when?"}, format="json")
    assert asked.status_code == 201 and asked.json()["is_question"] is True
    case.refresh_from_db()
    assert case.stage == "clarifying"  # asking about a new case starts the clarification
    answered = api_as(cases.parent).post(f"{API}{case.pk}/clarifications/", {"body": "Since September."}, format="json")
    assert answered.status_code == 201 and answered.json()["author"] is None  # anonymous stays anonymous
    thread = api_as(cases.principal).get(f"{API}{case.pk}/clarifications/").json()["results"]
    assert [item["body"] for item in thread] == ["Since when?", "Since September."]
    assert not Event.objects.filter(verb=Verb.CASE_ANSWER, actor=cases.parent).exists()
    page = login(cases.parent).get(case.get_absolute_url()).content.decode()
    assert "Since when?" in page and "Answer" in page


def test_who_may_not_ask_or_answer(cases):
    case = cases.open_case
    for who, body in (("other_teacher", "x"), ("student", "x")):
        assert (
            api_as(getattr(cases, who))
            .post(f"{API}{case.pk}/clarifications/", {"body": body}, format="json")
            .status_code
            == 404
        )
    assert api_as(cases.expert).post(f"{API}{case.pk}/clarifications/", {"body": "x"}, format="json").status_code == 403
    for body in ("", " ", "x" * 4001):
        assert (
            api_as(cases.principal).post(f"{API}{case.pk}/clarifications/", {"body": body}, format="json").status_code
            == 400
        )
    assert not case.clarifications.exists()


def test_the_coordinator_sorts_and_assigns_a_case(cases):
    case = cases.anonymous_case
    topic = Topic.objects.get(key="electronic_diary")
    response = api_as(cases.principal).post(
        f"{API}{case.pk}/triage/",
        {"types": ["organizational"], "topics": [topic.pk], "community": cases.community.pk},
        format="json",
    )
    assert response.status_code == 200, response.json()
    body = response.json()
    assert (
        body["types"] == ["organizational"]
        and body["topics"] == [topic.pk]
        and body["community"]["id"] == cases.community.pk
    )
    # the community's members now see it; the parent's name stays hidden from them
    seen = api_as(cases.expert).get(f"{API}{case.pk}/").json()
    assert seen["requester"] is None
    other = CommunityFactory(school=cases.other_school, facilitator=cases.other_teacher)
    refused = api_as(cases.principal).post(f"{API}{case.pk}/triage/", {"community": other.pk}, format="json")
    assert refused.status_code == 400 and "community" in refused.json()
    assert api_as(cases.colleague).post(f"{API}{case.pk}/triage/", {"types": []}, format="json").status_code == 403


def feedback_stage(cases):
    case = cases.open_case
    for stage in ("matched",):
        services.move(case, actor=cases.principal, to=stage)
    services.move(case, actor=cases.principal, to=Stage.SCHEDULED, session_at=timezone.now())
    for stage in (Stage.PREPARING, Stage.IN_SESSION, Stage.DRAFTING, Stage.IN_REVIEW, Stage.PUBLISHED, Stage.FEEDBACK):
        if stage == Stage.IN_REVIEW:
            services.save_draft(case, actor=cases.principal, title="Exit tickets", body="Start the ticket earlier.")
        services.move(case, actor=cases.principal, to=stage)
    return case


def test_cannot_use_it_sends_the_case_back_with_the_reason(cases, login):
    case = feedback_stage(cases)
    answer = {"understood": True, "has_resources": False, "helpful": 2, "can_use": False, "comment": ""}
    refused = api_as(cases.teacher).post(f"{API}{case.pk}/feedback/", answer, format="json")
    assert refused.status_code == 400 and "comment" in refused.json()
    answer["comment"] = "Our room has no projector."
    assert api_as(cases.colleague).post(f"{API}{case.pk}/feedback/", answer, format="json").status_code == 403
    response = api_as(cases.teacher).post(f"{API}{case.pk}/feedback/", answer, format="json")
    assert response.status_code == 201 and response.json()["stage"] == "drafting"
    assert case.feedback.get().comment == "Our room has no projector."


def test_a_usable_solution_closes_the_case_from_the_page(cases, login):
    case = feedback_stage(cases)
    response = login(cases.teacher).post(
        reverse("cases:feedback", args=[case.pk]),
        {"understood": "yes", "has_resources": "yes", "helpful": "5", "can_use": "yes", "comment": ""},
    )
    assert response.status_code == 302
    case.refresh_from_db()
    assert case.stage == "closed" and case.close_reason
    again = api_as(cases.teacher).post(
        f"{API}{case.pk}/feedback/",
        {"understood": True, "has_resources": True, "helpful": 5, "can_use": True},
        format="json",
    )
    assert again.status_code == 400  # feedback only while it is asked for


def test_the_case_page_forms_answer_both_sides(cases, login):
    case = cases.open_case
    assert (
        login(cases.principal).post(reverse("cases:clarify", args=[case.pk]), {"body": "Which class?"}).status_code
        == 302
    )
    assert login(cases.principal).post(reverse("cases:clarify", args=[case.pk]), {"body": ""}).status_code == 400
    assert login(cases.teacher).post(reverse("cases:clarify", args=[case.pk]), {"body": "7B."}).status_code == 302
    assert login(cases.other_teacher).post(reverse("cases:clarify", args=[case.pk]), {"body": "x"}).status_code == 404
    assert (
        login(cases.principal).post(reverse("cases:triage", args=[case.pk]), {"types": ["theoretical"]}).status_code
        == 302
    )
    assert (
        login(cases.teacher).post(reverse("cases:triage", args=[case.pk]), {"types": ["theoretical"]}).status_code
        == 403
    )
    assert login(cases.teacher).post(reverse("cases:feedback", args=[case.pk]), {"helpful": "5"}).status_code == 400
    assert login(cases.other_teacher).post(reverse("cases:feedback", args=[case.pk]), {}).status_code == 404


# --- The working group and matching ---------------------------------------------------------------


def test_matching_ranks_people_with_reasons_and_never_proposes_the_wrong_ones(cases):
    from halqa.accounts.services import update_profile

    case = cases.anonymous_case
    Case.objects.filter(pk=case.pk).update(subject="math", grade="7")
    case.refresh_from_db()
    update_profile(cases.colleague, subjects=["math"], grades=["7"], expertise=["afraid of the board"])
    suggestions = api_as(cases.principal).get(f"{API}{case.pk}/suggestions/").json()
    people = [s["person"] for s in suggestions]
    assert people and people[0] == cases.colleague.pk
    first = suggestions[0]["reasons"]
    assert any("Mathematics" in r for r in first) and any("Grade 7" in r for r in first)
    assert any("afraid of the board" in r for r in first)
    for excluded in (cases.parent, cases.student, cases.other_parent):  # the requester; private people
        assert excluded.pk not in people
    assert api_as(cases.teacher).get(f"{API}{case.pk}/suggestions/").status_code == 404  # may not see it
    assert api_as(cases.parent).get(f"{API}{case.pk}/suggestions/").status_code == 403  # the requester


def test_the_coordinator_forms_the_group_and_a_parent_is_a_full_participant(cases, login):
    case = cases.open_case  # Tala's case
    response = api_as(cases.principal).post(
        f"{API}{case.pk}/members/", {"person": cases.parent.pk, "role": "member"}, format="json"
    )
    assert response.status_code == 201
    assert api_as(cases.parent).get(f"{API}{case.pk}/").status_code == 200  # a full participant now
    assert move(cases.parent, case, to="declined", note="x").status_code == 403  # but not a coordinator
    # a community member who may not see the parent in the directory does not see her in the group
    listed = api_as(cases.expert).get(f"{API}{case.pk}/members/").json()["results"]
    assert cases.parent.pk not in {m["person"] for m in listed}
    whole = api_as(cases.teacher).get(f"{API}{case.pk}/members/").json()["results"]
    assert cases.parent.pk in {m["person"] for m in whole}
    assert (
        api_as(cases.colleague).post(f"{API}{case.pk}/members/", {"person": cases.expert.pk}, format="json").status_code
        == 403
    )
    refused = api_as(cases.principal).post(f"{API}{case.pk}/members/", {"person": cases.other_parent.pk}, format="json")
    assert refused.status_code == 400  # not someone the principal may see
    assert (
        login(cases.principal)
        .post(reverse("cases:add_member", args=[case.pk]), {"person": cases.expert.pk, "role": "expert"})
        .status_code
        == 302
    )
    assert case.members.filter(user=cases.expert, role="expert").exists()
    assert (
        login(cases.teacher).post(reverse("cases:add_member", args=[case.pk]), {"person": cases.expert.pk}).status_code
        == 403
    )
    assert (
        login(cases.other_teacher)
        .post(reverse("cases:add_member", args=[case.pk]), {"person": cases.expert.pk})
        .status_code
        == 404
    )


def test_suggestions_stay_within_a_fixed_number_of_queries(cases):
    from halqa.orgs.tests.seeding import seed_tenfold

    client = api_as(cases.principal)
    url = f"{API}{cases.open_case.pk}/suggestions/"
    assert_query_bound(
        lambda: client.get(url), grow=lambda: seed_tenfold(cases), check=lambda r: r.status_code == 200, ceiling=20
    )


def test_the_case_page_proposes_people_while_the_group_forms_and_later_on_asking(cases, login):
    case = cases.open_case  # submitted: the group is being formed
    assert "Who could help" in login(cases.principal).get(case.get_absolute_url()).content.decode()
    Case.objects.filter(pk=case.pk).update(stage=Stage.PREPARING)
    page = login(cases.principal).get(case.get_absolute_url()).content.decode()
    assert "Who could help" not in page and "?suggest=1" in page
    asked = login(cases.principal).get(case.get_absolute_url(), {"suggest": "1"}).content.decode()
    assert "Who could help" in asked and "?suggest=1" not in asked
    for other in (cases.colleague, cases.teacher):  # the facilitator and the requester do not form groups
        shown = login(other).get(case.get_absolute_url(), {"suggest": "1"}).content.decode()
        assert "Who could help" not in shown and "?suggest=1" not in shown
