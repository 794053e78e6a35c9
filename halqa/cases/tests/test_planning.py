"""Planning a case (issue 11: reverse planning, critical chain, risks and resources), the school's
working calendar and the community's planning defaults: services, pages and API, both sides of
every permission, bad input, and query bounds."""

from __future__ import annotations

import datetime as dt

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone
from rest_framework.test import APIClient

from halqa.cases import planning, services
from halqa.cases.models import Case, CaseMember, Risk, Stage
from halqa.communities.models import Role
from halqa.communities.planning import set_stage_days, stage_days_for
from halqa.communities.tests.factories import CommunityFactory
from halqa.core.testing.queries import assert_query_bound
from halqa.events.models import Event, Verb
from halqa.orgs import services as orgs
from halqa.orgs.models import Holiday

pytestmark = pytest.mark.django_db

API = "/api/v1/cases/"
STORY = {
    "title": "Grade 7 will not start the exit ticket",
    "what_happened": "Half the class does not write the exit ticket.",
    "help_wanted": "How do colleagues get every student to write something?",
    "language": "en",
}
OUTSIDERS = ["other_teacher", "other_parent", "foreign_teacher", "student", "parent"]


def api_as(user) -> APIClient:
    client = APIClient()
    if user is not None:
        client.force_login(user)
    return client


def far(days: int = 90) -> dt.date:
    return timezone.localdate() + dt.timedelta(days=days)


@pytest.fixture
def cases(world):
    """Tala's case, in the community Cyrus facilitates (Eve a member, Sami the student a guest)."""
    w = world
    w.case = services.submit_case(actor=w.teacher, school=w.school, **STORY)
    w.community = CommunityFactory(
        school=w.school, facilitator=w.colleague, members={Role.GUEST: [w.student], Role.MEMBER: [w.expert]}
    )
    Case.objects.filter(pk=w.case.pk).update(community=w.community)
    w.case.refresh_from_db()
    return w


def plan_url(case) -> str:
    return f"{API}{case.pk}/plan/"


# --- The service ------------------------------------------------------------------------------


def test_the_coordinator_plans_back_from_the_target_and_the_event_is_recorded(cases):
    case = services.plan(cases.case, actor=cases.principal, target_date=far())
    assert case.target_date == far()
    assert list(case.due_dates) == list(planning.PLANNED_STAGES)
    assert case.buffer_days == sum(planning.DEFAULT_DAYS.values()) - sum(
        planning.lean(d) for d in planning.DEFAULT_DAYS.values()
    )
    event = Event.objects.get(verb=Verb.CASE_PLANNED, target_id=case.pk)
    assert event.actor == cases.principal
    assert event.after["target_date"] == far().isoformat() and event.after["due_dates"] == case.due_dates
    assert services.chain_start(case) == dt.date.fromisoformat(event.after["chain_start"])


def test_planning_uses_the_schools_weekend_and_holidays_and_the_communitys_durations(cases):
    school = cases.school
    orgs.update_school(school, actor=cases.principal, weekend="sat_sun")
    start = far(20)
    orgs.add_holiday(school, actor=cases.principal, name="Spring break", starts=start, ends=start + dt.timedelta(9))
    set_stage_days(cases.community, actor=cases.colleague, days={**stage_days_for(cases.community), "drafting": 20})
    case = services.plan(cases.case, actor=cases.colleague, target_date=far(120))
    dues = planning.parse_due_dates(case.due_dates)
    assert all(day.weekday() not in (5, 6) for day in dues.values())
    assert not any(start <= day <= start + dt.timedelta(9) for day in dues.values())
    calendar = services.calendar_for(school)
    assert calendar.between(dues["in_session"], dues["drafting"]) == 10  # lean: half of 20


def test_re_planning_replaces_the_plan_when_the_target_changes(cases):
    first = services.plan(cases.case, actor=cases.principal, target_date=far(90))
    second = services.plan(first, actor=cases.principal, target_date=far(120))
    assert second.due_dates["feedback"] > first.due_dates["feedback"]
    assert Event.objects.filter(verb=Verb.CASE_PLANNED, target_id=second.pk).count() == 2
    latest = Event.objects.filter(verb=Verb.CASE_PLANNED).latest("at", "id")
    assert latest.before["target_date"] == far(90).isoformat()


