"""Goals and their progress: who reads, who sets them, who records progress, refused input.

Pages, API and services side by side; the scene is `plc` (conftest.py) on the suite's `world`.
"""

from __future__ import annotations

import pytest

from halqa.communities.models import Goal, GoalUpdate
from halqa.communities.tests.conftest import page_url, url

pytestmark = pytest.mark.django_db


# --- Goals --------------------------------------------------------------------------------------


def test_goals_managed_by_facilitators(world, plc, client):
    client.force_login(world.colleague)
    assert client.get(page_url("goal_new", plc.community.pk)).status_code == 403
    assert client.get(page_url("goal_edit", plc.community.pk, plc.goal.pk)).status_code == 403
    assert client.post(page_url("goal_delete", plc.community.pk, plc.goal.pk)).status_code == 403
    client.force_login(world.teacher)
    data = {"title": "Observe twice", "target": "2 each", "measure": "log", "due_date": "2027-03-01"}
    assert client.post(page_url("goal_new", plc.community.pk), data).status_code == 302
    assert (
        client.post(page_url("goal_edit", plc.community.pk, plc.goal.pk), {**data, "title": "90% mastery"}).status_code
        == 302
    )
    plc.goal.refresh_from_db()
    assert plc.goal.title == "90% mastery"
    assert client.post(page_url("goal_delete", plc.community.pk, plc.goal.pk)).status_code == 302
    assert not Goal.objects.filter(pk=plc.goal.pk).exists()


def test_bad_goal_input(world, plc, client):
    client.force_login(world.teacher)
    response = client.post(
        page_url("goal_new", plc.community.pk), {"title": "x", "target": "", "measure": "m", "due_date": "soon"}
    )
    assert response.status_code == 400
    assert Goal.objects.filter(community=plc.community).count() == 2


def test_members_read_goals_and_a_goal_with_its_history(as_, plc):
    api = as_("expert")
    assert [g["title"] for g in api.get(url(plc.community, "goals")).json()["results"]] == [
        "Every lesson has an exit ticket",
        "Pass rate to 80%",
    ]
    GoalUpdate.objects.create(goal=plc.goal, progress=30, note="First check", by=plc.colleague)
    data = api.get(url(plc.community, "goals", plc.goal.pk)).json()
    assert data["updates"][0]["note"] == "First check"
    assert data["updates"][0]["by"] == {"id": plc.colleague.pk, "display_name": "Colleague Cyrus"}


def test_a_guest_reads_goals(as_, plc):
    api = as_("parent")
    assert api.get(url(plc.community, "goals")).status_code == 200
    assert api.get(url(plc.community, "goals", plc.goal.pk)).status_code == 200


def test_the_facilitator_adds_changes_and_removes_goals(as_, plc):
    api = as_("teacher")
    response = api.post(
        url(plc.community, "goals"),
        {"title": "Fewer failing grades", "target": "Under 10%", "measure": "Term grades", "due_date": "2026-06-01"},
        format="json",
    )
    assert response.status_code == 201, response.json()
    goal = Goal.objects.get(pk=response.json()["id"])
    assert goal.community == plc.community and goal.progress == 0
    response = api.patch(url(plc.community, "goals", goal.pk), {"target": "Under 5%", "progress": 90}, format="json")
    assert response.status_code == 200
    goal.refresh_from_db()
    assert (goal.target, goal.progress) == ("Under 5%", 0)  # progress moves only through progress notes
    assert api.delete(url(plc.community, "goals", goal.pk)).status_code == 204
    assert not Goal.objects.filter(pk=goal.pk).exists()


@pytest.mark.parametrize("who", ["colleague", "expert", "newcomer"])
def test_members_and_visitors_cannot_add_change_or_remove_goals(as_, plc, who):
    api = as_(who)
    response = api.post(url(plc.community, "goals"), {"title": ""}, format="json")
    assert response.status_code == 403
    assert response.json() == {"detail": "Only facilitators can add, change and remove goals."}
    response = api.patch(url(plc.community, "goals", plc.goal.pk), {"title": "Mine"}, format="json")
    assert response.json() == {"detail": "Only facilitators can add, change and remove goals."}
    assert api.delete(url(plc.community, "goals", plc.goal.pk)).status_code == 403
    assert Goal.objects.get(pk=plc.goal.pk).title == "Pass rate to 80%"
    assert Goal.objects.filter(community=plc.community).count() == 2


