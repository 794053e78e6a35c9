"""Case pages: thin views over queries.py (reading), access.py (may I?) and services.py (writing)."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.db import transaction
from django.http import Http404, HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.http import urlencode
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from halqa.accounts.queries import people_visible_to
from halqa.orgs.views import add_form_errors

from . import board as board_module
from . import matching, plan_views, queries, record_views, services
from .access import case_access
from .forms import (
    BoardFilterForm,
    BoardLimitsForm,
    BoardMoveForm,
    BoardPlaceForm,
    ClarifyForm,
    FeedbackForm,
    FilterForm,
    IntakeForm,
    MoveForm,
    TranscribeForm,
    TriageForm,
)
from .models import RequesterGroup, Stage

PER_PAGE = 20
FAMILY = {RequesterGroup.PARENT, RequesterGroup.STUDENT}


@login_required
def case_list(request: HttpRequest) -> HttpResponse:
    filters = FilterForm(request.GET or None)
    chosen = filters.cleaned_data if filters.is_valid() else {}
    found = queries.case_list(request.user, **{k: v for k, v in chosen.items() if v})
    page = Paginator(found, PER_PAGE).get_page(request.GET.get("page"))
    if chosen.get("q"):
        queries.add_snippets(page.object_list, chosen["q"])
    context = {
        "filters": filters,
        "page": page,
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
    form = IntakeForm(
        request.POST or None,
        request.FILES or None,
        schools=schools,
        groups=groups,
        family=groups[0] in FAMILY,
        initial=initial,
    )
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
                files=data["files"],
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
    form = TranscribeForm(
        request.POST or None, request.FILES or None, schools=schools, initial={"language": request.LANGUAGE_CODE}
    )
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
                paper_form=next(iter(data["paper_form"]), None),
                files=data["files"],
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
        # A move the board cannot make alone (it needs a note or a date) arrives here with ?to=<stage>.
        chosen = request.GET.get("to") if request.GET.get("to") in stages else None
        forms["move_form"] = MoveForm(
            stages=stages, initial={"seen_stage": case.stage, "session_at": case.session_at, "to": chosen}
        )
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
    members = list(queries.group_members(case, request.user))
    shown_records = record_views.records_card(request.user, case, can, forms, members=members)
    context = {
        "case": case,
        "can": can,
        "move_form": forms.get("move_form") if stages else None,
        "history": queries.case_events(case),
        "boards": board_module.boards_holding(request.user, case),
        "clarifications": case.clarifications.select_related("author"),
        "attachments": queries.visible_attachments(case, can),
        "members": members,
        **_suggestions(request, case, open_case and can.manage),
        **plan_views.plan_card(request.user, case),
        **shown_records,
        **{name: form for name, form in forms.items() if name != "move_form"},
    }
    return render(request, "cases/detail.html", context, status=status)


# While the group is being formed the coordinator sees who could help at once; later, on asking
# (`?suggest=1`): the ranking reads hundreds of candidates, not worth it on every visit.
GROUP_FORMING = frozenset({Stage.SUBMITTED, Stage.CLARIFYING, Stage.MATCHED})


def _suggestions(request, case, may_manage: bool) -> dict:
    if not may_manage:
        return {"suggesting": False, "may_suggest": False, "suggestions": []}
    wanted = case.stage in GROUP_FORMING or request.GET.get("suggest") == "1"
    return {
        "suggesting": wanted,
        "may_suggest": not wanted,
        "suggestions": matching.suggest(case, request.user, limit=6) if wanted else [],
    }


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


# --- The kanban board ------------------------------------------------------------------------------


def _board_page(request: HttpRequest, board: board_module.Board) -> HttpResponse:
    from halqa.orgs.access import standing

    if board.school:
        schools = [board.school.pk]
    elif board.community and board.community.school_id:
        schools = [board.community.school_id]
    else:
        schools = sorted(standing(request.user).schools)
    filters = BoardFilterForm(
        request.GET or None, schools=schools, owners=board_module.owner_choices(request.user, board)
    )
    chosen = filters.cleaned_data if filters.is_valid() else {}
    page = request.GET.get("page", "1")
    view = board_module.build(
        request.user,
        board,
        filters=chosen,
        column=request.GET.get("column", ""),
        page=int(page) if page.isdigit() and len(page) < 6 else 1,
    )
    kept = request.GET.copy()
    for name in ("column", "page"):
        kept.pop(name, None)
    context = {
        "view": view,
        "board": board,
        "filters": filters,
        "filtered": any(chosen.values()),
        "kept_query": kept.urlencode(),
        "may_set_limits": board.has_limits and board_module.may_set_limits(request.user, board),
        "schools": services.schools_coordinated_by(request.user).order_by("name", "pk")
        if board.kind == board_module.SCHOOL
        else [],
        "per_column": board_module.PER_COLUMN,
    }
    return render(request, "cases/board.html", context)


@login_required
def board(request: HttpRequest) -> HttpResponse:
    """The coordinator's board (one school they coordinate at a time, ?school=<id>); with
    ?community=<id>, a community's board."""
    community = request.GET.get("community", "")
    if community:
        if not community.isdigit():
            raise Http404
        kept = request.GET.copy()
        kept.pop("community")
        url = reverse("cases:community_board", args=[int(community)])
        return redirect(f"{url}?{kept.urlencode()}" if kept else url)
    school = request.GET.get("school", "")
    return _board_page(request, board_module.school_board(request.user, int(school) if school.isdigit() else None))


