"""Networks of schools: every signed-in person may look; the supervisor and district admin change them."""

import re

import pytest
from django.urls import reverse

from halqa.accounts.tests.factories import NetworkFactory, SchoolFactory, UserFactory
from halqa.orgs.models import Network
from halqa.orgs.tests.seeding import assert_queries_do_not_grow

pytestmark = pytest.mark.django_db

EMAIL = re.compile(r"[\w.+-]+@example\.org")
DENIED = [
    "teacher",
    "principal",  # leads a school in the network, but not the network
    "other_principal",
    "foreign_principal",
    "parent",
    "student",
    "expert",
    "other_supervisor",
    "foreign_admin",
]


@pytest.fixture
def people(world):
    world.superuser = UserFactory(display_name="Root Rana", is_superuser=True, is_staff=True)
    world.other_supervisor = UserFactory(display_name="Other Supervisor Sina", roles=["supervisor"])
    NetworkFactory(authority=world.authority, supervisor=world.other_supervisor, name="Another Network")
    world.foreign_admin = UserFactory(display_name="Foreign Admin Farid", roles=["district_admin"])
    world.foreign_school.authority.admins.add(world.foreign_admin)
    return world


def url(name, network):
    return reverse(f"orgs:{name}", args=[network.pk])


def network_state(network) -> dict:
    network = Network.objects.get(pk=network.pk)
    return {
        "name": network.name,
        "description": network.description,
        "schools": sorted(network.schools.values_list("pk", flat=True)),
        "supervisor": network.supervisor_id,
        "authority": network.authority_id,
    }


def valid(world, **change) -> dict:
    return {"name": "Tabriz Science Network", "description": "Science teachers, together.", **change}


# --- anonymous and unknown -------------------------------------------------------------------


@pytest.mark.parametrize("path", ["list", "network", "network_edit"])
def test_anonymous_visitors_are_sent_to_sign_in(world, client, path):
    target = reverse("orgs:networks") if path == "list" else url(path, world.network)
    for response in (client.get(target), client.post(target, valid(world))):
        assert response.status_code == 302
        assert response["Location"].startswith(reverse("account_login"))


@pytest.mark.parametrize("name", ["network", "network_edit"])
def test_unknown_network_is_404(world, login, name):
    client = login(world.supervisor)
    assert client.get(reverse(f"orgs:{name}", args=[999_999])).status_code == 404
    assert client.post(reverse(f"orgs:{name}", args=[999_999]), valid(world)).status_code == 404


# --- looking ---------------------------------------------------------------------------------


@pytest.mark.parametrize("who", ["teacher", "parent", "student", "foreign_teacher", "expert"])
def test_every_signed_in_person_sees_networks(world, login, who):
    client = login(getattr(world, who))
    listing = client.get(reverse("orgs:networks"))
    assert listing.status_code == 200
    assert [n.pk for n in listing.context["page"].object_list] == [world.network.pk]
    assert "2 schools" in listing.content.decode()
    page = client.get(url("network", world.network))
    assert page.status_code == 200
    body = page.content.decode()
    assert world.school.name in body
    assert world.other_school.name in body
    assert "Supervisor Saeed" in body
    assert EMAIL.findall(body) == []


def test_networks_are_paginated_in_a_stable_order(world, login):
    for n in range(44):
        NetworkFactory(authority=world.authority, name=f"Same Name {n % 3}")
    client = login(world.teacher)
    seen = []
    for number in (1, 2, 3):
        seen += [n.pk for n in client.get(reverse("orgs:networks"), {"page": number}).context["page"].object_list]
    assert len(seen) == len(set(seen)) == Network.objects.count() == 45
    assert seen == list(Network.objects.order_by("name", "id").values_list("pk", flat=True))


@pytest.mark.parametrize("who,can", [("supervisor", True), ("district_admin", True), ("principal", False)])
def test_edit_button_only_for_those_who_may_edit(world, login, who, can):
    page = login(getattr(world, who)).get(url("network", world.network)).content.decode()
    assert (url("network_edit", world.network) in page) is can


# --- editing ---------------------------------------------------------------------------------


