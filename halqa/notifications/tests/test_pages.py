"""The bell, the list, mark read and the settings page: who may, who may not, bad input, query bounds."""

from __future__ import annotations

import pytest
from django.urls import reverse
from django.utils import timezone

from halqa.communities.models import Role
from halqa.events import record
from halqa.events.models import Verb
from halqa.notifications.models import Channel, Kind, Notification, Preference

from .conftest import membership

pytestmark = pytest.mark.django_db

LIST = reverse("notifications:list")
SETTINGS = reverse("notifications:settings")
READ_ALL = reverse("notifications:read_all")


def notify(scene, person, count=1, kind=Kind.ROLE_CHANGED, actor=None):
    """`count` notifications of a role change for `person`, made directly (the scene, not the listener)."""
    rows = []
    for _n in range(count):
        event = record(
            Verb.ROLE_CHANGED,
            actor=actor or scene.teacher,
            target=membership(scene.community, person),
            community=scene.community,
            after={"role": Role.EXPERT},
        )
        rows.append(Notification.objects.create(recipient=person, event=event, kind=kind, channel=Channel.DIGEST))
    return rows


def bell_count(response) -> str:
    html = response.content.decode()
    start = html.index('class="chip chip-accent" aria-hidden="true">') + len(
        'class="chip chip-accent" aria-hidden="true">'
    )
    return html[start : html.index("<", start)]


def test_the_bell_shows_the_unread_count_in_the_same_number_of_queries_however_many(
    scene, login, django_assert_num_queries
):
    client = login(scene.colleague)
    notify(scene, scene.colleague, 2)
    notify(scene, scene.expert, 3)  # someone else's
    few = client.get(reverse("accounts:security"))
    assert bell_count(few) == "2"
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as small:
        client.get(reverse("accounts:security"))
    notify(scene, scene.colleague, 30)
    with CaptureQueriesContext(connection) as large:
        response = client.get(reverse("accounts:security"))
    assert bell_count(response) == "32"
    assert len(large.captured_queries) == len(small.captured_queries)
    counting = [q["sql"] for q in large.captured_queries if "notifications_notification" in q["sql"]]
    assert len(counting) == 1 and "COUNT" in counting[0].upper()


def test_no_bell_number_when_everything_is_read(scene, login):
    notify(scene, scene.colleague, 2)
    Notification.objects.update(read_at=timezone.now())
    html = login(scene.colleague).get(reverse("accounts:security")).content.decode()
    assert LIST in html and 'class="chip chip-accent" aria-hidden="true"' not in html


def test_the_list_shows_only_ones_own_newest_first_with_sentence_and_link(scene, login):
    old, new = notify(scene, scene.colleague, 2)
    notify(scene, scene.expert, 1)
    response = login(scene.colleague).get(LIST)
    assert response.status_code == 200
    html = response.content.decode()
    assert html.count("</bdi> changed your role in") == 2
    assert html.count(f'href="/communities/{scene.community.pk}/"') == 2
    assert html.index(reverse("notifications:read", args=[new.pk])) < html.index(
        reverse("notifications:read", args=[old.pk])
    )
    assert "<time datetime=" in html


def test_the_list_is_paginated_and_query_bounded(scene, login, django_assert_max_num_queries):
    client = login(scene.colleague)
    notify(scene, scene.colleague, 3)
    client.get(LIST)  # the first request warms caches (content types, the session)
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as small:
        client.get(LIST)
    notify(scene, scene.colleague, 40)
    with CaptureQueriesContext(connection) as large:
        response = client.get(LIST)
    assert len(large.captured_queries) == len(small.captured_queries)
    assert response.content.decode().count("</bdi> changed your role in") == 25
    second = client.get(LIST, {"page": 2}).content.decode()
    assert second.count("</bdi> changed your role in") == 18


def test_a_private_actor_is_named_only_to_who_may_see_them(scene, login):
    """A parent's name never reaches a reader who may not see that parent in the directory."""
    notify(scene, scene.colleague, 1, actor=scene.parent)
    html = login(scene.colleague).get(LIST).content.decode()
    assert "Parent Parisa" not in html and "Someone" in html
    notify(scene, scene.parent, 1, actor=scene.teacher)
    assert "Teacher Tala" in login(scene.parent).get(LIST).content.decode()  # staff are public