@login_required
def community_board(request: HttpRequest, pk: int) -> HttpResponse:
    return _board_page(request, board_module.community_board(request.user, pk))


@login_required
def group_board(request: HttpRequest) -> HttpResponse:
    return _board_page(request, board_module.groups_board(request.user))


def _board_answer(request, wants_json: bool, status: int, message: str, back: str, **extra) -> HttpResponse:
    if wants_json:
        return JsonResponse({"detail": message, **extra}, status=status)
    if status == 200:
        messages.success(request, message)
    else:
        messages.error(request, message)
    return redirect(back)


@login_required
@require_POST
def board_move(request: HttpRequest, pk: int) -> HttpResponse:
    """Move a card from a board: the "Move to" select of a card (no JavaScript, keyboard) and the
    drag-and-drop alike. JSON for the script (Accept: application/json), redirects for the form."""
    case, _can = case_access.get(request.user, pk, queries.cases_visible_to(request.user))
    wants_json = "application/json" in request.headers.get("Accept", "")
    board = board_module.board_from_key(request.user, request.POST.get("board", ""))
    back = f"{board.get_absolute_url()}#card-{case.pk}"
    placing = request.POST.get("before") or request.POST.get("after")
    if placing and request.POST.get("to", "") in ("", request.POST.get("seen_stage")):
        return _board_place(request, case, board, back, wants_json)
    form = BoardMoveForm(request.POST, stages=Stage.values)
    if not form.is_valid():
        problems = " ".join(str(e) for errors in form.errors.values() for e in errors)
        return _board_answer(request, wants_json, 400, problems, back)
    data = form.cleaned_data
    to, seen = data["to"], data["seen_stage"]
    if (
        seen == case.stage
        and board_module.needs_case_page(case.stage, to)
        and to in services.moves_for(request.user, case)
    ):
        url = f"{case.get_absolute_url()}?{urlencode({'to': to})}#move-h"
        if wants_json:
            return JsonResponse(
                {"redirect": url, "detail": str(_("This move needs more: finish it on the case page."))}
            )
        messages.info(request, _("This move needs more: finish it on the case page."))
        return redirect(url)
    try:
        with transaction.atomic():
            moved = services.move_on_board(
                case,
                actor=request.user,
                to=to,
                board=board,
                over_limit_reason=data["over_limit_reason"],
                seen_stage=seen,
            )
            _place_after_move(request.user, moved, board, data)
    except services.Conflict as conflict:
        return _board_answer(request, wants_json, 409, conflict.message, back)
    except PermissionDenied as refusal:
        return _board_answer(request, wants_json, 403, str(refusal) or str(_("You cannot move this case.")), back)
    except ValidationError as error:
        problems = error.message_dict if hasattr(error, "error_dict") else {"to": error.messages}
        message = " ".join(m for messages_ in problems.values() for m in messages_)
        if "over_limit_reason" in problems:
            if wants_json:
                return JsonResponse({"detail": message, "needs_reason": True}, status=400)
            form.add_error("over_limit_reason", problems["over_limit_reason"])
            context = {"case": case, "board": board, "form": form, "to_label": Stage(to).label}
            return render(request, "cases/board_move.html", context, status=400)
        return _board_answer(request, wants_json, 400, message, back)
    done = _("“%(title)s” moved to “%(stage)s”.") % {"title": moved.title, "stage": Stage(moved.stage).label}
    return _card_answer(request, wants_json, moved, done, back)


