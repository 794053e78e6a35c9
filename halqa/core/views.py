"""The home page, the language switch and the health check."""

from __future__ import annotations

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
    report = {"database": health.database(), "tasks": health.task_queue(), "time": timezone.now().isoformat()}
    healthy = report["database"]["ok"] and report["tasks"]["ok"]
    report["status"] = "ok" if healthy else "error"
    report["database"]["vendor"] = connection.vendor
    return JsonResponse(report, status=200 if healthy else 503)
