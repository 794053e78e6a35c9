"""The meeting pages: who sees them (404 for whoever may not know a meeting exists), scheduling
through the form with bad input answered 400 and nothing saved, sign-up from the community page,
minutes and action items through the page, my action items on the home page, and query bounds."""

from __future__ import annotations

import datetime as dt

import pytest
from django.urls import reverse
from django.utils import timezone

from halqa.cases import services as cases
from halqa.cases.models import Case, Stage
from halqa.communities.models import Role, Visibility
from halqa.communities.tests.factories import CommunityFactory, CommunityMembershipFactory
from halqa.core.testing.queries import assert_query_bound
from halqa.meetings import services
from halqa.meetings.models import ActionItem, Meeting, Participant, Rsvp

from .test_services import STORY, local, when

pytestmark = pytest.mark.django_db


@pytest.fixture
def p(world):
    w = world
    w.community = CommunityFactory(
        school=w.school,
        visibility=Visibility.MEMBERS,
        facilitator=w.colleague,
        members={Role.MEMBER: [w.expert], Role.GUEST: [w.parent]},
    )
    w.meeting = services.create_meeting(
        actor=w.colleague,
        community=w.community,
        title="Exit tickets, together",
        place="Room 12",
        agenda=[{"title": "Round of stories", "minutes": 20}],
        **when(),
    )
    return w


def form_time(days: int, hour: int) -> str:
    return local(days, hour).strftime("%Y-%m-%dT%H:%M")


@pytest.mark.parametrize(
    ("who", "status"),
    [("colleague", 200), ("expert", 200), ("parent", 404), ("teacher", 404), ("other_teacher", 404), ("student", 404)],
)
def test_who_sees_the_meeting_page(p, login, who, status):
    answer = login(getattr(p, who)).get(p.meeting.get_absolute_url())
    assert answer.status_code == status
    if status == 200:
        assert "Round of stories" in answer.content.decode()


def test_anonymous_is_sent_to_sign_in(client, p):
    answer = client.get(p.meeting.get_absolute_url())
    assert answer.status_code == 302 and "login" in answer["Location"]


def test_a_member_signs_up_from_the_community_page(p, login):
    client = login(p.expert)
    page = client.get(p.community.get_absolute_url()).content.decode()
    assert "Exit tickets, together" in page and reverse("meetings:sign_up", args=[p.meeting.pk]) in page
    answer = client.post(reverse("meetings:sign_up", args=[p.meeting.pk]))
    assert answer.status_code == 302
    assert Participant.objects.get(meeting=p.meeting, user=p.expert).rsvp == Rsvp.YES
    # A guest sees neither the meeting on the page nor may sign up.
    guest = login(p.parent)
    assert "Exit tickets, together" not in guest.get(p.community.get_absolute_url()).content.decode()
    assert guest.post(reverse("meetings:sign_up", args=[p.meeting.pk])).status_code == 404


def test_the_facilitator_schedules_through_the_form(p, login):
    client = login(p.colleague)
    url = reverse("meetings:new_for_community", args=[p.community.pk])
    assert client.get(url).status_code == 200
    fields = {
        "title": "Lesson study: fractions",
        "format": "lesson_study",
        "starts_at": form_time(10, 15),
        "ends_at": form_time(10, 17),
        "timezone": "Europe/Moscow",
        "place": "Library",
        "announced": "on",
    }
    answer = client.post(url, fields)
    assert answer.status_code == 302
    made = Meeting.objects.get(title="Lesson study: fractions")
    assert made.timezone == "Europe/Moscow" and made.starts_at.astimezone(services.zone("Europe/Moscow")).hour == 15


@pytest.mark.parametrize(
    "bad",
    [
        {"timezone": "Nowhere/Land"},
        {"ends_at": form_time(10, 14)},
        {"starts_at": "not a date"},
        {"starts_at": form_time(900, 15), "ends_at": form_time(900, 16)},
        {"title": "x" * 300},
        {"place": "", "online_url": ""},
    ],
)
def test_bad_input_on_the_form_answers_400_and_saves_nothing(p, login, bad):
    client = login(p.colleague)
    fields = {
        "title": "Bad one",
        "format": "seminar",
        "starts_at": form_time(10, 15),
        "ends_at": form_time(10, 17),
        "timezone": "Asia/Tehran",
        "place": "Library",
        **bad,
    }
    answer = client.post(reverse("meetings:new_for_community", args=[p.community.pk]), fields)
    assert answer.status_code == 400
    assert "Please correct the errors below." in answer.content.decode()
    assert not Meeting.objects.exclude(pk=p.meeting.pk).exists()


