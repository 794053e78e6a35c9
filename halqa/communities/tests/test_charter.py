"""The charter: who reads it, who writes a new version, the history, and refused input.

Pages, API and services side by side; the scene is `plc` (conftest.py) on the suite's `world`.
"""

from __future__ import annotations

import pytest

from halqa.communities.models import CharterRevision
from halqa.communities.tests.conftest import page_url, url

pytestmark = pytest.mark.django_db


def test_charter_is_edited_by_facilitators_and_history_kept(world, plc, client):
    client.force_login(world.colleague)
    assert client.get(page_url("charter", plc.community.pk)).status_code == 403
    assert client.post(page_url("charter", plc.community.pk), {"mission": "Hijack"}).status_code == 403
    client.force_login(world.teacher)
    assert client.get(page_url("charter", plc.community.pk)).status_code == 200
    response = client.post(
        page_url("charter", plc.community.pk),
        {"mission": "Learn together, with data", "norms": "Start on time", "note": "data"},
    )
    assert response.status_code == 302
    assert plc.community.charter_revisions.count() == 2
    assert plc.community.charter_revisions.first().mission == "Learn together, with data"
    history = client.get(page_url("charter_history", plc.community.pk)).content.decode()
    assert "Learn together, with data" in history
    assert "Every student in grade 8 reaches the standard in mathematics.</dd>" in history.replace("\n", "")


def test_unchanged_charter_is_refused(world, plc, client):
    current = plc.community.charter_revisions.first()
    client.force_login(world.teacher)
    response = client.post(
        page_url("charter", plc.community.pk),
        {"mission": current.mission, "vision": current.vision, "values": current.values, "norms": current.norms},
    )
    assert response.status_code == 400
    assert "Nothing changed" in response.content.decode()
    assert CharterRevision.objects.filter(community=plc.community).count() == 1


def test_charter_history_hidden_from_strangers(world, plc, client):
    client.force_login(world.other_teacher)
    assert client.get(page_url("charter_history", plc.community.pk)).status_code == 404


def test_everyone_who_sees_the_community_reads_its_charter(as_, plc):
    for who in ("parent", "colleague", "newcomer", "principal"):
        data = as_(who).get(url(plc.community, "charter")).json()
        assert data["mission"] == "Every student in grade 8 reaches the standard in mathematics."
        assert data["note"] == "First version"


def test_no_charter_yet_answers_null_fields(as_, plc):
    data = as_("colleague").get(url(plc.private, "charter")).json()
    assert data == {
        "mission": None,
        "vision": None,
        "values": None,
        "norms": None,
        "norm_list": None,
        "note": None,
        "edited_by": None,
        "edited_at": None,
    }


def test_the_facilitator_saves_new_versions_and_the_history_keeps_them(as_, plc):
    api = as_("teacher")
    charter = {"mission": "All students reach the standard.", "vision": "V", "values": "Openness", "norms": "One\nTwo"}
    response = api.put(url(plc.community, "charter"), {**charter, "note": "Sharper mission"}, format="json")
    assert response.status_code == 200, response.json()
    assert response.json()["norm_list"] == ["One", "Two"]
    response = api.patch(url(plc.community, "charter"), {"vision": "A new vision"}, format="json")
    assert response.status_code == 200
    assert (response.json()["mission"], response.json()["vision"]) == (
        "All students reach the standard.",
        "A new vision",
    )
    history = api.get(url(plc.community, "charter", "history")).json()
    assert history["count"] == 3
    assert [r["note"] for r in history["results"]] == ["", "Sharper mission", "First version"]


def test_saving_the_same_charter_is_refused(as_, plc):
    current = CharterRevision.objects.filter(community=plc.community).first()
    response = as_("teacher").patch(url(plc.community, "charter"), {"mission": current.mission}, format="json")
    assert response.status_code == 400
    assert response.json() == {"non_field_errors": ["Nothing changed in the charter."]}
    assert CharterRevision.objects.filter(community=plc.community).count() == 1


@pytest.mark.parametrize(
    "method,data,field",
    [
        ("put", {"mission": "Only the mission"}, "vision"),
        ("patch", {"mission": "m" * 2001}, "mission"),
        ("patch", {"norms": {"one": 1}}, "norms"),
        ("patch", {"note": "n" * 301}, "note"),
    ],
)
def test_bad_charter_input_is_refused(as_, plc, method, data, field):
    response = getattr(as_("teacher"), method)(url(plc.community, "charter"), data, format="json")
    assert response.status_code == 400
    assert field in response.json()
    assert CharterRevision.objects.filter(community=plc.community).count() == 1


@pytest.mark.parametrize("who", ["colleague", "expert", "parent", "newcomer"])
def test_only_facilitators_and_leaders_edit_the_charter(as_, plc, who):
    response = as_(who).put(
        url(plc.community, "charter"), {"mission": "x", "vision": "x", "values": "x", "norms": "x"}, format="json"
    )
    assert response.status_code == 403
    assert response.json() == {"detail": "Only facilitators can change the community and its charter."}
    assert CharterRevision.objects.filter(community=plc.community).count() == 1


def test_the_principal_may_edit_the_charter(as_, plc):
    response = as_("principal").patch(url(plc.community, "charter"), {"values": "Evidence first"}, format="json")
    assert response.status_code == 200
    assert response.json()["edited_by"]["display_name"] == "Principal Pia"
