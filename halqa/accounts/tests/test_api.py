"""The people API: /api/v1/me/ and /api/v1/people/, with the same rules as the pages.

Anonymous callers get 403, not 401: DRF answers with the first authentication class's
challenge, and SessionAuthentication (listed first in settings) has none.
"""

import re

import pytest
from rest_framework.test import APIClient

from halqa.accounts.models import ExpertiseTag, SubjectRow, User
from halqa.accounts.tests.factories import MembershipFactory, UserFactory, api_key
from halqa.orgs.tests.seeding import assert_queries_do_not_grow

pytestmark = pytest.mark.django_db

EMAIL = re.compile(r"[\w.+-]+@example\.org")
ME = "/api/v1/me/"
PEOPLE = "/api/v1/people/"


@pytest.fixture
def api():
    return APIClient()


@pytest.fixture
def as_(api):
    def sign_in(user):
        api.force_authenticate(user=None)
        api.force_login(user)
        return api

    return sign_in


def person_url(person) -> str:
    return f"{PEOPLE}{person.pk}/"


def names(response) -> set[str]:
    return {person["display_name"] for person in response.json()["results"]}


def profile_of(user) -> dict:
    user = User.objects.get(pk=user.pk)
    return {
        "display_name": user.display_name,
        "bio": user.bio,
        "years_experience": user.years_experience,
        "preferred_language": user.preferred_language,
        "time_zone": user.time_zone,
        "calendar": user.calendar,
        "email": user.email,
        "subjects": sorted(s.code for s in user.subjects.all()),
        "grades": sorted(g.code for g in user.grades.all()),
        "expertise": sorted(t.name for t in user.expertise.all()),
        "roles": sorted(r.code for r in user.roles.all()),
        "is_superuser": user.is_superuser,
    }


# --- anonymous and token authentication ------------------------------------------------------


@pytest.mark.parametrize("url", [ME, PEOPLE, "/api/v1/people/1/"])
def test_anonymous_callers_get_403(world, api, url):
    response = api.get(url)
    assert response.status_code == 403
    assert response.json() == {"detail": "Authentication credentials were not provided."}
    assert api.patch(ME, {"display_name": "x"}, format="json").status_code == 403


def test_a_token_authenticates(world, api):
    api.credentials(HTTP_AUTHORIZATION=f"Token {api_key(world.teacher)}")
    response = api.get(ME)
    assert response.status_code == 200
    assert response.json()["id"] == world.teacher.pk
    assert api.get(PEOPLE).status_code == 200


def test_a_token_can_change_the_profile_without_csrf(world):
    api = APIClient(enforce_csrf_checks=True)
    api.credentials(HTTP_AUTHORIZATION=f"Token {api_key(world.teacher)}")
    assert api.patch(ME, {"bio": "by token"}, format="json").status_code == 200
    assert profile_of(world.teacher)["bio"] == "by token"


def test_a_session_needs_csrf_to_change_the_profile(world):
    api = APIClient(enforce_csrf_checks=True)
    api.force_login(world.teacher)
    response = api.patch(ME, {"bio": "no csrf"}, format="json")
    assert response.status_code == 403
    assert "CSRF" in response.json()["detail"]
    assert profile_of(world.teacher)["bio"] == ""


@pytest.mark.parametrize("header", ["Token not-a-real-key", "Token ", "Bearer abc", "Token a b"])
def test_a_bad_token_is_refused(world, api, header):
    api.credentials(HTTP_AUTHORIZATION=header)
    response = api.get(ME)
    assert response.status_code == 401
    assert response["WWW-Authenticate"] == 'Bearer realm="api"'


def test_a_deactivated_persons_token_is_refused(world, api):
    key = api_key(world.teacher)
    User.objects.filter(pk=world.teacher.pk).update(is_active=False)
    api.credentials(HTTP_AUTHORIZATION=f"Token {key}")
    response = api.get(ME)
    assert response.status_code == 401
    assert response.json()["detail"] == "This account is deactivated."


# --- /api/v1/me/ -----------------------------------------------------------------------------


