"""The pages' side of similar cases: htmx fragments, each over `services.find`.

* `intake`: while a person writes their request (the "ask for help" form posts the story fields,
  debounced), the past cases and published products that look like it. Rate-limited per person,
  with the API's lookups (settings.API_THROTTLE_RATES["similar"]).
* `case`: on a case page, similar cases (closed ones first, with their published products and the
  requester's verdict) for whoever may see the case. Loaded after the page, so the page itself
  runs no query for it.
* `product`: on a product page, related products.
"""

from __future__ import annotations

import time

from django.conf import settings
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.http import require_GET, require_POST

from halqa.api.throttling import count_hit, parse_rate
from halqa.cases import services as case_services
from halqa.cases.access import case_access
from halqa.cases.models import Feedback, Stage
from halqa.library.access import product_access
from halqa.library.models import Status

from . import services

STORY_FIELDS = ("title", "what_happened", "what_tried", "help_wanted")
MIN_STORY = 40  # characters before suggestions are worth asking for
INTAKE_LIMIT = 6


def over_limit(user) -> bool:
    """One more lookup by this person: over the per-person rate (the API's "similar" scope)?"""
    rate = parse_rate(settings.API_THROTTLE_RATES.get("similar"))
    if rate is None:
        return False
    allowed, period = rate
    window = int(time.time() // period)
    return count_hit(f"halqa:throttle:similar:{user.pk}:{window}", period + 1) > allowed


def _fragment(request, context: dict, status: int = 200) -> HttpResponse:
    """The fragment for htmx; a page of its own for the plain link (without JavaScript)."""
    if request.method == "GET" and not request.htmx and "heading" in context:
        return render(request, "similar/page.html", context, status=status)
    return render(request, "similar/_matches.html", context, status=status)


@login_required
@require_POST
def intake(request: HttpRequest) -> HttpResponse:
    if not case_services.schools_for_intake(request.user).exists():
        raise PermissionDenied(_("You can ask for help only in a school you belong to."))
    story = "\n".join(str(request.POST.get(name, "")) for name in STORY_FIELDS).strip()
    context = {"intro": _("Cases and products that look like your story:"), "semantic": services.embedding.available()}
    if len(story) < MIN_STORY:
        return _fragment(request, {**context, "hint": _("Write a few sentences and similar cases appear here.")})
    # Refusals answer 200 with the reason in the fragment: htmx swaps only a 2xx answer, and this is
    # a hint beside a form, not the form (the API answers 429 and 400).
    if over_limit(request.user):
        return _fragment(request, {**context, "error": _("Too many lookups at once: wait a minute.")})
    try:
        found = services.find(request.user, story, limit=INTAKE_LIMIT)
    except ValidationError as error:
        return _fragment(request, {**context, "error": " ".join(error.messages)})
    count = len(found.matches)
    status = (
        ngettext("%(count)s case or product like your story.", "%(count)s cases or products like your story.", count)
        % {"count": count}
        if count
        else _("Nothing similar yet.")
    )
    return _fragment(
        request, {**context, "found": found, "matches": found.matches, "semantic": found.semantic, "status": status}
    )


@login_required
@require_GET
def case(request: HttpRequest, pk: int) -> HttpResponse:
    """Similar cases of a case the person may see (404 otherwise): closed first, with products."""
    subject, _allowed = case_access.get(request.user, pk, case_access.visible(request.user).select_related("school"))
    try:
        found = services.similar_to_case(request.user, subject, kinds=("case",), limit=8)
    except ValidationError:
        found = services.Found([], services.embedding.available(), subject.language)
    matches = sorted(found.matches, key=lambda m: m.obj.stage != Stage.CLOSED)  # stable: closed first, by rank
    ids = [m.object_id for m in matches]
    products = {}
    for product in product_access.visible(request.user).filter(source_case_id__in=ids, status=Status.PUBLISHED):
        products.setdefault(product.source_case_id, []).append(product)
    verdicts = {}
    for feedback in Feedback.objects.filter(case_id__in=ids).order_by("case_id", "-created_at", "-id"):
        verdicts.setdefault(feedback.case_id, feedback)
    for match in matches:
        match.extra = {"products": products.get(match.object_id, []), "verdict": verdicts.get(match.object_id)}
    context = {
        "intro": _("Cases like this one:"),
        "matches": matches,
        "semantic": found.semantic,
        "found": found,
        "empty": _("No similar case yet."),
        "heading": _("Similar cases"),
        "back": subject,
    }
    return _fragment(request, context)


@login_required
@require_GET
def product(request: HttpRequest, pk: int) -> HttpResponse:
    """Related products of a product the person may see (404 otherwise)."""
    subject, _allowed = product_access.get(request.user, pk)
    found = services.related_products(request.user, subject, limit=5)
    context = {
        "intro": _("Products like this one:"),
        "matches": found.matches,
        "semantic": found.semantic,
        "found": found,
        "empty": _("No related product yet."),
        "heading": _("Related products"),
        "back": subject,
    }
    return _fragment(request, context)
