"""The audit view: the event trail for administrators, filtered, paginated, and as CSV."""

from __future__ import annotations

import csv
import json

from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse, StreamingHttpResponse
from django.shortcuts import render
from django.utils import timezone
from django.utils.translation import gettext as _

from .describe import ChangeWriter, audit_rows
from .forms import AuditFilterForm
from .models import Event
from .queries import events_visible_to, filtered, may_audit

EVENTS_PER_PAGE = 50
CSV_MAX_ROWS = 50_000


def _audit_events(request: HttpRequest):
    """The form and the events it selects; 404 for anyone who may not audit (they need not know it exists)."""
    if not may_audit(request.user):
        raise Http404
    form = AuditFilterForm(request.GET or None, viewer=request.user)
    events = events_visible_to(request.user)
    if form.is_bound:
        events = filtered(events, form.cleaned_data) if form.is_valid() else events.none()
    return form, events


@login_required
def audit(request: HttpRequest) -> HttpResponse:
    form, events = _audit_events(request)
    events = events.select_related("community", "school").only(
        "at",
        "actor_label",
        "verb",
        "target_label",
        "before",
        "after",
        "ip",
        "target_type_id",
        "community__id",
        "community__name",
        "school__id",
        "school__name",
    )
    page = Paginator(events, EVENTS_PER_PAGE).get_page(request.GET.get("page"))
    status = 400 if form.is_bound and not form.is_valid() else 200
    export = request.GET.copy()
    export.pop("page", None)
    return render(
        request,
        "events/audit.html",
        {
            "form": form,
            "page": page,
            "rows": audit_rows(page.object_list, request.user),
            "export_query": export.urlencode(),
            "csv_max_rows": CSV_MAX_ROWS,
        },
        status=status,
    )


class _Echo:
    def write(self, value):
        return value


def _cell(value) -> str:
    """A cell a spreadsheet will not run as a formula."""
    text = "" if value is None else str(value)
    return "'" + text if text[:1] in ("=", "+", "-", "@", "\t", "\r") else text


def _json(value) -> str | None:
    return None if value is None else json.dumps(value, ensure_ascii=False, sort_keys=True)


@login_required
def audit_csv(request: HttpRequest) -> HttpResponse:
    form, events = _audit_events(request)
    if form.is_bound and not form.is_valid():
        return HttpResponse(
            _("The filters are not valid: correct them on the audit page first."),
            status=400,
            content_type="text/plain; charset=utf-8",
        )
    rows = events.values_list(
        "at",
        "actor_label",
        "verb",
        "target_label",
        "community_id",
        "school_id",
        "before",
        "after",
        "ip",
        "target_type_id",
    )[:CSV_MAX_ROWS]
    writer = csv.writer(_Echo())
    header = [
        _("When (UTC)"),
        _("Who"),
        _("What"),
        _("About"),
        _("Community"),
        _("School"),
        _("Before"),
        _("After"),
        _("Client address"),
        _("What happened"),
        _("Change"),
    ]
    words = ChangeWriter(request.user)

    def lines():
        yield writer.writerow(header)
        for at, actor, verb, target, community, school, before, after, ip, target_type in rows.iterator(
            chunk_size=2000
        ):
            event = Event(verb=verb, target_type_id=target_type, before=before, after=after)
            raw = (at.isoformat(), actor, verb, target, community, school, _json(before), _json(after), ip)
            yield writer.writerow([_cell(v) for v in (*raw, event.get_verb_display(), words.line(event))])

    response = StreamingHttpResponse(lines(), content_type="text/csv; charset=utf-8")
    name = f"halqa-events-{timezone.now():%Y%m%d-%H%M}.csv"
    response["Content-Disposition"] = f'attachment; filename="{name}"'
    return response
