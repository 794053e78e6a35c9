"""The work program (activities): who reads it, who plans it, refused input, and what the
community page shows as coming next on a given day (the clock frozen, the scene's dates fixed).

Pages, API and services side by side; the scene is `plc` (conftest.py) on the suite's `world`.
"""

from __future__ import annotations

import datetime as dt

import pytest
from freezegun import freeze_time

from halqa.communities.models import Activity, ActivityStatus
from halqa.communities.tests.conftest import TODAY, page_url, url
from halqa.communities.tests.factories import ActivityFactory

pytestmark = pytest.mark.django_db


def test_work_program_kept_by_facilitators(world, plc, client):
    client.force_login(world.colleague)
    assert client.get(page_url("program", plc.community.pk)).status_code == 200
    assert (
        client.post(
            page_url("program", plc.community.pk),
            {"title": "x", "format": "meeting", "starts_on": "2026-12-01", "status": "planned"},
        ).status_code
        == 403
    )
    assert client.get(page_url("activity_edit", plc.community.pk, plc.activity.pk)).status_code == 403
    assert client.post(page_url("activity_delete", plc.community.pk, plc.activity.pk)).status_code == 403
    client.force_login(world.teacher)
    data = {
        "title": "Lesson study",
        "format": "lesson_study",
        "starts_on": "2026-12-01",
        "status": "planned",
        "responsible": world.colleague.pk,
    }
    assert client.post(page_url("program", plc.community.pk), data).status_code == 302
    assert (
        client.post(
            page_url("activity_edit", plc.community.pk, plc.activity.pk), {**data, "status": "done"}
        ).status_code
        == 302
    )
    plc.activity.refresh_from_db()
    assert plc.activity.status == "done"
    assert client.post(page_url("activity_delete", plc.community.pk, plc.activity.pk)).status_code == 302


def test_bad_activity_input(world, plc, client):
    client.force_login(world.teacher)
    data = {"title": "x", "format": "meeting", "starts_on": "2026-12-10", "ends_on": "2026-12-01", "status": "planned"}
    response = client.post(page_url("program", plc.community.pk), data)
    assert response.status_code == 400
    assert "cannot be before" in response.content.decode()
    stranger = {**data, "ends_on": "", "responsible": world.other_teacher.pk}
    assert client.post(page_url("program", plc.community.pk), stranger).status_code == 400
    assert Activity.objects.filter(community=plc.community).count() == 2


def test_program_hidden_from_strangers(world, plc, client):
    client.force_login(world.foreign_teacher)
    assert client.get(page_url("program", plc.community.pk)).status_code == 404


@pytest.mark.parametrize("who", ["parent", "colleague", "newcomer", "principal"])
def test_guests_members_and_visitors_read_the_program(as_, plc, who):
    api = as_(who)
    response = api.get(url(plc.community, "activities"))
    assert response.status_code == 200
    assert [a["title"] for a in response.json()["results"]] == ["Common assessment design", "Peer observation round"]
    assert api.get(url(plc.community, "activities", plc.activity.pk)).json()["title"] == "Common assessment design"


def test_the_facilitator_plans_changes_and_removes_activities(as_, plc):
    api = as_("teacher")
    response = api.post(
        url(plc.community, "activities"),
        {
            "title": "Lesson study: fractions",
            "format": "lesson_study",
            "starts_on": "2025-10-01",
            "ends_on": "2025-10-15",
            "responsible": plc.colleague.pk,
            "notes": "Bring student work.",
        },
        format="json",
    )
    assert response.status_code == 201, response.json()
    data = response.json()
    assert (data["responsible"], data["responsible_name"], data["status"]) == (
        plc.colleague.pk,
        "Colleague Cyrus",
        "planned",
    )
    response = api.patch(
        url(plc.community, "activities", data["id"]), {"status": "done", "responsible": None}, format="json"
    )
    assert response.status_code == 200
    activity = Activity.objects.get(pk=data["id"])
    assert (activity.status, activity.responsible) == ("done", None)
    assert api.delete(url(plc.community, "activities", data["id"])).status_code == 204
    assert not Activity.objects.filter(pk=data["id"]).exists()


@pytest.mark.parametrize("who", ["colleague", "parent", "newcomer"])
def test_others_cannot_change_the_program(as_, plc, who):
    api = as_(who)
    message = {"detail": "Only facilitators can change the work program."}
    response = api.post(url(plc.community, "activities"), {"title": "Mine", "starts_on": "2025-10-01"}, format="json")
    assert (response.status_code, response.json()) == (403, message)
    response = api.patch(url(plc.community, "activities", plc.activity.pk), {"title": "Mine"}, format="json")
    assert (response.status_code, response.json()) == (403, message)
    assert api.delete(url(plc.community, "activities", plc.activity.pk)).status_code == 403
    assert Activity.objects.get(pk=plc.activity.pk).title == "Common assessment design"
    assert Activity.objects.filter(community=plc.community).count() == 2