def test_a_plan_that_does_not_fit_is_refused_with_the_earliest_date_and_nothing_changes(cases):
    from django.core.exceptions import ValidationError

    with pytest.raises(ValidationError) as refused:
        services.plan(cases.case, actor=cases.principal, target_date=far(10))
    assert "The plan does not fit" in str(refused.value)
    cases.case.refresh_from_db()
    assert cases.case.due_dates == {} and cases.case.target_date is None
    assert not Event.objects.filter(verb=Verb.CASE_PLANNED).exists()


def test_the_refusal_is_translated(cases, settings):
    from django.utils import translation

    response = None
    with translation.override("ar"):
        response = api_as(cases.principal).post(
            plan_url(cases.case), {"target_date": far(10).isoformat()}, format="json", HTTP_ACCEPT_LANGUAGE="ar"
        )
    assert response.status_code == 400
    assert "target_date" in response.json()


# --- Overdue ----------------------------------------------------------------------------------


def test_overdue_is_flagged_on_the_case_page_the_api_and_the_coordinators_queue(cases, login):
    planned_on = timezone.localdate() - dt.timedelta(days=30)
    services.plan(cases.case, actor=cases.principal, target_date=planned_on + dt.timedelta(days=62), today=planned_on)
    case = Case.objects.get(pk=cases.case.pk)
    assert planning.is_overdue(case.stage, case.due_dates, timezone.localdate())
    page = login(cases.principal).get(case.get_absolute_url()).content.decode()
    assert "Overdue" in page
    body = api_as(cases.teacher).get(f"{API}{case.pk}/").json()
    assert body["overdue"] is True and body["buffer"]["zone"] in ("yellow", "red")
    queue = login(cases.principal).get(reverse("cases:list")).content.decode()
    assert "Overdue" in queue


def test_a_case_on_time_is_not_overdue(cases, login):
    services.plan(cases.case, actor=cases.principal, target_date=far())
    body = api_as(cases.principal).get(f"{API}{cases.case.pk}/").json()
    assert body["overdue"] is False and body["buffer"]["zone"] == "green"
    assert body["buffer"]["label"] == "On track"
    assert "Overdue" not in login(cases.principal).get(reverse("cases:list")).content.decode()


# --- Who may plan -----------------------------------------------------------------------------


@pytest.mark.parametrize("who", ["principal", "colleague"])
def test_the_coordinators_and_the_group_plan_through_the_api(cases, who):
    response = api_as(getattr(cases, who)).post(plan_url(cases.case), {"target_date": far().isoformat()}, format="json")
    assert response.status_code == 200, response.json()
    body = response.json()
    assert body["target_date"] == far().isoformat() and set(body["due_dates"]) == set(planning.PLANNED_STAGES)
    assert body["buffer_days"] > 0 and body["buffer"]["zone"] == "green"


def test_a_working_group_member_plans_too(cases):
    CaseMember.objects.create(case=cases.case, user=cases.other_teacher)
    response = api_as(cases.other_teacher).post(plan_url(cases.case), {"target_date": far().isoformat()}, format="json")
    assert response.status_code == 200


def test_the_requester_sees_the_plan_but_does_not_change_it(cases, login):
    services.plan(cases.case, actor=cases.principal, target_date=far())
    client = api_as(cases.teacher)
    assert client.get(f"{API}{cases.case.pk}/").json()["due_dates"]
    response = client.post(plan_url(cases.case), {"target_date": far(100).isoformat()}, format="json")
    assert response.status_code == 403
    page = login(cases.teacher).get(cases.case.get_absolute_url()).content.decode()
    assert 'id="plan-h"' in page and reverse("cases:plan", args=[cases.case.pk]) not in page
    assert (
        login(cases.teacher).post(reverse("cases:plan", args=[cases.case.pk]), {"target_date": far(100)}).status_code
        == 403
    )
    cases.case.refresh_from_db()
    assert cases.case.target_date == far()


def test_a_community_member_outside_the_group_may_not_plan(cases):
    response = api_as(cases.expert).post(plan_url(cases.case), {"target_date": far().isoformat()}, format="json")
    assert response.status_code == 403


