"""Schools: every signed-in person may look; only a school's leaders may change it.

Also the home page, which is built from the schools and networks a person belongs to.
"""

import re

import pytest
from django.urls import reverse

from halqa.accounts.tests.factories import MembershipFactory, SchoolFactory, UserFactory
from halqa.orgs.models import School
from halqa.orgs.tests.seeding import assert_queries_do_not_grow

pytestmark = pytest.mark.django_db

EMAIL = re.compile(r"[\w.+-]+@example\.org")
VALID = {
    "name": "Al-Farabi Model School",
    "city": "Tehran",
    "stage": "secondary",
    "description": "Grades 7 to 12.",
    "website": "https://alfarabi.example.org/",
}
DENIED = [
    "teacher",
    "colleague",
    "other_teacher",
    "other_principal",
    "foreign_principal",
    "parent",
    "student",
    "supervisor",
    "expert",
    "foreign_admin",
]


@pytest.fixture
def people(world):
    """The world plus a deputy of world.school, a superuser and an admin of the other authority."""
    world.deputy = UserFactory(display_name="Deputy Darya", roles=["principal"])
    MembershipFactory(user=world.deputy, school=world.school, position="deputy")
    world.superuser = UserFactory(display_name="Root Rana", is_superuser=True, is_staff=True)
    world.foreign_admin = UserFactory(display_name="Foreign Admin Farid", roles=["district_admin"])
    world.foreign_school.authority.admins.add(world.foreign_admin)
    return world


def school_fields(school) -> dict:
    school = School.objects.get(pk=school.pk)
    return {field: getattr(school, field) for field in ("name", "city", "stage", "description", "website")}


def url(name, school):
    return reverse(f"orgs:{name}", args=[school.pk])


# --- anonymous and unknown -------------------------------------------------------------------


@pytest.mark.parametrize("path", ["list", "school", "school_edit"])
def test_anonymous_visitors_are_sent_to_sign_in(world, client, path):
    target = reverse("orgs:schools") if path == "list" else url(path, world.school)
    for response in (client.get(target), client.post(target, VALID)):
        assert response.status_code == 302
        assert response["Location"].startswith(reverse("account_login"))
    assert school_fields(world.school)["name"] == "Al-Farabi School"


@pytest.mark.parametrize("name", ["school", "school_edit"])
def test_unknown_school_is_404(world, login, name):
    client = login(world.principal)
    assert client.get(reverse(f"orgs:{name}", args=[999_999])).status_code == 404
    assert client.post(reverse(f"orgs:{name}", args=[999_999]), VALID).status_code == 404
    assert client.get(f"/schools/{'9' * 30}/").status_code == 404


# --- looking ---------------------------------------------------------------------------------


@pytest.mark.parametrize("who", ["teacher", "parent", "student", "foreign_teacher", "expert", "supervisor"])
def test_every_signed_in_person_sees_schools(world, login, who):
    client = login(getattr(world, who))
    listing = client.get(reverse("orgs:schools"))
    assert listing.status_code == 200
    assert {s.name for s in listing.context["page"].object_list} == {
        "Al-Farabi School",
        "Hafez School",
        "School No. 17",
    }
    page = client.get(url("school", world.foreign_school))
    assert page.status_code == 200
    assert "School No. 17" in page.content.decode()


def test_school_search(world, login):
    client = login(world.teacher)
    found = client.get(reverse("orgs:schools"), {"q": "hafez"}).context["page"].object_list
    assert [s.name for s in found] == ["Hafez School"]
    empty = client.get(reverse("orgs:schools"), {"q": "nowhere"})
    assert "No school matches this search." in empty.content.decode()


@pytest.mark.parametrize("params", [{"q": "x" * 5000}, {"q": "%_"}, {"page": "abc"}, {"page": "-3"}])
def test_odd_search_values_never_break_the_list(world, login, params):
    assert login(world.teacher).get(reverse("orgs:schools"), params).status_code == 200


def test_staff_count_leaves_out_parents_and_students(world, login):
    listing = login(world.teacher).get(reverse("orgs:schools"))
    counts = {s.name: s.staff_count for s in listing.context["page"].object_list}
    assert counts == {"Al-Farabi School": 3, "Hafez School": 2, "School No. 17": 2}
    assert "3 staff members" in listing.content.decode()


