"""The people directory and a person's page: who finds whom, and who is a 404.

Professionals are visible to every signed-in person. Parents and students are visible only to
themselves, to the principal or deputy of their school and to their authority's district admin;
to everybody else they do not exist (404, never 403), in the directory and on their own page.
"""

import re

import pytest
from django.urls import reverse

from halqa.accounts.models import ExpertiseTag, SubjectRow
from halqa.accounts.tests.factories import AuthorityFactory, MembershipFactory, SchoolFactory, UserFactory
from halqa.orgs.tests.seeding import assert_queries_do_not_grow

pytestmark = pytest.mark.django_db

EMAIL = re.compile(r"[\w.+-]+@example\.org")

# Who must never see a parent or a student of world.school.
OUTSIDERS = [
    "teacher",
    "colleague",
    "other_teacher",
    "other_principal",
    "foreign_teacher",
    "foreign_principal",
    "other_parent",
    "expert",
    "supervisor",
]


@pytest.fixture
def deputy(world):
    user = UserFactory(display_name="Deputy Darya", roles=["principal"])
    MembershipFactory(user=user, school=world.school, position="deputy")
    return user


@pytest.fixture
def foreign_admin(world):
    user = UserFactory(display_name="Foreign Admin Farid", roles=["district_admin"])
    world.foreign_school.authority.admins.add(user)
    return user


@pytest.fixture
def superuser(db):
    return UserFactory(display_name="Root Rana", is_superuser=True, is_staff=True)


def directory(client, **params):
    response = client.get(reverse("accounts:people"), params)
    assert response.status_code == 200
    return response


def names_in(response) -> set[str]:
    return {person.display_name for person in response.context["page"].object_list}


def person_page(client, person):
    return client.get(reverse("accounts:person", args=[person.pk]))


# --- anonymous ------------------------------------------------------------------------------


@pytest.mark.parametrize("url_name", ["accounts:people", "accounts:person"])
def test_anonymous_visitors_are_sent_to_sign_in(world, client, url_name):
    args = [world.teacher.pk] if url_name == "accounts:person" else []
    response = client.get(reverse(url_name, args=args))
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("account_login"))


# --- professionals are visible to every signed-in person -------------------------------------


@pytest.mark.parametrize(
    "who", ["teacher", "foreign_teacher", "parent", "student", "other_parent", "expert", "district_admin"]
)
def test_every_signed_in_person_sees_professionals(world, login, who):
    client = login(getattr(world, who))
    page = person_page(client, world.colleague)
    assert page.status_code == 200
    assert "Colleague Cyrus" in page.content.decode()
    found = names_in(directory(client))
    assert {"Principal Pia", "Teacher Tala", "Colleague Cyrus", "Foreign Principal Felix", "Expert Eve"} <= found
    assert {"Supervisor Saeed", "District Dina", "Other Olga"} <= found


def test_a_parent_sees_professionals_but_not_other_parents_or_students(world, login):
    found = names_in(directory(login(world.parent)))
    assert "Parent Parisa" in found  # oneself
    assert "Other Parent Oleg" not in found
    assert "Student Sami" not in found


# --- parents and students are private --------------------------------------------------------


@pytest.mark.parametrize("private", ["parent", "student"])
@pytest.mark.parametrize("who", OUTSIDERS)
def test_outsiders_get_404_on_a_parents_or_students_page(world, login, who, private):
    response = person_page(login(getattr(world, who)), getattr(world, private))
    assert response.status_code == 404


@pytest.mark.parametrize("private", ["parent", "student"])
def test_a_parent_and_a_student_cannot_see_each_other(world, login, private):
    other = "student" if private == "parent" else "parent"
    assert person_page(login(getattr(world, other)), getattr(world, private)).status_code == 404


def test_a_district_admin_of_another_authority_gets_404(world, login, foreign_admin):
    assert person_page(login(foreign_admin), world.parent).status_code == 404
    assert "Parent Parisa" not in names_in(directory(login(foreign_admin), role="parent"))


