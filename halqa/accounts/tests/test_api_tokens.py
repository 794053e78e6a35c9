"""API tokens as GitHub's personal tokens: hashed, shown once, named, expiring, optionally read-only,
listed and revoked by their owner alone, made only after a recent sign-in, never in the admin."""

from __future__ import annotations

import datetime as dt
import hashlib
from types import SimpleNamespace

import pytest
from django.contrib import admin
from django.db import connection
from django.urls import reverse
from freezegun import freeze_time
from rest_framework.test import APIClient

from halqa.accounts import services
from halqa.accounts.models import ApiToken, User
from halqa.accounts.tests.factories import PASSWORD

pytestmark = pytest.mark.django_db

ME = "/api/v1/me/"
TOKENS = "/api/v1/tokens/"
CREATE = reverse("accounts:api_token_create")
SECURITY = reverse("accounts:security")


def token_url(token) -> str:
    return f"{TOKENS}{token.pk}/"


def with_key(key: str, scheme: str = "Bearer") -> APIClient:
    api = APIClient()
    api.credentials(HTTP_AUTHORIZATION=f"{scheme} {key}")
    return api


def make(user, **options) -> tuple[ApiToken, str]:
    return services.create_api_token(user, actor=user, name=options.pop("name", "Gradebook sync"), **options)


@pytest.fixture
def fresh(client):
    """A client signed in as `user` that has just confirmed its password (allauth's reauthentication)."""

    def sign_in(user):
        client.force_login(user)
        response = client.post(reverse("account_reauthenticate"), {"password": PASSWORD})
        assert response.status_code == 302, response.content.decode()[:500]
        return client

    return sign_in


# --- the service ------------------------------------------------------------------------------


def test_only_a_hash_of_the_key_is_stored(world):
    token, key = make(world.teacher)
    assert key.startswith("halqa_") and len(key) > 40
    stored = ApiToken.objects.filter(pk=token.pk).values().get()
    assert stored["key_hash"] == hashlib.sha256(key.encode()).hexdigest()
    assert key not in {str(value) for value in stored.values()}
    assert stored["prefix"] == key[:10] and key.startswith(stored["prefix"])


@freeze_time("2026-03-01 12:00:00")
@pytest.mark.parametrize(
    ("lifetime", "expires"),
    [
        (None, dt.datetime(2026, 5, 30, 12, tzinfo=dt.UTC)),  # the default: 90 days
        ("30", dt.datetime(2026, 3, 31, 12, tzinfo=dt.UTC)),
        ("365", dt.datetime(2027, 3, 1, 12, tzinfo=dt.UTC)),
        ("never", None),
    ],
)
def test_a_token_expires_as_chosen(world, lifetime, expires):
    options = {} if lifetime is None else {"lifetime": lifetime}
    token, _key = make(world.teacher, **options)
    assert token.expires_at == expires


def test_nobody_makes_a_token_for_someone_else(world):
    with pytest.raises(services.PermissionDenied):
        services.create_api_token(world.teacher, actor=world.principal, name="x")
    with pytest.raises(services.PermissionDenied):
        services.revoke_api_token(make(world.teacher)[0], actor=world.principal)
    assert ApiToken.objects.filter(revoked_at__isnull=False).count() == 0


@pytest.mark.parametrize(
    ("fields", "message"),
    [
        ({"name": "  "}, "Please give the token a name"),
        ({"name": "x" * 101}, "at most 100 characters"),
        ({"name": "Gradebook sync"}, "already have a token with this name"),
        ({"name": "other", "lifetime": "7"}, "choose how long"),
    ],
)
def test_bad_input_makes_no_token(world, fields, message):
    make(world.teacher)
    with pytest.raises(services.ValidationError) as refused:
        services.create_api_token(world.teacher, actor=world.teacher, **fields)
    assert message in str(refused.value)
    assert ApiToken.objects.count() == 1


def test_several_tokens_each_work_until_revoked(world):
    first, first_key = make(world.teacher, name="one")
    _second, second_key = make(world.teacher, name="two")
    assert with_key(first_key).get(ME).status_code == 200
    assert with_key(second_key, "Token").get(ME).status_code == 200
    services.revoke_api_token(first, actor=world.teacher)
    assert with_key(first_key).get(ME).status_code == 401
    assert with_key(second_key).get(ME).status_code == 200
    make(world.teacher, name="one")  # a revoked token's name is free again