def test_me_shows_ones_own_profile_and_email(world, as_):
    world.teacher.subjects.set(SubjectRow.objects.filter(code__in=["physics", "math"]))
    world.teacher.expertise.set([ExpertiseTag.objects.create(name="Lab safety")])
    data = as_(world.teacher).get(ME).json()
    assert data["id"] == world.teacher.pk
    assert data["email"] == world.teacher.email
    assert data["display_name"] == "Teacher Tala"
    assert data["roles"] == ["teacher"]
    assert data["subjects"] == ["math", "physics"]
    assert data["expertise"] == ["Lab safety"]
    assert data["years_experience"] == 2
    assert data["is_young_teacher"] is True
    assert data["schools"] == [{"id": world.school.pk, "name": world.school.name, "position": "teacher"}]
    assert {"preferred_language", "time_zone", "calendar"} <= set(data)
    assert "password" not in data


def test_patch_me_saves_the_profile(world, as_):
    api = as_(world.teacher)
    response = api.patch(
        ME,
        {
            "display_name": "  Tala   T. ",
            "bio": "Physics.",
            "subjects": ["physics", "science"],
            "grades": ["7"],
            "years_experience": 4,
            "expertise": ["Inquiry labs", "inquiry LABS", "Lesson study"],
            "preferred_language": "ar",
            "time_zone": "Asia/Riyadh",
            "calendar": "hijri",
        },
        format="json",
    )
    assert response.status_code == 200, response.json()
    saved = profile_of(world.teacher)
    assert saved["display_name"] == "Tala T."
    assert saved["subjects"] == ["physics", "science"]
    assert saved["grades"] == ["7"]
    assert saved["years_experience"] == 4
    assert saved["expertise"] == ["Inquiry labs", "Lesson study"]
    assert (saved["preferred_language"], saved["time_zone"], saved["calendar"]) == ("ar", "Asia/Riyadh", "hijri")
    data = response.json()
    assert data["subjects"] == ["physics", "science"]
    assert data["expertise"] == ["Inquiry labs", "Lesson study"]
    assert data["is_young_teacher"] is False


def test_patch_me_changes_only_the_fields_given(world, as_):
    world.teacher.subjects.set(SubjectRow.objects.filter(code="math"))
    before = profile_of(world.teacher)
    assert as_(world.teacher).patch(ME, {"bio": "Only the bio."}, format="json").status_code == 200
    after = profile_of(world.teacher)
    assert after == {**before, "bio": "Only the bio."}


def test_years_of_experience_can_be_cleared(world, as_):
    assert as_(world.teacher).patch(ME, {"years_experience": None}, format="json").status_code == 200
    assert profile_of(world.teacher)["years_experience"] is None


def test_roles_email_and_flags_are_read_only(world, as_):
    before = profile_of(world.teacher)
    response = as_(world.teacher).patch(
        ME,
        {
            "roles": ["principal", "district_admin"],
            "email": "mine@example.org",
            "is_superuser": True,
            "schools": [{"id": world.other_school.pk, "name": "x", "position": "principal"}],
            "id": 1,
        },
        format="json",
    )
    assert response.status_code == 200
    assert profile_of(world.teacher) == before
    assert not world.teacher.memberships.filter(school=world.other_school).exists()


