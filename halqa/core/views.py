"""The home page, the language switch and the health check."""

from __future__ import annotations

import hmac

from django.conf import settings
from django.db import connection
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import render
from django.utils import timezone
from django.utils.translation import check_for_language
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_POST
from django.views.i18n import set_language as django_set_language

from halqa.accounts.services import set_preferred_language

from . import health


def home(request: HttpRequest) -> HttpResponse:
    if not request.user.is_authenticated:
        return render(request, "core/landing.html")
    from halqa.orgs.queries import home_summary

    return render(request, "core/home.html", home_summary(request.user))


@require_POST
def set_language(request: HttpRequest) -> HttpResponse:
    """Switch the interface language; signed-in people keep the choice on their profile."""
    language = request.POST.get("language", "")
    if request.user.is_authenticated and check_for_language(language):
        set_preferred_language(request.user, language)
    return django_set_language(request)


@never_cache
@require_GET
def healthz(request: HttpRequest) -> JsonResponse:
    """ "ok", "degraded" or "error"; the details only for staff and for a monitor holding HEALTHZ_TOKEN.

    "error" (HTTP 503): the database does not answer or no worker takes tasks, so the site cannot
    do its work. "degraded" (HTTP 200): the site works but email is failing, overdue or was given
    up in the last day; the page answers 200 so a load balancer keeps the node in service, and
    monitoring alerts on the status word (and, with the token, on the `undelivered` count).
    Everyone else gets the status word alone.
    """
    report = {"database": health.database(), "tasks": health.task_queue(), "email": health.email()}
    if not (report["database"]["ok"] and report["tasks"]["ok"]):
        status = "error"
    elif not report["email"]["ok"]:
        status = "degraded"
    else:
        status = "ok"
    body = {"status": status}
    if may_see_health_details(request):
        report["database"]["vendor"] = connection.vendor
        body.update(report, undelivered=report["email"]["undelivered"], time=timezone.now().isoformat())
    return JsonResponse(body, status=503 if status == "error" else 200)


def may_see_health_details(request: HttpRequest) -> bool:
    if request.user.is_authenticated and request.user.is_staff:
        return True
    expected = settings.HEALTHZ_TOKEN
    # A header only: a token in the query string would be written into every access log.
    given = request.headers.get("X-Healthz-Token") or ""
    return bool(expected) and hmac.compare_digest(given.encode(), expected.encode())