def test_schools_are_paginated_in_a_stable_order(world, login):
    for n in range(45):
        SchoolFactory(authority=world.authority, name=f"Same Name {n % 3}")
    client = login(world.teacher)
    seen = []
    for number in (1, 2, 3):
        page = client.get(reverse("orgs:schools"), {"page": number}).context["page"]
        seen += [school.pk for school in page.object_list]
    assert len(seen) == len(set(seen)) == School.objects.count() == 48
    # the database's own order by name (its collation, not Python's), ties broken by id
    assert seen == list(School.objects.order_by("name", "id").values_list("pk", flat=True))


@pytest.mark.parametrize("who", ["teacher", "colleague", "other_principal", "foreign_principal", "supervisor"])
def test_the_member_list_hides_parents_and_students_from_others(people, login, who):
    response = login(getattr(people, who)).get(url("school", people.school))
    page = response.content.decode()
    shown = {m.user.display_name for m in response.context["members"]}
    assert shown == {"Principal Pia", "Teacher Tala", "Colleague Cyrus", "Deputy Darya"}
    assert response.context["member_count"] == 4
    assert "Parent Parisa" not in page
    assert "Student Sami" not in page


@pytest.mark.parametrize("who", ["principal", "deputy", "district_admin", "superuser"])
def test_the_member_list_shows_parents_and_students_to_the_schools_leaders(people, login, who):
    response = login(getattr(people, who)).get(url("school", people.school))
    shown = {m.user.display_name for m in response.context["members"]}
    assert {"Parent Parisa", "Student Sami"} <= shown
    assert response.context["member_count"] == 6
    assert "Parent Parisa" in response.content.decode()


def test_the_member_list_shows_a_parent_their_own_membership(world, login):
    shown = {m.user.display_name for m in login(world.parent).get(url("school", world.school)).context["members"]}
    assert "Parent Parisa" in shown
    assert "Student Sami" not in shown


def test_the_school_page_never_shows_emails(people, login):
    for who in ("teacher", "principal", "district_admin"):
        page = login(getattr(people, who)).get(url("school", people.school)).content.decode()
        assert EMAIL.findall(page) == []


def test_the_school_page_shows_its_networks(world, login):
    page = login(world.teacher).get(url("school", world.school)).content.decode()
    assert world.network.name in page
    assert world.network.get_absolute_url() in page


@pytest.mark.parametrize("who,can", [("principal", True), ("district_admin", True), ("teacher", False)])
def test_edit_and_invite_buttons_only_for_leaders(world, login, who, can):
    page = login(getattr(world, who)).get(url("school", world.school)).content.decode()
    assert (url("school_edit", world.school) in page) is can
    assert (url("school_invitations", world.school) in page) is can


# --- editing ---------------------------------------------------------------------------------


@pytest.mark.parametrize("who", ["principal", "deputy", "district_admin", "superuser"])
def test_leaders_edit_the_school(people, login, who):
    client = login(getattr(people, who))
    form = client.get(url("school_edit", people.school))
    assert form.status_code == 200
    assert 'value="Al-Farabi School"' in form.content.decode()
    response = client.post(url("school_edit", people.school), VALID)
    assert response.status_code == 302
    assert response["Location"] == url("school", people.school)
    assert school_fields(people.school) == VALID


def test_the_district_admin_edits_any_school_of_the_authority(world, login):
    response = login(world.district_admin).post(url("school_edit", world.other_school), VALID)
    assert response.status_code == 302
    assert school_fields(world.other_school)["name"] == VALID["name"]


def test_a_principal_edits_only_their_own_school(world, login):
    before = school_fields(world.other_school)
    client = login(world.principal)
    assert client.get(url("school_edit", world.other_school)).status_code == 403
    assert client.post(url("school_edit", world.other_school), VALID).status_code == 403
    assert school_fields(world.other_school) == before


@pytest.mark.parametrize("who", DENIED)
def test_others_may_not_edit(people, login, who):
    before = school_fields(people.school)
    client = login(getattr(people, who))
    assert client.get(url("school_edit", people.school)).status_code == 403
    assert client.post(url("school_edit", people.school), VALID).status_code == 403
    assert client.post(url("school_edit", people.school), {"name": ""}).status_code == 403
    assert school_fields(people.school) == before


