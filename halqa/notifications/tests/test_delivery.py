"""Each kind reaches the right people, and only them, exactly once, on the channel they chose."""

from __future__ import annotations

import datetime as dt
from types import SimpleNamespace

import pytest
from django.utils import timezone

from halqa.communities import services as community_services
from halqa.communities.models import Role, Visibility
from halqa.core.models import OutboundEmail
from halqa.events.models import Event, Verb
from halqa.notifications import services
from halqa.notifications.models import Channel, Kind, Notification, Preference
from halqa.notifications.tasks import notify_event

from .conftest import membership, sign

pytestmark = pytest.mark.django_db


def told(kind=None) -> set[str]:
    rows = Notification.objects.select_related("recipient")
    if kind is not None:
        rows = rows.filter(kind=kind)
    return {str(n.recipient) for n in rows}


def emailed(box) -> list[str]:
    return sorted(address for message in box.messages for address in message["to"])


def test_a_signed_decision_tells_the_active_members_and_nobody_else(scene, settle, smtp_server):
    w = scene
    settle(lambda: sign(w.draft, w.principal))
    assert told(Kind.DECISION_SIGNED) == {"Teacher Tala", "Colleague Cyrus", "Expert Eve", "Parent Parisa"}
    # not the signer (the actor), not the invited student who has not answered, not the other community
    assert (
        Notification.objects.filter(recipient__in=[w.principal, w.student, w.other_teacher, w.other_parent]).count()
        == 0
    )
    assert emailed(smtp_server) == sorted(p.email for p in (w.teacher, w.colleague, w.expert, w.parent))
    message = smtp_server.messages[0]["message"]
    body = message.get_body(preferencelist=("plain",)).get_content()
    assert "signed decision" in message["Subject"] and "Grade 8 Mathematics PLC" in message["Subject"]
    assert f"/communities/{w.community.pk}/decisions/{w.draft.pk}/" in body
    assert "/notifications/settings/" in body


def test_the_actor_is_never_told_even_as_a_member(scene, settle):
    w = scene
    community_services.change_role(membership(w.community, w.teacher), actor=w.principal, role=Role.FACILITATOR)
    settle(
        lambda: community_services.change_role(membership(w.community, w.colleague), actor=w.teacher, role=Role.EXPERT)
    )
    assert told() == {"Colleague Cyrus"}


def test_running_the_listener_or_the_task_again_tells_nobody_twice(scene, settle, smtp_server):
    w = scene
    settle(lambda: sign(w.draft, w.principal))
    event = Event.objects.get(verb=Verb.DECISION_SIGNED)
    settle(lambda: (services.on_event(event), services.deliver(event), notify_event.call(event.pk)))
    assert Notification.objects.count() == 4
    assert OutboundEmail.objects.filter(kind=services.NOTIFICATION_EMAIL).count() == 4
    assert len(smtp_server.messages) == 4


def test_an_invitation_is_in_the_bell_and_its_one_email_is_the_invitation_itself(scene, settle, smtp_server):
    w = scene
    settle(lambda: community_services.invite_member(w.community, actor=w.teacher, person=w.other_teacher))
    notification = Notification.objects.get()
    assert notification.recipient == w.other_teacher and notification.kind == Kind.INVITED
    assert [m["to"] for m in smtp_server.messages] == [[w.other_teacher.email]]  # the community's own email
    assert not OutboundEmail.objects.filter(kind=services.NOTIFICATION_EMAIL).exists()


def test_a_parent_is_told_of_their_own_invitation(scene, settle):
    w = scene
    w.community.memberships.filter(user=w.parent).delete()
    settle(lambda: community_services.invite_member(w.community, actor=w.principal, person=w.parent, role=Role.GUEST))
    assert told(Kind.INVITED) == {"Parent Parisa"}


def test_an_answered_request_tells_the_requester(scene, settle, smtp_server):
    w = scene
    asked = community_services.request_to_join(w.community, actor=w.newcomer)
    settle(lambda: community_services.accept_request(asked, actor=w.teacher))
    assert told(Kind.REQUEST_ANSWERED) == {str(asked.user)}
    subject = smtp_server.messages[0]["message"]["Subject"]
    assert "was accepted" in subject and "Member" in subject