def test_a_person_holds_a_bounded_number_of_tokens(world):
    for n in range(services.MAX_ACTIVE_TOKENS):
        make(world.teacher, name=f"t{n}")
    with pytest.raises(services.ValidationError, match="at most"):
        make(world.teacher, name="one too many")


# --- authentication ---------------------------------------------------------------------------


@pytest.mark.parametrize("scheme", ["Bearer", "Token", "bearer"])
def test_both_header_schemes_authenticate(world, scheme):
    _token, key = make(world.teacher)
    response = with_key(key, scheme).get(ME)
    assert response.status_code == 200
    assert response.json()["id"] == world.teacher.pk


def test_an_expired_token_gets_401_with_a_reason(world):
    with freeze_time("2026-01-01"):
        _token, key = make(world.teacher, lifetime="30")
    with freeze_time("2026-01-30 23:59"):
        assert with_key(key).get(ME).status_code == 200
    with freeze_time("2026-01-31 00:00:01"):
        response = with_key(key).get(ME)
    assert response.status_code == 401
    assert response.json() == {"detail": "This API token has expired."}
    assert response["WWW-Authenticate"] == 'Bearer realm="api"'


def test_a_revoked_token_gets_401_with_a_reason(world):
    token, key = make(world.teacher)
    services.revoke_api_token(token, actor=world.teacher)
    response = with_key(key).patch(ME, {"bio": "x"}, format="json")
    assert response.status_code == 401
    assert response.json() == {"detail": "This API token was revoked."}
    assert User.objects.get(pk=world.teacher.pk).bio == ""


def test_refusals_speak_the_callers_language(world):
    """DRF's own refusal is in Russian; Halqa's go through gettext the same way (catalogs by the lead)."""
    response = with_key("nonsense").get(ME, HTTP_ACCEPT_LANGUAGE="ru")
    assert response.status_code == 401
    assert response["Content-Language"] == "ru"


@pytest.mark.parametrize("method", ["post", "put", "patch", "delete"])
def test_a_read_only_token_reads_but_changes_nothing(world, method):
    token, key = make(world.teacher, read_only=True)
    api = with_key(key)
    assert api.get(ME).status_code == 200
    assert api.get(TOKENS).status_code == 200
    for url in (ME, token_url(token), "/api/v1/invitations/"):
        response = getattr(api, method)(url, {"bio": "changed"}, format="json")
        assert response.status_code == 403
        assert response.json() == {"detail": "This token is read-only: it can look, but not change anything."}
    assert User.objects.get(pk=world.teacher.pk).bio == ""
    assert ApiToken.objects.get(pk=token.pk).revoked_at is None


def test_last_used_is_written_at_most_once_a_minute(world, django_assert_num_queries):
    token, key = make(world.teacher)
    assert token.last_used_at is None
    api = with_key(key)
    with freeze_time("2026-02-01 10:00:00"):
        api.get(ME)
    assert ApiToken.objects.get(pk=token.pk).last_used_at == dt.datetime(2026, 2, 1, 10, tzinfo=dt.UTC)
    with freeze_time("2026-02-01 10:00:59"):
        api.get(ME)
    assert ApiToken.objects.get(pk=token.pk).last_used_at == dt.datetime(2026, 2, 1, 10, tzinfo=dt.UTC)
    with freeze_time("2026-02-01 10:01:00"):
        api.get(ME)
    assert ApiToken.objects.get(pk=token.pk).last_used_at == dt.datetime(2026, 2, 1, 10, 1, tzinfo=dt.UTC)


# --- the security page ------------------------------------------------------------------------


def test_creating_a_token_needs_a_recent_sign_in(world, client):
    """A session that did not confirm the password lately is sent to allauth's reauthentication; the
    form is replayed once the password is given, and only then is the token made and shown."""
    client.force_login(world.teacher)
    response = client.post(CREATE, {"name": "Gradebook sync", "lifetime": "90"})
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("account_reauthenticate"))
    assert not ApiToken.objects.exists()
    wrong = client.post(response["Location"], {"password": "not the password"})
    assert wrong.status_code == 200 and not ApiToken.objects.exists()
    resumed = client.post(response["Location"], {"password": PASSWORD})
    token = ApiToken.objects.get(user=world.teacher)
    assert token.name == "Gradebook sync"
    assert resumed.status_code == 200  # the form is replayed: the answer shows the new key, once
    assert resumed["Cache-Control"] == "no-store"
    key = resumed.content.decode().split('id="new-token">')[1].split("<")[0]
    assert hashlib.sha256(key.encode()).hexdigest() == token.key_hash


