"""One's own profile: the editor, its refusals, and the security page with the API token."""

import pytest
from django.conf import settings
from django.urls import reverse

from halqa.accounts import services
from halqa.accounts.models import ApiToken, ExpertiseTag, User

pytestmark = pytest.mark.django_db

VALID = {
    "display_name": "Tala Tehrani",
    "bio": "I teach physics to grades 7 and 8.",
    "subjects": ["physics", "science"],
    "grades": ["7", "8"],
    "years_experience": "5",
    "expertise": "formative assessment, Lesson study،  inquiry  labs",
    "preferred_language": "fa",
    "time_zone": "Asia/Tehran",
    "calendar": "jalali",
}


def snapshot(user: User) -> dict:
    """Everything the profile editor could change, read fresh from the database."""
    user = User.objects.get(pk=user.pk)
    return {
        **{field: getattr(user, field) for field in services.PROFILE_FIELDS},
        "subjects": sorted(s.code for s in user.subjects.all()),
        "grades": sorted(g.code for g in user.grades.all()),
        "expertise": sorted(t.name for t in user.expertise.all()),
        "roles": sorted(r.code for r in user.roles.all()),
        "email": user.email,
    }


# --- /profile/ -------------------------------------------------------------------------------


def test_profile_is_ones_own_person_page(world, login):
    response = login(world.teacher).get(reverse("accounts:profile"))
    assert response.status_code == 302
    assert response["Location"] == reverse("accounts:person", args=[world.teacher.pk])


@pytest.mark.parametrize(
    "url_name", ["accounts:profile", "accounts:profile_edit", "accounts:security", "accounts:api_token_create"]
)
def test_anonymous_visitors_are_sent_to_sign_in(client, url_name):
    for response in (client.get(reverse(url_name)), client.post(reverse(url_name), {"name": "x"})):
        assert response.status_code == 302
        assert response["Location"].startswith(reverse("account_login"))
    assert not ApiToken.objects.exists()


# --- /profile/edit/ --------------------------------------------------------------------------


def test_the_editor_is_filled_with_the_current_profile(world, login):
    world.teacher.bio = "Physics for young minds."
    world.teacher.save()
    world.teacher.expertise.set([ExpertiseTag.objects.create(name="Lab safety")])
    response = login(world.teacher).get(reverse("accounts:profile_edit"))
    assert response.status_code == 200
    page = response.content.decode()
    assert 'value="Teacher Tala"' in page
    assert "Physics for young minds." in page
    assert 'value="Lab safety"' in page


def test_saving_the_profile(world, login):
    response = login(world.teacher).post(reverse("accounts:profile_edit"), VALID)
    assert response.status_code == 302
    assert response["Location"] == reverse("accounts:person", args=[world.teacher.pk])
    saved = snapshot(world.teacher)
    assert saved["display_name"] == "Tala Tehrani"
    assert saved["bio"] == VALID["bio"]
    assert saved["subjects"] == ["physics", "science"]
    assert saved["grades"] == ["7", "8"]
    assert saved["years_experience"] == 5
    assert saved["expertise"] == ["Lesson study", "formative assessment", "inquiry labs"]
    assert saved["preferred_language"] == "fa"
    assert saved["time_zone"] == "Asia/Tehran"
    assert saved["calendar"] == "jalali"


def test_saving_goes_through_the_service(world, login, monkeypatch):
    calls = []
    real = services.update_profile

    def spy(user, **fields):
        calls.append(fields)
        return real(user, **fields)

    monkeypatch.setattr(services, "update_profile", spy)
    login(world.teacher).post(reverse("accounts:profile_edit"), VALID)
    assert len(calls) == 1
    assert calls[0]["display_name"] == "Tala Tehrani"


def test_saving_sets_the_language_cookie(world, login):
    response = login(world.teacher).post(reverse("accounts:profile_edit"), VALID)
    cookie = response.cookies[settings.LANGUAGE_COOKIE_NAME]
    assert cookie.value == "fa"
    assert cookie["samesite"] == "Lax"
    assert int(cookie["max-age"]) == settings.LANGUAGE_COOKIE_AGE


def test_the_next_page_is_in_the_new_language(world, login):
    client = login(world.teacher)
    client.post(reverse("accounts:profile_edit"), VALID)
    page = client.get(reverse("accounts:person", args=[world.teacher.pk])).content.decode()
    assert 'lang="fa"' in page
    assert 'dir="rtl"' in page


def test_expertise_tags_are_shared_case_insensitively(world, login):
    ExpertiseTag.objects.create(name="Formative Assessment")
    login(world.teacher).post(reverse("accounts:profile_edit"), VALID)
    assert ExpertiseTag.objects.filter(key="formative assessment").count() == 1
    assert world.teacher.expertise.filter(name="Formative Assessment").exists()