def test_a_declined_request_tells_the_requester(scene, settle):
    w = scene
    asked = community_services.request_to_join(w.community, actor=w.newcomer)
    settle(lambda: community_services.decline_request(asked, actor=w.principal))
    assert told() == {"Newcomer Nima"}
    item = Notification.objects.get()
    assert item.event.verb == Verb.REQUEST_DECLINED


def test_nobody_is_told_about_what_they_may_no_longer_see(scene, settle):
    w = scene
    asked = community_services.request_to_join(w.community, actor=w.newcomer)
    w.community.visibility = Visibility.MEMBERS  # closed before the answer: Nima may not see it any more
    w.community.save()
    settle(lambda: community_services.decline_request(asked, actor=w.teacher))
    assert Notification.objects.count() == 0


def test_a_deactivated_member_is_not_told(scene, settle):
    w = scene
    w.expert.is_active = False
    w.expert.save()
    settle(lambda: sign(w.draft, w.principal))
    assert "Expert Eve" not in told()


def test_a_role_change_tells_the_member_in_their_language(scene, settle, smtp_server):
    w = scene
    w.colleague.preferred_language = "ar"
    w.colleague.save()
    Preference.objects.create(person=w.colleague, kind=Kind.ROLE_CHANGED, channel=Channel.IMMEDIATELY)
    settle(
        lambda: community_services.change_role(membership(w.community, w.colleague), actor=w.teacher, role=Role.EXPERT)
    )
    assert told() == {"Colleague Cyrus"}
    [message] = smtp_server.messages
    assert message["to"] == [w.colleague.email]
    assert "خبير" in message["message"]["Subject"]  # the role's name in Arabic: built in the reader's language


def test_off_means_nothing_at_all(scene, settle, smtp_server):
    w = scene
    services.set_preferences(w.colleague, {Kind.DECISION_SIGNED: Channel.OFF})
    settle(lambda: sign(w.draft, w.principal))
    assert "Colleague Cyrus" not in told()
    assert w.colleague.email not in emailed(smtp_server)


def test_digest_means_no_email_now_and_one_digest_the_next_morning(scene, settle, smtp_server):
    w = scene
    w.colleague.time_zone = "Asia/Riyadh"  # UTC+3
    w.colleague.save()
    services.set_preferences(w.colleague, {Kind.DECISION_SIGNED: Channel.DIGEST, Kind.ROLE_CHANGED: Channel.DIGEST})
    settle(lambda: sign(w.draft, w.principal))
    settle(
        lambda: community_services.change_role(membership(w.community, w.colleague), actor=w.teacher, role=Role.EXPERT)
    )
    assert w.colleague.email not in emailed(smtp_server)
    assert Notification.objects.filter(recipient=w.colleague, channel=Channel.DIGEST).count() == 2
    smtp_server.messages.clear()

    today = timezone.now().astimezone(dt.UTC).date() + dt.timedelta(days=1)
    night = dt.datetime.combine(today, dt.time(2, 30), tzinfo=dt.UTC)  # 05:30 in Riyadh: too early
    assert settle(lambda: services.send_digests(night)) == 0
    morning = night + dt.timedelta(hours=2)  # 07:30 in Riyadh
    assert settle(lambda: services.send_digests(morning)) == 1
    assert settle(lambda: services.send_digests(morning + dt.timedelta(hours=1))) == 0  # never twice a day
    [message] = smtp_server.messages
    assert message["to"] == [w.colleague.email]
    assert "2 notifications" in message["message"]["Subject"]
    body = message["message"].get_body(preferencelist=("plain",)).get_content()
    assert "signed decision" in body and "changed your role" in body
    assert Notification.objects.filter(recipient=w.colleague, digested_at__isnull=True).count() == 0


