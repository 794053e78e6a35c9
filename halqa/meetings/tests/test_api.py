"""/api/v1/meetings/: the same rules as the pages, through the same services: who may list, read,
schedule, change, answer and write minutes (both sides), bad input answered 400 with nothing
changed, times on the organiser's clock, and a list that stays within its queries."""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone
from rest_framework.test import APIClient

from halqa.cases import services as cases
from halqa.cases.models import Case, Stage
from halqa.communities.models import Role, Visibility
from halqa.communities.tests.factories import CommunityFactory
from halqa.core.testing.queries import assert_query_bound
from halqa.meetings import services
from halqa.meetings.models import ActionItem, Meeting, Participant

from .test_pages import grow
from .test_services import STORY, local, when

pytestmark = pytest.mark.django_db
API = "/api/v1/meetings/"


def api_as(user) -> APIClient:
    client = APIClient()
    if user is not None:
        client.force_login(user)
    return client


@pytest.fixture
def a(world):
    w = world
    w.community = CommunityFactory(
        school=w.school,
        visibility=Visibility.MEMBERS,
        facilitator=w.colleague,
        members={Role.MEMBER: [w.expert], Role.GUEST: [w.parent]},
    )
    w.meeting = services.create_meeting(
        actor=w.colleague, community=w.community, title="Exit tickets, together", place="Room 12", **when()
    )
    return w


def body(days=10, **extra) -> dict:
    start = local(days, 15)
    return {
        "title": "Data review",
        "format": "data_review",
        "starts_at": start.isoformat(),
        "ends_at": (start + dt.timedelta(hours=1)).isoformat(),
        "timezone": "Asia/Tehran",
        "place": "Room 3",
        **extra,
    }


@pytest.mark.parametrize(
    ("who", "count"), [("colleague", 1), ("expert", 1), ("parent", 0), ("other_teacher", 0), ("student", 0)]
)
def test_the_list_holds_what_each_may_see(a, who, count):
    answer = api_as(getattr(a, who)).get(API)
    assert answer.status_code == 200
    assert answer.json()["count"] == count


@pytest.mark.parametrize(("who", "status"), [("expert", 200), ("parent", 404), ("other_teacher", 404), (None, 403)])
def test_the_detail_on_both_sides(a, who, status):
    answer = api_as(getattr(a, who) if who else None).get(f"{API}{a.meeting.pk}/")
    assert answer.status_code == status
    if status == 200:
        assert answer.json()["timezone"] == "Asia/Tehran" and "sign_up" in answer.json()["can"]


def test_schedule_a_meeting_on_the_organisers_clock(a):
    answer = api_as(a.colleague).post(
        API, {**body(), "community": a.community.pk, "agenda": [{"title": "Results"}]}, format="json"
    )
    assert answer.status_code == 201, answer.json()
    data = answer.json()
    made = Meeting.objects.get(pk=data["id"])
    assert made.starts_at.astimezone(services.zone("Asia/Tehran")).hour == 15
    assert data["agenda"][0]["title"] == "Results" and data["agenda"][0]["minutes"] == 15
    with_offset = api_as(a.colleague).post(
        API,
        {
            **body(),
            "community": a.community.pk,
            "starts_at": "2026-12-20T10:00:00+00:00",
            "ends_at": "2026-12-20T11:00:00+00:00",
        },
        format="json",
    )
    if abs(dt.datetime(2026, 12, 20, tzinfo=dt.UTC) - timezone.now()) < services.HORIZON:
        assert with_offset.status_code == 201, with_offset.json()
        assert Meeting.objects.get(pk=with_offset.json()["id"]).starts_at.hour == 10


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"timezone": "Mars/Olympus"}, "timezone"),
        ({"ends_at": local(10, 14).isoformat()}, "ends_at"),
        ({"title": "A\u0000B"}, None),
        ({"title": ""}, "title"),
        ({"starts_at": "9999-12-31T23:00:00", "ends_at": "9999-12-31T23:30:00"}, "starts_at"),
        ({"starts_at": "0001-01-01T00:30:00", "ends_at": "0001-01-01T01:00:00"}, "starts_at"),
        ({"place": "", "online_url": ""}, "place"),
        ({"online_url": "ftp://example.org"}, "online_url"),
        ({"case": 1}, "community"),
    ],
)
def test_bad_input_is_refused_with_nothing_changed(a, change, field):
    answer = api_as(a.colleague).post(API, {**body(), "community": a.community.pk, **change}, format="json")
    assert answer.status_code == 400, answer.content
    if field:
        assert field in answer.json()
    assert Meeting.objects.count() == 1


@pytest.mark.parametrize(("who", "status"), [("expert", 403), ("parent", 403), ("other_teacher", 404), (None, 403)])
def test_others_may_not_schedule_or_change(a, who, status):
    client = api_as(getattr(a, who) if who else None)
    assert client.post(API, {**body(), "community": a.community.pk}, format="json").status_code == status
    changed = client.patch(f"{API}{a.meeting.pk}/", {"title": "Mine"}, format="json")
    assert changed.status_code in (403, 404)
    assert client.post(f"{API}{a.meeting.pk}/cancel/", {}, format="json").status_code in (403, 404)
    assert Meeting.objects.get(pk=a.meeting.pk).title == "Exit tickets, together"
    assert Meeting.objects.count() == 1