@pytest.mark.parametrize(
    "data,field,message",
    [
        ({"display_name": ""}, "display_name", "This field may not be blank."),
        ({"display_name": "   "}, "display_name", "This field may not be blank."),
        ({"display_name": "x" * 121}, "display_name", "no more than 120 characters"),
        ({"display_name": ["a"]}, "display_name", "Not a valid string."),
        ({"display_name": None}, "display_name", "This field may not be null."),
        ({"bio": "b" * 1001}, "bio", "no more than 1000 characters"),
        ({"years_experience": -1}, "years_experience", "greater than or equal to 0"),
        ({"years_experience": 61}, "years_experience", "less than or equal to 60"),
        ({"years_experience": "abc"}, "years_experience", "A valid integer is required."),
        ({"years_experience": 2.5}, "years_experience", "A valid integer is required."),
        ({"subjects": "math"}, "subjects", 'Expected a list of items but got type "str".'),
        ({"subjects": ["math", "alchemy"]}, "subjects", '"alchemy" is not a valid choice.'),
        ({"grades": ["13"]}, "grades", '"13" is not a valid choice.'),
        ({"expertise": [f"topic {n}" for n in range(16)]}, "expertise", "no more than 15 elements"),
        ({"expertise": ["t" * 61]}, "expertise", "no more than 60 characters"),
        ({"expertise": [""]}, "expertise", "This field may not be blank."),
        ({"expertise": [{"name": "x"}]}, "expertise", "Not a valid string."),
        # Commas inside one element must not smuggle in more than 15 topics.
        ({"expertise": [f"a{n}, b{n}" for n in range(10)]}, "expertise", "Please list at most 15 topics."),
        ({"preferred_language": "xx"}, "preferred_language", '"xx" is not a valid choice.'),
        ({"time_zone": "Mars/Olympus_Mons"}, "time_zone", '"Mars/Olympus_Mons" is not a valid choice.'),
        ({"time_zone": 3}, "time_zone", '"3" is not a valid choice.'),
        ({"calendar": "mayan"}, "calendar", '"mayan" is not a valid choice.'),
    ],
)
def test_bad_patch_gets_field_errors_and_changes_nothing(world, as_, data, field, message):
    before = profile_of(world.teacher)
    response = as_(world.teacher).patch(ME, {"bio": "would be saved", **data}, format="json")
    assert response.status_code == 400
    errors = response.json()
    assert field in errors, errors
    assert message in str(errors[field]), errors
    assert profile_of(world.teacher) == before


def test_malformed_json_is_a_400(world, as_):
    response = as_(world.teacher).generic("PATCH", ME, "{not json", content_type="application/json")
    assert response.status_code == 400
    assert "JSON parse error" in response.json()["detail"]


@pytest.mark.parametrize("method", ["put", "delete", "post"])
def test_me_cannot_be_replaced_deleted_or_created(world, as_, method):
    api = as_(world.teacher)
    response = getattr(api, method)(ME, {"display_name": "Replaced"}, format="json")
    assert response.status_code == 405
    assert User.objects.filter(pk=world.teacher.pk, display_name="Teacher Tala").exists()


def test_errors_follow_accept_language_for_token_callers(world, api):
    api.credentials(HTTP_AUTHORIZATION=f"Token {api_key(world.teacher)}")
    response = api.patch(ME, {"years_experience": "abc", "display_name": ""}, format="json", HTTP_ACCEPT_LANGUAGE="ru")
    assert response.status_code == 400
    errors = response.json()
    assert errors["years_experience"] == ["Введите правильное число."]
    assert errors["display_name"] == ["Это поле не может быть пустым."]
    assert response["Content-Language"] == "ru"
    english = api.patch(ME, {"years_experience": "abc"}, format="json", HTTP_ACCEPT_LANGUAGE="en")
    assert english.json()["years_experience"] == ["A valid integer is required."]


def test_a_missing_field_error_is_translated(world, api):
    api.credentials(HTTP_AUTHORIZATION=f"Token {api_key(world.principal)}")
    response = api.post(
        "/api/v1/invitations/", {"school": world.school.pk, "position": "teacher"}, HTTP_ACCEPT_LANGUAGE="ru"
    )
    assert response.status_code == 400
    assert response.json()["email"] == ["Обязательное поле."]


def test_halqas_own_profile_errors_are_translated(world, api):
    api.credentials(HTTP_AUTHORIZATION=f"Token {api_key(world.teacher)}")
    response = api.patch(
        ME, {"expertise": [f"a{n}, b{n}" for n in range(10)]}, format="json", HTTP_ACCEPT_LANGUAGE="ru"
    )
    assert response.status_code == 400
    assert response.json()["expertise"] == ["Максимальное количество тем — 15."]


def test_session_callers_get_errors_in_their_profile_language(world, as_):
    world.teacher.preferred_language = "ru"
    world.teacher.save()
    response = as_(world.teacher).patch(ME, {"years_experience": "abc"}, format="json", HTTP_ACCEPT_LANGUAGE="en")
    assert response.json()["years_experience"] == ["Введите правильное число."]


# --- /api/v1/people/ -------------------------------------------------------------------------