@pytest.mark.parametrize("who", OUTSIDERS)
def test_people_outside_the_case_hear_it_does_not_exist(cases, login, who):
    person = getattr(cases, who)
    client = api_as(person)
    assert client.post(plan_url(cases.case), {"target_date": far().isoformat()}, format="json").status_code == 404
    assert client.get(f"{API}{cases.case.pk}/risks/").status_code == 404
    assert client.post(f"{API}{cases.case.pk}/risks/", {"description": "x"}, format="json").status_code == 404
    assert login(person).post(reverse("cases:plan", args=[cases.case.pk]), {"target_date": far()}).status_code == 404
    assert login(person).post(reverse("cases:risk_add", args=[cases.case.pk]), {"description": "x"}).status_code == 404
    assert not Event.objects.filter(verb__in=[Verb.CASE_PLANNED, Verb.CASE_RISK_ADDED]).exists()


def test_a_closed_case_is_not_planned(cases):
    services.move(cases.case, actor=cases.teacher, to=Stage.WITHDRAWN)
    response = api_as(cases.principal).post(plan_url(cases.case), {"target_date": far().isoformat()}, format="json")
    assert response.status_code == 403


@pytest.mark.parametrize(
    "target",
    [
        "2020-01-01",  # past
        (timezone.localdate()).isoformat(),  # today
        "9999-12-31",  # far too far
        "10000-01-01",
        "not a date",
        "2027-02-30",
        "2027-01-01\x00",
        "",
        None,
        12,
    ],
)
def test_a_bad_target_is_refused_and_nothing_changes(cases, target):
    response = api_as(cases.principal).post(plan_url(cases.case), {"target_date": target}, format="json")
    assert response.status_code == 400, response.content
    cases.case.refresh_from_db()
    assert cases.case.due_dates == {} and cases.case.buffer_days == 0
    assert not Event.objects.filter(verb=Verb.CASE_PLANNED).exists()


def test_the_plan_form_on_the_page(cases, login):
    client = login(cases.principal)
    url = reverse("cases:plan", args=[cases.case.pk])
    bad = client.post(url, {"target_date": "2020-01-01"})
    assert bad.status_code == 400 and "Choose a target date after today." in bad.content.decode()
    nul = client.post(url, {"target_date": "2030-01-01\x00"})
    assert nul.status_code == 400
    assert client.post(url, {"target_date": far().isoformat()}).status_code == 302
    page = client.get(cases.case.get_absolute_url()).content.decode()
    assert "Plan again" in page and "buffer-green" in page and "On track" in page


# --- Risks and resources ----------------------------------------------------------------------


def test_the_group_names_risks_and_resources_with_owners_and_marks_them_handled(cases):
    client = api_as(cases.colleague)
    url = f"{API}{cases.case.pk}/risks/"
    response = client.post(
        url, {"kind": "risk", "description": "Mid-term exams", "owner": cases.principal.pk}, format="json"
    )
    assert response.status_code == 201, response.json()
    risk = response.json()
    assert risk["owner"] == cases.principal.pk and risk["owner_name"] == cases.principal.display_name
    assert risk["status"] == "open"
    response = client.post(url, {"kind": "resource", "description": "The question bank"}, format="json")
    assert response.status_code == 201 and response.json()["owner"] is None
    assert [r["kind"] for r in api_as(cases.teacher).get(url).json()["results"]] == ["risk", "resource"]
    handled = client.post(f"{url}{risk['id']}/handled/")
    assert handled.status_code == 200 and handled.json()["status"] == "handled"
    verbs = list(
        Event.objects.filter(target_id=cases.case.pk, verb__startswith="case.risk")
        .order_by("at", "id")
        .values_list("verb", flat=True)
    )
    assert verbs == [Verb.CASE_RISK_ADDED, Verb.CASE_RISK_ADDED, Verb.CASE_RISK_HANDLED]


