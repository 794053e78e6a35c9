"""Meetings through their services: who may schedule, see, sign up, answer, take attendance and
write minutes (both sides of each), times in the organiser's zone, bad input refused with nothing
changed, a case session moving its case, events and notifications."""

from __future__ import annotations

import datetime as dt
import zoneinfo

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404
from django.utils import timezone

from halqa.cases import services as cases
from halqa.cases.models import Case, SessionNote, Stage
from halqa.communities.models import Role, Visibility
from halqa.communities.tests.factories import CommunityFactory
from halqa.events.models import Event, Verb
from halqa.meetings import queries, services
from halqa.meetings.access import MANAGE, RESPOND, SIGN_UP, VIEW, meeting_access
from halqa.meetings.models import ActionItem, Meeting, Participant, Rsvp, Status
from halqa.notifications.models import Kind, Notification

pytestmark = pytest.mark.django_db

STORY = {
    "title": "Grade 7 will not start the exit ticket",
    "what_happened": "Every lesson the last five minutes are lost.",
    "help_wanted": "How do colleagues get every student to write something?",
    "language": "en",
}


def local(days: int, hour: int = 16) -> dt.datetime:
    """A naive wall-clock time `days` from today (a meeting's time in its organiser's zone)."""
    day = timezone.now().date() + dt.timedelta(days=days)
    return dt.datetime(day.year, day.month, day.day, hour, 0)


def when(days: int = 7, hours: int = 1, tz: str = "Asia/Tehran") -> dict:
    start = local(days)
    return {"starts_at": start, "ends_at": start + dt.timedelta(hours=hours), "timezone": tz}


@pytest.fixture
def m(world):
    """A members-only community: Cyrus facilitates, Olga... no: Eve (expert) is a member, Parisa a
    guest. A case of Tala's assigned to it, its working group Cyrus (lead) and Parisa."""
    w = world
    w.community = CommunityFactory(
        school=w.school,
        visibility=Visibility.MEMBERS,
        facilitator=w.colleague,
        members={Role.MEMBER: [w.expert], Role.GUEST: [w.parent]},
    )
    w.case = cases.submit_case(actor=w.teacher, school=w.school, **STORY)
    cases.triage(w.case, actor=w.principal, community=w.community, assign=True)
    cases.add_to_group(w.case, actor=w.principal, person=w.colleague, role="lead")
    w.case = Case.objects.get(pk=w.case.pk)
    return w


def circle(w, **extra) -> Meeting:
    fields = {"title": "Exit tickets, together", "place": "Room 12", **when(), **extra}
    return services.create_meeting(actor=w.colleague, community=w.community, **fields)


# --- Scheduling ------------------------------------------------------------------------------------


def test_a_facilitator_schedules_a_meeting_in_their_own_time_zone(m):
    meeting = circle(
        m, agenda=[{"title": "Round of stories", "minutes": 20}, {"title": "What to try", "owner": m.expert}]
    )
    tehran = zoneinfo.ZoneInfo("Asia/Tehran")
    assert meeting.starts_at.astimezone(tehran).hour == 16
    assert meeting.starts_at.utcoffset() == dt.timedelta(0)
    assert meeting.timezone == "Asia/Tehran"
    assert [a.title for a in meeting.agenda.all()] == ["Round of stories", "What to try"]
    assert meeting.participants.get(user=m.colleague).rsvp == Rsvp.YES
    assert Event.objects.filter(verb=Verb.MEETING_CREATED, target_id=meeting.pk, actor=m.colleague).exists()


@pytest.mark.parametrize("who", ["teacher", "expert", "parent", "other_teacher", "foreign_teacher"])
def test_others_may_not_schedule_a_community_meeting(m, who):
    with pytest.raises((PermissionDenied, Http404)):
        circle(m) if who == "colleague" else services.create_meeting(
            actor=getattr(m, who), community=m.community, title="Mine", place="Here", **when()
        )
    assert not Meeting.objects.exists()