def test_read_notifications_stay_out_of_the_digest(scene, settle, smtp_server):
    w = scene
    services.set_preferences(w.colleague, {Kind.DECISION_SIGNED: Channel.DIGEST})
    settle(lambda: sign(w.draft, w.principal))
    services.mark_all_read(w.colleague)
    smtp_server.messages.clear()
    tomorrow_noon = dt.datetime.combine(timezone.now().date() + dt.timedelta(days=1), dt.time(12), tzinfo=dt.UTC)
    assert settle(lambda: services.send_digests(tomorrow_noon)) == 0
    assert smtp_server.messages == []


def test_an_immediate_email_read_before_it_leaves_is_not_sent(
    scene, settle, smtp_server, django_capture_on_commit_callbacks
):
    w = scene
    services.set_preferences(w.colleague, {Kind.ROLE_CHANGED: Channel.IMMEDIATELY})
    community_services.change_role(membership(w.community, w.colleague), actor=w.teacher, role=Role.EXPERT)
    with django_capture_on_commit_callbacks(execute=True):  # the listener's work: the email is queued
        services.deliver(Event.objects.get(verb=Verb.ROLE_CHANGED))
    Notification.objects.update(read_at=timezone.now())  # read in the bell before the worker sends it
    settle()
    assert smtp_server.messages == []
    assert OutboundEmail.objects.get(kind=services.NOTIFICATION_EMAIL).status == "cancelled"


def test_unknown_kinds_and_channels_are_refused(scene):
    from django.core.exceptions import ValidationError

    with pytest.raises(ValidationError):
        services.set_preferences(scene.teacher, {"weather": Channel.OFF})
    with pytest.raises(ValidationError):
        services.set_preferences(scene.teacher, {Kind.INVITED: "pigeon"})
    assert not Preference.objects.exists()


def test_a_default_choice_keeps_no_row(scene):
    services.set_preferences(scene.teacher, {Kind.ROLE_CHANGED: Channel.OFF})
    assert Preference.objects.count() == 1
    services.set_preferences(scene.teacher, {Kind.ROLE_CHANGED: Channel.DIGEST})  # the default
    assert Preference.objects.count() == 0
    assert services.channels_of(scene.teacher)[Kind.ROLE_CHANGED] == Channel.DIGEST


def test_the_digest_job_is_scheduled():
    from halqa.core.scheduler import JOBS

    assert "notification-digests" in {job.name for job in JOBS}


def test_a_whole_community_is_notified_in_a_task_not_in_the_request(
    scene, django_capture_on_commit_callbacks, run_tasks
):
    w = scene
    with django_capture_on_commit_callbacks(execute=True):
        sign(w.draft, w.principal)
    assert Notification.objects.count() == 0  # the request only enqueued the task
    run_tasks()
    assert Notification.objects.count() == 4


def test_a_queue_that_is_down_loses_no_notification(scene, django_capture_on_commit_callbacks, monkeypatch):
    w = scene

    def refuse(*args, **kwargs):
        raise ConnectionError("queue down")

    monkeypatch.setattr("halqa.notifications.tasks.notify_event", SimpleNamespace(enqueue=refuse))
    with django_capture_on_commit_callbacks(execute=True):
        sign(w.draft, w.principal)
    assert told(Kind.DECISION_SIGNED) == {"Teacher Tala", "Colleague Cyrus", "Expert Eve", "Parent Parisa"}


def test_the_scheduler_sends_the_digest_once_however_many_schedulers_tick(scene, settle, smtp_server):
    from halqa.core import scheduler

    w = scene
    services.set_preferences(w.colleague, {Kind.DECISION_SIGNED: Channel.DIGEST})
    settle(lambda: sign(w.draft, w.principal))
    smtp_server.messages.clear()
    job = next(job for job in scheduler.JOBS if job.name == "notification-digests")
    tomorrow_noon = dt.datetime.combine(timezone.now().date() + dt.timedelta(days=1), dt.time(12), tzinfo=dt.UTC)
    monkey_now = tomorrow_noon

    def tick():
        return scheduler.tick(monkey_now, jobs=(job,))

    from unittest import mock

    with mock.patch("halqa.notifications.services.timezone.now", return_value=monkey_now):
        assert settle(tick) == ["notification-digests"]
        assert settle(tick) == []  # the second scheduler finds the slot taken
    assert [m["to"] for m in smtp_server.messages] == [[w.colleague.email]]
