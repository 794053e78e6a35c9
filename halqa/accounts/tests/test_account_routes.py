"""allauth's account and two-factor pages: open to their owner, closed to anonymous visitors."""

import pytest
from allauth.mfa.recovery_codes.internal.auth import RecoveryCodes
from allauth.mfa.totp.internal.auth import TOTP, generate_totp_secret
from django.contrib.auth import get_user_model
from django.urls import reverse

from halqa.accounts.tests.factories import PASSWORD, UserFactory
from halqa.accounts.tests.test_auth import current_code

pytestmark = pytest.mark.django_db

SIGNED_IN_ONLY = [
    "account_email",
    "account_change_password",
    "account_set_password",
    "account_reauthenticate",
    "mfa_index",
    "mfa_activate_totp",
    "mfa_reauthenticate",
]
NEEDS_TOTP = [
    "mfa_deactivate_totp",
    "mfa_view_recovery_codes",
    "mfa_generate_recovery_codes",
    "mfa_download_recovery_codes",
]


@pytest.mark.parametrize("name", SIGNED_IN_ONLY + NEEDS_TOTP)
def test_anonymous_visitors_are_sent_to_sign_in(client, name):
    response = client.get(reverse(name))
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("account_login"))


@pytest.mark.parametrize("name", SIGNED_IN_ONLY)
def test_the_owner_can_open_account_pages(client, name):
    client.force_login(UserFactory())
    response = client.get(reverse(name))
    assert response.status_code in (200, 302)
    if response.status_code == 302:
        assert not response["Location"].startswith(reverse("account_login"))


@pytest.mark.parametrize("name", NEEDS_TOTP)
def test_two_factor_pages_open_for_someone_who_has_it(client, name):
    user = UserFactory()
    secret = generate_totp_secret()
    TOTP.activate(user, secret)
    RecoveryCodes.activate(user)
    # a real sign-in (password, then code), then confirming the password: these pages ask for it
    client.post(reverse("account_login"), {"login": user.email, "password": PASSWORD})
    client.post(reverse("mfa_authenticate"), {"code": current_code(secret)})
    client.post(reverse("account_reauthenticate"), {"password": PASSWORD})
    response = client.get(reverse(name))
    assert response.status_code == 200, response.get("Location")


def test_logout_page_for_people_and_redirect_for_visitors(client):
    assert client.get(reverse("account_logout")).status_code == 302
    client.force_login(UserFactory())
    assert client.get(reverse("account_logout")).status_code == 200
    assert client.post(reverse("account_logout")).status_code == 302


@pytest.mark.parametrize(
    "name",
    [
        "account_inactive",
        "account_email_verification_sent",
        "account_reset_password_done",
        "account_reset_password_from_key_done",
    ],
)
def test_public_account_pages_open_signed_out(client, name):
    assert client.get(reverse(name)).status_code == 200


def test_email_confirmation_link_with_a_bad_key_explains_itself(client):
    response = client.get(reverse("account_confirm_email", args=["not-a-key"]))
    assert response.status_code == 200
    assert "expired or is invalid" in response.content.decode()


def test_login_code_confirmation_without_a_pending_login_returns_to_sign_in(client):
    response = client.get(reverse("account_confirm_login_code"))
    assert response.status_code in (200, 302)


def test_added_address_needs_confirmation_before_it_counts(
    client, smtp_server, run_tasks, django_capture_on_commit_callbacks
):
    UserFactory(email="main@example.org")
    # Signed in just now with the password: adding an address needs no second password prompt.
    client.post(reverse("account_login"), {"login": "main@example.org", "password": PASSWORD})
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(reverse("account_email"), {"action_add": "", "email": "second@example.org"})
    assert response.status_code == 302
    from allauth.account.models import EmailAddress

    assert EmailAddress.objects.get(email="second@example.org").verified is False
    run_tasks()
    assert any("second@example.org" in m["to"] for m in smtp_server.messages)


def test_admin_requires_staff(client, world):
    client.force_login(world.teacher)
    response = client.get("/admin/")
    assert response.status_code == 302
    assert "/admin/login/" in response["Location"]
    admin = get_user_model().objects.create_superuser("root@example.org", "x-long-password-1", display_name="Root")
    client.force_login(admin)
    assert client.get("/admin/").status_code == 200