@pytest.mark.parametrize(
    ("fields", "field"),
    [
        ({"timezone": "Mars/Olympus"}, "timezone"),
        ({"timezone": "Asia/Tehran\x00"}, "timezone"),
        ({"ends_at": local(7, 15)}, "ends_at"),
        ({"ends_at": local(7, 16)}, "ends_at"),
        ({"ends_at": local(9, 16)}, "ends_at"),
        ({"starts_at": local(-800), "ends_at": local(-800, 17)}, "starts_at"),
        ({"starts_at": local(800), "ends_at": local(800, 17)}, "starts_at"),
        ({"starts_at": "tomorrow"}, "starts_at"),
        ({"title": ""}, "title"),
        ({"title": "x" * 201}, "title"),
        ({"title": "A\x00B"}, "title"),
        ({"description": "d" * 4001}, "description"),
        ({"place": "", "online_url": ""}, "place"),
        ({"online_url": "javascript:alert(1)"}, "online_url"),
        ({"format": "party"}, "format"),
    ],
)
def test_bad_input_is_refused_with_nothing_changed(m, fields, field):
    with pytest.raises(ValidationError) as refused:
        circle(m, **fields)
    assert field in refused.value.message_dict
    assert not Meeting.objects.exists()
    assert not Event.objects.filter(verb=Verb.MEETING_CREATED).exists()


def test_a_time_the_clocks_skip_is_refused():
    # Europe/Berlin skipped 02:00-03:00 on 2026-03-29; the service refuses such a wall time.
    tz = zoneinfo.ZoneInfo("Europe/Berlin")
    with pytest.raises(ValidationError) as refused:
        services._instant(dt.datetime(2026, 3, 29, 2, 30), "starts_at", tz, now=dt.datetime(2026, 3, 1, tzinfo=dt.UTC))
    assert "starts_at" in refused.value.message_dict
    summer = services._instant(
        dt.datetime(2026, 3, 30, 18, 0), "starts_at", tz, now=dt.datetime(2026, 3, 1, tzinfo=dt.UTC)
    )
    winter = services._instant(
        dt.datetime(2026, 3, 27, 18, 0), "starts_at", tz, now=dt.datetime(2026, 3, 1, tzinfo=dt.UTC)
    )
    assert (summer.hour, winter.hour) == (16, 17)  # 18:00 local both days, across the change


def test_a_change_of_time_raises_the_sequence_and_tells_those_coming(m, django_capture_on_commit_callbacks, run_tasks):
    with django_capture_on_commit_callbacks(execute=True):
        meeting = circle(m)
        services.sign_up(meeting, actor=m.expert)
    with django_capture_on_commit_callbacks(execute=True):
        changed = services.update_meeting(meeting, actor=m.colleague, **when(days=8))
    run_tasks()
    assert changed.sequence == 1
    assert Notification.objects.filter(recipient=m.expert, kind=Kind.MEETING_CHANGED).exists()
    with pytest.raises(PermissionDenied):
        services.update_meeting(meeting, actor=m.expert, title="Mine now")
    with pytest.raises(ValidationError):
        services.update_meeting(meeting, actor=m.colleague, timezone="Nowhere/Land")
    assert Meeting.objects.get(pk=meeting.pk).timezone == "Asia/Tehran"


# --- Who sees it -----------------------------------------------------------------------------------


def test_announced_meetings_are_seen_by_members_not_guests_nor_outsiders(m):
    meeting = circle(m)
    seen = {
        name: bool(meeting_access.allowed(getattr(m, name), meeting))
        for name in vars(m)
        if hasattr(getattr(m, name), "is_authenticated")
    }
    assert seen["colleague"] and seen["expert"]
    assert not seen["parent"]  # a guest: only what they were invited to
    assert not seen["teacher"] and not seen["other_principal"]  # members-only community, not members
    assert seen["principal"] and MANAGE in meeting_access.allowed(m.principal, meeting)  # the school's leader
    assert not seen["other_teacher"] and not seen["student"]
    assert SIGN_UP in meeting_access.allowed(m.expert, meeting)
    assert MANAGE not in meeting_access.allowed(m.expert, meeting)
    with pytest.raises(Http404):
        services.sign_up(meeting, actor=m.parent)


def test_an_invitation_lets_a_guest_see_one_meeting_and_answer(m, django_capture_on_commit_callbacks, run_tasks):
    meeting = circle(m)
    hidden = circle(m, title="Not for guests")
    with django_capture_on_commit_callbacks(execute=True):
        services.invite(meeting, actor=m.colleague, people=[m.parent])
    run_tasks()
    assert Notification.objects.filter(recipient=m.parent, kind=Kind.MEETING_INVITED).count() == 1
    assert set(meeting_access.visible(m.parent)) == {meeting}
    assert RESPOND in meeting_access.allowed(m.parent, meeting)
    assert not meeting_access.allowed(m.parent, hidden)
    place = services.respond(meeting, actor=m.parent, rsvp="maybe")
    assert place.rsvp == Rsvp.MAYBE
    with pytest.raises(ValidationError):
        services.respond(meeting, actor=m.parent, rsvp="perhaps")
    with pytest.raises(Http404):
        services.respond(hidden, actor=m.parent, rsvp="yes")
    with pytest.raises(PermissionDenied):
        services.invite(meeting, actor=m.parent, people=[m.student])