@pytest.mark.parametrize(
    "who", ["teacher", "other_principal", "foreign_principal", "other_parent", "student", "expert", "supervisor"]
)
def test_outsiders_do_not_see_a_parent_or_student_in_the_api(world, as_, who):
    api = as_(getattr(world, who))
    listed = names(api.get(PEOPLE))
    for private in (world.parent, world.student):
        if private == getattr(world, who):
            continue
        assert private.display_name not in listed
        assert api.get(person_url(private)).status_code == 404
        assert private.display_name not in names(api.get(PEOPLE, {"role": private.roles.first().code}))
        assert private.display_name not in names(api.get(PEOPLE, {"school": world.school.pk}))


@pytest.mark.parametrize("who", ["principal", "district_admin"])
def test_leaders_see_their_schools_parents_and_students_in_the_api(world, as_, who):
    api = as_(getattr(world, who))
    assert {"Parent Parisa", "Student Sami"} <= names(api.get(PEOPLE))
    for private in (world.parent, world.student):
        response = api.get(person_url(private))
        assert response.status_code == 200
        assert response.json()["display_name"] == private.display_name


def test_a_deputy_sees_the_schools_parents_in_the_api(world, as_):
    deputy = UserFactory(display_name="Deputy Darya", roles=["principal"])
    MembershipFactory(user=deputy, school=world.school, position="deputy")
    assert as_(deputy).get(person_url(world.parent)).status_code == 200


def test_a_parent_sees_themselves_and_professionals(world, as_):
    api = as_(world.parent)
    listed = names(api.get(PEOPLE))
    assert {"Parent Parisa", "Teacher Tala", "Expert Eve"} <= listed
    assert "Other Parent Oleg" not in listed
    assert "Student Sami" not in listed
    assert api.get(person_url(world.parent)).status_code == 200
    assert api.get(person_url(world.teacher)).status_code == 200


def test_unknown_person_is_404(world, as_):
    api = as_(world.principal)
    assert api.get(f"{PEOPLE}999999/").status_code == 404
    assert api.get(f"{PEOPLE}abc/").status_code == 404


def test_people_cannot_be_changed_through_the_directory(world, as_):
    api = as_(world.principal)
    for method in ("post", "put", "patch", "delete"):
        url = PEOPLE if method == "post" else person_url(world.teacher)
        assert getattr(api, method)(url, {"display_name": "Hacked"}, format="json").status_code == 405
    assert User.objects.get(pk=world.teacher.pk).display_name == "Teacher Tala"


@pytest.mark.parametrize("who", ["teacher", "principal", "district_admin", "parent"])
def test_the_people_api_never_shows_an_email(world, as_, who):
    api = as_(getattr(world, who))
    assert EMAIL.findall(api.get(PEOPLE).content.decode()) == []
    for person in (world.colleague, world.parent, world.foreign_principal):
        assert EMAIL.findall(api.get(person_url(person)).content.decode()) == []


def test_the_browsable_api_never_shows_an_email_of_others(world, as_):
    page = as_(world.principal).get(PEOPLE, HTTP_ACCEPT="text/html").content.decode()
    assert "Teacher Tala" in page
    assert set(EMAIL.findall(page)) <= {world.principal.email}


def test_a_person_in_the_api(world, as_):
    world.colleague.subjects.set(SubjectRow.objects.filter(code="math"))
    data = as_(world.teacher).get(person_url(world.colleague)).json()
    assert data == {
        "id": world.colleague.pk,
        "display_name": "Colleague Cyrus",
        "roles": ["teacher"],
        "subjects": ["math"],
        "grades": [],
        "years_experience": 12,
        "is_young_teacher": False,
        "expertise": [],
        "bio": "",
        "schools": [{"id": world.school.pk, "name": world.school.name, "position": "teacher"}],
    }


@pytest.fixture
def profiles(world):
    world.colleague.subjects.set(SubjectRow.objects.filter(code="math"))
    world.teacher.expertise.set([ExpertiseTag.objects.create(name="Formative assessment")])
    world.expert.bio = "I coach lesson study groups."
    world.expert.save()
    return world