@pytest.mark.parametrize(
    "data,field,message",
    [
        ({"ends_on": "2025-09-30"}, "ends_on", "The end date cannot be before the start date."),
        ({"responsible": "newcomer"}, "responsible", "The responsible person must be a member of the community."),
        ({"responsible": 999999}, "responsible", "The responsible person must be a member of the community."),
        ({"starts_on": "tomorrow"}, "starts_on", "Date has wrong format."),
        ({"starts_on": None}, "starts_on", "This field may not be null."),
        ({"title": "t" * 201}, "title", "no more than 200 characters"),
        ({"format": "party"}, "format", "is not a valid choice"),
        ({"notes": "n" * 2001}, "notes", "no more than 2000 characters"),
    ],
)
def test_bad_activities_are_refused_and_nothing_is_saved(as_, plc, data, field, message):
    if data.get("responsible") == "newcomer":
        data = {"responsible": plc.newcomer.pk}
    body = {"title": "Workshop", "starts_on": "2025-10-01", **data}
    response = as_("teacher").post(url(plc.community, "activities"), body, format="json")
    assert response.status_code == 400
    assert message in str(response.json()[field])
    assert Activity.objects.filter(community=plc.community).count() == 2


def test_moving_an_activitys_end_before_its_start_is_refused(as_, plc):
    response = as_("teacher").patch(
        url(plc.community, "activities", plc.activity.pk), {"ends_on": "2025-08-01"}, format="json"
    )
    assert response.status_code == 400
    assert response.json() == {"ends_on": ["The end date cannot be before the start date."]}
    assert Activity.objects.get(pk=plc.activity.pk).ends_on is None


# --- What is next, on a given day -----------------------------------------------------------------


def signed_in_today(client, person):
    """A fresh sign-in on the frozen day (a session idle since another day has ended)."""
    client.logout()
    client.force_login(person)
    return client


def what_is_next(client, person, community) -> str:
    """The community page's "What is next" section, as `person` gets it."""
    response = signed_in_today(client, person).get(page_url("detail", community.pk))
    assert response.status_code == 200, response
    page = response.content.decode()
    return page.split('id="next-h"', 1)[1].split("</section>", 1)[0]


def test_what_is_next_is_what_is_still_ahead_on_the_day(plc, client):
    """The scene's program: "Common assessment design" on TODAY, "Peer observation round" two weeks
    later; here also a finished one, a cancelled one and a workshop running over several days."""

    def day(n: int) -> dt.date:
        return TODAY + dt.timedelta(days=n)

    ActivityFactory(community=plc.community, title="Data review", starts_on=day(5), status=ActivityStatus.DONE)
    ActivityFactory(community=plc.community, title="Parents evening", starts_on=day(6), status=ActivityStatus.CANCELLED)
    ActivityFactory(community=plc.community, title="Summer workshop", starts_on=day(-3), ends_on=day(12))
    with freeze_time(day(-10)):
        ahead = what_is_next(client, plc.colleague, plc.community)
    assert "Common assessment design" in ahead and "Summer workshop" in ahead
    assert "Data review" not in ahead and "Parents evening" not in ahead
    with freeze_time(TODAY):  # started on the day, not over: still listed
        ahead = what_is_next(client, plc.colleague, plc.community)
    assert "Common assessment design" in ahead and "Summer workshop" in ahead and "Peer observation round" in ahead
    with freeze_time(day(1)):  # a one-day activity is past the day after; the workshop runs on
        ahead = what_is_next(client, plc.colleague, plc.community)
    assert "Common assessment design" not in ahead
    assert "Summer workshop" in ahead and "Peer observation round" in ahead
    with freeze_time(day(13)):
        ahead = what_is_next(client, plc.colleague, plc.community)
    assert "Summer workshop" not in ahead and "Peer observation round" in ahead
    with freeze_time(day(15)):
        ahead = what_is_next(client, plc.colleague, plc.community)
    assert "Peer observation round" not in ahead and "Nothing planned yet." in ahead
    # The whole work program keeps every activity, past and future, whatever the day.
    with freeze_time(day(15)):
        program = signed_in_today(client, plc.colleague).get(page_url("program", plc.community.pk)).content.decode()
    for title in ("Common assessment design", "Peer observation round", "Data review", "Summer workshop"):
        assert title in program
