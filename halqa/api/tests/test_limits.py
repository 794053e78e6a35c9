"""The API's limits and error answers: throttling (429 + Retry-After), body caps (413), and JSON for
every error under /api/ while pages keep their HTML pages."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from django.core.cache.backends.locmem import LocMemCache
from django.core.exceptions import PermissionDenied
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client, RequestFactory
from freezegun import freeze_time
from rest_framework.test import APIClient

import halqa.settings as project_settings
from halqa.accounts.models import User
from halqa.accounts.tests.factories import api_key
from halqa.api import errors, throttling

pytestmark = pytest.mark.django_db

ROOT = Path(__file__).resolve().parents[3]
ME = "/api/v1/me/"
TOKENS = "/api/v1/tokens/"
VERIFY = "/api/v1/verify/NOSUCHCODE/"


@pytest.fixture
def real_rates(settings, monkeypatch):
    """The rates a deployment runs with (conftest.py lifts them for the rest of the suite), counted in a
    cache of this test's own."""
    settings.API_THROTTLE_RATES = dict(project_settings.API_THROTTLE_RATES)
    monkeypatch.setattr(throttling, "caches", {"default": LocMemCache("throttle-test", {})})


def token_client(user, address="203.0.113.7") -> APIClient:
    api = APIClient(REMOTE_ADDR=address)
    api.credentials(HTTP_AUTHORIZATION=f"Bearer {api_key(user)}")
    return api


# --- throttling -------------------------------------------------------------------------------