def test_clearing_optional_fields(world, login):
    world.teacher.bio = "old"
    world.teacher.save()
    data = {**VALID, "bio": "", "years_experience": "", "expertise": "", "subjects": [], "grades": []}
    assert login(world.teacher).post(reverse("accounts:profile_edit"), data).status_code == 302
    saved = snapshot(world.teacher)
    assert saved["bio"] == ""
    assert saved["years_experience"] is None
    assert saved["expertise"] == saved["subjects"] == saved["grades"] == []


def test_names_are_tidied(world, login):
    login(world.teacher).post(reverse("accounts:profile_edit"), {**VALID, "display_name": "  Tala \t  Tehrani "})
    assert snapshot(world.teacher)["display_name"] == "Tala Tehrani"


def test_roles_are_not_editable_by_the_person(world, login):
    before = snapshot(world.teacher)["roles"]
    data = {**VALID, "roles": ["principal", "district_admin"], "is_superuser": "on", "is_staff": "on"}
    response = login(world.teacher).post(reverse("accounts:profile_edit"), data)
    assert response.status_code == 302
    assert snapshot(world.teacher)["roles"] == before == ["teacher"]
    user = User.objects.get(pk=world.teacher.pk)
    assert not user.is_superuser
    assert not user.is_staff


def test_the_email_address_is_not_editable_here(world, login):
    email = world.teacher.email
    login(world.teacher).post(reverse("accounts:profile_edit"), {**VALID, "email": "new@example.org"})
    assert snapshot(world.teacher)["email"] == email


@pytest.mark.parametrize(
    "change,field,message",
    [
        ({"display_name": ""}, "display_name", "This field is required."),
        ({"display_name": "   "}, "display_name", "This field is required."),
        ({"display_name": "x" * 121}, "display_name", "at most 120 characters"),
        ({"bio": "b" * 1001}, "bio", "at most 1000 characters (it has 1001)"),
        ({"years_experience": "-1"}, "years_experience", "greater than or equal to 0"),
        ({"years_experience": "61"}, "years_experience", "less than or equal to 60"),
        ({"years_experience": "abc"}, "years_experience", "Enter a whole number."),
        ({"subjects": ["math", "alchemy"]}, "subjects", "alchemy is not one of the available choices"),
        ({"grades": ["13"]}, "grades", "13 is not one of the available choices"),
        (
            {"expertise": ", ".join(f"topic {n}" for n in range(16))},
            "expertise",
            "Please list at most 15 topics.",
        ),
        ({"expertise": "fine, " + "t" * 61}, "expertise", "Each topic can be at most 60 characters long."),
        ({"time_zone": "Mars/Olympus_Mons"}, "time_zone", "Mars/Olympus_Mons is not one of the available choices"),
        ({"preferred_language": "xx"}, "preferred_language", "xx is not one of the available choices"),
        ({"calendar": "mayan"}, "calendar", "mayan is not one of the available choices"),
    ],
)
def test_bad_input_gets_a_clear_error_and_changes_nothing(world, login, change, field, message):
    before = snapshot(world.teacher)
    response = login(world.teacher).post(reverse("accounts:profile_edit"), {**VALID, **change})
    assert response.status_code == 400
    assert message in " ".join(response.context["form"].errors[field])
    assert message.replace("'", "&#x27;") in response.content.decode()
    assert "Please correct the errors below." in response.content.decode()
    assert snapshot(world.teacher) == before
    assert settings.LANGUAGE_COOKIE_NAME not in response.cookies


def test_exactly_fifteen_topics_of_sixty_characters_are_fine(world, login):
    topics = ", ".join(f"{n:02d}" + "t" * 58 for n in range(15))
    response = login(world.teacher).post(reverse("accounts:profile_edit"), {**VALID, "expertise": topics})
    assert response.status_code == 302
    assert len(snapshot(world.teacher)["expertise"]) == 15


def test_bad_input_errors_are_translated(world, login):
    world.teacher.preferred_language = "ru"
    world.teacher.save()
    response = login(world.teacher).post(
        reverse("accounts:profile_edit"), {**VALID, "display_name": "", "preferred_language": "ru"}
    )
    assert response.status_code == 400
    assert "Обязательное поле" in response.content.decode()


# --- /profile/security/ (its API tokens: test_api_tokens.py) -------------------------------------


def test_security_page(world, login):
    response = login(world.teacher).get(reverse("accounts:security"))
    assert response.status_code == 200
    page = response.content.decode()
    assert "Create token" in page
    assert "You have no API tokens." in page
    assert reverse("mfa_activate_totp") in page
