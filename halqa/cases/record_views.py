"""The case page's records of stages 4–6: the preparation list with "I am prepared", the session
notes and the draft solution in versions, with their forms. Thin, like views.py: reading in
records.py (`page_records`), writing in services.py; plain POST forms that work without JavaScript."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from . import queries, records, services
from .access import CONTRIBUTE, case_access
from .forms import DraftForm, PreparationForm, SessionNoteForm


def page_forms(viewer, case, can, forms: dict, latest=None) -> None:
    """Add the records' forms the viewer may use to the case page's `forms` (kept if given)."""
    if CONTRIBUTE not in can:
        return
    forms.setdefault("preparation_form", PreparationForm())
    forms.setdefault(
        "session_note_form",
        SessionNoteForm(initial={"held_at": timezone.localtime().replace(second=0, microsecond=0)}),
    )
    initial = {"audience": case.audience}
    if latest is not None:
        initial = {"title": latest.title, "body": latest.body, "audience": latest.audience}
    forms.setdefault("draft_form", DraftForm(initial=initial))


def records_card(viewer, case, can, forms: dict, members=None) -> dict:
    """What the records' sections show, and their forms (`members`: the working group as the page
    read it)."""
    shown = records.page_records(viewer, case, can, members=members)
    page_forms(viewer, case, can, forms, latest=shown["draft_latest"])
    return shown


def _case(request, pk):
    case, can = case_access.get(request.user, pk, queries.cases_visible_to(request.user))
    can.need(CONTRIBUTE)
    return case, can


@login_required
@require_POST
def case_preparation_add(request: HttpRequest, pk: int) -> HttpResponse:
    from .views import _post

    _case(request, pk)

    def act(case, form):
        services.add_preparation_item(case, actor=request.user, **form.cleaned_data)

    return _post(request, pk, PreparationForm, "preparation_form", act, _("The source was added to the list."))


@login_required
@require_POST
def case_preparation_remove(request: HttpRequest, pk: int, item_pk: int) -> HttpResponse:
    case, _can = _case(request, pk)
    item = get_object_or_404(case.preparation, pk=item_pk)
    services.remove_preparation_item(item, actor=request.user)
    messages.success(request, _("The source was removed from the list."))
    return redirect(f"{case.get_absolute_url()}#preparation")


@login_required
@require_POST
def case_prepared(request: HttpRequest, pk: int) -> HttpResponse:
    """ "I am prepared" (prepared=1), or take it back (prepared=0)."""
    case, _can = case_access.get(request.user, pk, queries.cases_visible_to(request.user))
    prepared = request.POST.get("prepared", "1") != "0"
    services.mark_prepared(case, actor=request.user, prepared=prepared)
    messages.success(request, _("You are marked prepared.") if prepared else _("Your prepared mark was taken back."))
    return redirect(f"{case.get_absolute_url()}#preparation")


@login_required
@require_POST
def case_session_note(request: HttpRequest, pk: int) -> HttpResponse:
    from .views import _post

    _case(request, pk)

    def act(case, form):
        services.add_session_note(case, actor=request.user, **form.cleaned_data)

    return _post(request, pk, SessionNoteForm, "session_note_form", act, _("The session notes were saved."))


@login_required
@require_POST
def case_draft(request: HttpRequest, pk: int) -> HttpResponse:
    from .views import _post

    _case(request, pk)

    def act(case, form):
        services.save_draft(case, actor=request.user, **form.cleaned_data)

    return _post(request, pk, DraftForm, "draft_form", act, _("A new version of the solution was saved."))