@pytest.mark.parametrize("who", ["supervisor", "district_admin", "superuser"])
def test_supervisor_and_admin_edit_the_network(people, login, who):
    third = SchoolFactory(authority=people.authority, name="Saadi School")
    client = login(getattr(people, who))
    form = client.get(url("network_edit", people.network))
    assert form.status_code == 200
    assert "Saadi School" in form.content.decode()
    assert people.foreign_school.name not in form.content.decode()
    response = client.post(url("network_edit", people.network), valid(people, schools=[people.school.pk, third.pk]))
    assert response.status_code == 302
    assert response["Location"] == url("network", people.network)
    state = network_state(people.network)
    assert state["name"] == "Tabriz Science Network"
    assert state["schools"] == sorted([people.school.pk, third.pk])
    assert state["supervisor"] == people.supervisor.pk


def test_all_schools_can_be_removed(world, login):
    assert login(world.supervisor).post(url("network_edit", world.network), valid(world)).status_code == 302
    assert network_state(world.network)["schools"] == []


@pytest.mark.parametrize("who", DENIED)
def test_others_may_not_edit(people, login, who):
    before = network_state(people.network)
    client = login(getattr(people, who))
    assert client.get(url("network_edit", people.network)).status_code == 403
    assert client.post(url("network_edit", people.network), valid(people)).status_code == 403
    assert client.post(url("network_edit", people.network), {"name": ""}).status_code == 403
    assert network_state(people.network) == before


def test_a_supervisor_edits_only_their_own_network(people, login):
    other = Network.objects.get(name="Another Network")
    before = network_state(other)
    assert login(people.supervisor).post(url("network_edit", other), valid(people)).status_code == 403
    assert network_state(other) == before


@pytest.mark.parametrize(
    "change,field,message",
    [
        ({"name": ""}, "name", "This field is required."),
        ({"name": "n" * 201}, "name", "at most 200 characters (it has 201)"),
        ({"description": "d" * 2001}, "description", "at most 2000 characters"),
        ({"schools": ["foreign"]}, "schools", "is not one of the available choices"),
        ({"schools": ["abc"]}, "schools", "“abc” is not a valid value."),
        ({"schools": ["999999"]}, "schools", "999999 is not one of the available choices"),
    ],
)
def test_bad_input_gets_a_clear_error_and_changes_nothing(world, login, change, field, message):
    if change.get("schools") == ["foreign"]:
        change = {"schools": [world.school.pk, world.foreign_school.pk]}
    before = network_state(world.network)
    response = login(world.supervisor).post(url("network_edit", world.network), valid(world, **change))
    assert response.status_code == 400
    assert message in " ".join(response.context["form"].errors[field])
    assert network_state(world.network) == before


def test_the_supervisor_and_authority_cannot_be_changed_by_the_form(people, login):
    login(people.supervisor).post(
        url("network_edit", people.network),
        valid(people, supervisor=people.other_supervisor.pk, authority=people.foreign_school.authority_id),
    )
    state = network_state(people.network)
    assert state["supervisor"] == people.supervisor.pk
    assert state["authority"] == people.authority.pk


# --- query bounds ----------------------------------------------------------------------------


def ok(response):
    assert response.status_code == 200


def test_network_list_query_count_does_not_grow_with_data(world, login):
    client = login(world.teacher)

    def more(response):
        assert len(response.context["page"].object_list) == 11

    assert_queries_do_not_grow(world, lambda: client.get(reverse("orgs:networks")), check=ok, check_after=more)


@pytest.mark.parametrize("who", ["teacher", "supervisor"])
def test_network_page_query_count_does_not_grow_with_data(world, login, who):
    client = login(getattr(world, who))

    def more_schools(response):
        assert len(response.context["schools"]) > 10

    assert_queries_do_not_grow(
        world, lambda: client.get(url("network", world.network)), check=ok, check_after=more_schools
    )


def test_network_edit_page_query_count_does_not_grow_with_data(world, login):
    client = login(world.supervisor)
    assert_queries_do_not_grow(world, lambda: client.get(url("network_edit", world.network)), check=ok)
