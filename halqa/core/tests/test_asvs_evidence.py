"""Evidence for docs/security.md that no feature test gives: properties Halqa inherits from Django and
django-allauth, and what the source code never does. Each test names the ASVS 5.0 requirements it shows.
"""

from __future__ import annotations

import importlib
import re
import time
from pathlib import Path
from types import SimpleNamespace

import pytest
from allauth.account.forms import default_token_generator
from allauth.account.utils import user_pk_to_url_str
from allauth.mfa import app_settings as mfa_settings
from allauth.mfa.totp.internal import auth as totp_auth
from allauth.mfa.totp.internal.auth import TOTP, generate_totp_secret
from django.conf import global_settings, settings
from django.contrib.auth.hashers import PBKDF2PasswordHasher, get_hasher
from django.contrib.auth.password_validation import validate_password
from django.contrib.sessions.backends.base import VALID_KEY_CHARS
from django.core.exceptions import ValidationError
from django.test import Client
from django.urls import reverse

from halqa.accounts.tests.factories import PASSWORD, UserFactory
from halqa.accounts.tests.test_auth import current_code, sign_in

pytestmark = pytest.mark.django_db

HALQA = Path(__file__).resolve().parents[2]


def source_files(*suffixes: str):
    for path in sorted(HALQA.rglob("*")):
        if path.suffix in suffixes and "tests" not in path.parts and "testing" not in path.parts:
            yield path


def offending_lines(pattern: str, *suffixes: str, allowed: tuple[str, ...] = ()) -> list[str]:
    found = []
    for path in source_files(*suffixes):
        for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
            if re.search(pattern, line) and not any(ok in line for ok in allowed):
                found.append(f"{path.relative_to(HALQA.parent)}:{number}: {line.strip()}")
    return found


# --- what the code never does (1.2.3, 1.2.4, 1.2.5, 1.3.2, 1.3.7, 1.5.2, 3.5.5, 9.x, 11.4.1, 14.3.3) ---


@pytest.mark.parametrize(
    "pattern",
    [
        r"(?<![.\w])(eval|exec|compile)\(",  # dynamic code (re.compile is fine)
        r"\bsubprocess\b|\bos\.system\(|\bos\.popen\(|\bos\.exec",  # OS commands
        r"\bimport (pickle|marshal|shelve|yaml)\b|\bfrom (pickle|marshal|shelve|yaml)\b",  # unsafe deserializers
        r"\.raw\(|\.extra\(|\bRawSQL\b",  # SQL built by hand
        r"\bmark_safe\(|\bSafeString\(",  # escaping switched off in Python
        r"\bTemplate\(|\bfrom_string\(",  # templates made from strings
        r"\bjwt\b|\bjose\b",  # self-contained tokens
        r"hashlib\.(md5|sha1)\b|\bimport random\b|\bfrom random import\b",  # weak hashes, predictable random
    ],
)
def test_the_python_code_never_does_this(pattern):
    assert offending_lines(pattern, ".py") == []


def test_the_only_handwritten_sql_is_the_health_probe_and_migrations():
    """Besides migrations: the health probe (a constant), the API limits' counter (one upsert the
    ORM cannot write: identifiers quoted by the backend, values passed as parameters), the board
    columns' advisory lock (a constant statement, keys as parameters) and full-text search's two
    backends (constant statements around ORM-compiled id subqueries; the query's tokens as parameters)."""
    files = {line.split(":")[0] for line in offending_lines(r"\.execute\(", ".py")}
    allowed = {"halqa/core/health.py", "halqa/api/throttling.py", "halqa/cases/locks.py", "halqa/search/backends.py"}
    assert {name for name in files if "/migrations/" not in name} <= allowed
    counter = (HALQA / "api" / "throttling.py").read_text()
    assert "quote_name" in counter and "[key[:200], until]" in counter


def test_the_javascript_never_evaluates_code_stores_data_or_listens_to_other_windows():
    pattern = r"\beval\(|new Function|setTimeout\(\s*['\"]|postMessage|addEventListener\(\s*['\"]message|localStorage|sessionStorage|indexedDB|innerHTML\s*=|outerHTML\s*=|document\.write"
    assert offending_lines(pattern, ".js") == []


