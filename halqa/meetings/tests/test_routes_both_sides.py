"""The routes the authorization gate found without a test of one side or the other: each is asked by
someone who may (the organiser, the contributor) and by someone who may not know the meeting or
the case exists (a teacher of another school: 404), with nothing changed."""

from __future__ import annotations

import pytest
from django.test import Client
from django.urls import reverse

from halqa.cases import services as cases
from halqa.cases.models import CaseMember, PreparationItem
from halqa.cases.tests.test_records import rec  # noqa: F401  (the case fixture)
from halqa.meetings.models import AgendaItem, Participant

from .test_api import API, a, api_as  # noqa: F401  (the meeting fixture)

pytestmark = pytest.mark.django_db


def page_as(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def test_the_agenda_through_the_api_on_both_sides(a):  # noqa: F811
    url = f"{API}{a.meeting.pk}/agenda/"
    assert api_as(a.other_teacher).post(url, {"title": "Intro"}, format="json").status_code == 404
    assert api_as(a.colleague).post(url, {"title": "Intro", "minutes": 10}, format="json").status_code == 200
    item = AgendaItem.objects.get(meeting=a.meeting, title="Intro")
    assert api_as(a.other_teacher).delete(f"{url}{item.pk}/").status_code == 404
    assert AgendaItem.objects.filter(pk=item.pk).exists()
    assert api_as(a.colleague).delete(f"{url}{item.pk}/").status_code == 200
    assert not AgendaItem.objects.filter(pk=item.pk).exists()


@pytest.mark.parametrize("action", ["invite", "minutes", "prepared", "sign-up"])
def test_a_stranger_may_not_know_the_meeting_exists(a, action):  # noqa: F811
    before = Participant.objects.filter(meeting=a.meeting).count()
    body = {"people": [a.other_teacher.pk], "notes": "x", "decisions": ""}
    assert api_as(a.other_teacher).post(f"{API}{a.meeting.pk}/{action}/", body, format="json").status_code == 404
    assert Participant.objects.filter(meeting=a.meeting).count() == before


def test_a_stranger_may_not_add_to_a_meetings_reading_list(a):  # noqa: F811
    url = reverse("meetings:source_add", args=[a.meeting.pk])
    assert page_as(a.other_teacher).post(url, {"title": "Mine"}).status_code == 404
    assert not PreparationItem.objects.filter(meeting=a.meeting).exists()


def test_a_case_source_is_removed_by_its_author_and_not_by_a_stranger(rec):  # noqa: F811
    item = cases.add_preparation_item(rec.case, actor=rec.colleague, title="A source")
    url = reverse("cases:preparation_remove", args=[rec.case.pk, item.pk])
    assert page_as(rec.other_teacher).post(url).status_code == 404
    assert PreparationItem.objects.filter(pk=item.pk).exists()
    assert page_as(rec.colleague).post(url).status_code == 302
    assert not PreparationItem.objects.filter(pk=item.pk).exists()


def test_a_stranger_may_not_mark_themself_prepared_on_a_case(rec):  # noqa: F811
    url = reverse("cases:prepared", args=[rec.case.pk])
    assert page_as(rec.other_teacher).post(url, {"prepared": "1"}).status_code == 404
    assert not CaseMember.objects.filter(case=rec.case, prepared_at__isnull=False).exists()
