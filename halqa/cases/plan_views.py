"""The case page's plan and risks: the "Plan" card (target date, each stage's due date, overdue,
the buffer's fever-chart reading) and the risks and resources, with their forms. Thin, like
views.py: reading here, writing in services.py (`plan`, `add_risk`, `handle_risk`)."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from . import planning, queries, services
from .access import case_access
from .forms import PlanForm, RiskForm
from .models import Stage


def page_forms(viewer, case, forms: dict) -> None:
    """Add the plan and risk forms the viewer may use to the case page's `forms` (kept if given)."""
    if services.may_plan(viewer, case):
        forms.setdefault("plan_form", PlanForm(initial={"target_date": case.target_date}))
        forms.setdefault("risk_form", RiskForm(owners=services.risk_owners(case)))


def flag_overdue(cases) -> list:
    """The cases as a list, each with `overdue` set: today is past its current stage's due date."""
    today = timezone.localdate()
    cases = list(cases)
    for case in cases:
        case.overdue = planning.is_overdue(case.stage, case.due_dates, today)
    return cases


def plan_card(viewer, case, *, today=None) -> dict:
    """What the "Plan" and "Risks and resources" cards show."""
    today = today or timezone.localdate()
    dues = planning.parse_due_dates(case.due_dates)
    stages = list(dues)
    if case.stage in dues:
        current = stages.index(case.stage)
    elif case.stage == Stage.SUBMITTED:
        current = 0  # waiting to start its first planned stage
    else:
        current = len(stages)
    overdue = planning.is_overdue(case.stage, case.due_dates, today)
    rows = [
        {
            "stage": stage,
            "label": Stage(stage).label,
            "due": due,
            "state": "done" if index < current else ("current" if index == current else "ahead"),
            "overdue": index == current and overdue,
        }
        for index, (stage, due) in enumerate(dues.items())
    ]
    return {
        "plan_rows": rows,
        "plan_overdue": overdue,
        "plan_buffer": services.plan_status(case, today=today) if rows else None,
        "may_plan": services.may_plan(viewer, case),
        "risks": case.risks.select_related("owner"),
    }


@login_required
@require_POST
def case_plan(request: HttpRequest, pk: int) -> HttpResponse:
    from .views import _post

    case, _can = case_access.get(request.user, pk, queries.cases_visible_to(request.user))
    if not services.may_plan(request.user, case):
        raise PermissionDenied(_("Only the coordinators and the working group plan this case."))

    def act(case, form):
        services.plan(case, actor=request.user, target_date=form.cleaned_data["target_date"])

    return _post(request, pk, PlanForm, "plan_form", act, _("The case was planned back from its target date."))


@login_required
@require_POST
def case_risk_add(request: HttpRequest, pk: int) -> HttpResponse:
    from .views import _post

    case, _can = case_access.get(request.user, pk, queries.cases_visible_to(request.user))
    if not services.may_plan(request.user, case):
        raise PermissionDenied(_("Only the coordinators and the working group keep the risks of this case."))

    def act(case, form):
        data = form.cleaned_data
        services.add_risk(
            case, actor=request.user, kind=data["kind"], description=data["description"], owner=data["owner"]
        )

    return _post(
        request, pk, RiskForm, "risk_form", act, _("It was added to the case."), owners=services.risk_owners(case)
    )


@login_required
@require_POST
def case_risk_handled(request: HttpRequest, pk: int, risk_pk: int) -> HttpResponse:
    case, _can = case_access.get(request.user, pk, queries.cases_visible_to(request.user))
    risk = get_object_or_404(case.risks, pk=risk_pk)
    services.handle_risk(risk, actor=request.user)
    messages.success(request, _("Marked as handled."))
    return redirect(case)