def test_a_risk_owner_is_someone_of_the_group_or_a_coordinator(cases):
    url = f"{API}{cases.case.pk}/risks/"
    for outsider in (cases.other_teacher, cases.parent, cases.expert):
        response = api_as(cases.principal).post(url, {"description": "x", "owner": outsider.pk}, format="json")
        assert response.status_code == 400, outsider
    assert not Risk.objects.exists()
    owners = set(services.risk_owners(cases.case))
    assert cases.principal in owners and cases.colleague in owners and cases.expert not in owners
    CaseMember.objects.create(case=cases.case, user=cases.expert)
    assert cases.expert in set(services.risk_owners(cases.case))


@pytest.mark.parametrize(
    "body",
    [
        {"description": ""},
        {"description": "   "},
        {"description": "x" * 501},
        {"description": "a\x00b"},
        {"description": "x", "kind": "danger"},
        {"description": "x", "owner": 10**12},
        {"description": "x", "owner": "me"},
    ],
)
def test_bad_risks_are_refused(cases, body):
    response = api_as(cases.principal).post(f"{API}{cases.case.pk}/risks/", body, format="json")
    assert response.status_code == 400
    assert not Risk.objects.exists()


def test_the_requester_reads_the_risks_but_does_not_keep_them(cases, login):
    risk = services.add_risk(cases.case, actor=cases.principal, description="Exams", owner=cases.colleague)
    client = api_as(cases.teacher)
    assert client.get(f"{API}{cases.case.pk}/risks/").status_code == 200
    assert client.post(f"{API}{cases.case.pk}/risks/", {"description": "x"}, format="json").status_code == 403
    assert client.post(f"{API}{cases.case.pk}/risks/{risk.pk}/handled/").status_code == 403
    page = login(cases.teacher).get(cases.case.get_absolute_url()).content.decode()
    assert "Exams" in page and "Mark handled" not in page
    assert login(cases.teacher).post(reverse("cases:risk_handled", args=[cases.case.pk, risk.pk])).status_code == 403
    risk.refresh_from_db()
    assert risk.status == "open"


def test_a_risk_of_another_case_is_not_found(cases):
    other = services.submit_case(actor=cases.colleague, school=cases.school, **STORY)
    risk = services.add_risk(other, actor=cases.principal, description="Elsewhere")
    response = api_as(cases.principal).post(f"{API}{cases.case.pk}/risks/{risk.pk}/handled/")
    assert response.status_code == 404


def test_risks_on_the_page(cases, login):
    client = login(cases.colleague)
    response = client.post(
        reverse("cases:risk_add", args=[cases.case.pk]),
        {"kind": "resource", "description": "Question bank", "owner": cases.principal.pk},
    )
    assert response.status_code == 302
    risk = Risk.objects.get()
    assert (risk.kind, risk.owner) == ("resource", cases.principal)
    bad = client.post(reverse("cases:risk_add", args=[cases.case.pk]), {"kind": "risk", "description": ""})
    assert bad.status_code == 400
    foreign = client.post(
        reverse("cases:risk_add", args=[cases.case.pk]), {"description": "x", "owner": cases.other_teacher.pk}
    )
    assert foreign.status_code == 400
    assert client.post(reverse("cases:risk_handled", args=[cases.case.pk, risk.pk])).status_code == 302
    risk.refresh_from_db()
    assert risk.status == "handled"
    assert "<s>" in client.get(cases.case.get_absolute_url()).content.decode()


# --- The school's working calendar -----------------------------------------------------------


def test_the_schools_leaders_keep_its_holidays_on_a_page(cases, login):
    client = login(cases.principal)
    url = reverse("orgs:school_holidays", args=[cases.school.pk])
    assert client.get(url).status_code == 200
    response = client.post(url, {"name": "Eid", "starts": "2027-03-20", "ends": "2027-03-23"})
    assert response.status_code == 302
    holiday = Holiday.objects.get()
    assert (holiday.starts, holiday.ends, holiday.created_by) == (
        dt.date(2027, 3, 20),
        dt.date(2027, 3, 23),
        cases.principal,
    )
    assert Event.objects.filter(verb=Verb.SCHOOL_HOLIDAY_ADDED, school=cases.school.pk).exists()
    assert "Eid" in client.get(url).content.decode()
    delete = reverse("orgs:holiday_delete", args=[cases.school.pk, holiday.pk])
    assert client.post(delete).status_code == 302
    assert not Holiday.objects.exists()
    assert Event.objects.filter(verb=Verb.SCHOOL_HOLIDAY_REMOVED).exists()


