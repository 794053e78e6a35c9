"""A community meeting's preparation list (issue 12, seed 004 stage 4): participants and the
organiser add sources with a note; whoever sees the meeting reads the list; who added a source or
the organiser removes it; bad input refused with nothing changed; the same through the API and the
page; a case session keeps reading its case's list."""

from __future__ import annotations

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.http import Http404
from django.urls import reverse

from halqa.cases.models import PreparationItem
from halqa.communities.models import Role, Visibility
from halqa.communities.tests.factories import CommunityFactory
from halqa.events.models import Event, Verb
from halqa.meetings import services

from .test_api import API, api_as
from .test_services import when

pytestmark = pytest.mark.django_db


@pytest.fixture
def a(world):
    """A members-only community (Cyrus facilitates; Eve a member, Parisa a guest) and its meeting."""
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


SOURCE = {"title": "Exit tickets that work", "url": "https://example.org/exit", "note": "Short and kind."}


def test_participants_and_the_organiser_add_sources_and_everyone_who_sees_reads_them(a):
    services.sign_up(a.meeting, actor=a.expert)
    mine = services.add_source(a.meeting, actor=a.expert, **SOURCE)
    theirs = services.add_source(a.meeting, actor=a.colleague, title="Our notes", note="")
    assert mine.meeting_id == a.meeting.pk and mine.case_id is None and mine.added_by == a.expert
    assert Event.objects.filter(verb=Verb.MEETING_PREPARATION_ADDED, target_id=a.meeting.pk, actor=a.expert).exists()
    listed = api_as(a.expert).get(f"{API}{a.meeting.pk}/preparation/")
    assert listed.status_code == 200
    assert [row["title"] for row in listed.json()] == ["Exit tickets that work", "Our notes"]
    assert listed.json()[0]["note"] == "Short and kind."
    # The organiser removes any; the expert only their own.
    with pytest.raises(PermissionDenied):
        services.remove_source(theirs, actor=a.expert)
    services.remove_source(mine, actor=a.expert)
    assert api_as(a.colleague).delete(f"{API}{a.meeting.pk}/preparation/{theirs.pk}/").status_code == 204
    assert not PreparationItem.objects.filter(meeting=a.meeting).exists()
    assert Event.objects.filter(verb=Verb.MEETING_PREPARATION_REMOVED, target_id=a.meeting.pk).count() == 2


@pytest.mark.parametrize("who", ["expert", "teacher", "parent", "other_teacher", "foreign_teacher"])
def test_who_does_not_take_part_may_not_add(a, who):
    """A member who has not signed up reads but may not add (403); others do not see it (404)."""
    with pytest.raises((PermissionDenied, Http404)):
        services.add_source(a.meeting, actor=getattr(a, who), **SOURCE)
    answer = api_as(getattr(a, who)).post(f"{API}{a.meeting.pk}/preparation/", SOURCE, format="json")
    assert answer.status_code == (403 if who == "expert" else 404)
    assert not PreparationItem.objects.exists()
    if who != "expert":
        assert api_as(getattr(a, who)).get(f"{API}{a.meeting.pk}/preparation/").status_code == 404
    assert api_as(None).get(f"{API}{a.meeting.pk}/preparation/").status_code in (401, 403)


def test_a_stranger_may_not_remove_and_a_cancelled_meeting_takes_no_source(a):
    item = services.add_source(a.meeting, actor=a.colleague, **SOURCE)
    assert api_as(a.other_teacher).delete(f"{API}{a.meeting.pk}/preparation/{item.pk}/").status_code == 404
    assert api_as(a.expert).delete(f"{API}{a.meeting.pk}/preparation/{item.pk}/").status_code == 403
    services.cancel_meeting(a.meeting, actor=a.colleague)
    with pytest.raises(ValidationError):
        services.add_source(a.meeting, actor=a.colleague, **SOURCE)
    assert PreparationItem.objects.filter(meeting=a.meeting).count() == 1


@pytest.mark.parametrize(
    ("fields", "field"),
    [
        ({"title": ""}, "title"),
        ({"title": "A\x00B"}, "title"),
        ({"title": "x" * 201}, "title"),
        ({"note": "n" * 2001}, "note"),
        ({"note": "bad\x00"}, "note"),
        ({"url": "javascript:alert(1)"}, "url"),
        ({"url": "ftp://example.org/x"}, "url"),
        ({"url": "https://" + "e" * 600 + ".org"}, "url"),
    ],
)
def test_bad_input_is_refused_with_nothing_changed(a, fields, field):
    with pytest.raises(ValidationError) as refused:
        services.add_source(a.meeting, actor=a.colleague, **{**SOURCE, **fields})
    assert field in refused.value.message_dict
    answer = api_as(a.colleague).post(f"{API}{a.meeting.pk}/preparation/", {**SOURCE, **fields}, format="json")
    assert answer.status_code == 400
    nul = any("\x00" in value for value in fields.values())  # a NUL body is refused before parsing
    assert field in answer.json() or nul
    assert not PreparationItem.objects.exists()
    assert not Event.objects.filter(verb=Verb.MEETING_PREPARATION_ADDED).exists()