def _card_answer(request, wants_json: bool, case, done: str, back: str) -> HttpResponse:
    """A card moved or placed: the message, and for the script the moves it offers now."""
    card_moves = services.moves_for(request.user, case)
    return _board_answer(
        request,
        wants_json,
        200,
        done,
        back,
        stage=case.stage,
        moves=[[stage, str(Stage(stage).label)] for stage in card_moves],
        asks_more=[stage for stage in card_moves if board_module.needs_case_page(case.stage, stage)],
    )


def _place_after_move(user, moved, board, data: dict) -> None:
    """A card dragged into another column lands where it was dropped when it still can (the card
    it was dropped next to is still there); otherwise where the column's order puts it."""
    place = {name: data[name] for name in ("before", "after") if data.get(name)}
    if len(place) != 1:
        return
    try:
        with transaction.atomic():
            services.place_on_board(moved, actor=user, board=board, **place)
    except (services.Conflict, ValidationError):
        pass


def _board_place(request, case, board, back: str, wants_json: bool) -> HttpResponse:
    """A card's new place inside its column: "Move up", "Move down", or a drop between two cards."""
    form = BoardPlaceForm(request.POST)
    if not form.is_valid():
        problems = " ".join(str(e) for errors in form.errors.values() for e in errors)
        return _board_answer(request, wants_json, 400, problems, back)
    try:
        placed = services.place_on_board(
            case, actor=request.user, board=board, seen_stage=form.cleaned_data["seen_stage"], **form.place()
        )
    except services.Conflict as conflict:
        return _board_answer(request, wants_json, 409, conflict.message, back)
    except PermissionDenied as refusal:
        return _board_answer(request, wants_json, 403, str(refusal) or str(_("You cannot move this case.")), back)
    except ValidationError as error:
        return _board_answer(request, wants_json, 400, " ".join(error.messages), back)
    done = _("“%(title)s” has its new place in “%(stage)s”.") % {
        "title": placed.title,
        "stage": Stage(placed.stage).label,
    }
    return _card_answer(request, wants_json, placed, done, back)


def _limits_page(request: HttpRequest, board: board_module.Board) -> HttpResponse:
    if not board_module.may_set_limits(request.user, board):
        raise PermissionDenied(_("Only the coordinators, or the community's facilitators, set this board's limits."))
    form = BoardLimitsForm(request.POST or None, stages=board_module.OPEN_STAGES, initial=board_module.limits_of(board))
    if request.method == "POST" and form.is_valid():
        try:
            services.set_board_limits(board, actor=request.user, limits=form.limits())
        except ValidationError as error:
            add_form_errors(form, error)
        else:
            messages.success(request, _("The limits were saved."))
            return redirect(board.get_absolute_url())
    status = 400 if request.method == "POST" else 200
    return render(request, "cases/board_limits.html", {"board": board, "form": form}, status=status)


@login_required
def school_board_limits(request: HttpRequest, pk: int) -> HttpResponse:
    return _limits_page(request, board_module.school_board(request.user, pk))


@login_required
def community_board_limits(request: HttpRequest, pk: int) -> HttpResponse:
    return _limits_page(request, board_module.community_board(request.user, pk))