def test_a_former_principal_may_no_longer_edit(world, login):
    world.principal.memberships.all().delete()
    assert login(world.principal).get(url("school_edit", world.school)).status_code == 403


@pytest.mark.parametrize(
    "change,field,message",
    [
        ({"name": ""}, "name", "This field is required."),
        ({"name": "   "}, "name", "This field is required."),
        ({"name": "n" * 201}, "name", "at most 200 characters (it has 201)"),
        ({"website": "not a url"}, "website", "Enter a valid URL."),
        ({"website": "javascript:alert(1)"}, "website", "Enter a valid URL."),
        ({"stage": "university"}, "stage", "university is not one of the available choices"),
        ({"description": "d" * 2001}, "description", "at most 2000 characters"),
        ({"city": "c" * 121}, "city", "at most 120 characters"),
    ],
)
def test_bad_input_gets_a_clear_error_and_changes_nothing(world, login, change, field, message):
    before = school_fields(world.school)
    response = login(world.principal).post(url("school_edit", world.school), {**VALID, **change})
    assert response.status_code == 400
    assert message in " ".join(response.context["form"].errors[field])
    assert message in response.content.decode()
    assert school_fields(world.school) == before


def test_the_authority_cannot_be_changed_by_the_form(world, login):
    login(world.principal).post(
        url("school_edit", world.school), {**VALID, "authority": world.foreign_school.authority_id}
    )
    assert School.objects.get(pk=world.school.pk).authority_id == world.authority.pk


# --- home ------------------------------------------------------------------------------------


def test_home_for_anonymous_visitors_is_the_landing_page(world, client):
    response = client.get("/")
    assert response.status_code == 200
    assert "core/landing.html" in [t.name for t in response.templates]


def test_home_shows_ones_schools_networks_and_colleagues(world, login):
    response = login(world.teacher).get("/")
    assert response.status_code == 200
    assert [m.school for m in response.context["memberships"]] == [world.school]
    assert response.context["networks"] == [world.network]
    colleagues = {p.display_name for p in response.context["new_colleagues"]}
    assert colleagues <= {"Principal Pia", "Colleague Cyrus"}
    assert "Parent Parisa" not in response.content.decode()
    assert EMAIL.findall(response.content.decode()) == []


def test_home_shows_the_principal_the_invite_link(world, login):
    page = login(world.principal).get("/").content.decode()
    assert url("school_invitations", world.school) in page


# --- query bounds ----------------------------------------------------------------------------


def ok(response):
    assert response.status_code == 200


@pytest.mark.parametrize("who", ["teacher", "district_admin"])
def test_school_list_query_count_does_not_grow_with_data(world, login, who):
    client = login(getattr(world, who))

    def full_page(response):
        assert len(response.context["page"].object_list) == 20

    assert_queries_do_not_grow(world, lambda: client.get(reverse("orgs:schools")), check=ok, check_after=full_page)


def test_school_search_query_count_does_not_grow_with_data(world, login):
    client = login(world.teacher)
    assert_queries_do_not_grow(world, lambda: client.get(reverse("orgs:schools"), {"q": "school"}), check=ok)


@pytest.mark.parametrize("who", ["teacher", "principal", "district_admin"])
def test_school_page_query_count_does_not_grow_with_data(world, login, who):
    client = login(getattr(world, who))

    def more_members(response):
        assert response.context["member_count"] > 20

    assert_queries_do_not_grow(
        world, lambda: client.get(url("school", world.school)), check=ok, check_after=more_members
    )


@pytest.mark.parametrize("who", ["teacher", "principal", "district_admin", "supervisor"])
def test_home_query_count_does_not_grow_with_data(world, login, who):
    client = login(getattr(world, who))
    assert_queries_do_not_grow(world, lambda: client.get("/"), check=ok)


def test_school_edit_page_query_count_does_not_grow_with_data(world, login):
    client = login(world.principal)
    assert_queries_do_not_grow(world, lambda: client.get(url("school_edit", world.school)), check=ok)