@pytest.mark.parametrize(
    "data",
    [
        {"name": "", "starts": "2027-03-20"},
        {"name": "Eid", "starts": ""},
        {"name": "Eid", "starts": "2027-03-20", "ends": "2027-03-19"},
        {"name": "Eid", "starts": "2027-01-01", "ends": "2027-12-31"},  # longer than a term break
        {"name": "Eid", "starts": "2090-01-01"},
        {"name": "x" * 121, "starts": "2027-03-20"},
        {"name": "E\x00id", "starts": "2027-03-20"},
    ],
)
def test_bad_holidays_are_refused(cases, login, data):
    response = login(cases.principal).post(reverse("orgs:school_holidays", args=[cases.school.pk]), data)
    assert response.status_code == 400
    api = api_as(cases.principal).post(f"/api/v1/schools/{cases.school.pk}/holidays/", data, format="json")
    assert api.status_code == 400
    assert not Holiday.objects.exists()


@pytest.mark.parametrize("who", ["teacher", "other_principal", "parent", "foreign_principal"])
def test_only_the_schools_leaders_keep_its_holidays(cases, login, who):
    person = getattr(cases, who)
    holiday = orgs.add_holiday(cases.school, actor=cases.principal, name="Eid", starts=far(5))
    page = reverse("orgs:school_holidays", args=[cases.school.pk])
    assert login(person).get(page).status_code == 403
    assert login(person).post(page, {"name": "Mine", "starts": far(6).isoformat()}).status_code == 403
    assert login(person).post(reverse("orgs:holiday_delete", args=[cases.school.pk, holiday.pk])).status_code == 403
    api = api_as(person)
    url = f"/api/v1/schools/{cases.school.pk}/holidays/"
    assert api.get(url).status_code == 200  # a school's calendar is no secret
    assert api.post(url, {"name": "Mine", "starts": far(6).isoformat()}, format="json").status_code == 403
    assert api.delete(f"{url}{holiday.pk}/").status_code == 403
    assert list(Holiday.objects.values_list("name", flat=True)) == ["Eid"]


def test_the_holidays_api(cases):
    client = api_as(cases.district_admin)
    url = f"/api/v1/schools/{cases.school.pk}/holidays/"
    response = client.post(url, {"name": "Nowruz", "starts": "2027-03-20", "ends": "2027-04-02"}, format="json")
    assert response.status_code == 201, response.json()
    created = response.json()
    assert created["ends"] == "2027-04-02"
    assert [h["name"] for h in client.get(url).json()["results"]] == ["Nowruz"]
    other = orgs.add_holiday(cases.other_school, actor=cases.district_admin, name="Elsewhere", starts=far(3))
    assert client.delete(f"{url}{other.pk}/").status_code == 404  # not this school's
    assert client.delete(f"{url}{created['id']}/").status_code == 204
    assert client.delete(f"{url}{created['id']}/").status_code == 404


def test_the_weekend_is_set_on_the_school_edit_page_and_in_the_api(cases, login):
    assert cases.school.weekend == "fri_sat"  # the default
    page = login(cases.principal).get(reverse("orgs:school_edit", args=[cases.school.pk])).content.decode()
    assert 'name="weekend"' in page
    response = api_as(cases.principal).patch(f"/api/v1/schools/{cases.school.pk}/", {"weekend": "fri"}, format="json")
    assert response.status_code == 200 and response.json()["weekend"] == "fri"
    bad = api_as(cases.principal).patch(f"/api/v1/schools/{cases.school.pk}/", {"weekend": "sun"}, format="json")
    assert bad.status_code == 400
    refused = api_as(cases.teacher).patch(f"/api/v1/schools/{cases.school.pk}/", {"weekend": "sat_sun"}, format="json")
    assert refused.status_code == 403
    cases.school.refresh_from_db()
    assert cases.school.weekend == "fri"


# --- The community's planning defaults ---------------------------------------------------------


