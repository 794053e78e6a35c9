"""The personal calendar feed: a private, revocable, unguessable URL with every meeting one
organises or takes part in; a wrong or revoked key reveals nothing; a community one has left is not
in it; a fixed number of queries; the settings page and the API."""

from __future__ import annotations

import datetime as dt

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from halqa.accounts.tokens import hash_key
from halqa.cases import services as cases
from halqa.cases.models import Stage
from halqa.communities import services as communities
from halqa.communities.models import Membership
from halqa.events.models import Event, Verb
from halqa.meetings import services
from halqa.meetings.models import CalendarFeed, Rsvp

from . import test_services
from .test_ics import component, parse
from .test_services import circle, when

m = test_services.m  # the fixture


def feed_url(key: str) -> str:
    return reverse("meetings:feed_ics", args=[key])


def uids(response) -> dict[str, str]:
    """UID → STATUS of every VEVENT in the feed."""
    events = component(parse(response.content), "VEVENT")
    return {
        next(v for n, _p, v in event if n == "UID"): next(v for n, _p, v in event if n == "STATUS") for event in events
    }


@pytest.mark.django_db
def test_the_feed_has_my_meetings_and_nobody_elses(m, client):
    mine = circle(m, title="Exit tickets, together")
    services.invite(mine, actor=m.colleague, people=[m.expert])
    declined = circle(m, title="Declined one", **when(days=9))
    services.invite(declined, actor=m.colleague, people=[m.expert])
    services.respond(declined, actor=m.expert, rsvp=Rsvp.NO)
    circle(m, title="Not invited", **when(days=10))  # announced: Eve sees it, but does not take part
    cancelled = circle(m, title="Called off", **when(days=11))
    services.invite(cancelled, actor=m.colleague, people=[m.expert])
    services.cancel_meeting(cancelled, actor=m.colleague)

    key = services.renew_feed(actor=m.expert)
    response = client.get(feed_url(key))  # no session: the key is the permission
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/calendar")
    assert "no-store" in response["Cache-Control"]
    found = uids(response)
    host = "testserver"
    assert found == {f"meeting-{mine.pk}@{host}": "CONFIRMED", f"meeting-{cancelled.pk}@{host}": "CANCELLED"}
    body = response.content.decode()
    assert "Not invited" not in body and "Declined one" not in body
    assert "BEGIN:VTIMEZONE" in body and "TZID:Asia/Tehran" in body
    # the organiser's feed has all of their upcoming ones (the cancelled one still ahead, as cancelled)
    organiser = uids(client.get(feed_url(services.renew_feed(actor=m.colleague))))
    assert len(organiser) == 4 and organiser[f"meeting-{cancelled.pk}@{host}"] == "CANCELLED"


@pytest.mark.django_db
def test_a_wrong_a_revoked_or_a_malformed_key_is_a_plain_404(m, client):
    circle(m, title="Secret circle")
    old = services.renew_feed(actor=m.colleague)
    new = services.renew_feed(actor=m.colleague)  # renewing revokes the old key
    assert CalendarFeed.objects.filter(user=m.colleague).count() == 1
    assert CalendarFeed.objects.get(user=m.colleague).key_hash == hash_key(new)
    assert new not in str(list(CalendarFeed.objects.values_list("key_hash", flat=True)))  # only the hash is kept
    for key in (old, new[:-1] + ("A" if new[-1] != "A" else "B"), "x", "a" * 5000, "%00" + new):
        response = client.get(feed_url(key) if "/" not in key else "/meetings/feed/x.ics")
        assert response.status_code == 404
        assert b"Secret circle" not in response.content and b"VCALENDAR" not in response.content
    assert client.get(feed_url(new)).status_code == 200
    assert services.stop_feed(actor=m.colleague) is True
    assert client.get(feed_url(new)).status_code == 404
    assert services.stop_feed(actor=m.colleague) is False
    verbs = list(
        Event.objects.filter(actor=m.colleague, verb__startswith="meeting.feed").values_list("verb", flat=True)
    )
    assert sorted(verbs) == sorted([Verb.MEETING_FEED_RENEWED] * 2 + [Verb.MEETING_FEED_STOPPED])


@pytest.mark.django_db
def test_an_inactive_persons_feed_stops(m, client):
    key = services.renew_feed(actor=m.expert)
    m.expert.is_active = False
    m.expert.save(update_fields=["is_active"])
    assert client.get(feed_url(key)).status_code == 404


@pytest.mark.django_db
def test_a_community_one_has_left_is_not_in_the_feed(m, client):
    meeting = circle(m, title="Members only circle")
    services.sign_up(meeting, actor=m.expert)
    key = services.renew_feed(actor=m.expert)
    assert b"Members only circle" in client.get(feed_url(key)).content
    communities.leave(m.community, actor=m.expert)
    assert Membership.objects.get(community=m.community, user=m.expert).status == "left"
    body = client.get(feed_url(key)).content
    assert b"Members only circle" not in body and b"BEGIN:VCALENDAR" in body


@pytest.mark.django_db
def test_a_case_session_leaves_the_feed_with_access_to_the_case(m, client):
    cases.move(m.case, actor=m.principal, to=Stage.MATCHED)
    session = services.create_meeting(
        actor=m.colleague,
        case=m.case,
        title="Case session on exit tickets",
        place="Room 3",
        **when(days=5),
    )
    key = services.renew_feed(actor=m.colleague)
    assert b"Case session on exit tickets" in client.get(feed_url(key)).content
    # another school's teacher has no feed of it, even with a place forced into the database
    from halqa.meetings.models import Participant

    Participant.objects.create(meeting=session, user=m.other_teacher)
    other = services.renew_feed(actor=m.other_teacher)
    assert b"Case session on exit tickets" not in client.get(feed_url(other)).content