def test_invite_only_meetings_are_seen_by_the_invited_and_the_facilitators(m):
    meeting = circle(m, announced=False)
    assert not meeting_access.allowed(m.expert, meeting)
    assert VIEW in meeting_access.allowed(m.colleague, meeting)
    services.invite(meeting, actor=m.colleague, people=[m.other_teacher])
    assert VIEW in meeting_access.allowed(m.other_teacher, meeting)


def test_signing_up_counts_as_coming_and_is_refused_after_the_end(m):
    meeting = circle(m)
    place = services.sign_up(meeting, actor=m.expert)
    assert place.rsvp == Rsvp.YES and place.invited_by is None and place.remind_at is not None
    assert services.sign_up(meeting, actor=m.expert) == place  # twice: the same place
    Meeting.objects.filter(pk=meeting.pk).update(
        starts_at=timezone.now() - dt.timedelta(hours=3), ends_at=timezone.now() - dt.timedelta(hours=2)
    )
    newcomer = m.other_teacher
    CommunityFactory._meta.model  # noqa: B018
    from halqa.communities.tests.factories import CommunityMembershipFactory

    CommunityMembershipFactory(community=m.community, user=newcomer, role=Role.MEMBER)
    with pytest.raises(ValidationError):
        services.sign_up(Meeting.objects.get(pk=meeting.pk), actor=newcomer)


# --- A case session ----------------------------------------------------------------------------------


def test_scheduling_a_case_session_moves_the_case_and_is_seen_by_who_views_the_case(m):
    cases.move(m.case, actor=m.principal, to=Stage.MATCHED)
    session = services.create_meeting(
        actor=m.colleague,
        case=m.case,
        title="Session on the exit ticket",
        online_url="https://meet.example.org/x",
        **when(),
    )
    case = Case.objects.get(pk=m.case.pk)
    assert case.stage == Stage.SCHEDULED and case.session_at == session.starts_at
    assert session.format == "case_session"
    assert VIEW in meeting_access.allowed(m.teacher, session)  # the requester
    assert VIEW in meeting_access.allowed(m.expert, session)  # a member of the case's community
    assert MANAGE in meeting_access.allowed(m.principal, session)  # the coordinator
    assert not meeting_access.allowed(m.other_teacher, session)
    assert not meeting_access.allowed(m.parent, session)  # a guest of the community, not in the group
    with pytest.raises(ValidationError):
        services.invite(session, actor=m.colleague, people=[m.other_teacher])
    services.cancel_meeting(session, actor=m.colleague, reason="The school is closed that day.")
    assert Case.objects.get(pk=m.case.pk).stage == Stage.MATCHED


def test_a_case_session_waits_for_the_working_group(m):
    with pytest.raises(ValidationError):
        services.create_meeting(actor=m.principal, case=m.case, title="Too early", place="Library", **when())
    cases.move(m.case, actor=m.principal, to=Stage.MATCHED)
    with pytest.raises((PermissionDenied, Http404)):
        services.create_meeting(actor=m.expert, case=m.case, title="Not mine", place="Library", **when())
    assert not Meeting.objects.exists()


def test_minutes_of_a_case_session_are_the_cases_session_notes(m):
    cases.move(m.case, actor=m.principal, to=Stage.MATCHED)
    session = services.create_meeting(actor=m.colleague, case=m.case, title="Session", place="Library", **when())
    with pytest.raises(ValidationError):
        services.write_minutes(session, actor=m.colleague, discussed="Too early")
    Meeting.objects.filter(pk=session.pk).update(
        starts_at=timezone.now() - dt.timedelta(hours=2), ends_at=timezone.now() - dt.timedelta(hours=1)
    )
    session = Meeting.objects.get(pk=session.pk)
    minutes = services.write_minutes(
        session,
        actor=m.colleague,
        notes="Six of us.",
        discussed="The ticket comes when attention is gone.",
        options="Oral ticket",
    )
    assert minutes.session_note.case_id == m.case.pk and minutes.session_note.options == "Oral ticket"
    again = services.write_minutes(
        session, actor=m.colleague, discussed="Understood better now.", will_produce="A guide"
    )
    assert again.pk == minutes.pk and SessionNote.objects.filter(case=m.case).count() == 1
    assert SessionNote.objects.get(case=m.case).will_produce == "A guide"
    with pytest.raises(ValidationError):
        services.write_minutes(session, actor=m.colleague, discussed="")
    with pytest.raises(PermissionDenied):
        services.write_minutes(session, actor=m.teacher, discussed="The requester may read, not write.")