def test_exactly_one_of_case_or_meeting(a):
    with pytest.raises(IntegrityError), transaction.atomic():
        PreparationItem.objects.create(title="Nowhere")


def test_the_page_shows_the_list_and_adds_through_its_form(a, client):
    services.sign_up(a.meeting, actor=a.expert)
    client.force_login(a.expert)
    page = client.get(reverse("meetings:detail", args=[a.meeting.pk]))
    assert page.status_code == 200 and reverse("meetings:source_add", args=[a.meeting.pk]).encode() in page.content
    bad = client.post(reverse("meetings:source_add", args=[a.meeting.pk]), {"title": "X", "url": "javascript:x"})
    assert bad.status_code == 400 and not PreparationItem.objects.exists()
    done = client.post(reverse("meetings:source_add", args=[a.meeting.pk]), SOURCE)
    assert done.status_code == 302
    item = PreparationItem.objects.get(meeting=a.meeting)
    page = client.get(reverse("meetings:detail", args=[a.meeting.pk]))
    assert b"Exit tickets that work" in page.content and b"Short and kind." in page.content
    assert b'href="https://example.org/exit"' in page.content
    # A member who has not signed up reads the list, without the form or a remove button.
    client.force_login(a.teacher)
    assert client.get(reverse("meetings:detail", args=[a.meeting.pk])).status_code == 404
    client.force_login(a.other_teacher)
    assert client.post(reverse("meetings:source_remove", args=[a.meeting.pk, item.pk])).status_code == 404
    client.force_login(a.expert)
    assert client.post(reverse("meetings:source_remove", args=[a.meeting.pk, item.pk])).status_code == 302
    assert not PreparationItem.objects.exists()


@pytest.mark.parametrize(
    "body",
    [{}, {"title": None}, {"title": ["a"]}, {"title": "A", "url": {"x": 1}}, {"title": "A", "note": None}],
)
def test_the_api_refuses_malformed_bodies(a, body):
    answer = api_as(a.colleague).post(f"{API}{a.meeting.pk}/preparation/", body, format="json")
    assert answer.status_code == 400
    assert not PreparationItem.objects.exists()


def test_a_case_sessions_list_is_its_cases_and_takes_no_source_here(a):
    from halqa.cases import services as cases
    from halqa.cases.models import Case, Stage

    from .test_services import STORY

    case = cases.submit_case(actor=a.teacher, school=a.school, **STORY)
    cases.triage(case, actor=a.principal, community=a.community, assign=True)
    cases.add_to_group(case, actor=a.principal, person=a.colleague, role="lead")
    cases.move(Case.objects.get(pk=case.pk), actor=a.principal, to=Stage.MATCHED)
    cases.add_preparation_item(case, actor=a.colleague, title="The case's own source")
    session = services.create_meeting(actor=a.colleague, case=case, title="Session", place="Library", **when())
    listed = api_as(a.teacher).get(f"{API}{session.pk}/preparation/")
    assert [row["title"] for row in listed.json()] == ["The case's own source"]
    answer = api_as(a.colleague).post(f"{API}{session.pk}/preparation/", SOURCE, format="json")
    assert answer.status_code == 400
    assert PreparationItem.objects.filter(meeting__isnull=False).count() == 0


def test_a_library_item_as_a_source_is_a_link_only_for_who_may_see_it(a, client):
    from halqa.library import services as library

    draft = library.start(actor=a.colleague, title="Our exit-ticket guide", body="Steps.", language="en")
    services.sign_up(a.meeting, actor=a.expert)
    # The expert may not see the facilitator's draft: they may not add it, and see no link to it.
    with pytest.raises(ValidationError) as refused:
        services.add_source(a.meeting, actor=a.expert, product=draft)
    assert "product" in refused.value.message_dict
    answer = api_as(a.expert).post(f"{API}{a.meeting.pk}/preparation/", {"product": draft.pk}, format="json")
    assert answer.status_code == 400 and "product" in answer.json()
    assert (
        api_as(a.expert).post(f"{API}{a.meeting.pk}/preparation/", {"product": 99999999}, format="json").status_code
        == 400
    )
    assert not PreparationItem.objects.exists()
    added = api_as(a.colleague).post(f"{API}{a.meeting.pk}/preparation/", {"product": draft.pk}, format="json")
    assert added.status_code == 201 and added.json()["title"] == "Our exit-ticket guide"
    assert added.json()["product"] == draft.pk
    link = reverse("library:product", args=[draft.pk]).encode()
    client.force_login(a.colleague)
    assert link in client.get(reverse("meetings:detail", args=[a.meeting.pk])).content
    client.force_login(a.expert)
    page = client.get(reverse("meetings:detail", args=[a.meeting.pk]))
    assert b"Our exit-ticket guide" in page.content and link not in page.content
    assert api_as(a.expert).get(f"{API}{a.meeting.pk}/preparation/").json()[0]["product"] is None