def test_templates_have_no_inline_script_and_escape_everything_but_sanitized_html():
    assert offending_lines(r"<script(?![^>]*\bsrc=)", ".html") == []
    assert offending_lines(r"\bon[a-z]+\s*=\s*['\"]|javascript:", ".html") == []
    assert offending_lines(r"autoescape off", ".html") == []
    # post.body_html and product.body_html are made by halqa.discussions.richtext and
    # halqa.library.richtext (nh3 allowlists) when saved; help_text is Django's own.
    safe = ("post.body_html|safe", "product.body_html|safe", "field.help_text|safe")
    assert offending_lines(r"\|safe\b", ".html", allowed=safe) == []


# --- passwords (6.2.1, 6.2.4, 6.2.5, 6.2.8, 6.2.9, 11.4.2) ---------------------------------------------


def test_passwords_are_stored_with_pbkdf2_and_enough_iterations():
    production = importlib.import_module("halqa.settings")
    hashers = getattr(production, "PASSWORD_HASHERS", global_settings.PASSWORD_HASHERS)
    assert hashers[0] == "django.contrib.auth.hashers.PBKDF2PasswordHasher"
    assert PBKDF2PasswordHasher.iterations >= 600_000  # OWASP's figure for PBKDF2-HMAC-SHA256


def test_the_password_policy():
    user = UserFactory()
    for weak in ["short7!", "password123", "qwertyuiop"]:  # under 8 characters, or on the common list
        with pytest.raises(ValidationError):
            validate_password(weak, user)
    validate_password("correct horse battery staple", user)  # no composition rules
    validate_password("ж" * 64 + " 🙂 " + "x" * 100, user)  # long and any script


def test_a_password_is_checked_exactly_as_typed(client):
    typed = "  Many Words, Spaces Kept " + "9" * 80 + "  "
    user = UserFactory()
    user.set_password(typed)
    user.save()
    for altered in [typed.strip(), typed.lower(), typed[:72], typed + " "]:
        assert sign_in(client, user.email, altered).status_code == 200  # the form again, not signed in
    assert sign_in(client, user.email, typed).status_code == 302


def test_production_hashes_really_are_slow_pbkdf2(settings):
    settings.PASSWORD_HASHERS = global_settings.PASSWORD_HASHERS
    user = UserFactory()
    assert get_hasher().algorithm == "pbkdf2_sha256"
    user.set_password("a-long-test-password-42")
    algorithm, iterations, _salt, _hash = user.password.split("$")
    assert algorithm == "pbkdf2_sha256" and int(iterations) >= 600_000


# --- the sign-in form (6.2.6, 6.2.7) -----------------------------------------------------------------


def test_the_password_field_is_masked_and_password_managers_may_fill_it(client):
    page = client.get(reverse("account_login")).content.decode()
    field = re.search(r"<input[^>]*name=\"password\"[^>]*>", page).group(0)
    assert 'type="password"' in field and 'autocomplete="current-password"' in field
    assert "onpaste" not in page and 'autocomplete="off"' not in page


# --- changing and resetting a password (6.2.2, 6.2.3, 6.4.3, 7.4.3) ---------------------------------


def test_changing_the_password_needs_the_current_one_and_ends_other_sessions(client):
    user = UserFactory()
    elsewhere = Client()
    elsewhere.force_login(user)
    client.force_login(user)
    new = "a-brand-new-passphrase-7"
    refused = client.post(
        reverse("account_change_password"), {"oldpassword": "not-it", "password1": new, "password2": new}
    )
    assert refused.status_code == 200
    user.refresh_from_db()
    assert user.check_password(PASSWORD)
    changed = client.post(
        reverse("account_change_password"), {"oldpassword": PASSWORD, "password1": new, "password2": new}
    )
    assert changed.status_code == 302
    user.refresh_from_db()
    assert user.check_password(new)
    assert client.get(reverse("accounts:profile")).status_code == 302  # still signed in here
    assert client.get(reverse("accounts:profile"))["Location"] != reverse("account_login")
    assert elsewhere.get(reverse("accounts:profile"))["Location"].startswith(reverse("account_login"))