@pytest.mark.parametrize("private", ["parent", "student"])
@pytest.mark.parametrize("who", OUTSIDERS)
def test_outsiders_do_not_find_parents_or_students_in_the_directory(world, login, who, private):
    client = login(getattr(world, who))
    person = getattr(world, private)
    first_name = person.display_name.split()[1]
    for params in ({}, {"q": first_name}, {"role": private}, {"school": world.school.pk}):
        response = directory(client, **params)
        assert person.display_name not in names_in(response), params
        assert person.display_name not in response.content.decode()


@pytest.mark.parametrize("private", ["parent", "student"])
def test_parents_and_students_see_themselves(world, login, private):
    person = getattr(world, private)
    client = login(person)
    page = person_page(client, person)
    assert page.status_code == 200
    assert person.email in page.content.decode()  # one's own email, on one's own page
    assert person.display_name in names_in(directory(client))


@pytest.mark.parametrize("leader", ["principal", "deputy", "district_admin", "superuser"])
def test_school_leaders_and_district_admin_see_the_schools_parents_and_students(
    world, login, deputy, superuser, leader
):
    viewer = {"deputy": deputy, "superuser": superuser}.get(leader) or getattr(world, leader)
    client = login(viewer)
    for private in (world.parent, world.student):
        page = person_page(client, private)
        assert page.status_code == 200
        assert private.display_name in page.content.decode()
    assert {"Parent Parisa", "Student Sami"} <= names_in(directory(client))
    assert names_in(directory(client, role="parent")) >= {"Parent Parisa"}


def test_a_principal_does_not_see_parents_of_another_school(world, login):
    client = login(world.principal)
    assert person_page(client, world.other_parent).status_code == 404
    assert "Other Parent Oleg" not in names_in(directory(client))


def test_the_district_admin_sees_parents_of_every_school_of_the_authority(world, login):
    client = login(world.district_admin)
    assert person_page(client, world.other_parent).status_code == 200
    assert {"Parent Parisa", "Other Parent Oleg"} <= names_in(directory(client, role="parent"))


def test_a_teacher_who_is_also_a_parent_is_visible_as_a_professional(world, login):
    MembershipFactory(user=world.colleague, school=world.other_school, position="parent")
    assert person_page(login(world.foreign_teacher), world.colleague).status_code == 200


def test_a_parent_who_leaves_the_school_is_no_longer_visible_to_its_principal(world, login):
    world.parent.memberships.all().delete()
    assert person_page(login(world.principal), world.parent).status_code == 404


def test_deactivated_people_are_gone_for_everyone(world, login, superuser):
    world.colleague.is_active = False
    world.colleague.save()
    for viewer in (world.teacher, world.principal, superuser):
        client = login(viewer)
        assert person_page(client, world.colleague).status_code == 404
        assert "Colleague Cyrus" not in names_in(directory(client))


def test_unknown_person_is_404(world, login):
    client = login(world.principal)
    assert client.get(reverse("accounts:person", args=[999_999])).status_code == 404
    assert client.get("/people/99999999999999999999/").status_code == 404


# --- emails of others ------------------------------------------------------------------------


@pytest.mark.parametrize("who", ["teacher", "principal", "district_admin", "parent"])
def test_the_directory_never_shows_anyones_email(world, login, who):
    client = login(getattr(world, who))
    assert EMAIL.findall(directory(client).content.decode()) == []
    assert EMAIL.findall(directory(client, q="a").content.decode()) == []


@pytest.mark.parametrize("who", ["teacher", "principal", "district_admin"])
def test_a_persons_page_never_shows_their_email_to_others(world, login, who):
    client = login(getattr(world, who))
    for person in (world.colleague, world.parent, world.expert, world.foreign_principal):
        response = person_page(client, person)
        if response.status_code == 200:
            assert EMAIL.findall(response.content.decode()) == [], person


def test_one_sees_ones_own_email_and_settings_on_ones_page(world, login):
    page = person_page(login(world.teacher), world.teacher).content.decode()
    assert EMAIL.findall(page) == [world.teacher.email]
    assert reverse("accounts:profile_edit") in page