# --- Attendance, minutes, action items -----------------------------------------------------------------


def begun(meeting: Meeting) -> Meeting:
    Meeting.objects.filter(pk=meeting.pk).update(
        starts_at=timezone.now() - dt.timedelta(hours=2), ends_at=timezone.now() - dt.timedelta(hours=1)
    )
    return Meeting.objects.get(pk=meeting.pk)


def test_attendance_minutes_and_action_items(m, django_capture_on_commit_callbacks, run_tasks):
    meeting = circle(m)
    services.sign_up(meeting, actor=m.expert)
    with pytest.raises(ValidationError):
        services.take_attendance(meeting, actor=m.colleague, present=[m.expert.pk])  # not begun
    meeting = begun(meeting)
    assert services.take_attendance(meeting, actor=m.colleague, present=[m.expert.pk]) == 1
    assert dict(meeting.participants.values_list("user_id", "attended")) == {m.colleague.pk: False, m.expert.pk: True}
    with pytest.raises(ValidationError):
        services.take_attendance(meeting, actor=m.colleague, present=[m.other_teacher.pk])
    with pytest.raises(PermissionDenied):
        services.take_attendance(meeting, actor=m.expert, present=[m.expert.pk])
    with pytest.raises(ValidationError):
        services.write_minutes(meeting, actor=m.colleague)
    minutes = services.write_minutes(meeting, actor=m.colleague, notes="We read three tickets.", decisions="Try it.")
    assert minutes.session_note is None
    with django_capture_on_commit_callbacks(execute=True):
        item = services.add_action_item(
            meeting,
            actor=m.colleague,
            text="Bring five tickets",
            owner=m.expert,
            due_on=timezone.localdate() + dt.timedelta(days=7),
        )
    run_tasks()
    assert Notification.objects.filter(recipient=m.expert, kind=Kind.MEETING_ACTION).exists()
    assert queries.open_action_items(m.expert) == [item]
    with pytest.raises(ValidationError):
        services.add_action_item(meeting, actor=m.colleague, text="Outsider", owner=m.other_teacher)
    with pytest.raises(ValidationError):
        services.add_action_item(meeting, actor=m.colleague, text="Far", owner=m.expert, due_on=dt.date(1990, 1, 1))
    with pytest.raises(PermissionDenied):
        services.complete_action_item(
            ActionItem.objects.create(meeting=meeting, text="Cyrus's", owner=m.colleague), actor=m.expert
        )
    services.complete_action_item(item, actor=m.expert)
    assert queries.open_action_items(m.expert) == []


def test_cancelling_tells_those_coming_and_stops_answers(m, django_capture_on_commit_callbacks, run_tasks):
    meeting = circle(m)
    services.sign_up(meeting, actor=m.expert)
    with django_capture_on_commit_callbacks(execute=True):
        services.cancel_meeting(meeting, actor=m.colleague, reason="Exams")
    run_tasks()
    meeting = Meeting.objects.get(pk=meeting.pk)
    assert meeting.status == Status.CANCELLED and meeting.sequence == 1
    assert not Participant.objects.filter(meeting=meeting, remind_at__isnull=False).exists()
    assert Notification.objects.filter(recipient=m.expert, kind=Kind.MEETING_CHANGED).exists()
    with pytest.raises(PermissionDenied):
        services.respond(meeting, actor=m.expert, rsvp="yes")
    with pytest.raises(ValidationError):
        services.update_meeting(meeting, actor=m.colleague, title="Again")


