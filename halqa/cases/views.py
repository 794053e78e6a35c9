"""Case pages: thin views over queries.py (reading), access.py (may I?) and services.py (writing)."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from halqa.orgs.views import add_form_errors

from . import queries, services
from .access import case_access
from .forms import FilterForm, IntakeForm, MoveForm, TranscribeForm
from .models import RequesterGroup

PER_PAGE = 20
FAMILY = {RequesterGroup.PARENT, RequesterGroup.STUDENT}


@login_required
def case_list(request: HttpRequest) -> HttpResponse:
    filters = FilterForm(request.GET or None)
    chosen = filters.cleaned_data if filters.is_valid() else {}
    found = queries.case_list(request.user, **{k: v for k, v in chosen.items() if v})
    context = {
        "filters": filters,
        "page": Paginator(found, PER_PAGE).get_page(request.GET.get("page")),
        "mine": queries.case_list(request.user, mine=True)[:10],
        "queue": queries.queue(request.user)[:20],
        "may_ask": services.schools_for_intake(request.user).exists(),
        "may_transcribe": services.schools_coordinated_by(request.user).exists(),
    }
    return render(request, "cases/list.html", context)


def _story_fields(data: dict) -> dict:
    return {name: data.get(name) for name in services.STORY_FIELDS}


@login_required
def case_new(request: HttpRequest) -> HttpResponse:
    schools = services.schools_for_intake(request.user)
    if not schools.exists():
        raise PermissionDenied(_("You can ask for help only in a school you belong to."))
    groups = services.groups_for(request.user)
    initial = {
        "language": request.user.preferred_language or request.LANGUAGE_CODE,
        "audience": services.AUDIENCE_OF.get(groups[0], "teacher"),
    }
    form = IntakeForm(request.POST or None, schools=schools, groups=groups, family=groups[0] in FAMILY, initial=initial)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            case = services.submit_case(
                actor=request.user,
                school=data["school"],
                requester_group=data["requester_group"],
                audience=data["audience"],
                anonymous=data["anonymous"],
                will_join=data["will_join"],
                types=data["types"],
                topics=list(data["topics"]),
                **_story_fields(data),
            )
        except ValidationError as error:
            add_form_errors(form, error)
        else:
            messages.success(request, _("Your request was sent. A coordinator will read it and may ask you questions."))
            return redirect(case)
    return render(
        request,
        "cases/new.html",
        {"form": form, "family": groups[0] in FAMILY},
        status=400 if request.method == "POST" else 200,
    )


@login_required
def case_transcribe(request: HttpRequest) -> HttpResponse:
    schools = services.schools_coordinated_by(request.user)
    if not schools.exists():
        raise PermissionDenied(_("Only the school's coordinators can do this."))
    form = TranscribeForm(request.POST or None, schools=schools, initial={"language": request.LANGUAGE_CODE})
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            case = services.transcribe_case(
                actor=request.user,
                school=data["school"],
                channel=data["channel"],
                requester_group=data["requester_group"],
                audience=data["audience"],
                requester_name=data["requester_name"],
                anonymous=data["anonymous"],
                types=data["types"],
                topics=list(data["topics"]),
                **_story_fields(data),
            )
        except ValidationError as error:
            add_form_errors(form, error)
        else:
            messages.success(request, _("The request was recorded."))
            return redirect(case)
    return render(request, "cases/transcribe.html", {"form": form}, status=400 if request.method == "POST" else 200)


def _case_page(request, case, can, move_form=None, status=200) -> HttpResponse:
    stages = services.moves_for(request.user, case)
    if move_form is None and stages:
        move_form = MoveForm(stages=stages, initial={"seen_stage": case.stage, "session_at": case.session_at})
    context = {
        "case": case,
        "can": can,
        "move_form": move_form if stages else None,
        "history": queries.case_events(case),
    }
    return render(request, "cases/detail.html", context, status=status)


@login_required
def case_detail(request: HttpRequest, pk: int) -> HttpResponse:
    case, can = case_access.get(request.user, pk, queries.cases_visible_to(request.user))
    return _case_page(request, case, can)


@login_required
@require_POST
def case_move(request: HttpRequest, pk: int) -> HttpResponse:
    case, can = case_access.get(request.user, pk, queries.cases_visible_to(request.user))
    stages = services.moves_for(request.user, case)
    form = MoveForm(request.POST, stages=stages)
    if not stages:
        raise PermissionDenied(_("You cannot move this case."))
    if form.is_valid():
        data = form.cleaned_data
        try:
            services.move(
                case,
                actor=request.user,
                to=data["to"],
                note=data["note"],
                session_at=data.get("session_at"),
                seen_stage=data["seen_stage"],
            )
        except ValidationError as error:
            add_form_errors(form, error)
        except services.Conflict as conflict:
            messages.error(request, conflict.message)
            return redirect(case)
        else:
            messages.success(request, _("The case was moved."))
            return redirect(case)
    return _case_page(request, case, can, move_form=form, status=400)
