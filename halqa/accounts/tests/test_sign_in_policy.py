"""One way in: the admin signs in like everyone, leaders must use a second factor, sensitive changes
ask for the password again, limits count the real client behind a proxy, idle sessions end."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from pathlib import Path

import pytest
from allauth.account.internal.flows.login import AUTHENTICATION_METHODS_SESSION_KEY
from allauth.account.models import EmailAddress
from allauth.mfa.models import Authenticator
from allauth.mfa.totp.internal.auth import (
    TOTP,
    format_hotp_value,
    generate_totp_secret,
    hotp_value,
    yield_hotp_counters_from_time,
)
from django.contrib.auth import get_user_model
from django.core.exceptions import ImproperlyConfigured
from django.test import RequestFactory
from django.urls import reverse

from halqa.accounts.middleware import SessionIdleTimeoutMiddleware
from halqa.accounts.tests.factories import PASSWORD, MembershipFactory, UserFactory
from halqa.core.net import client_ip

pytestmark = pytest.mark.django_db

ROOT = Path(__file__).resolve().parents[3]
TOO_MANY = "Too many failed login attempts"


def current_code(secret: str) -> str:
    return format_hotp_value(hotp_value(secret, next(yield_hotp_counters_from_time())))


def sign_in(client, email, password=PASSWORD, next_url=None, **extra):
    data = {"login": email, "password": password}
    if next_url:
        data["next"] = next_url
    return client.post(reverse("account_login"), data, **extra)


def signed_in_user(client):
    return client.get(reverse("accounts:profile")).wsgi_request.user


def superuser(email="root@example.org"):
    from allauth.account.models import EmailAddress

    user = get_user_model().objects.create_superuser(email, PASSWORD, display_name="Root")
    EmailAddress.objects.create(user=user, email=email, verified=True, primary=True)
    return user


# --- 1. The admin signs in through allauth -----------------------------------------------------


def test_admin_login_page_sends_visitors_to_the_one_sign_in(client):
    response = client.get("/admin/login/?next=/admin/")
    assert response.status_code == 302
    assert response["Location"] == reverse("account_login") + "?next=%2Fadmin%2F"
    response = client.get("/admin/")
    assert response.status_code == 302
    assert client.get(response["Location"]).status_code == 302  # /admin/login/ → the sign-in


def test_admin_with_totp_does_not_reach_the_admin_with_the_password_alone(client):
    admin = superuser()
    secret = generate_totp_secret()
    TOTP.activate(admin, secret)
    response = client.post(
        "/admin/login/?next=/admin/", {"username": admin.email, "password": PASSWORD, "next": "/admin/"}
    )
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("account_login"))
    assert client.get("/admin/").status_code == 302
    assert not signed_in_user(client).is_authenticated
    # The sign-in the admin login sends them to asks for the second factor …
    response = sign_in(client, admin.email, next_url="/admin/")
    assert response["Location"] == reverse("mfa_authenticate")
    assert client.get("/admin/").status_code == 302
    # … and only then lets them into the admin.
    response = client.post(reverse("mfa_authenticate"), {"code": current_code(secret)})
    assert response.status_code == 302
    assert response["Location"] == "/admin/"
    assert client.get("/admin/").status_code == 200


def test_an_admin_without_a_second_factor_signs_in_as_in_the_demo(client):
    admin = superuser()
    login_url = client.get("/admin/login/?next=/admin/")["Location"]
    response = client.post(login_url, {"login": admin.email, "password": PASSWORD, "next": "/admin/"})
    assert response["Location"] == "/admin/"
    assert client.get("/admin/").status_code == 200


def test_wrong_passwords_at_the_admin_login_are_rate_limited(client):
    admin = superuser()
    for _ in range(30):
        client.post("/admin/login/", {"username": admin.email, "password": "guess", "next": "/admin/"})
    response = client.post("/admin/login/", {"username": admin.email, "password": PASSWORD, "next": "/admin/"})
    assert client.get("/admin/").status_code == 302  # Django's form would have let the 31st in
    # The page it sends to is the normal sign-in, with its limit: five failures, then even the
    # right password waits.
    login_url = response["Location"]
    assert login_url.startswith(reverse("account_login"))
    for _ in range(5):
        page = client.post(login_url, {"login": admin.email, "password": "guess"})
        assert page.status_code == 200
    page = client.post(login_url, {"login": admin.email, "password": PASSWORD})
    assert TOO_MANY in page.content.decode()
    assert client.get("/admin/").status_code == 302


def test_admin_login_lets_staff_through_and_refuses_others(client, world):
    client.force_login(world.teacher)
    assert client.get("/admin/login/").status_code == 403
    client.force_login(superuser())
    response = client.get("/admin/login/?next=/admin/")
    assert response.status_code == 302
    assert response["Location"] == "/admin/"


def test_admin_logout_signs_out_of_halqa(client):
    client.force_login(superuser())
    assert client.get("/admin/").status_code == 200
    assert client.get("/admin/logout/").status_code == 200  # a confirmation page; GET signs nobody out
    assert client.get("/admin/").status_code == 200
    response = client.post("/admin/logout/", follow=True)
    assert response.redirect_chain[0] == ("/", 302)
    assert "You have signed out." in response.content.decode()
    assert not response.wsgi_request.user.is_authenticated
    response = client.get("/admin/")
    assert response.status_code == 302


# --- 2. Two-factor authentication required for leaders ------------------------------------------


@pytest.fixture
def require_2fa(settings):
    settings.HALQA_REQUIRE_2FA = True
    settings.HALQA_2FA_ROLES = ["staff", "district_admin", "principal", "supervisor"]
    return settings


ENROL = reverse("mfa_activate_totp")


def leaders(world):
    """Everyone the default list covers, by role on the profile or only by what they lead."""
    deputy = UserFactory(display_name="Deputy by position only")
    MembershipFactory(user=deputy, school=world.school, position="deputy")
    authority_admin = UserFactory(display_name="Authority admin without the role")
    world.authority.admins.add(authority_admin)
    network_lead = UserFactory(display_name="Network supervisor without the role")
    world.network.supervisor = network_lead
    world.network.save()
    staff = UserFactory(display_name="Staff", is_staff=True)
    return [world.principal, world.district_admin, world.supervisor, deputy, authority_admin, network_lead, staff]


def test_leaders_without_an_authenticator_are_sent_to_enrol(client, world, require_2fa):
    for person in leaders(world):
        client.force_login(person)
        for path in ["/", reverse("accounts:people"), reverse("accounts:security"), "/admin/"]:
            response = client.get(path)
            assert response.status_code == 302, (person, path)
            assert response["Location"] == ENROL, (person, path)
        page = client.get("/", follow=True)
        assert "requires two-factor authentication" in page.content.decode()


def test_the_api_answers_403_with_the_reason(client, world, require_2fa):
    client.force_login(world.principal)
    response = client.get("/api/v1/me/")
    assert response.status_code == 403
    assert response["Content-Type"] == "application/json"
    assert "requires two-factor authentication" in response.json()["detail"]
    from django.utils.functional import Promise

    from halqa.accounts import mfa_policy

    assert isinstance(mfa_policy.REQUIRED_MESSAGE, Promise)  # translated in the reader's language


def test_htmx_is_told_to_load_the_enrolment_page(client, world, require_2fa):
    client.force_login(world.principal)
    response = client.get(reverse("accounts:people"), HTTP_HX_REQUEST="true")
    assert response["HX-Redirect"] == ENROL


def test_what_enrolling_needs_stays_open(client, world, require_2fa):
    client.force_login(world.principal)
    response = client.get(ENROL)
    assert response.status_code in (200, 302)
    if response.status_code == 302:  # the password first, and that page is open too
        assert response["Location"].startswith(reverse("account_reauthenticate"))
        assert client.get(response["Location"]).status_code == 200
    assert client.get(reverse("healthz")).status_code in (200, 503)
    response = client.post(reverse("set_language"), {"language": "fa", "next": "/"})
    assert response.status_code == 302
    assert response["Location"] != ENROL
    response = client.post(reverse("account_logout"))
    assert response.status_code == 302
    assert not signed_in_user(client).is_authenticated


def test_an_unconfirmed_address_does_not_lock_a_leader_in_a_loop(client, world, require_2fa):
    EmailAddress.objects.create(user=world.principal, email="new-address@example.org", verified=False)
    client.force_login(world.principal)
    response = client.get("/", follow=True)
    assert [url for url, _ in response.redirect_chain] == [ENROL, reverse("mfa_index")]
    assert response.status_code == 200
    assert "verified your email address" in response.content.decode()
    assert client.get(reverse("account_email")).status_code == 200  # where it is confirmed or removed


def test_teachers_are_not_asked_and_enrolled_leaders_pass(client, world, require_2fa):
    for person in [world.teacher, world.parent, world.student, world.expert]:
        client.force_login(person)
        assert client.get("/").status_code == 200
        assert client.get(reverse("accounts:people")).status_code == 200
    TOTP.activate(world.principal, generate_totp_secret())
    client.force_login(world.principal)
    assert client.get("/").status_code == 200
    assert client.get("/api/v1/me/").status_code == 200


def test_off_by_default_in_development(client, world, settings):
    assert settings.HALQA_REQUIRE_2FA is False  # the tests run with HALQA_ENV unset, like `make run`
    client.force_login(world.principal)
    assert client.get("/").status_code == 200


def test_a_leader_signs_in_enrols_and_then_uses_the_site(client, world, require_2fa):
    response = sign_in(client, world.principal.email)
    assert response.status_code == 302
    response = client.get(response["Location"])
    assert response["Location"] == ENROL
    page = client.get(ENROL)
    assert page.status_code == 200  # a fresh sign-in does not ask for the password again
    secret = page.context["form"].secret
    response = client.post(ENROL, {"code": current_code(secret)})
    assert response.status_code == 302
    assert Authenticator.objects.filter(user=world.principal, type=Authenticator.Type.TOTP).exists()
    assert client.get("/").status_code == 200


def two_factor_sign_in(client, user, secret):
    sign_in(client, user.email)
    response = client.post(reverse("mfa_authenticate"), {"code": current_code(secret)})
    assert response.status_code == 302


def test_a_leader_cannot_turn_the_second_factor_off(client, world, require_2fa):
    secret = generate_totp_secret()
    TOTP.activate(world.principal, secret)
    two_factor_sign_in(client, world.principal, secret)
    response = client.post(reverse("mfa_deactivate_totp"))
    assert response.status_code == 200
    assert "cannot be turned off" in response.content.decode()
    assert Authenticator.objects.filter(user=world.principal, type=Authenticator.Type.TOTP).exists()


def test_a_teacher_may_turn_the_second_factor_off(client, world, require_2fa):
    secret = generate_totp_secret()
    TOTP.activate(world.teacher, secret)
    two_factor_sign_in(client, world.teacher, secret)
    response = client.post(reverse("mfa_deactivate_totp"))
    assert response.status_code == 302
    assert not Authenticator.objects.filter(user=world.teacher, type=Authenticator.Type.TOTP).exists()


def test_the_role_list_is_configurable_and_checked(client, world, require_2fa):
    from halqa.accounts import mfa_policy

    require_2fa.HALQA_2FA_ROLES = ["staff", "coordinator"]
    assert not mfa_policy.must_use_two_factor(world.principal)
    coordinator = UserFactory(roles=["coordinator"])
    assert mfa_policy.must_use_two_factor(coordinator)
    require_2fa.HALQA_2FA_ROLES = ["staff", "principle"]
    with pytest.raises(ImproperlyConfigured, match="principle"):
        mfa_policy.must_use_two_factor(world.principal)


def test_the_requirement_costs_a_fixed_number_of_queries(world, require_2fa, django_assert_max_num_queries):
    from halqa.accounts import mfa_policy

    with django_assert_max_num_queries(2):
        assert mfa_policy.needs_enrolment(world.principal)
    with django_assert_max_num_queries(1):
        assert not mfa_policy.needs_enrolment(world.teacher)


# --- 3. Reauthentication ---------------------------------------------------------------------


def age_sign_in(client, seconds):
    session = client.session
    records = session[AUTHENTICATION_METHODS_SESSION_KEY]
    for record in records:
        record["at"] = time.time() - seconds
    session[AUTHENTICATION_METHODS_SESSION_KEY] = records
    session.save()


def add_email(client, email):
    return client.post(reverse("account_email"), {"action_add": "", "email": email})


def test_adding_an_email_long_after_signing_in_asks_for_the_password(client, world):
    sign_in(client, world.teacher.email)
    age_sign_in(client, 3600)
    response = add_email(client, "second@example.org")
    assert response.status_code == 302
    assert response["Location"] == reverse("account_reauthenticate") + "?next=%2Faccounts%2Femail%2F"
    assert not EmailAddress.objects.filter(email="second@example.org").exists()
    # Entering the password carries out the change that waited for it.
    response = client.post(response["Location"], {"password": PASSWORD})
    assert EmailAddress.objects.filter(user=world.teacher, email="second@example.org").exists()


def test_adding_an_email_right_after_signing_in_does_not(client, world):
    sign_in(client, world.teacher.email)
    response = add_email(client, "second@example.org")
    assert response.status_code == 302
    assert response["Location"] == reverse("account_email")
    assert EmailAddress.objects.filter(user=world.teacher, email="second@example.org").exists()


def test_a_wrong_password_at_reauthentication_changes_nothing(client, world):
    sign_in(client, world.teacher.email)
    age_sign_in(client, 3600)
    location = add_email(client, "second@example.org")["Location"]
    response = client.post(location, {"password": "not-it"})
    assert response.status_code == 200
    assert not EmailAddress.objects.filter(email="second@example.org").exists()


def test_the_reauthentication_decorator_works_with_our_setup(world):
    """What another view (API token creation) gets from `@reauthentication_required`."""
    from allauth.account.decorators import reauthentication_required
    from allauth.account.middleware import AccountMiddleware
    from django.contrib.sessions.backends.db import SessionStore
    from django.http import HttpResponse

    @reauthentication_required
    def sensitive(request):
        return HttpResponse("done")

    def call(records):
        request = RequestFactory().post("/profile/security/api-token/")
        request.user = world.teacher
        request.session = SessionStore()
        if records is not None:
            request.session[AUTHENTICATION_METHODS_SESSION_KEY] = records
            request.session["account_authentication_methods_user"] = str(world.teacher.pk)
        middleware = AccountMiddleware(lambda r: sensitive(r))
        try:
            return middleware(request)
        except Exception as exc:  # what Django's handler would hand to process_exception
            return middleware.process_exception(request, exc)

    assert call([{"method": "password", "at": time.time() - 10}]).content == b"done"
    for stale in [
        None,
        [{"method": "password", "at": time.time() - 3600}],
        [{"method": "password_reset", "at": time.time()}],
    ]:
        response = call(stale)
        assert response.status_code == 302
        assert response["Location"].startswith(reverse("account_reauthenticate"))


# --- 4. Limits behind a reverse proxy --------------------------------------------------------


@pytest.mark.parametrize(
    "proxies,header,meta,expected",
    [
        (0, None, {"HTTP_X_FORWARDED_FOR": "1.1.1.1"}, "10.0.0.1"),  # no proxy: the header is the client's word
        (1, None, {"HTTP_X_FORWARDED_FOR": "6.6.6.6, 1.1.1.1"}, "1.1.1.1"),  # the left part is forged
        (2, None, {"HTTP_X_FORWARDED_FOR": "6.6.6.6, 1.1.1.1, 172.16.0.9"}, "1.1.1.1"),
        (2, None, {"HTTP_X_FORWARDED_FOR": "1.1.1.1"}, "1.1.1.1"),  # fewer entries than proxies
        (1, None, {}, "10.0.0.1"),
        (1, None, {"HTTP_X_FORWARDED_FOR": "not-an-address"}, "10.0.0.1"),
        (1, None, {"HTTP_X_FORWARDED_FOR": "[2001:db8::1]:443"}, "2001:db8::1"),
        (1, None, {"HTTP_X_FORWARDED_FOR": "1.1.1.1:5555"}, "1.1.1.1"),
        (0, "X-Real-IP", {"HTTP_X_REAL_IP": "2.2.2.2", "HTTP_X_FORWARDED_FOR": "1.1.1.1"}, "2.2.2.2"),
        (0, "X-Real-IP", {"HTTP_X_REAL_IP": "garbage"}, "10.0.0.1"),
    ],
)
def test_client_ip(settings, proxies, header, meta, expected):
    settings.TRUSTED_PROXY_COUNT = proxies
    settings.TRUSTED_CLIENT_IP_HEADER = header
    request = RequestFactory().get("/", REMOTE_ADDR="10.0.0.1", **meta)
    assert client_ip(request) == expected


PROXY = "10.0.0.1"


def from_client(address):
    return {"REMOTE_ADDR": PROXY, "HTTP_X_FORWARDED_FOR": f"203.0.113.77, {address}"}


def test_failures_from_many_clients_lock_the_account(client, settings):
    settings.TRUSTED_PROXY_COUNT = 1
    target = UserFactory(email="target@example.org")
    for n in range(5):
        response = sign_in(client, target.email, "guess", **from_client(f"198.51.100.{n}"))
        assert TOO_MANY not in response.content.decode()
    response = sign_in(client, target.email, **from_client("198.51.100.200"))
    assert TOO_MANY in response.content.decode()
    assert not signed_in_user(client).is_authenticated


def test_one_client_failing_on_many_accounts_does_not_lock_out_others(client, settings):
    settings.TRUSTED_PROXY_COUNT = 1
    accounts = [UserFactory(email=f"person-{n}@example.org") for n in range(11)]
    attacker = from_client("198.51.100.66")
    for account in accounts[:10]:
        sign_in(client, account.email, "guess", **attacker)
    # The attacker's address is limited …
    assert TOO_MANY in sign_in(client, accounts[10].email, **attacker).content.decode()
    # … everyone else behind the same proxy signs in as usual.
    response = sign_in(client, accounts[10].email, **from_client("192.0.2.10"))
    assert response.status_code == 302
    assert signed_in_user(client) == accounts[10]


def run_settings(env_extra: dict, code: str) -> str:
    unwanted = {"DEBUG", "SECRET_KEY", "HALQA_ENV", "TRUSTED_PROXY_COUNT", "TRUSTED_CLIENT_IP_HEADER"}
    env = {k: v for k, v in os.environ.items() if k not in unwanted} | env_extra
    result = subprocess.run(
        [sys.executable, "-c", f"import django; django.setup(); from django.conf import settings as s; {code}"],
        cwd=ROOT,
        env=env | {"DJANGO_SETTINGS_MODULE": "halqa.settings"},
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 0, result.stderr
    return result.stdout.strip()


def test_one_setting_feeds_allauth_and_the_api_throttles():
    code = (
        "import json; print(json.dumps([s.TRUSTED_PROXY_COUNT, s.ALLAUTH_TRUSTED_PROXY_COUNT,"
        " s.REST_FRAMEWORK['NUM_PROXIES'], s.ALLAUTH_TRUSTED_CLIENT_IP_HEADER, s.HALQA_REQUIRE_2FA,"
        " s.SESSION_IDLE_MINUTES]))"
    )
    assert json.loads(run_settings({}, code)) == [0, 0, 0, None, False, 120]
    out = run_settings({"TRUSTED_PROXY_COUNT": "1", "TRUSTED_CLIENT_IP_HEADER": "X-Real-IP"}, code)
    assert json.loads(out)[:4] == [1, 1, 1, "X-Real-IP"]
    production = {
        "HALQA_ENV": "production",
        "SECRET_KEY": "x7#Kp2!vQ9zL@m4Rt8wY1nB6cF3hJ5dG0sA-uE_iO+pX=qZ&rT*yU%wV^bN",
        "ALLOWED_HOSTS": "halqa.example.org",
    }
    assert json.loads(run_settings(production, code))[4] is True
    assert json.loads(run_settings(production | {"HALQA_REQUIRE_2FA": "0"}, code))[4] is False


# --- 5. Idle sessions end ----------------------------------------------------------------------

KEY = SessionIdleTimeoutMiddleware.SESSION_KEY


def last_seen(client, seconds_ago):
    session = client.session
    session[KEY] = int(time.time()) - seconds_ago
    session.save()


def test_an_idle_session_ends_on_the_sign_in_page(client, world, settings):
    settings.SESSION_IDLE_MINUTES = 120
    client.force_login(world.teacher)
    assert client.get(reverse("accounts:people")).status_code == 200
    last_seen(client, 121 * 60)
    response = client.get(reverse("accounts:people"))
    assert response.status_code == 302
    assert response["Location"] == reverse("account_login") + "?next=%2Fpeople%2F"
    page = client.get(response["Location"])
    assert "inactive for too long" in page.content.decode()
    assert not page.wsgi_request.user.is_authenticated


def test_an_active_session_goes_on_and_is_written_at_most_once_a_minute(client, world, settings):
    settings.SESSION_IDLE_MINUTES = 120
    client.force_login(world.teacher)
    last_seen(client, 119 * 60)
    assert client.get("/").status_code == 200
    assert abs(client.session[KEY] - time.time()) < 5  # refreshed
    last_seen(client, 30)
    before = client.session[KEY]
    assert client.get("/").status_code == 200
    assert client.session[KEY] == before  # seen 30 s ago: no session write for this request


def test_an_idle_api_session_gets_the_api_answer(client, world, settings):
    settings.SESSION_IDLE_MINUTES = 5
    client.force_login(world.teacher)
    last_seen(client, 6 * 60)
    response = client.get("/api/v1/me/")
    assert response.status_code in (401, 403)
    assert response["Content-Type"] == "application/json"


def test_a_session_ends_some_hours_after_the_sign_in_however_active(client, world, settings):
    settings.SESSION_IDLE_MINUTES = 120
    settings.SESSION_MAX_HOURS = 12
    client.force_login(world.teacher)
    assert client.get(reverse("accounts:people")).status_code == 200
    started = client.session[SessionIdleTimeoutMiddleware.STARTED_KEY]
    assert abs(started - time.time()) < 5  # the first signed-in request records the start
    session = client.session
    session[SessionIdleTimeoutMiddleware.STARTED_KEY] = int(time.time()) - 11 * 3600
    session.save()
    last_seen(client, 30)  # active a moment ago
    assert client.get(reverse("accounts:people")).status_code == 200
    session = client.session
    session[SessionIdleTimeoutMiddleware.STARTED_KEY] = int(time.time()) - 13 * 3600
    session.save()
    last_seen(client, 30)
    response = client.get(reverse("accounts:people"))
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("account_login"))
    page = client.get(response["Location"])
    assert "at most 12 hours" in page.content.decode()
    assert not page.wsgi_request.user.is_authenticated


def test_idle_limit_zero_switches_it_off(client, world, settings):
    settings.SESSION_IDLE_MINUTES = 0
    client.force_login(world.teacher)
    last_seen(client, 365 * 24 * 3600)
    assert client.get(reverse("accounts:people")).status_code == 200


def test_an_api_token_is_no_way_around_the_second_factor(client, world, require_2fa):
    """A token a principal made before the rule (or as a teacher, before a promotion) stops at 403."""
    from allauth.mfa.models import Authenticator

    from halqa.accounts.tests.factories import api_key

    principal_key, teacher_key = api_key(world.principal), api_key(world.teacher)
    refused = client.get("/api/v1/me/", HTTP_AUTHORIZATION=f"Bearer {principal_key}")
    assert refused.status_code == 403
    assert "two-factor" in refused.json()["detail"]
    assert client.get("/api/v1/me/", HTTP_AUTHORIZATION=f"Bearer {teacher_key}").status_code == 200

    Authenticator.objects.create(user=world.principal, type=Authenticator.Type.TOTP, data={"secret": "x"})
    assert client.get("/api/v1/me/", HTTP_AUTHORIZATION=f"Bearer {principal_key}").status_code == 200