def test_the_edit_button_is_only_on_ones_own_page(world, login):
    button = f'class="button button-secondary" href="{reverse("accounts:profile_edit")}"'
    client = login(world.teacher)
    assert button not in person_page(client, world.colleague).content.decode()
    assert button in person_page(client, world.teacher).content.decode()


def test_names_and_bios_are_escaped(world, login):
    world.colleague.display_name = "<script>alert(1)</script>"
    world.colleague.bio = "<img src=x onerror=alert(2)>"
    world.colleague.save()
    client = login(world.teacher)
    for response in (directory(client), person_page(client, world.colleague)):
        body = response.content.decode()
        assert "<script>alert(1)</script>" not in body
        assert "<img src=x" not in body
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in person_page(client, world.colleague).content.decode()


# --- search and filters ----------------------------------------------------------------------


@pytest.fixture
def profiles(world):
    world.colleague.subjects.set([SubjectRow.objects.get(code="math")])
    world.teacher.subjects.set([SubjectRow.objects.get(code="physics")])
    world.teacher.expertise.set([ExpertiseTag.objects.create(name="Formative assessment")])
    world.expert.bio = "I coach lesson study groups."
    world.expert.save()
    return world


def test_search_by_name(profiles, login):
    assert names_in(directory(login(profiles.teacher), q="cyrus")) == {"Colleague Cyrus"}


def test_search_by_words_in_the_bio(profiles, login):
    assert names_in(directory(login(profiles.teacher), q="lesson study")) == {"Expert Eve"}


def test_filter_by_subject(profiles, login):
    assert names_in(directory(login(profiles.teacher), subject="math")) == {"Colleague Cyrus"}


def test_filter_by_expertise(profiles, login):
    assert names_in(directory(login(profiles.colleague), expertise="formative")) == {"Teacher Tala"}
    assert names_in(directory(login(profiles.colleague), expertise="FORMATIVE ASSESS")) == {"Teacher Tala"}


def test_filter_by_role(profiles, login):
    assert names_in(directory(login(profiles.teacher), role="expert")) == {"Expert Eve"}
    assert names_in(directory(login(profiles.teacher), role="supervisor")) == {"Supervisor Saeed"}


def test_filter_by_school(profiles, login):
    found = names_in(directory(login(profiles.teacher), school=profiles.other_school.pk))
    assert found == {"Other Olga", "Other Principal Omid"}  # not Other Parent Oleg


def test_filters_combine(profiles, login):
    client = login(profiles.principal)
    assert names_in(directory(client, school=profiles.school.pk, subject="physics")) == {"Teacher Tala"}
    assert names_in(directory(client, school=profiles.other_school.pk, subject="physics")) == set()
    assert names_in(directory(client, q="tala", role="expert")) == set()


def test_a_person_with_two_matching_rows_is_listed_once(profiles, login):
    MembershipFactory(user=profiles.teacher, school=profiles.school, position="coordinator")
    response = directory(login(profiles.principal), school=profiles.school.pk)
    listed = [p.display_name for p in response.context["page"].object_list]
    assert listed.count("Teacher Tala") == 1


@pytest.mark.parametrize(
    "params",
    [
        {"subject": "alchemy"},
        {"role": "wizard"},
        {"school": "abc"},
        {"school": "²"},  # a digit to str.isdigit(), not to int()
        {"school": "-1"},
        {"school": "9" * 40},
        {"page": "abc"},
        {"page": "999"},
        {"q": "x" * 5000},
        {"q": "%_\\'\""},
        {"expertise": "y" * 500},  # a NUL gets 400 before the view: halqa/core/tests/test_hostile_input.py
    ],
)
def test_odd_filter_values_never_break_the_page(profiles, login, params):
    response = directory(login(profiles.teacher), **params)
    assert response.status_code == 200


def test_unknown_filter_values_are_ignored(profiles, login):
    client = login(profiles.teacher)
    everyone = names_in(directory(client))
    assert names_in(directory(client, subject="alchemy", role="wizard", school="²")) == everyone


def test_filters_are_kept_in_the_form(profiles, login):
    page = directory(login(profiles.teacher), q="cyrus", subject="math").content.decode()
    assert 'value="cyrus"' in page
    assert '<option value="math" selected>' in page


