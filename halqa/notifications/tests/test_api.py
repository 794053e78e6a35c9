"""The notifications API: one's own only, paginated, read one or all, the channel per kind."""

from __future__ import annotations

import pytest
from django.utils import timezone

from halqa.notifications.models import Channel, Kind, Notification, Preference

from .test_pages import notify

pytestmark = pytest.mark.django_db

API = "/api/v1/notifications/"


@pytest.fixture
def as_(api):
    def sign_in(person):
        api.force_login(person)
        return api

    return sign_in


def test_the_list_is_ones_own_newest_first(scene, as_):
    old, new = notify(scene, scene.colleague, 2)
    notify(scene, scene.expert, 1)
    data = as_(scene.colleague).get(API).json()
    assert data["count"] == 2
    assert [item["id"] for item in data["results"]] == [new.pk, old.pk]
    first = data["results"][0]
    assert first["kind"] == "role_changed" and first["read_at"] is None
    assert first["text"] == "Teacher Tala changed your role in “Grade 8 Mathematics PLC” to Expert"
    assert first["link"] == f"/communities/{scene.community.pk}/"


def test_the_list_is_paginated_and_query_bounded(scene, as_, django_assert_max_num_queries):
    api = as_(scene.colleague)
    notify(scene, scene.colleague, 30)
    api.get(API)
    with django_assert_max_num_queries(8):
        data = api.get(API).json()
    assert data["count"] == 30 and len(data["results"]) == 25 and data["next"]


def test_unread_only(scene, as_):
    first, _second = notify(scene, scene.colleague, 2)
    Notification.objects.filter(pk=first.pk).update(read_at=timezone.now())
    api = as_(scene.colleague)
    assert api.get(API, {"unread": "true"}).json()["count"] == 1
    assert api.get(API, {"unread": "false"}).json()["count"] == 2
    refused = api.get(API, {"unread": "maybe"})
    assert refused.status_code == 400 and "unread" in refused.json()


def test_signed_out_callers_are_refused(api):
    assert api.get(API).status_code in (401, 403)
    assert api.post(f"{API}1/read/").status_code in (401, 403)
    assert api.post(f"{API}read-all/").status_code in (401, 403)
    assert api.get(f"{API}preferences/").status_code in (401, 403)
    assert api.put(f"{API}preferences/", {}, format="json").status_code in (401, 403)


def test_mark_one_read(scene, as_):
    [mine] = notify(scene, scene.colleague)
    response = as_(scene.colleague).post(f"{API}{mine.pk}/read/")
    assert response.status_code == 200 and response.json()["read_at"]
    mine.refresh_from_db()
    assert mine.read_at is not None


def test_someone_elses_notification_answers_404(scene, as_):
    [theirs] = notify(scene, scene.expert)
    response = as_(scene.colleague).post(f"{API}{theirs.pk}/read/")
    assert response.status_code == 404
    theirs.refresh_from_db()
    assert theirs.read_at is None
    assert as_(scene.colleague).post(f"{API}999999999/read/").status_code == 404


def test_mark_all_read(scene, as_):
    notify(scene, scene.colleague, 3)
    [theirs] = notify(scene, scene.expert)
    response = as_(scene.colleague).post(f"{API}read-all/")
    assert response.status_code == 200 and response.json() == {"marked": 3}
    theirs.refresh_from_db()
    assert theirs.read_at is None


def test_preferences_start_at_the_defaults(scene, as_):
    from halqa.notifications.kinds import DEFAULTS

    answer = as_(scene.colleague).get(f"{API}preferences/").json()
    assert answer == {str(kind): str(channel) for kind, channel in DEFAULTS.items()}
    assert {
        "decision_signed": "immediately",
        "role_changed": "digest",
        "case_moved": "digest",
    }.items() <= answer.items()


def test_preferences_change_only_the_kinds_given(scene, as_):
    api = as_(scene.colleague)
    response = api.put(f"{API}preferences/", {"decision_signed": "off"}, format="json")
    assert response.status_code == 200
    assert response.json()["decision_signed"] == "off" and response.json()["role_changed"] == "digest"
    assert Preference.objects.get(person=scene.colleague).channel == Channel.OFF
    assert api.get(f"{API}preferences/").json()["decision_signed"] == "off"


def test_an_unknown_kind_is_refused(scene, as_):
    response = as_(scene.colleague).put(f"{API}preferences/", {"weather": "off"}, format="json")
    assert response.status_code == 400
    assert response.json() == {"weather": ["Unknown kind of notification."]}
    assert not Preference.objects.exists()


def test_an_unknown_channel_is_refused_in_the_callers_language(scene, as_):
    scene.colleague.preferred_language = "ar"
    scene.colleague.save()
    response = as_(scene.colleague).put(
        f"{API}preferences/", {Kind.INVITED: "pigeon"}, format="json", HTTP_ACCEPT_LANGUAGE="ar"
    )
    assert response.status_code == 400
    message = response.json()["invited"][0]
    assert "pigeon" in message and "is not a valid choice" not in message  # DRF's sentence, in Arabic
    assert not Preference.objects.exists()


def test_a_nul_is_refused(scene, as_):
    response = as_(scene.colleague).put(f"{API}preferences/", {Kind.INVITED: "off\x00"}, format="json")
    assert response.status_code == 400
    assert not Preference.objects.exists()
    assert as_(scene.colleague).get(API, {"unread": "tr\x00ue"}).status_code == 400