def test_unread_only(scene, login):
    first, second = notify(scene, scene.colleague, 2)
    Notification.objects.filter(pk=first.pk).update(read_at=timezone.now())
    html = login(scene.colleague).get(LIST, {"unread": "1"}).content.decode()
    assert html.count("</bdi> changed your role in") == 1


def test_signed_out_people_are_sent_to_sign_in(client):
    for url in (LIST, SETTINGS):
        response = client.get(url)
        assert response.status_code == 302 and reverse("account_login") in response["Location"]
    for url in (READ_ALL, reverse("notifications:read", args=[1])):
        response = client.post(url)
        assert response.status_code == 302 and reverse("account_login") in response["Location"]


def test_mark_one_read(scene, login):
    [mine] = notify(scene, scene.colleague)
    response = login(scene.colleague).post(reverse("notifications:read", args=[mine.pk]), {"next": LIST + "?page=1"})
    assert response.status_code == 302 and response["Location"] == LIST + "?page=1"
    mine.refresh_from_db()
    assert mine.read_at is not None


def test_someone_elses_notification_is_not_found_and_stays_unread(scene, login):
    [theirs] = notify(scene, scene.expert)
    response = login(scene.colleague).post(reverse("notifications:read", args=[theirs.pk]))
    assert response.status_code == 404
    theirs.refresh_from_db()
    assert theirs.read_at is None


def test_reading_goes_back_only_to_this_site(scene, login):
    [mine] = notify(scene, scene.colleague)
    response = login(scene.colleague).post(
        reverse("notifications:read", args=[mine.pk]), {"next": "https://evil.example/"}
    )
    assert response["Location"] == LIST


def test_mark_read_needs_post(scene, login):
    [mine] = notify(scene, scene.colleague)
    assert login(scene.colleague).get(reverse("notifications:read", args=[mine.pk])).status_code == 405
    assert login(scene.colleague).get(READ_ALL).status_code == 405


def test_mark_all_read_touches_only_ones_own(scene, login):
    notify(scene, scene.colleague, 3)
    [theirs] = notify(scene, scene.expert)
    response = login(scene.colleague).post(READ_ALL)
    assert response.status_code == 302
    assert not Notification.objects.filter(recipient=scene.colleague, read_at__isnull=True).exists()
    theirs.refresh_from_db()
    assert theirs.read_at is None


def test_mark_all_read_needs_the_csrf_token(scene):
    from django.test import Client

    client = Client(enforce_csrf_checks=True)
    client.force_login(scene.colleague)
    notify(scene, scene.colleague)
    assert client.post(READ_ALL).status_code == 403
    assert Notification.objects.filter(read_at__isnull=True).count() == 1


def test_the_settings_page_shows_the_defaults_and_saves_a_choice(scene, login):
    client = login(scene.colleague)
    html = client.get(SETTINGS).content.decode()
    assert 'name="role_changed" value="digest" required id="id_role_changed_1" checked' in html
    assert 'name="decision_signed" value="immediately" required id="id_decision_signed_0" checked' in html
    assert "The invitation itself always comes by email" in html
    choices = dict.fromkeys(Kind.values, Channel.IMMEDIATELY) | {Kind.DECISION_SIGNED: Channel.OFF}
    response = client.post(SETTINGS, choices)
    assert response.status_code == 302
    assert Preference.objects.get(person=scene.colleague, kind=Kind.DECISION_SIGNED).channel == Channel.OFF
    assert Preference.objects.get(person=scene.colleague, kind=Kind.ROLE_CHANGED).channel == Channel.IMMEDIATELY


def test_the_settings_page_refuses_an_unknown_channel_in_the_readers_language(scene, login):
    scene.colleague.preferred_language = "ar"
    scene.colleague.save()
    choices = dict.fromkeys(Kind.values, Channel.IMMEDIATELY) | {Kind.INVITED: "pigeon"}
    response = login(scene.colleague).post(SETTINGS, choices)
    assert response.status_code == 400
    assert "pigeon" in response.content.decode() and 'lang="ar"' in response.content.decode()
    assert not Preference.objects.exists()


def test_a_nul_in_the_settings_form_is_refused(scene, login):
    choices = dict.fromkeys(Kind.values, Channel.IMMEDIATELY) | {Kind.INVITED: "off\x00"}
    response = login(scene.colleague).post(SETTINGS, choices)
    assert response.status_code == 400
    assert not Preference.objects.exists()