def test_htmx_request_gets_only_the_results(profiles, login):
    client = login(profiles.teacher)
    response = client.get(reverse("accounts:people"), {"q": "cyrus"}, HTTP_HX_REQUEST="true")
    assert response.status_code == 200
    body = response.content.decode()
    assert "<html" not in body
    assert "<form" not in body
    assert "Colleague Cyrus" in body
    assert "Teacher Tala" not in body
    assert "1 person found" in body


def test_full_page_without_htmx(profiles, login):
    body = directory(login(profiles.teacher), q="cyrus").content.decode()
    assert "<html" in body
    assert 'id="people-results"' in body


def test_htmx_partial_hides_private_people_too(world, login):
    client = login(world.teacher)
    body = client.get(reverse("accounts:people"), {"role": "parent"}, HTTP_HX_REQUEST="true").content.decode()
    assert "Parent Parisa" not in body
    assert "0 people found" in body


def test_directory_is_paginated(world, login):
    for n in range(30):
        UserFactory(display_name=f"Zed Teacher {n:02d}", roles=["teacher"])
    client = login(world.teacher)
    first = directory(client)
    assert len(first.context["page"].object_list) == 24
    assert first.context["page"].has_next()
    second = directory(client, page=2)
    assert not second.context["page"].has_next()
    shown = [p.pk for p in first.context["page"].object_list] + [p.pk for p in second.context["page"].object_list]
    assert len(shown) == len(set(shown)) == first.context["page"].paginator.count


def test_pagination_keeps_the_filters(world, login):
    for n in range(30):
        UserFactory(display_name=f"Zed Teacher {n:02d}", roles=["teacher"])
    body = directory(login(world.teacher), role="teacher").content.decode()
    assert "role=teacher&amp;page=2" in body


def test_person_page_shows_the_profile(profiles, login):
    page = person_page(login(profiles.colleague), profiles.teacher).content.decode()
    assert "Teacher Tala" in page
    assert "Physics" in page
    assert "Formative assessment" in page
    assert profiles.school.name in page
    assert "Early-career teacher" in page  # two years of experience


def test_person_page_is_translated(profiles, login):
    profiles.colleague.preferred_language = "ru"
    profiles.colleague.save()
    page = person_page(login(profiles.colleague), profiles.teacher).content.decode()
    assert 'lang="ru"' in page


# --- query bounds ----------------------------------------------------------------------------


def ok(response):
    assert response.status_code == 200


@pytest.mark.parametrize("who", ["teacher", "principal", "district_admin"])
def test_directory_query_count_does_not_grow_with_data(profiles, login, who):
    client = login(getattr(profiles, who))

    def more_people(response):
        assert len(response.context["page"].object_list) == 24

    assert_queries_do_not_grow(profiles, lambda: directory(client), check=ok, check_after=more_people)


def test_filtered_directory_query_count_does_not_grow_with_data(profiles, login):
    client = login(profiles.principal)
    assert_queries_do_not_grow(
        profiles,
        lambda: directory(client, subject="physics", school=profiles.school.pk, expertise="o", q="e"),
        check=ok,
    )


def test_htmx_directory_query_count_does_not_grow_with_data(profiles, login):
    client = login(profiles.teacher)
    assert_queries_do_not_grow(
        profiles, lambda: client.get(reverse("accounts:people"), HTTP_HX_REQUEST="true"), check=ok
    )


def test_person_page_query_count_does_not_grow_with_data(profiles, login):
    client = login(profiles.colleague)
    assert_queries_do_not_grow(profiles, lambda: person_page(client, profiles.teacher), check=ok)


def test_a_school_of_another_authority_is_a_valid_filter(world, login):
    elsewhere = SchoolFactory(authority=AuthorityFactory(name="East"))
    teacher = UserFactory(display_name="Eastern Elif", roles=["teacher"])
    MembershipFactory(user=teacher, school=elsewhere)
    assert names_in(directory(login(world.teacher), school=elsewhere.pk)) == {"Eastern Elif"}