@pytest.mark.parametrize(("who", "status"), [("expert", 403), ("parent", 403), ("other_teacher", 404)])
def test_others_may_not_schedule_or_change(p, login, who, status):
    client = login(getattr(p, who))
    assert client.get(reverse("meetings:new_for_community", args=[p.community.pk])).status_code == status
    edit = client.post(reverse("meetings:edit", args=[p.meeting.pk]), {"title": "Mine"})
    assert edit.status_code in (403, 404)
    assert client.post(reverse("meetings:cancel", args=[p.meeting.pk])).status_code in (403, 404)
    assert Meeting.objects.get(pk=p.meeting.pk).title == "Exit tickets, together"


def test_minutes_and_action_items_through_the_page_reach_the_home_page(p, login):
    services.sign_up(p.meeting, actor=p.expert)
    Meeting.objects.filter(pk=p.meeting.pk).update(
        starts_at=timezone.now() - dt.timedelta(hours=2), ends_at=timezone.now() - dt.timedelta(hours=1)
    )
    client = login(p.colleague)
    url = reverse("meetings:minutes", args=[p.meeting.pk])
    assert client.post(url, {"notes": "", "decisions": ""}).status_code == 400
    assert client.post(url, {"notes": "We read tickets.", "decisions": "Try oral tickets."}).status_code == 302
    attendance = client.post(reverse("meetings:attendance", args=[p.meeting.pk]), {"present": [str(p.expert.pk)]})
    assert attendance.status_code == 302
    due = (timezone.localdate() + dt.timedelta(days=5)).isoformat()
    added = client.post(
        reverse("meetings:action_add", args=[p.meeting.pk]),
        {"text": "Bring five tickets", "owner": str(p.expert.pk), "due_on": due},
    )
    assert added.status_code == 302
    item = ActionItem.objects.get()
    expert = login(p.expert)
    home = expert.get("/").content.decode()
    assert "Bring five tickets" in home
    done = expert.post(reverse("meetings:action_done", args=[p.meeting.pk, item.pk]), {"done": "1", "next": "home"})
    assert done.status_code == 302
    assert ActionItem.objects.get().done_at is not None
    assert "Bring five tickets" not in expert.get("/").content.decode()


def test_a_case_session_page_shows_the_cases_preparation_list(world, login):
    w = world
    w.community = CommunityFactory(school=w.school, facilitator=w.colleague)
    case = cases.submit_case(actor=w.teacher, school=w.school, **STORY)
    cases.triage(case, actor=w.principal, community=w.community, assign=True)
    cases.add_to_group(case, actor=w.principal, person=w.colleague, role="lead")
    case = cases.move(Case.objects.get(pk=case.pk), actor=w.principal, to=Stage.MATCHED)
    cases.add_preparation_item(case, actor=w.colleague, title="Wiliam, Embedded formative assessment")
    client = login(w.colleague)
    answer = client.post(
        reverse("meetings:new_for_case", args=[case.pk]),
        {
            "title": "Session",
            "starts_at": form_time(3, 16),
            "ends_at": form_time(3, 18),
            "timezone": "Asia/Tehran",
            "online_url": "https://meet.example.org/abc",
            "announced": "on",
        },
    )
    assert answer.status_code == 302
    session = Meeting.objects.get(case=case)
    assert Case.objects.get(pk=case.pk).stage == Stage.SCHEDULED
    page = login(w.teacher).get(session.get_absolute_url()).content.decode()
    assert "Wiliam, Embedded formative assessment" in page
    assert login(w.other_teacher).get(session.get_absolute_url()).status_code == 404
    assert login(w.teacher).get(reverse("meetings:new_for_case", args=[case.pk])).status_code == 403
    # The case page lists the session for who may see it, and offers scheduling to the group.
    assert session.title in login(w.teacher).get(case.get_absolute_url()).content.decode()
    group_page = login(w.colleague).get(case.get_absolute_url()).content.decode()
    assert reverse("meetings:new_for_case", args=[case.pk]) in group_page
    assert (
        reverse("meetings:new_for_case", args=[case.pk])
        not in login(w.teacher).get(case.get_absolute_url()).content.decode()
    )