def test_the_facilitators_set_the_communitys_durations(cases, login):
    url = reverse("communities:planning", args=[cases.community.pk])
    client = login(cases.colleague)
    assert client.get(url).status_code == 200
    data = {**stage_days_for(cases.community), "drafting": 14, "feedback": 10}
    assert client.post(url, data).status_code == 302
    cases.community.refresh_from_db()
    assert cases.community.stage_days == {"drafting": 14}  # the defaults are not stored
    assert stage_days_for(cases.community)["drafting"] == 14
    event = Event.objects.filter(verb=Verb.COMMUNITY_UPDATED, community=cases.community.pk).latest("at", "id")
    assert event.before == {"stage_days": {"drafting": 10}} and event.after == {"stage_days": {"drafting": 14}}


@pytest.mark.parametrize("value", ["-1", "61", "ten", "", "1\x00"])
def test_bad_durations_are_refused(cases, login, value):
    url = reverse("communities:planning", args=[cases.community.pk])
    data = {**stage_days_for(cases.community), "drafting": value}
    assert login(cases.colleague).post(url, data).status_code == 400
    cases.community.refresh_from_db()
    assert cases.community.stage_days == {}


@pytest.mark.parametrize(("who", "status"), [("expert", 403), ("teacher", 403), ("foreign_teacher", 404)])
def test_others_may_not_change_the_durations(cases, login, who, status):
    url = reverse("communities:planning", args=[cases.community.pk])
    client = login(getattr(cases, who))
    assert client.get(url).status_code == status
    assert client.post(url, {**stage_days_for(cases.community), "drafting": 1}).status_code == status
    cases.community.refresh_from_db()
    assert cases.community.stage_days == {}


# --- Query bounds --------------------------------------------------------------------------------


def test_the_case_page_and_the_api_stay_within_a_fixed_number_of_queries(cases, client):
    services.plan(cases.case, actor=cases.principal, target_date=far())
    client.force_login(cases.principal)
    api = api_as(cases.principal)

    def grow():
        for n in range(10):
            services.add_risk(cases.case, actor=cases.principal, description=f"Risk {n}", owner=cases.colleague)
            orgs.add_holiday(cases.school, actor=cases.principal, name=f"Day {n}", starts=far(3 + n))
            CaseMember.objects.get_or_create(case=cases.case, user=cases.other_teacher)
            # The records of stages 4–6 (preparation list, session notes, draft versions) grow too.
            services.add_preparation_item(cases.case, actor=cases.principal, title=f"Source {n}", url="https://a.org")
            services.add_session_note(cases.case, actor=cases.colleague, held_at=timezone.now(), discussed=f"Notes {n}")
            services.save_draft(cases.case, actor=cases.colleague, title="Draft", body=f"Body {n}", change_note=f"v{n}")
        services.plan(cases.case, actor=cases.principal, target_date=far(120))

    assert_query_bound(
        lambda: client.get(cases.case.get_absolute_url()), grow=grow, check=lambda r: r.status_code == 200
    )
    colleague = Client()
    colleague.force_login(cases.colleague)  # a contributor: the forms and who is prepared
    assert_query_bound(
        lambda: colleague.get(cases.case.get_absolute_url()), grow=grow, check=lambda r: r.status_code == 200
    )
    assert_query_bound(
        lambda: api.get(f"{API}{cases.case.pk}/"), grow=grow, check=lambda r: r.status_code == 200, ceiling=20
    )
    assert_query_bound(
        lambda: api.get(f"{API}{cases.case.pk}/risks/"), grow=grow, check=lambda r: r.status_code == 200, ceiling=15
    )
    assert_query_bound(
        lambda: client.get(reverse("orgs:school_holidays", args=[cases.school.pk])),
        grow=grow,
        check=lambda r: r.status_code == 200,
    )


def test_the_queue_stays_within_a_fixed_number_of_queries_with_plans(cases, client):
    client.force_login(cases.principal)

    def grow():
        for n in range(10):
            case = services.submit_case(actor=cases.teacher, school=cases.school, **{**STORY, "title": f"Case {n}"})
            services.plan(case, actor=cases.principal, target_date=far(90 + n))

    assert_query_bound(lambda: client.get(reverse("cases:list")), grow=grow, check=lambda r: r.status_code == 200)