def test_a_password_reset_does_not_skip_two_factor(client):
    user = UserFactory()
    secret = generate_totp_secret()
    TOTP.activate(user, secret)
    link = reverse(
        "account_reset_password_from_key",
        kwargs={"uidb36": user_pk_to_url_str(user), "key": default_token_generator.make_token(user)},
    )
    page = client.get(link, follow=True)
    form_url = page.redirect_chain[-1][0] if page.redirect_chain else link
    new = "a-brand-new-passphrase-7"
    assert client.post(form_url, {"password1": new, "password2": new}).status_code == 302
    assert not client.get("/").context["user"].is_authenticated  # the reset does not sign in
    response = sign_in(client, user.email, new)
    assert response["Location"] == reverse("mfa_authenticate")  # the second factor is still asked
    assert not client.get("/").context["user"].is_authenticated


# --- one-time codes (6.5.1, 6.5.5) -------------------------------------------------------------------


def test_a_totp_code_works_only_once_and_only_for_thirty_seconds(client, monkeypatch):
    assert mfa_settings.TOTP_PERIOD == 30 and mfa_settings.TOTP_TOLERANCE == 0
    clock = SimpleNamespace(now=(int(time.time()) // 30) * 30 + 15)  # mid-step: no boundary to cross by chance
    monkeypatch.setattr(totp_auth, "time", SimpleNamespace(time=lambda: clock.now))
    user = UserFactory()
    secret = generate_totp_secret()
    TOTP.activate(user, secret)
    code = current_code(secret)
    sign_in(client, user.email)
    assert client.post(reverse("mfa_authenticate"), {"code": code}).status_code == 302
    client.post(reverse("account_logout"))
    sign_in(client, user.email)
    assert client.post(reverse("mfa_authenticate"), {"code": code}).status_code == 200  # used: refused
    clock.now += 30
    unused = current_code(secret)
    clock.now += 30
    sign_in(client, user.email)
    assert client.post(reverse("mfa_authenticate"), {"code": unused}).status_code == 200  # 30 s later: refused
    assert not client.get("/").context["user"].is_authenticated
    sign_in(client, user.email)
    assert client.post(reverse("mfa_authenticate"), {"code": current_code(secret)}).status_code == 302


# --- sessions (7.2.3, 7.2.4, 7.4.1, 7.4.2, 7.4.4, 14.3.1) --------------------------------------------


def test_signing_in_replaces_the_session_key_with_a_new_random_one(client):
    session = client.session
    session["before"] = "signing in"
    session.save()
    before = session.session_key
    client.cookies[settings.SESSION_COOKIE_NAME] = before
    user = UserFactory()
    assert sign_in(client, user.email).status_code == 302
    after = client.cookies[settings.SESSION_COOKIE_NAME].value
    assert after != before and not session.exists(before)
    assert len(after) == 32 and set(after) <= set(VALID_KEY_CHARS)  # 32 of 36 symbols: 165 bits, from secrets


def test_signing_out_ends_the_session_on_the_server(client):
    user = UserFactory()
    sign_in(client, user.email)
    key = client.cookies[settings.SESSION_COOKIE_NAME].value
    page = client.get("/").content.decode()
    assert f'action="{reverse("account_logout")}"' in page  # every page's header has the sign-out button
    client.post(reverse("account_logout"))
    assert not client.session.exists(key)
    replay = Client()
    replay.cookies[settings.SESSION_COOKIE_NAME] = key
    assert not replay.get("/").context["user"].is_authenticated


def test_deactivating_a_person_ends_their_sessions_at_once(client):
    user = UserFactory()
    client.force_login(user)
    assert client.get(reverse("accounts:people")).status_code == 200
    user.is_active = False
    user.save()
    assert client.get(reverse("accounts:people"))["Location"].startswith(reverse("account_login"))


# --- browser-side protections (3.3.2, 3.4.2, 3.5.1, 3.7.2) --------------------------------------------


def test_forms_refuse_a_post_without_the_csrf_token(world):
    client = Client(enforce_csrf_checks=True)
    client.force_login(world.teacher)
    assert client.post(reverse("accounts:profile_edit"), {"display_name": "Forged"}).status_code == 403
    assert client.post(reverse("account_logout")).status_code == 403
    world.teacher.refresh_from_db()
    assert world.teacher.display_name != "Forged"


def test_cookies_are_same_site_and_the_session_cookie_is_http_only(client):
    user = UserFactory()
    client.get(reverse("account_login"))
    sign_in(client, user.email)
    client.post(reverse("set_language"), {"language": "fa"})
    session = client.cookies[settings.SESSION_COOKIE_NAME]
    assert session["httponly"] is True and session["samesite"] == "Lax"
    assert client.cookies[settings.CSRF_COOKIE_NAME]["samesite"] == "Lax"
    assert client.cookies[settings.LANGUAGE_COOKIE_NAME]["samesite"] == "Lax"


def test_no_other_origin_is_granted_access(world):
    client = Client(HTTP_ORIGIN="https://evil.example")
    client.force_login(world.teacher)
    for response in (
        client.get(reverse("api:me")),
        client.options(reverse("api:me"), HTTP_ACCESS_CONTROL_REQUEST_METHOD="PATCH"),
        client.get(reverse("accounts:people")),
    ):
        assert not any(name.lower().startswith("access-control-") for name in response.headers)


@pytest.mark.parametrize("target", ["https://evil.example/", "//evil.example/", "/\\evil.example/"])
def test_redirects_never_leave_the_site(client, target):
    user = UserFactory()
    response = client.post(
        reverse("account_login") + "?next=" + target, {"login": user.email, "password": PASSWORD, "next": target}
    )
    assert response.status_code == 302 and "evil.example" not in response["Location"]
    response = client.post(reverse("set_language"), {"language": "ru", "next": target})
    assert "evil.example" not in response["Location"]


# --- what is served (13.4.1, 13.4.3) -----------------------------------------------------------------


@pytest.mark.parametrize(
    "path", ["/.git/config", "/.git/HEAD", "/static/", "/static/halqa/", "/media/", "/var/halqa.sqlite3", "/.env"]
)
def test_no_repository_file_or_folder_listing_is_served(client, path):
    assert client.get(path).status_code == 404


# --- uploads (1.3.4) ---------------------------------------------------------------------------------


@pytest.mark.parametrize("name", ["drawing.svg", "drawing.svgz", "page.xhtml", "sheet.xml"])
def test_scriptable_image_and_markup_files_cannot_be_attached(name):
    from django.core.files.uploadedfile import SimpleUploadedFile

    from halqa.discussions.uploads import check_file

    svg = b'<svg xmlns="http://www.w3.org/2000/svg"><script>alert(1)</script></svg>'
    with pytest.raises(ValidationError) as error:
        check_file(SimpleUploadedFile(name, svg))
    assert error.value.code == "file_type"


# --- XML inside office files (1.5.1) -----------------------------------------------------------------

ENTITIES = [
    '<!DOCTYPE Types [<!ENTITY secret SYSTEM "file:///etc/passwd">]>',  # external entity
    '<!DOCTYPE Types [<!ENTITY a "aaaaaaaaaa"><!ENTITY b "&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;">]>',  # expansion
    '<!doctype Types SYSTEM "http://evil.example/types.dtd">',  # external DTD
]


@pytest.mark.parametrize("doctype", ENTITIES)
def test_an_office_files_xml_may_declare_no_entities(doctype):
    from django.core.files.uploadedfile import SimpleUploadedFile

    from halqa.discussions.tests import files
    from halqa.discussions.uploads import check_file

    main_part, main_type = files.OOXML["docx"]

    def package(types: str) -> bytes:
        rels = '<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships"/>'
        return files.package([("[Content_Types].xml", types), ("_rels/.rels", rels), (main_part, "<document/>")])

    sound = files.content_types(main_part, main_type)
    check_file(SimpleUploadedFile("lesson.docx", package(sound)))  # the same package without a DTD passes
    hostile = package(sound.replace("<Types ", doctype + "<Types ", 1))
    with pytest.raises(ValidationError) as error:
        check_file(SimpleUploadedFile("lesson.docx", hostile))
    assert error.value.code == "file_content"