# --- Query bounds ------------------------------------------------------------------------------------


def grow(w):
    """Ten more meetings, each with people coming, an agenda and action items for the expert."""

    def more():
        for n in range(10):
            meeting = services.create_meeting(
                actor=w.colleague,
                community=w.community,
                title=f"Meeting {n}",
                place="Room",
                agenda=[{"title": f"Item {i}"} for i in range(3)],
                **when(days=3 + n),
            )
            services.sign_up(meeting, actor=w.expert)
            services.invite(meeting, actor=w.colleague, people=[w.parent, w.teacher])
            for i in range(2):
                ActionItem.objects.create(meeting=meeting, text=f"Do {n}.{i}", owner=w.expert)
            Participant.objects.filter(meeting=w.meeting).exclude(user=w.colleague).delete()
            services.invite(w.meeting, actor=w.colleague, people=[w.parent, w.teacher, w.other_teacher])

    return more


def test_the_meeting_list_stays_within_its_queries(p, login):
    services.sign_up(p.meeting, actor=p.expert)
    client = login(p.expert)
    assert_query_bound(
        lambda: client.get(reverse("meetings:list")),
        grow=grow(p),
        check=lambda r: r.status_code == 200,
        check_after=lambda r: "Meeting 9" in r.content.decode(),
    )


def test_the_meeting_page_stays_within_its_queries(p, login):
    services.sign_up(p.meeting, actor=p.expert)
    ActionItem.objects.create(meeting=p.meeting, text="First", owner=p.expert)
    client = login(p.colleague)

    def more():
        grow(p)()
        for i in range(10):
            services.add_agenda_item(p.meeting, actor=p.colleague, title=f"More {i}")
            ActionItem.objects.create(meeting=p.meeting, text=f"More {i}", owner=p.expert)

    assert_query_bound(
        lambda: client.get(p.meeting.get_absolute_url()),
        grow=more,
        check=lambda r: r.status_code == 200,
        check_after=lambda r: "More 9" in r.content.decode(),
    )


def test_the_home_pages_action_items_stay_within_their_queries(p, login):
    services.sign_up(p.meeting, actor=p.expert)
    ActionItem.objects.create(meeting=p.meeting, text="First thing", owner=p.expert)
    client = login(p.expert)
    assert_query_bound(
        lambda: client.get("/"),
        grow=grow(p),
        check=lambda r: r.status_code == 200 and "First thing" in r.content.decode(),
        check_after=lambda r: "Do 9.1" in r.content.decode(),
    )


def test_the_community_page_with_meetings_stays_within_its_queries(p, login):
    CommunityMembershipFactory(community=p.community, user=p.other_teacher, role=Role.MEMBER)
    client = login(p.other_teacher)
    assert_query_bound(
        lambda: client.get(p.community.get_absolute_url()),
        grow=grow(p),
        check=lambda r: r.status_code == 200,
        check_after=lambda r: "Meeting 9" in r.content.decode(),
    )


def test_a_guest_is_named_only_to_who_manages_the_meeting_and_to_themself(p, login):
    services.invite(p.meeting, actor=p.colleague, people=[p.parent])
    services.sign_up(p.meeting, actor=p.expert)
    name = p.parent.display_name
    assert name in login(p.colleague).get(p.meeting.get_absolute_url()).content.decode()
    assert name in login(p.parent).get(p.meeting.get_absolute_url()).content.decode()
    member_view = login(p.expert).get(p.meeting.get_absolute_url()).content.decode()
    assert name not in member_view and "A guest" in member_view


def test_anonymous_is_sent_to_sign_in_everywhere(client, p):
    for url in (reverse("meetings:list"), reverse("meetings:edit", args=[p.meeting.pk])):
        answer = client.get(url)
        assert answer.status_code == 302 and "login" in answer["Location"]
    answer = client.post(reverse("meetings:rsvp", args=[p.meeting.pk]), {"rsvp": "yes"})
    assert answer.status_code == 302 and "login" in answer["Location"]