def test_a_new_token_is_shown_once(world, fresh):
    client = fresh(world.teacher)
    response = client.post(CREATE, {"name": "Gradebook sync", "lifetime": "30", "read_only": "on"})
    assert response.status_code == 200
    assert response["Cache-Control"] == "no-store"
    token = ApiToken.objects.get(user=world.teacher)
    page = response.content.decode()
    key = page.split('id="new-token">')[1].split("<")[0]
    assert hashlib.sha256(key.encode()).hexdigest() == token.key_hash
    assert token.read_only and token.expires_at is not None
    listing = client.get(SECURITY).content.decode()
    assert key not in listing
    assert "Gradebook sync" in listing and token.prefix in listing and "Read-only" in listing
    assert "Never used" in listing
    assert with_key(key).get(ME).status_code == 200


def test_bad_input_on_the_page_is_explained(world, fresh):
    client = fresh(world.teacher)
    response = client.post(CREATE, {"name": "", "lifetime": "forever"})
    assert response.status_code == 400
    page = response.content.decode()
    assert "Please correct the errors below." in page
    assert not ApiToken.objects.exists()
    make(world.teacher)
    duplicate = client.post(CREATE, {"name": "Gradebook sync", "lifetime": "90"})
    assert duplicate.status_code == 400
    assert "already have a token with this name" in duplicate.content.decode()
    assert ApiToken.objects.count() == 1


def test_creating_only_takes_post(world, fresh):
    client = fresh(world.teacher)
    assert client.get(CREATE).status_code == 405
    assert not ApiToken.objects.exists()


def test_the_owner_revokes_a_token_on_the_page(world, login):
    token, key = make(world.teacher)
    client = login(world.teacher)
    response = client.post(reverse("accounts:api_token_revoke", args=[token.pk]))
    assert response.status_code == 302
    assert response["Location"] == SECURITY
    assert ApiToken.objects.get(pk=token.pk).revoked_at is not None
    page = client.get(SECURITY).content.decode()
    assert "The token “Gradebook sync” was revoked; it no longer works." in page
    assert "You have no API tokens." in page
    assert with_key(key).get(ME).status_code == 401


def test_nobody_else_can_revoke_a_token(world, login, client):
    token, key = make(world.teacher)
    url = reverse("accounts:api_token_revoke", args=[token.pk])
    assert client.post(url).status_code == 302  # anonymous: to sign in
    assert login(world.principal).post(url).status_code == 404
    assert login(world.teacher).get(url).status_code == 405
    assert ApiToken.objects.get(pk=token.pk).revoked_at is None
    assert with_key(key).get(ME).status_code == 200


def test_the_page_lists_only_ones_own_tokens(world, login):
    make(world.principal, name="Principal's script")
    make(world.teacher, name="Teacher's script")
    page = login(world.teacher).get(SECURITY).content.decode()
    assert "Teacher&#x27;s script" in page and "Principal" not in page.split("api-tokens")[1]


# --- the API ----------------------------------------------------------------------------------


def test_the_api_lists_ones_own_tokens_without_keys(world):
    mine, key = make(world.teacher)
    services.revoke_api_token(make(world.teacher, name="revoked")[0], actor=world.teacher)
    make(world.principal, name="someone else's")
    response = with_key(key).get(TOKENS)
    assert response.status_code == 200
    results = response.json()["results"]
    assert [t["id"] for t in results] == [mine.pk]
    assert set(results[0]) == {
        "id",
        "name",
        "prefix",
        "read_only",
        "created_at",
        "expires_at",
        "last_used_at",
        "expired",
    }
    assert key not in str(response.json())