@pytest.mark.parametrize(
    "params,expected",
    [
        ({"q": "cyrus"}, {"Colleague Cyrus"}),
        ({"q": "lesson study"}, {"Expert Eve"}),
        ({"subject": "math"}, {"Colleague Cyrus"}),
        ({"expertise": "formative"}, {"Teacher Tala"}),
        ({"role": "expert"}, {"Expert Eve"}),
        ({"role": "parent"}, set()),
        ({"school": "other"}, {"Other Olga", "Other Principal Omid"}),
        ({"school": "other", "role": "principal"}, {"Other Principal Omid"}),
    ],
)
def test_people_filters(profiles, as_, params, expected):
    if params.get("school") == "other":
        params = {**params, "school": profiles.other_school.pk}
    assert names(as_(profiles.teacher).get(PEOPLE, params)) == expected


@pytest.mark.parametrize(
    "params", [{"subject": "alchemy"}, {"role": "wizard"}, {"school": "abc"}, {"school": "²"}]
)  # a NUL is refused with 400 before any view (halqa/core/tests/test_hostile_input.py)
def test_unknown_filter_values_are_ignored(profiles, as_, params):
    api = as_(profiles.teacher)
    response = api.get(PEOPLE, params)
    assert response.status_code == 200
    assert names(response) == names(api.get(PEOPLE))


def test_filters_do_not_apply_to_a_single_person(profiles, as_):
    response = as_(profiles.teacher).get(person_url(profiles.expert), {"role": "teacher"})
    assert response.status_code == 200


def test_people_are_paginated(world, as_):
    for n in range(30):
        UserFactory(display_name=f"Zed Teacher {n:02d}", roles=["teacher"])
    api = as_(world.teacher)
    first = api.get(PEOPLE).json()
    assert first["count"] == 30 + 10  # the world's ten professionals
    assert len(first["results"]) == 25
    assert first["previous"] is None
    assert "page=2" in first["next"]
    second = api.get(PEOPLE, {"page": 2}).json()
    assert len(second["results"]) == 15
    assert second["next"] is None
    ids = [p["id"] for p in first["results"] + second["results"]]
    assert len(set(ids)) == 40
    assert api.get(PEOPLE, {"page": 3}).status_code == 404
    assert api.get(PEOPLE, {"page": "abc"}).status_code == 404


def test_pagination_keeps_the_filters(world, as_):
    for n in range(30):
        UserFactory(display_name=f"Zed Teacher {n:02d}", roles=["teacher"])
    data = as_(world.teacher).get(PEOPLE, {"role": "teacher"}).json()
    assert "role=teacher" in data["next"]


# --- query bounds ----------------------------------------------------------------------------


def ok(response):
    assert response.status_code == 200


def full_page(response):
    assert len(response.json()["results"]) == 25


@pytest.mark.parametrize("who", ["teacher", "principal", "district_admin"])
def test_people_api_query_count_does_not_grow_with_data(profiles, as_, who):
    api = as_(getattr(profiles, who))
    assert_queries_do_not_grow(profiles, lambda: api.get(PEOPLE), check=ok, check_after=full_page)


def test_filtered_people_api_query_count_does_not_grow_with_data(profiles, as_):
    api = as_(profiles.principal)
    assert_queries_do_not_grow(
        profiles, lambda: api.get(PEOPLE, {"school": profiles.school.pk, "expertise": "o"}), check=ok
    )


def test_person_api_query_count_does_not_grow_with_data(profiles, as_):
    api = as_(profiles.colleague)
    assert_queries_do_not_grow(profiles, lambda: api.get(person_url(profiles.teacher)), check=ok)


def test_me_query_count_does_not_grow_with_data(profiles, as_):
    api = as_(profiles.teacher)
    assert_queries_do_not_grow(profiles, lambda: api.get(ME), check=ok)


@pytest.mark.parametrize("body", [{"expertise": [123]}, {"display_name": 42}, {"bio": 1.5}])
def test_a_number_is_not_text(world, as_, body):
    """Found by the fuzz gate: DRF turns 123 into "123"; the schema says string, so it is refused."""
    before = as_(world.teacher).get(ME).json()
    response = as_(world.teacher).patch(ME, body, format="json", HTTP_ACCEPT_LANGUAGE="en")
    assert response.status_code == 400
    assert "Not a valid string." in str(response.json())
    assert as_(world.teacher).get(ME).json() == before