def test_the_default_rates():
    """Without API_*_RATE in the environment: reads 600/min and writes 120/min per person, 60/min per
    address for anonymous callers; similar-cases lookups 30/min per person (SIMILAR_RATE)."""
    result = subprocess.run(
        [
            sys.executable,
            "-c",
            "from django.conf import settings; import json; print(json.dumps(settings.API_THROTTLE_RATES))",
        ],
        cwd=ROOT,
        env={k: v for k, v in os.environ.items() if not k.startswith("API_") and k != "SIMILAR_RATE"}
        | {"DJANGO_SETTINGS_MODULE": "halqa.settings"},
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert json.loads(result.stdout) == {
        "user_read": "600/min",
        "user_write": "120/min",
        "anon": "60/min",
        "similar": "30/min",
    }
    env = os.environ | {"DJANGO_SETTINGS_MODULE": "halqa.settings", "API_WRITE_RATE": "5/min", "API_ANON_RATE": ""}
    result = subprocess.run(
        [
            sys.executable,
            "-c",
            "from django.conf import settings; import json; print(json.dumps(settings.API_THROTTLE_RATES))",
        ],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
    )
    rates = json.loads(result.stdout)
    assert rates["user_write"] == "5/min" and rates["anon"] == ""


@freeze_time("2026-03-02 10:00:00")
def test_anonymous_callers_are_limited_per_address(real_rates, world):
    first = APIClient(REMOTE_ADDR="198.51.100.1")
    for _ in range(60):
        assert first.get(VERIFY).status_code == 404
    refused = first.get(VERIFY, HTTP_ACCEPT_LANGUAGE="en")
    assert refused.status_code == 429
    assert refused["Retry-After"] == "60"
    assert refused.json() == {"detail": "Too many requests. Please wait 60 seconds and try again."}
    assert APIClient(REMOTE_ADDR="198.51.100.2").get(VERIFY).status_code == 404  # another address
    # The limit is per address: a forged X-Forwarded-For does not buy a new one (no trusted proxy).
    assert first.get(VERIFY, HTTP_X_FORWARDED_FOR="192.0.2.99").status_code == 429


def test_retry_after_counts_to_the_end_of_the_window(real_rates, world):
    api = APIClient(REMOTE_ADDR="198.51.100.3")
    with freeze_time("2026-03-02 10:00:45"):
        for _ in range(60):
            api.get(VERIFY)
        refused = api.get(VERIFY)
        assert refused.status_code == 429 and refused["Retry-After"] == "15"
    with freeze_time("2026-03-02 10:01:00"):
        assert api.get(VERIFY).status_code == 404


@freeze_time("2026-03-02 11:00:00")
def test_writes_are_limited_more_strictly_than_reads_per_person(real_rates, world):
    api = token_client(world.teacher)
    for n in range(120):
        assert api.patch(ME, {"bio": f"edit {n}"}, format="json").status_code == 200
    refused = api.patch(ME, {"bio": "one too many"}, format="json")
    assert refused.status_code == 429
    assert refused["Retry-After"] == "60"
    assert User.objects.get(pk=world.teacher.pk).bio == "edit 119"
    assert api.get(ME).status_code == 200  # reading is still allowed
    # Per person, not per address: a colleague behind the same school address is not affected.
    assert token_client(world.colleague).patch(ME, {"bio": "mine"}, format="json").status_code == 200


@freeze_time("2026-03-02 12:00:00")
def test_reads_are_limited_per_person(real_rates, world):
    api = token_client(world.teacher)
    for _ in range(600):
        assert api.get(TOKENS).status_code == 200
    assert api.get(TOKENS).status_code == 429
    assert token_client(world.colleague).get(TOKENS).status_code == 200


def test_a_429_speaks_the_callers_language(real_rates, world, settings):
    settings.API_THROTTLE_RATES = {**settings.API_THROTTLE_RATES, "anon": "1/min"}
    api = APIClient(REMOTE_ADDR="198.51.100.4")
    api.get(VERIFY)
    refused = api.get(VERIFY, HTTP_ACCEPT_LANGUAGE="ru")
    assert refused.status_code == 429
    assert refused["Content-Language"] == "ru"


def test_an_empty_rate_turns_a_limit_off(real_rates, world, settings):
    settings.API_THROTTLE_RATES = {**settings.API_THROTTLE_RATES, "anon": ""}
    api = APIClient(REMOTE_ADDR="198.51.100.5")
    assert all(api.get(VERIFY).status_code == 404 for _ in range(70))


def test_the_schema_documents_429_and_413(world):
    schema = APIClient().get("/api/v1/schema/", HTTP_ACCEPT="application/vnd.oai.openapi+json").json()
    operations = [
        (path, method, operation)
        for path, methods in schema["paths"].items()
        for method, operation in methods.items()
        if method in {"get", "post", "put", "patch", "delete"}
    ]
    assert len(operations) > 50
    for path, method, operation in operations:
        responses = operation["responses"]
        assert "Retry-After" in responses["429"]["headers"], (path, method)
        if "requestBody" in operation:
            assert "413" in responses, (path, method)
        if operation.get("security") and "tokenAuth" in str(operation["security"]):
            assert "401" in responses, (path, method)
    tokens = schema["paths"]["/api/v1/tokens/{id}/"]
    assert set(tokens) >= {"get", "delete"} and "post" not in schema["paths"]["/api/v1/tokens/"]


# --- request bodies -------------------------------------------------------------------------------


def test_an_api_body_above_the_limit_gets_413_json(world, settings):
    api = token_client(world.teacher)
    response = api.patch(ME, {"bio": "x"}, format="json", CONTENT_LENGTH=str(settings.MAX_REQUEST_BYTES + 1))
    assert response.status_code == 413
    assert response["Content-Type"] == "application/json"
    assert response.json()["detail"].startswith("This request is larger than Halqa accepts (at most 2.5")
    assert User.objects.get(pk=world.teacher.pk).bio == ""


def test_a_json_body_is_held_to_the_form_limit(world, settings):
    """The API's JSON parser reads the stream itself, past Django's DATA_UPLOAD_MAX_MEMORY_SIZE."""
    settings.DATA_UPLOAD_MAX_MEMORY_SIZE = 1000
    response = token_client(world.teacher).patch(ME, {"bio": "y" * 1500}, format="json")
    assert response.status_code == 413
    assert "(at most 1000\xa0bytes)" in response.json()["detail"]
    assert User.objects.get(pk=world.teacher.pk).bio == ""


def test_an_upload_above_the_limit_gets_a_413_page(world, login, settings):
    client = login(world.teacher)
    response = client.post(
        "/profile/edit/",
        {"display_name": "x", "file": SimpleUploadedFile("a.pdf", b"%PDF-1.4")},
        CONTENT_LENGTH=str(settings.MAX_REQUEST_BYTES + 1),
        HTTP_ACCEPT_LANGUAGE="en",
    )
    assert response.status_code == 413
    assert response["Content-Type"].startswith("text/html")
    page = response.content.decode()
    assert "This request is too large" in page and "Nothing was saved." in page
    assert User.objects.get(pk=world.teacher.pk).display_name == "Teacher Tala"


def test_the_default_limit_fits_five_attachments():
    assert project_settings.MAX_REQUEST_BYTES > 5 * project_settings.DISCUSSION_MAX_ATTACHMENT_BYTES
    assert project_settings.MAX_REQUEST_BYTES < 6 * project_settings.DISCUSSION_MAX_ATTACHMENT_BYTES


def test_fields_django_refuses_to_read_get_413_not_400(world, login, settings):
    settings.DATA_UPLOAD_MAX_MEMORY_SIZE = 1000
    big = {"display_name": "x", "bio": "z" * 2000, "file": SimpleUploadedFile("a.txt", b"hello")}
    page = login(world.teacher).post("/profile/edit/", big)  # multipart: under MAX_REQUEST_BYTES
    assert page.status_code == 413 and "This request is too large" in page.content.decode()
    api = token_client(world.colleague).patch(ME, big, format="multipart")
    assert api.status_code == 413 and "detail" in api.json()
    assert User.objects.get(pk=world.teacher.pk).bio == ""


def test_too_many_files_get_413(world, login, settings):
    settings.DATA_UPLOAD_MAX_NUMBER_FILES = 2
    files = {f"f{n}": SimpleUploadedFile(f"{n}.txt", b"x") for n in range(3)}
    page = login(world.teacher).post("/profile/edit/", {"display_name": "x", **files})
    assert page.status_code == 413
    api = token_client(world.colleague).patch(ME, {"bio": "x", **files}, format="multipart")
    assert api.status_code == 413
    assert (
        api.json()["detail"]
        == "This request holds more files than Halqa accepts at once. Send fewer files and try again."
    )


# --- JSON errors under /api/, HTML for pages -----------------------------------------------------


def test_an_api_500_is_json(world, monkeypatch):
    from halqa.accounts.api import MeView

    def broken(self, request, *args, **kwargs):
        raise RuntimeError("a bug")

    monkeypatch.setattr(MeView, "get", broken)
    api = token_client(world.teacher)
    api.raise_request_exception = False
    response = api.get(ME)
    assert response.status_code == 500
    assert response["Content-Type"] == "application/json"
    assert response.json() == {
        "detail": "Something went wrong on our side. The error was recorded; please try again in a moment."
    }


def test_a_page_500_is_an_honest_html_page(world, login, monkeypatch):
    def broken(*args, **kwargs):
        raise RuntimeError("a bug")

    monkeypatch.setattr("halqa.accounts.views.api_tokens_visible_to", broken)
    client = login(world.teacher)
    client.raise_request_exception = False
    response = client.get("/profile/security/")
    assert response.status_code == 500
    page = response.content.decode()
    assert "<html" in page
    assert "The error was recorded" in page and "may not have been saved" in page
    assert "Nothing you entered was lost" not in page


def test_a_host_we_do_not_serve_gets_json_under_api():
    api = Client(HTTP_HOST="evil.example.com")
    response = api.get(ME)
    assert response.status_code == 400
    assert response.json() == {"detail": "The request could not be understood."}
    assert not Client(HTTP_HOST="evil.example.com").get("/").get("Content-Type", "").startswith("application/json")


def test_csrf_and_permission_failures_are_json_under_api(settings):
    assert settings.CSRF_FAILURE_VIEW == "halqa.api.errors.csrf_failure"
    factory = RequestFactory()
    api_refusal = errors.csrf_failure(factory.post("/api/v1/me/"), reason="CSRF cookie not set.")
    assert api_refusal.status_code == 403 and "CSRF" in json.loads(api_refusal.content)["detail"]
    page_refusal = errors.csrf_failure(factory.post("/profile/edit/"), reason="CSRF cookie not set.")
    assert page_refusal.status_code == 403 and page_refusal["Content-Type"].startswith("text/html")
    denied = errors.permission_denied(factory.get("/api/v1/me/"), PermissionDenied("No."))
    assert denied.status_code == 403 and json.loads(denied.content) == {"detail": "No."}
    from halqa import urls

    assert (urls.handler400, urls.handler403, urls.handler404, urls.handler500) == (
        "halqa.api.errors.bad_request",
        "halqa.api.errors.permission_denied",
        "halqa.api.errors.page_not_found",
        "halqa.api.errors.server_error",
    )


def test_api_405_and_404_are_json(world):
    api = token_client(world.teacher)
    not_allowed = api.put(ME, {}, format="json")
    assert not_allowed.status_code == 405 and "detail" in not_allowed.json()
    missing = api.get("/api/v1/no-such-thing/")
    assert missing.status_code == 404 and "detail" in missing.json()


def test_the_database_cache_keeps_every_live_counter(settings):
    """One throttle counter per caller a minute would overflow DatabaseCache's default 300 entries, and
    culling (alphabetical, so allauth's sign-in counters first) would reset the sign-in limits."""
    if settings.CACHES["default"]["BACKEND"].endswith("DatabaseCache"):
        assert settings.CACHES["default"]["OPTIONS"]["MAX_ENTRIES"] >= 100_000


def test_a_limit_costs_one_query_per_request_with_the_database_cache(settings, world):
    """The database cache needed about ten queries per request to count one caller (cull count,
    savepoints, select, insert or update); the counter table needs one."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from halqa.core.models import RateWindow

    if not settings.CACHES["default"]["BACKEND"].endswith("DatabaseCache"):
        pytest.skip("the counter table is used with the database cache")
    settings.API_THROTTLE_RATES = {**settings.API_THROTTLE_RATES, "user_read": "3/min"}
    api = token_client(world.teacher)
    assert api.get(ME).status_code == 200
    with CaptureQueriesContext(connection) as queries:
        assert api.get(ME).status_code == 200
    counting = [q["sql"] for q in queries.captured_queries if RateWindow._meta.db_table in q["sql"]]
    assert len(counting) == 1 and "ON CONFLICT" in counting[0]
    assert api.get(ME).status_code == 200
    refused = api.get(ME)
    assert refused.status_code == 429 and int(refused["Retry-After"]) <= 60
    assert RateWindow.objects.get().hits == 4


def test_the_scheduler_deletes_counters_of_past_windows():
    import datetime as dt

    from django.utils import timezone

    from halqa.core.models import RateWindow
    from halqa.core.scheduler import prune_rate_windows

    RateWindow.objects.create(name="past", hits=3, expires=timezone.now() - dt.timedelta(seconds=1))
    RateWindow.objects.create(name="live", hits=3, expires=timezone.now() + dt.timedelta(seconds=60))
    assert prune_rate_windows() == 1
    assert list(RateWindow.objects.values_list("name", flat=True)) == ["live"]