@pytest.mark.django_db
def test_the_feed_runs_a_fixed_number_of_queries(m, client):
    key = services.renew_feed(actor=m.colleague)
    circle(m, title="First")
    client.get(feed_url(key))  # warm whatever is cached per process
    with CaptureQueriesContext(connection) as one:
        assert client.get(feed_url(key)).status_code == 200
    for number in range(49):
        circle(m, title=f"Circle {number}", **when(days=2 + number % 20, tz="Europe/Berlin" if number % 2 else "UTC"))
    with CaptureQueriesContext(connection) as fifty:
        response = client.get(feed_url(key))
    assert len(uids(response)) == 50
    assert len(fifty) == len(one)


@pytest.mark.django_db
def test_the_feed_page_shows_the_address_once_and_renews_it(m, client):
    assert client.get(reverse("meetings:feed")).status_code == 302  # anonymous: to the login page
    client.force_login(m.expert)
    page = client.get(reverse("meetings:feed"))
    assert page.status_code == 200 and "/meetings/feed/" not in page.content.decode().replace(
        reverse("meetings:feed") + '"', ""
    )
    assert reverse("meetings:feed") in client.get(reverse("meetings:list")).content.decode()
    response = client.post(reverse("meetings:feed"), {"action": "renew"}, follow=True)
    text = response.content.decode()
    first = text.split('id="feed-url"', 1)[1].split('value="', 1)[1].split('"', 1)[0]
    key = first.rsplit("/", 1)[1].removesuffix(".ics")
    assert CalendarFeed.objects.get(user=m.expert).key_hash == hash_key(key)
    assert 'id="feed-url"' not in client.get(reverse("meetings:feed")).content.decode()  # shown once
    client.post(reverse("meetings:feed"), {"action": "renew"})
    assert client.get(feed_url(key)).status_code == 404  # the old address stopped
    client.post(reverse("meetings:feed"), {"action": "stop"})
    assert not CalendarFeed.objects.filter(user=m.expert).exists()


@pytest.mark.django_db
def test_the_feed_through_the_api(m, client):
    url = "/api/v1/meetings/feed/"
    assert client.get(url).status_code in (401, 403)
    assert client.post(url).status_code in (401, 403)
    client.force_login(m.expert)
    assert client.get(url).json() == {"active": False, "created_at": None, "url": None}
    made = client.post(url)
    assert made.status_code == 201
    address = made.json()["url"]
    assert address.startswith("http://testserver/meetings/feed/") and address.endswith(".ics")
    shown = client.get(url).json()
    assert shown["active"] is True and shown["url"] is None
    renewed = client.post(url).json()["url"]
    assert renewed != address
    client.logout()
    assert client.get(address.removeprefix("http://testserver")).status_code == 404
    assert client.get(renewed.removeprefix("http://testserver")).status_code == 200
    client.force_login(m.expert)
    assert client.delete(url).status_code == 204
    assert client.get(renewed.removeprefix("http://testserver")).status_code == 404


@pytest.mark.django_db
def test_the_feed_keeps_ninety_days_of_past_meetings_and_drops_past_cancelled_ones(m, client):
    from django.utils import timezone

    from halqa.meetings.models import Meeting, Status

    now = timezone.now()
    for title, days, status in (
        ("Last month", 30, Status.SCHEDULED),
        ("Last year", 120, Status.SCHEDULED),
        ("Called off last week", 7, Status.CANCELLED),
    ):
        meeting = circle(m, title=title)
        Meeting.objects.filter(pk=meeting.pk).update(
            starts_at=now - dt.timedelta(days=days),
            ends_at=now - dt.timedelta(days=days) + dt.timedelta(hours=1),
            status=status,
        )
    body = client.get(feed_url(services.renew_feed(actor=m.colleague))).content
    assert b"Last month" in body
    assert b"Last year" not in body and b"Called off last week" not in body


@pytest.mark.django_db
def test_leaving_a_community_ends_ones_place_in_its_meetings_but_not_an_outside_guests(m, client):
    """Whoever leaves the community stops seeing the meeting they had signed up for (page, list and
    answers), as the feed already stopped showing it; an invited person from outside keeps theirs."""
    from halqa.meetings.access import RESPOND, VIEW, meeting_access

    meeting = circle(m, title="Members only circle", announced=True)
    services.sign_up(meeting, actor=m.expert)
    services.invite(meeting, actor=m.colleague, people=[m.foreign_teacher])
    assert meeting_access.visible(m.expert).filter(pk=meeting.pk).exists()
    communities.leave(m.community, actor=m.expert)

    for person, sees in ((m.expert, False), (m.foreign_teacher, True)):
        assert meeting_access.visible(person).filter(pk=meeting.pk).exists() is sees, person
        assert (VIEW in meeting_access.allowed(person, meeting)) is sees, person
        assert meeting_access.rows(person, RESPOND).filter(pk=meeting.pk).exists() is sees, person
        client.force_login(person)
        assert client.get(reverse("meetings:detail", args=[meeting.pk])).status_code == (200 if sees else 404)