def test_minutes_link_the_notes_already_written_on_the_case_page(m):
    cases.move(m.case, actor=m.principal, to=Stage.MATCHED)
    start = timezone.now() - dt.timedelta(hours=3)
    session = services.create_meeting(
        actor=m.colleague,
        case=m.case,
        title="Session",
        place="Library",
        starts_at=start,
        ends_at=start + dt.timedelta(hours=2),
        timezone="UTC",
    )
    note = cases.add_session_note(
        m.case, actor=m.colleague, held_at=start + dt.timedelta(minutes=5), discussed="Written on the case page"
    )
    minutes = services.write_minutes(session, actor=m.colleague, notes="Attendance was good.")
    assert minutes.session_note == note and SessionNote.objects.filter(case=m.case).count() == 1
    assert SessionNote.objects.get().discussed == "Written on the case page"


def test_a_case_session_does_not_repeat(m):
    cases.move(m.case, actor=m.principal, to=Stage.MATCHED)
    with pytest.raises(ValidationError) as refused:
        services.create_meeting(
            actor=m.colleague, case=m.case, title="Weekly?", place="Library", rrule="FREQ=WEEKLY;COUNT=3", **when()
        )
    assert "rrule" in refused.value.message_dict
    assert not Meeting.objects.exists() and Case.objects.get(pk=m.case.pk).stage == Stage.MATCHED


def test_minutes_can_move_the_case_on_through_its_transitions(m):
    cases.move(m.case, actor=m.principal, to=Stage.MATCHED)
    session = services.create_meeting(actor=m.colleague, case=m.case, title="Session", place="Library", **when())
    Meeting.objects.filter(pk=session.pk).update(
        starts_at=timezone.now() - dt.timedelta(hours=2), ends_at=timezone.now() - dt.timedelta(hours=1)
    )
    session = Meeting.objects.get(pk=session.pk)
    services.write_minutes(session, actor=m.colleague, discussed="Understood.")
    assert Case.objects.get(pk=m.case.pk).stage == Stage.SCHEDULED  # not without asking
    services.write_minutes(session, actor=m.colleague, discussed="Understood.", advance=True)
    assert Case.objects.get(pk=m.case.pk).stage == Stage.DRAFTING
    moves = Event.objects.filter(verb=Verb.CASE_MOVED, target_id=m.case.pk, actor=m.colleague)
    assert [e.after["stage"] for e in moves.order_by("at", "id")] == [
        "scheduled",
        "preparing",
        "in_session",
        "drafting",
    ]


def test_the_cases_session_date_follows_its_session_moved_or_cancelled(m):
    cases.move(m.case, actor=m.principal, to=Stage.MATCHED)
    first = services.create_meeting(actor=m.colleague, case=m.case, title="First", place="Library", **when(7))
    second = services.create_meeting(actor=m.colleague, case=m.case, title="Second", place="Library", **when(9))
    services.update_meeting(first, actor=m.colleague, **when(3))
    first.refresh_from_db()
    assert Case.objects.get(pk=m.case.pk).session_at == first.starts_at
    moved = Event.objects.get(verb=Verb.CASE_SESSION_MOVED, target_id=m.case.pk, actor=m.colleague)
    assert moved.after == {"session_at": first.starts_at.isoformat()}
    # A change of place alone leaves the date (and the trail) alone.
    services.update_meeting(first, actor=m.colleague, place="Room 4")
    assert Event.objects.filter(verb=Verb.CASE_SESSION_MOVED).count() == 1
    # Cancelling the first: the date follows the second; cancelling it too: back to "group formed", no date.
    services.cancel_meeting(first, actor=m.colleague)
    case = Case.objects.get(pk=m.case.pk)
    assert case.stage == Stage.SCHEDULED and case.session_at == second.starts_at
    services.cancel_meeting(second, actor=m.principal)
    case = Case.objects.get(pk=m.case.pk)
    assert case.stage == Stage.MATCHED and case.session_at is None
    assert Event.objects.filter(verb=Verb.CASE_SESSION_MOVED, target_id=m.case.pk).count() == 3


def test_set_session_at_needs_someone_working_on_the_case(m):
    cases.move(m.case, actor=m.principal, to=Stage.MATCHED)
    services.create_meeting(actor=m.colleague, case=m.case, title="First", place="Library", **when(7))
    with pytest.raises((PermissionDenied, Http404)):
        cases.set_session_at(m.case, actor=m.expert, at=timezone.now())
    with pytest.raises((PermissionDenied, Http404)):
        cases.set_session_at(m.case, actor=m.other_teacher, at=timezone.now())
    with pytest.raises(ValidationError):  # "session scheduled" needs a date
        cases.set_session_at(m.case, actor=m.colleague, at=None)
    assert Case.objects.get(pk=m.case.pk).session_at is not None
