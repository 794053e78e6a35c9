"""Signing in by email, rate limits, password reset by email, two-factor authentication."""

import re

import pytest
from allauth.mfa.models import Authenticator
from allauth.mfa.totp.internal.auth import (
    TOTP,
    format_hotp_value,
    generate_totp_secret,
    hotp_value,
    yield_hotp_counters_from_time,
)
from django.urls import reverse

from halqa.accounts.tests.factories import PASSWORD, UserFactory

pytestmark = pytest.mark.django_db


def sign_in(client, email, password=PASSWORD):
    return client.post(reverse("account_login"), {"login": email, "password": password})


def test_sign_in_with_email_and_password(client):
    user = UserFactory(email="layla@example.org")
    response = sign_in(client, "Layla@Example.org")
    assert response.status_code == 302
    assert response["Location"] == "/"
    assert client.get("/").context["user"] == user


def test_wrong_password_gets_a_clear_error(client):
    UserFactory(email="layla@example.org")
    response = sign_in(client, "layla@example.org", "wrong-password")
    assert response.status_code == 200
    assert "not correct" in response.content.decode()
    assert not response.context["user"].is_authenticated


def test_failed_sign_ins_are_rate_limited(client):
    UserFactory(email="target@example.org")
    for _ in range(5):
        sign_in(client, "target@example.org", "guess")
    response = sign_in(client, "target@example.org", PASSWORD)  # even the right password waits
    assert not response.context or not response.context["user"].is_authenticated
    assert "Too many failed login attempts" in response.content.decode()


def test_login_errors_are_translated(client):
    UserFactory(email="layla@example.org")
    client.cookies["halqa_language"] = "ru"
    response = sign_in(client, "layla@example.org", "wrong-password")
    assert 'lang="ru"' in response.content.decode()
    assert re.search("[а-яА-Я]{4,}", response.content.decode())


def test_password_reset_email_goes_through_the_queue_to_smtp(
    client, smtp_server, run_tasks, django_capture_on_commit_callbacks
):
    user = UserFactory(email="forgetful@example.org")
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(reverse("account_reset_password"), {"email": "forgetful@example.org"})
    assert response.status_code == 302
    assert smtp_server.messages == []
    run_tasks()
    assert len(smtp_server.messages) == 1
    body = smtp_server.messages[0]["message"].get_body(preferencelist=("plain",)).get_content()
    path = re.search(r"https?://[^/\s]+(/accounts/password/reset/key/\S+)", body).group(1)
    form_page = client.get(path, follow=True)
    assert form_page.status_code == 200
    response = client.post(
        form_page.redirect_chain[-1][0] if form_page.redirect_chain else path,
        {"password1": "a-brand-new-passphrase-7", "password2": "a-brand-new-passphrase-7"},
    )
    assert response.status_code == 302
    user.refresh_from_db()
    assert user.check_password("a-brand-new-passphrase-7")


def test_password_reset_for_unknown_address_reveals_nothing(
    client, smtp_server, run_tasks, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(reverse("account_reset_password"), {"email": "nobody@example.org"})
    assert response.status_code == 302  # same answer as for a real account
    run_tasks()
    assert all("nobody@example.org" not in m["to"] or "not" in str(m["message"]) for m in smtp_server.messages)


def current_code(secret: str) -> str:
    counter = next(yield_hotp_counters_from_time())
    return format_hotp_value(hotp_value(secret, counter))


def test_two_factor_sign_in_asks_for_a_totp_code(client):
    user = UserFactory(email="careful@example.org")
    secret = generate_totp_secret()
    TOTP.activate(user, secret)
    response = sign_in(client, "careful@example.org")
    assert response.status_code == 302
    assert response["Location"] == reverse("mfa_authenticate")
    assert not client.get("/").context["user"].is_authenticated
    wrong = client.post(reverse("mfa_authenticate"), {"code": "000000"})
    assert wrong.status_code == 200
    assert not client.get("/").context["user"].is_authenticated
    sign_in(client, "careful@example.org")
    response = client.post(reverse("mfa_authenticate"), {"code": current_code(secret)})
    assert response.status_code == 302
    assert client.get("/").context["user"] == user


def test_every_user_can_turn_on_two_factor(client, world):
    for person in [world.teacher, world.parent, world.student]:
        client.force_login(person)
        page = client.get(reverse("mfa_activate_totp"))
        assert page.status_code in (200, 302)
        if page.status_code == 302:  # allauth asks to re-enter the password first
            assert "reauthenticate" in page["Location"]


def test_security_page_shows_two_factor_status(client, world):
    client.force_login(world.teacher)
    assert "Turn on two-factor" in client.get(reverse("accounts:security")).content.decode()
    TOTP.activate(world.teacher, generate_totp_secret())
    assert Authenticator.objects.filter(user=world.teacher).exists()
    assert "Manage two-factor" in client.get(reverse("accounts:security")).content.decode()