@pytest.mark.parametrize(
    "data,field,message",
    [
        ({"due_date": None}, "due_date", "This field may not be null."),
        ({"due_date": "next spring"}, "due_date", "Date has wrong format."),
        ({"title": "t" * 301}, "title", "no more than 300 characters"),
        ({"title": " "}, "title", "This field may not be blank."),
        ({"measure": 42}, "measure", "Not a valid string."),  # a JSON number is not text (halqa/api/apps.py)
    ],
)
def test_bad_goal_input_is_refused(as_, plc, data, field, message):
    body = {"title": "T", "target": "T", "measure": "M", "due_date": "2026-06-01", **data}
    response = as_("teacher").post(url(plc.community, "goals"), body, format="json")
    assert response.status_code == 400
    assert message in str(response.json()[field])
    assert Goal.objects.filter(community=plc.community).count() == 2


def test_missing_goal_fields_are_named(as_, plc):
    response = as_("teacher").post(url(plc.community, "goals"), {}, format="json")
    assert response.status_code == 400
    assert set(response.json()) == {"title", "target", "measure", "due_date"}


# --- Progress -----------------------------------------------------------------------------------


@pytest.mark.parametrize("who,status", [("colleague", 302), ("expert", 403), ("other_teacher", 404)])
def test_progress_updates(world, plc, client, who, status):
    client.force_login(getattr(world, who))
    response = client.post(
        page_url("goal_progress", plc.community.pk, plc.goal.pk), {"progress": 40, "note": "Mid-term"}
    )
    assert response.status_code == status
    plc.goal.refresh_from_db()
    assert plc.goal.progress == (40 if status == 302 else 0)


def test_progress_out_of_range_is_refused(world, plc, client):
    client.force_login(world.colleague)
    client.post(page_url("goal_progress", plc.community.pk, plc.goal.pk), {"progress": 101})
    plc.goal.refresh_from_db()
    assert plc.goal.progress == 0


@pytest.mark.parametrize("who", ["colleague", "teacher"])
def test_members_record_progress(as_, plc, who):
    response = as_(who).post(
        url(plc.community, "goals", plc.goal.pk, "progress"), {"progress": 45, "note": "Mid-term check"}, format="json"
    )
    assert response.status_code == 200, response.json()
    assert response.json()["progress"] == 45
    assert response.json()["updates"][0]["note"] == "Mid-term check"
    assert Goal.objects.get(pk=plc.goal.pk).progress == 45


@pytest.mark.parametrize("who,status", [("expert", 403), ("parent", 403), ("newcomer", 403), ("principal", 403)])
def test_others_cannot_record_progress(as_, plc, who, status):
    response = as_(who).post(url(plc.community, "goals", plc.goal.pk, "progress"), {"progress": 99}, format="json")
    assert response.status_code == status
    assert Goal.objects.get(pk=plc.goal.pk).progress == 0
    assert not GoalUpdate.objects.exists()


@pytest.mark.parametrize(
    "data,message",
    [
        ({"progress": 101}, "less than or equal to 100"),
        ({"progress": -1}, "greater than or equal to 0"),
        ({"progress": "half"}, "A valid integer is required."),
        ({}, "This field is required."),
        ({"progress": 50, "note": "n" * 501}, "no more than 500 characters"),
    ],
)
def test_bad_progress_is_refused_and_nothing_changes(as_, plc, data, message):
    response = as_("colleague").post(url(plc.community, "goals", plc.goal.pk, "progress"), data, format="json")
    assert response.status_code == 400
    assert message in str(response.json())
    assert Goal.objects.get(pk=plc.goal.pk).progress == 0
    assert not GoalUpdate.objects.exists()