def test_the_api_hides_other_peoples_tokens(world):
    theirs, _ = make(world.principal)
    _mine, key = make(world.teacher)
    api = with_key(key)
    assert api.get(token_url(theirs)).status_code == 404
    assert api.delete(token_url(theirs)).status_code == 404
    assert ApiToken.objects.get(pk=theirs.pk).revoked_at is None


def test_the_api_revokes_a_token(world, login):
    token, key = make(world.teacher)
    other, other_key = make(world.teacher, name="second")
    api = with_key(key)
    assert api.get(token_url(other)).status_code == 200
    assert api.delete(token_url(other)).status_code == 204
    assert with_key(other_key).get(ME).status_code == 401
    assert api.get(token_url(other)).status_code == 404
    assert api.delete(token_url(token)).status_code == 204  # a token may revoke itself
    assert api.get(ME).status_code == 401


def test_the_api_does_not_make_tokens(world, login):
    _token, key = make(world.teacher)
    assert with_key(key).post(TOKENS, {"name": "another"}, format="json").status_code == 405
    assert login(world.teacher).post(TOKENS, {"name": "another"}, content_type="application/json").status_code == 405
    assert ApiToken.objects.count() == 1


def test_anonymous_callers_see_no_tokens(world, client):
    token, _key = make(world.teacher)
    assert client.get(TOKENS).status_code == 403
    assert client.get(token_url(token)).status_code == 403


# --- the admin and the old tokens -------------------------------------------------------------


def test_no_token_is_in_the_admin(world, client):
    assert not [model for model in admin.site._registry if "token" in model._meta.model_name]
    _token, key = make(world.teacher)
    admin_user = User.objects.create_superuser("root@example.org", PASSWORD, display_name="Root")
    client.force_login(admin_user)
    page = client.get(reverse("admin:accounts_user_change", args=[world.teacher.pk])).content.decode()
    assert key not in page and ApiToken.objects.get().key_hash not in page
    assert "authtoken" not in client.get(reverse("admin:index")).content.decode()


def test_the_old_tokens_move_in_hashed_and_their_table_goes(world, login):
    """Migration 0004: rest_framework.authtoken's plain keys become hashed ApiTokens that keep working."""
    import importlib

    migration = importlib.import_module("halqa.accounts.migrations.0004_move_authtoken_tokens")
    from django.apps import apps

    created = "timestamp with time zone" if connection.vendor == "postgresql" else "datetime"
    old_key = "0123456789abcdef0123456789abcdef01234567"
    with connection.cursor() as cursor:
        cursor.execute(
            f'CREATE TABLE authtoken_token ("key" varchar(40) NOT NULL PRIMARY KEY, "created" {created} NOT NULL, '
            '"user_id" bigint NOT NULL)'
        )
        cursor.execute(
            "INSERT INTO authtoken_token VALUES (%s, %s, %s)",
            [old_key, dt.datetime(2025, 6, 1, 8, 30, tzinfo=dt.UTC), world.teacher.pk],
        )
    from django.contrib.admin.models import ADDITION, LogEntry
    from django.contrib.contenttypes.models import ContentType

    token_type = ContentType.objects.create(app_label="authtoken", model="token")
    LogEntry.objects.create(
        user=world.teacher, content_type=token_type, object_id=old_key, object_repr=old_key, action_flag=ADDITION
    )
    # The migration's schema editor, minus its SQLite rule against use inside the test's transaction.
    editor = SimpleNamespace(connection=connection, execute=lambda sql: connection.cursor().execute(sql))
    migration.move_legacy_tokens(apps, editor)
    assert "authtoken_token" not in connection.introspection.table_names()
    assert not LogEntry.objects.filter(object_repr=old_key).exists()  # the admin's history named it
    assert not ContentType.objects.filter(app_label="authtoken").exists()
    token = ApiToken.objects.get(user=world.teacher)
    assert token.key_hash == hashlib.sha256(old_key.encode()).hexdigest()
    assert (token.name, token.prefix, token.read_only, token.expires_at) == ("", old_key[:8], False, None)
    assert token.created_at == dt.datetime(2025, 6, 1, 8, 30, tzinfo=dt.UTC)
    response = with_key(old_key, "Token").get(ME)
    assert response.status_code == 200 and response.json()["id"] == world.teacher.pk
    assert "Token made before tokens had names" in login(world.teacher).get(SECURITY).content.decode()
