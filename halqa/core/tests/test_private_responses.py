"""Answers for a signed-in person are kept out of every cache; public answers are left alone."""

from __future__ import annotations

import logging
import time

import pytest

from halqa.core.logs import UTCFormatter

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize("path", ["/", "/people/", "/communities/", "/api/v1/me/", "/profile/security/"])
def test_signed_in_answers_are_private_and_not_stored(login, world, path):
    response = login(world.teacher).get(path)
    assert response.status_code == 200
    directives = {part.strip() for part in response["Cache-Control"].split(",")}
    assert {"private", "no-store"} <= directives


def test_public_pages_for_anonymous_visitors_carry_no_such_header(client):
    response = client.get("/verify/")
    assert response.status_code == 200
    assert "no-store" not in response.get("Cache-Control", "")


def test_an_answer_that_sets_its_own_cache_control_keeps_it(rf, world):
    from django.http import HttpResponse

    from halqa.core.responses import PrivateResponsesMiddleware

    def view(request):
        response = HttpResponse("a public picture")
        response["Cache-Control"] = "public, max-age=60"
        return response

    request = rf.get("/")
    request.user = world.teacher
    assert PrivateResponsesMiddleware(view)(request)["Cache-Control"] == "public, max-age=60"


def test_log_lines_carry_a_utc_timestamp(monkeypatch):
    monkeypatch.setenv("TZ", "Asia/Tehran")
    time.tzset()
    try:
        record = logging.LogRecord("halqa.test", logging.WARNING, __file__, 1, "something happened", None, None)
        record.created = 0.0  # 1970-01-01T00:00:00Z, 03:30 in Tehran
        line = UTCFormatter().format(record)
    finally:
        monkeypatch.delenv("TZ")
        time.tzset()
    assert line.startswith("1970-01-01T00:00:00Z WARNING halqa.test ")
    assert line.endswith("something happened")


@pytest.mark.parametrize("path", ["/", "/people/", "/communities/", "/profile/security/", "/verify/"])
def test_trace_is_refused_on_every_page(login, world, path):
    response = login(world.teacher).generic("TRACE", path)
    assert response.status_code == 405
    assert "GET" in response["Allow"]


def test_the_api_answers_trace_itself(login, world):
    response = login(world.teacher).generic("TRACE", "/api/v1/me/")
    assert response.status_code == 405
    assert response["Content-Type"] == "application/json"


def test_an_early_refusal_speaks_the_requests_language_not_the_last_ones(login, world, settings):
    """The 413 for form fields Django refuses to read is made before LocaleMiddleware runs."""
    from django.core.files.uploadedfile import SimpleUploadedFile
    from django.utils import translation

    settings.DATA_UPLOAD_MAX_MEMORY_SIZE = 1000
    client = login(world.teacher)
    translation.activate("ru")  # what a previous request on this thread left behind
    big = {"display_name": "x", "bio": "z" * 2000, "file": SimpleUploadedFile("a.txt", b"hello")}
    response = client.post("/profile/edit/", big, HTTP_ACCEPT_LANGUAGE="en")
    assert response.status_code == 413
    assert "This request is too large" in response.content.decode()
