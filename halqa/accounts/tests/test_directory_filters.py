"""The people directory's `role` and `school` filters match only what the viewer may know.

Being a parent or a student somewhere is private (docs/permissions.md). A teacher who is also a
parent at another school is listed to everyone as a teacher; that they are a parent, and where,
only the leaders of that school, its authority's admins and the person see. The filters must not
say more than the person's card does: page, htmx fragment and API alike.
"""

from __future__ import annotations

import pytest
from django.urls import reverse
from rest_framework.test import APIClient

from halqa.accounts.services import add_roles
from halqa.accounts.tests.factories import MembershipFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def fatima_is_a_parent_at_al_farabi(world):
    """Foreign Fatima teaches at School No. 17 and is a parent at Al-Farabi School."""
    MembershipFactory(user=world.foreign_teacher, school=world.school, position="parent")
    add_roles(world.foreign_teacher, ["parent"])
    return world.foreign_teacher


def page_names(client, **params) -> set[str]:
    response = client.get(reverse("accounts:people"), params)
    assert response.status_code == 200
    return {person.display_name for person in response.context["page"]}


def fragment_names(client, **params) -> set[str]:
    response = client.get(reverse("accounts:people"), params, headers={"HX-Request": "true"})
    assert response.status_code == 200
    return {person.display_name for person in response.context["page"]}


def api_names(user, **params) -> set[str]:
    api = APIClient()
    api.force_login(user)
    response = api.get("/api/v1/people/", params)
    assert response.status_code == 200
    return {person["display_name"] for person in response.json()["results"]}


def every_way(client, user, **params) -> list[set[str]]:
    client.force_login(user)
    return [page_names(client, **params), fragment_names(client, **params), api_names(user, **params)]


@pytest.mark.parametrize("who", ["colleague", "other_teacher", "foreign_principal", "expert", "other_parent"])
def test_role_parent_does_not_list_a_teacher_whose_parenthood_one_may_not_know(
    world, fatima_is_a_parent_at_al_farabi, client, who
):
    for names in every_way(client, getattr(world, who), role="parent"):
        assert "Foreign Fatima" not in names
        assert "Parent Parisa" not in names
    for names in every_way(client, getattr(world, who), role="teacher"):
        assert "Foreign Fatima" in names  # her teaching is public


@pytest.mark.parametrize("who", ["principal", "district_admin"])
def test_the_schools_leaders_find_its_parents_by_role(world, fatima_is_a_parent_at_al_farabi, client, who):
    for names in every_way(client, getattr(world, who), role="parent"):
        assert {"Foreign Fatima", "Parent Parisa"} <= names
        assert "Other Parent Oleg" not in names or who == "district_admin"  # Hafez's parent: same authority


@pytest.mark.parametrize("who", ["colleague", "other_teacher", "foreign_principal", "expert"])
def test_school_filter_does_not_reveal_a_private_membership(world, fatima_is_a_parent_at_al_farabi, client, who):
    for names in every_way(client, getattr(world, who), school=world.school.pk):
        assert "Foreign Fatima" not in names  # a parent at Al-Farabi, not staff there
        assert {"Principal Pia", "Teacher Tala"} <= names
    for names in every_way(client, getattr(world, who), school=world.foreign_school.pk):
        assert "Foreign Fatima" in names  # where she teaches


def test_the_schools_principal_finds_its_parents_with_the_school_filter(world, fatima_is_a_parent_at_al_farabi, client):
    for names in every_way(client, world.principal, school=world.school.pk):
        assert {"Foreign Fatima", "Parent Parisa", "Student Sami", "Teacher Tala"} <= names


def test_a_parent_finds_herself_by_role(world, client):
    for names in every_way(client, world.parent, role="parent"):
        assert names == {"Parent Parisa"}