def test_change_cancel_sign_up_rsvp_prepared(a):
    organiser, member = api_as(a.colleague), api_as(a.expert)
    changed = organiser.patch(
        f"{API}{a.meeting.pk}/", {"place": "Library", "agenda": [{"title": "One", "minutes": 5}]}, format="json"
    )
    assert changed.status_code == 200 and changed.json()["place"] == "Library" and changed.json()["sequence"] == 1
    assert member.post(f"{API}{a.meeting.pk}/sign-up/").json()["mine"] is True
    assert member.post(f"{API}{a.meeting.pk}/rsvp/", {"rsvp": "perhaps"}, format="json").status_code == 400
    assert member.post(f"{API}{a.meeting.pk}/rsvp/", {"rsvp": "maybe"}, format="json").status_code == 200
    assert member.post(f"{API}{a.meeting.pk}/prepared/").status_code == 200
    assert Participant.objects.get(meeting=a.meeting, user=a.expert).prepared_at is not None
    invited = organiser.post(f"{API}{a.meeting.pk}/invite/", {"people": [a.parent.pk]}, format="json")
    assert invited.status_code == 200
    assert api_as(a.parent).get(f"{API}{a.meeting.pk}/").status_code == 200
    assert organiser.post(f"{API}{a.meeting.pk}/invite/", {"people": [999999]}, format="json").status_code == 400
    cancelled = organiser.post(f"{API}{a.meeting.pk}/cancel/", {"reason": "Exams"}, format="json")
    assert cancelled.json()["status"] == "cancelled"
    assert member.post(f"{API}{a.meeting.pk}/rsvp/", {"rsvp": "yes"}, format="json").status_code == 403


def test_attendance_minutes_and_action_items(a):
    services.sign_up(a.meeting, actor=a.expert)
    Meeting.objects.filter(pk=a.meeting.pk).update(
        starts_at=timezone.now() - dt.timedelta(hours=2), ends_at=timezone.now() - dt.timedelta(hours=1)
    )
    organiser, member = api_as(a.colleague), api_as(a.expert)
    base = f"{API}{a.meeting.pk}"
    assert organiser.post(f"{base}/attendance/", {"present": [a.other_teacher.pk]}, format="json").status_code == 400
    assert member.post(f"{base}/attendance/", {"present": [a.expert.pk]}, format="json").status_code == 403
    taken = organiser.post(f"{base}/attendance/", {"present": [a.expert.pk]}, format="json")
    assert taken.status_code == 200
    assert {p["display_name"]: p["attended"] for p in taken.json()["participants"]}[a.expert.display_name] is True
    assert organiser.post(f"{base}/minutes/", {}, format="json").status_code == 400
    minutes = organiser.post(f"{base}/minutes/", {"notes": "Read tickets.", "decisions": "Try it."}, format="json")
    assert minutes.json()["minutes"]["decisions"] == "Try it."
    due = (timezone.localdate() + dt.timedelta(days=4)).isoformat()
    added = organiser.post(
        f"{base}/action-items/", {"text": "Bring tickets", "owner": a.expert.pk, "due_on": due}, format="json"
    )
    assert added.status_code == 201, added.json()
    item = added.json()["id"]
    assert (
        organiser.post(f"{base}/action-items/", {"text": "X", "owner": a.other_teacher.pk}, format="json").status_code
        == 400
    )
    assert api_as(a.other_teacher).post(f"{base}/action-items/{item}/done/").status_code == 404
    assert member.post(f"{base}/action-items/{item}/done/").json()["done_at"] is not None
    assert member.delete(f"{base}/action-items/{item}/done/").json()["done_at"] is None
    assert [i["text"] for i in member.get(f"{base}/action-items/").json()] == ["Bring tickets"]
    assert ActionItem.objects.get().done_at is None


def test_a_case_session_through_the_api(world):
    w = world
    community = CommunityFactory(school=w.school, facilitator=w.colleague)
    case = cases.submit_case(actor=w.teacher, school=w.school, **STORY)
    cases.triage(case, actor=w.principal, community=community, assign=True)
    cases.add_to_group(case, actor=w.principal, person=w.colleague, role="lead")
    cases.move(Case.objects.get(pk=case.pk), actor=w.principal, to=Stage.MATCHED)
    assert api_as(w.teacher).post(API, {**body(), "case": case.pk}, format="json").status_code == 403
    assert api_as(w.other_teacher).post(API, {**body(), "case": case.pk}, format="json").status_code == 404
    made = api_as(w.colleague).post(API, {**body(), "case": case.pk}, format="json")
    assert made.status_code == 201, made.json()
    assert made.json()["format"] == "case_session" and made.json()["case"]["id"] == case.pk
    assert Case.objects.get(pk=case.pk).stage == Stage.SCHEDULED
    assert api_as(w.teacher).get(f"{API}{made.json()['id']}/").status_code == 200
    assert api_as(w.other_teacher).get(f"{API}{made.json()['id']}/").status_code == 404


def test_the_list_stays_within_its_queries(a):
    services.sign_up(a.meeting, actor=a.expert)
    client = api_as(a.expert)
    assert_query_bound(
        lambda: client.get(API),
        grow=grow(a),
        check=lambda r: r.status_code == 200,
        check_after=lambda r: r.json()["count"] == 11,
    )


@pytest.mark.parametrize("query", ["?case=", "?community=x", "?when=soon", "?mine=perhaps"])
def test_a_filter_that_is_not_one_is_refused(a, query):
    assert api_as(a.expert).get(f"{API}{query}").status_code == 400
