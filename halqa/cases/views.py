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

from halqa.accounts.queries import people_visible_to
from halqa.orgs.views import add_form_errors

from . import matching, plan_views, queries, services
from .access import case_access
from .forms import ClarifyForm, FeedbackForm, FilterForm, IntakeForm, MoveForm, TranscribeForm, TriageForm
from .models import RequesterGroup, Stage

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
        "queue": plan_views.flag_overdue(queries.queue(request.user)[:20]),
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


def _case_page(request, case, can, status=200, **forms) -> HttpResponse:
    stages = services.moves_for(request.user, case)
    roles = case_access.roles(request.user, case)
    open_case = not case.is_final
    if "move_form" not in forms and stages:
        forms["move_form"] = MoveForm(stages=stages, initial={"seen_stage": case.stage, "session_at": case.session_at})
    if open_case and roles & {"coordinator", "group"} and case.requester_id:
        forms.setdefault("ask_form", ClarifyForm())
    if open_case and "requester" in roles and case.clarifications.filter(is_question=True).exists():
        forms.setdefault("answer_form", ClarifyForm())
    if open_case and can.manage:
        forms.setdefault(
            "triage_form",
            TriageForm(
                case=case,
                communities=services.communities_for_assignment(case),
                initial={
                    "types": [t.code for t in case.types.all()],
                    "topics": case.topics.all(),
                    "community": case.community_id,
                },
            ),
        )
    if case.stage == Stage.FEEDBACK and "requester" in roles:
        forms.setdefault("feedback_form", FeedbackForm())
    plan_views.page_forms(request.user, case, forms)
    context = {
        "case": case,
        "can": can,
        "move_form": forms.get("move_form") if stages else None,
        "history": queries.case_events(case),
        "clarifications": case.clarifications.select_related("author"),
        "members": queries.group_members(case, request.user),
        "suggestions": matching.suggest(case, request.user, limit=6) if open_case and can.manage else [],
        **plan_views.plan_card(request.user, case),
        **{name: form for name, form in forms.items() if name != "move_form"},
    }
    return render(request, "cases/detail.html", context, status=status)


def _post(request, pk, form_class, name, act, done: str, **form_kwargs) -> HttpResponse:
    """A form on the case page: valid and accepted → back to the page with `done`; otherwise the
    page again with the errors (400)."""
    case, can = case_access.get(request.user, pk, queries.cases_visible_to(request.user))
    form = form_class(request.POST, **form_kwargs)
    if form.is_valid():
        try:
            act(case, form)
        except ValidationError as error:
            add_form_errors(form, error)
        except services.Conflict as conflict:
            messages.error(request, conflict.message)
            return redirect(case)
        else:
            messages.success(request, done)
            return redirect(case)
    return _case_page(request, case, can, status=400, **{name: form})


@login_required
@require_POST
def case_clarify(request: HttpRequest, pk: int) -> HttpResponse:
    def act(case, form):
        body = form.cleaned_data["body"]
        roles = case_access.roles(request.user, case)
        if "requester" in roles and "coordinator" not in roles:
            services.answer(case, actor=request.user, body=body)
        else:
            services.ask(case, actor=request.user, body=body)

    return _post(request, pk, ClarifyForm, "ask_form", act, _("Your message was added."))


@login_required
@require_POST
def case_triage(request: HttpRequest, pk: int) -> HttpResponse:
    case, can = case_access.get(request.user, pk, queries.cases_visible_to(request.user))
    can.need("manage")

    def act(case, form):
        data = form.cleaned_data
        services.triage(
            case,
            actor=request.user,
            types=data["types"],
            topics=list(data["topics"]),
            community=data["community"],
            assign=True,
        )

    return _post(
        request,
        pk,
        TriageForm,
        "triage_form",
        act,
        _("The case was sorted."),
        case=case,
        communities=services.communities_for_assignment(case),
    )


@login_required
@require_POST
def case_feedback(request: HttpRequest, pk: int) -> HttpResponse:
    def act(case, form):
        services.give_feedback(case, actor=request.user, **form.answers())

    return _post(request, pk, FeedbackForm, "feedback_form", act, _("Thank you: your answer was sent to the group."))


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
    return _case_page(request, case, can, status=400, move_form=form)


@login_required
@require_POST
def case_add_member(request: HttpRequest, pk: int) -> HttpResponse:
    case, can = case_access.get(request.user, pk, queries.cases_visible_to(request.user))
    can.need("manage")
    person = (
        people_visible_to(request.user).filter(pk=request.POST.get("person") or 0).first()
        if (request.POST.get("person") or "").isdigit()
        else None
    )
    if person is None:
        messages.error(request, _("You cannot add this person."))
        return redirect(case)
    try:
        services.add_to_group(case, actor=request.user, person=person, role=request.POST.get("role") or "member")
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    else:
        messages.success(request, _("%(name)s was added to the working group.") % {"name": person})
    return redirect(case)