def test_every_form_of_the_meeting_page_on_both_sides(p, login):
    """Each POST route: the person it is for gets through (302), an outsider gets 404, and a member
    who may see the meeting but not do this gets 403."""
    services.sign_up(p.meeting, actor=p.expert)
    meeting = p.meeting
    item = ActionItem.objects.create(meeting=meeting, text="Bring tickets", owner=p.expert)
    agenda = services.add_agenda_item(meeting, actor=p.colleague, title="To remove")

    def url(name, *extra):
        return reverse(f"meetings:{name}", args=[meeting.pk, *extra])

    # Before the meeting: answers, preparation, invitations, agenda.
    for name, who, data, status in [
        ("rsvp", p.expert, {"rsvp": "maybe"}, 302),
        ("prepared", p.expert, {"prepared": "1"}, 302),
        ("invite", p.colleague, {"people": [str(p.parent.pk)]}, 302),
        ("agenda_add", p.colleague, {"title": "Round", "minutes": "10", "owner": ""}, 302),
        ("invite", p.expert, {"people": [str(p.parent.pk)]}, 403),
        ("agenda_add", p.expert, {"title": "Mine", "minutes": "10"}, 403),
        ("rsvp", p.other_teacher, {"rsvp": "yes"}, 404),
        ("prepared", p.other_teacher, {}, 404),
        ("agenda_add", p.other_teacher, {"title": "X", "minutes": "5"}, 404),
    ]:
        assert login(who).post(url(name), data).status_code == status, (name, who)
    assert login(p.expert).post(url("agenda_remove", agenda.pk)).status_code == 403
    assert login(p.colleague).post(url("agenda_remove", agenda.pk)).status_code == 302
    place = Participant.objects.get(meeting=meeting, user=p.expert)
    assert place.rsvp == Rsvp.MAYBE and place.prepared_at is not None
    assert Participant.objects.filter(meeting=meeting, user=p.parent, invited_by=p.colleague).exists()
    assert list(meeting.agenda.values_list("title", flat=True)) == ["Round of stories", "Round"]
    # After it began: attendance, minutes, action items.
    Meeting.objects.filter(pk=meeting.pk).update(
        starts_at=timezone.now() - dt.timedelta(hours=2), ends_at=timezone.now() - dt.timedelta(hours=1)
    )
    for name, who, data, status in [
        ("attendance", p.expert, {"present": [str(p.expert.pk)]}, 403),
        ("minutes", p.expert, {"notes": "Mine"}, 403),
        ("action_add", p.expert, {"text": "X", "owner": str(p.expert.pk)}, 403),
        ("attendance", p.other_teacher, {}, 404),
        ("minutes", p.other_teacher, {"notes": "X"}, 404),
        ("action_add", p.other_teacher, {"text": "X", "owner": str(p.expert.pk)}, 404),
    ]:
        assert login(who).post(url(name), data).status_code == status, (name, who)
    assert login(p.other_teacher).post(url("action_done", item.pk), {"done": "1"}).status_code == 404
    assert login(p.parent).post(url("action_done", item.pk), {"done": "1"}).status_code == 403
    assert ActionItem.objects.get().done_at is None
    assert login(p.colleague).get(url("edit")).status_code == 200
    edited = login(p.colleague).post(
        url("edit"),
        {
            "title": "Exit tickets, again",
            "format": "seminar",
            "starts_at": form_time(8, 16),
            "ends_at": form_time(8, 17),
            "timezone": "Asia/Tehran",
            "place": "Room 12",
        },
    )
    assert edited.status_code == 302
    assert Meeting.objects.get(pk=meeting.pk).title == "Exit tickets, again"


def test_the_audit_trail_shows_meeting_events(p, login):
    """Meeting events keep keys named like the meeting's reverse relations ("minutes", "agenda"):
    the trail reads them as data."""
    services.update_meeting(p.meeting, actor=p.colleague, agenda=[{"title": "Only item"}])
    Meeting.objects.filter(pk=p.meeting.pk).update(
        starts_at=timezone.now() - dt.timedelta(hours=2), ends_at=timezone.now() - dt.timedelta(hours=1)
    )
    services.write_minutes(Meeting.objects.get(pk=p.meeting.pk), actor=p.colleague, notes="Notes")
    p.district_admin.is_superuser = p.district_admin.is_staff = True
    p.district_admin.save()
    answer = login(p.district_admin).get(reverse("events:audit"))
    assert answer.status_code == 200
    assert "Minutes written" in answer.content.decode()
