"""Community pages: thin views over queries.py (reading), rules.py (may I?) and services.py (writing)."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from halqa.accounts.queries import people_visible_to
from halqa.cases.board import may_open_community_board
from halqa.orgs.views import add_form_errors

from . import queries, rules, services
from .access import community_access, memberships_of, networks_for_new_community, schools_for_new_community
from .forms import (
    ActivityForm,
    AnswerForm,
    CharterForm,
    CommunityForm,
    DecisionForm,
    GoalForm,
    InviteForm,
    JoinForm,
    MyPartForm,
    ProgressForm,
    RoleForm,
    VerifyForm,
)
from .models import Community, Decision, DecisionStatus, Format, Membership, Role, Status

PER_PAGE = 20


class Page:
    """The community a request is about (404 if the person may not know it exists), what they may
    do there (`can`, from the access layer) and their membership."""

    def __init__(self, request: HttpRequest, pk: int):
        self.community, self.can = community_access.get(request.user, pk, queries.communities_visible_to(request.user))
        self.membership = memberships_of(request.user).get(self.community.pk)

    def need(self, action: str) -> None:
        """403 with the policy's sentence for `action` unless the person may take it."""
        self.can.need(action)

    def context(self, **extra) -> dict:
        return {"community": self.community, "can": self.can, "membership": self.membership, **extra}


def _form_page(request, template: str, context: dict, *, status: int | None = None) -> HttpResponse:
    if status is None:
        status = 400 if request.method == "POST" else 200
    return render(request, template, context, status=status)


# --- Lists and the community page ------------------------------------------------------------


@login_required
def community_list(request: HttpRequest) -> HttpResponse:
    text = request.GET.get("q", "").strip()[:100]
    format = request.GET.get("format", "")
    format = format if format in Format.values else ""
    found = queries.community_list(request.user, text=text, format=format)
    page = Paginator(found, PER_PAGE).get_page(request.GET.get("page"))
    context = {
        "page": page,
        "text": text,
        "format": format,
        "formats": Format.choices,
        "mine": queries.my_communities(request.user),
        "invitations": queries.my_invitations(request.user),
        "can_create": schools_for_new_community(request.user).exists()
        or networks_for_new_community(request.user).exists(),
    }
    return render(request, "communities/list.html", context)


@login_required
def community_new(request: HttpRequest) -> HttpResponse:
    schools = list(schools_for_new_community(request.user))
    networks = list(networks_for_new_community(request.user))
    if not schools and not networks:
        raise PermissionDenied(_("Only the staff of a school or a network's supervisor can create a community."))
    form = CommunityForm(request.POST or None, schools=schools, networks=networks)
    charter = CharterForm(request.POST or None, prefix="charter")
    if request.method == "POST" and form.is_valid() and charter.is_valid():
        fields = {name: form.cleaned_data[name] for name in services.COMMUNITY_FIELDS}
        charter_fields = {name: charter.cleaned_data[name] for name in services.CHARTER_FIELDS}
        try:
            community = services.create_community(
                actor=request.user,
                charter=charter_fields if any(charter_fields.values()) else None,
                **form.home_kwargs(),
                **fields,
            )
        except ValidationError as error:
            add_form_errors(form, error)
        else:
            messages.success(request, _("The community was created. You are its facilitator."))
            return redirect(community)
    return _form_page(request, "communities/new.html", {"form": form, "charter": charter})


@login_required
def community_detail(request: HttpRequest, pk: int) -> HttpResponse:
    page = Page(request, pk)
    overview = queries.Overview(request.user, page.community, page.can, page.membership)
    context = page.context(
        overview=overview,
        join_form=JoinForm(),
        answer_form=AnswerForm(),
        progress_form=ProgressForm(),
        may_open_board=may_open_community_board(request.user, page.community),
    )
    return render(request, "communities/detail.html", context)


@login_required
def community_edit(request: HttpRequest, pk: int) -> HttpResponse:
    page = Page(request, pk)
    page.need(rules.EDIT_CHARTER)
    form = CommunityForm(request.POST or None, instance=page.community)
    if request.method == "POST" and form.is_valid():
        fields = {name: form.cleaned_data[name] for name in services.COMMUNITY_FIELDS}
        community = Community.objects.get(pk=page.community.pk)
        services.update_community(community, actor=request.user, **fields)
        messages.success(request, _("The community was saved."))
        return redirect(community)
    return _form_page(request, "communities/form.html", page.context(form=form, title=_("Community settings")))


# --- Charter ------------------------------------------------------------------------------------


@login_required
def charter_edit(request: HttpRequest, pk: int) -> HttpResponse:
    page = Page(request, pk)
    page.need(rules.EDIT_CHARTER)
    current = queries.current_charter(page.community)
    initial = {name: getattr(current, name) for name in services.CHARTER_FIELDS} if current else {}
    form = CharterForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            services.update_charter(
                page.community,
                actor=request.user,
                note=form.cleaned_data["note"],
                **{name: form.cleaned_data[name] for name in services.CHARTER_FIELDS},
            )
        except ValidationError as error:
            add_form_errors(form, error)
        else:
            messages.success(request, _("The charter was saved. Earlier versions stay in its history."))
            return redirect(page.community)
    return _form_page(request, "communities/form.html", page.context(form=form, title=_("Edit the charter")))


@login_required
def charter_history(request: HttpRequest, pk: int) -> HttpResponse:
    page = Page(request, pk)
    revisions = Paginator(page.community.charter_revisions.select_related("edited_by"), PER_PAGE)
    return render(
        request, "communities/charter_history.html", page.context(page=revisions.get_page(request.GET.get("page")))
    )


# --- Goals ---------------------------------------------------------------------------------------


@login_required
def goal_new(request: HttpRequest, pk: int) -> HttpResponse:
    page = Page(request, pk)
    page.need(rules.MANAGE_GOALS)
    form = GoalForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        services.add_goal(page.community, actor=request.user, **form.cleaned_data)
        messages.success(request, _("The goal was added."))
        return redirect(page.community)
    return _form_page(request, "communities/form.html", page.context(form=form, title=_("New goal")))


@login_required
def goal_edit(request: HttpRequest, pk: int, goal_pk: int) -> HttpResponse:
    page = Page(request, pk)
    page.need(rules.MANAGE_GOALS)
    goal = get_object_or_404(page.community.goals, pk=goal_pk)
    form = GoalForm(request.POST or None, instance=goal)
    if request.method == "POST" and form.is_valid():
        services.update_goal(goal, actor=request.user, **form.cleaned_data)
        messages.success(request, _("The goal was saved."))
        return redirect(page.community)
    return _form_page(request, "communities/form.html", page.context(form=form, title=_("Edit goal")))


@login_required
@require_POST
def goal_delete(request: HttpRequest, pk: int, goal_pk: int) -> HttpResponse:
    page = Page(request, pk)
    goal = get_object_or_404(page.community.goals, pk=goal_pk)
    services.delete_goal(goal, actor=request.user)
    messages.success(request, _("The goal was removed."))
    return redirect(page.community)


@login_required
@require_POST
def goal_progress(request: HttpRequest, pk: int, goal_pk: int) -> HttpResponse:
    page = Page(request, pk)
    goal = get_object_or_404(page.community.goals, pk=goal_pk)
    page.need(rules.UPDATE_PROGRESS)
    form = ProgressForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("Progress is a whole number from 0 to 100."))
        return redirect(page.community.get_absolute_url() + "#goals")
    services.record_progress(goal, actor=request.user, **form.cleaned_data)
    messages.success(request, _("Progress saved."))
    return redirect(page.community.get_absolute_url() + "#goals")


# --- Members ---------------------------------------------------------------------------------------


@login_required
def members(request: HttpRequest, pk: int) -> HttpResponse:
    page = Page(request, pk)
    page.need(rules.VIEW_MEMBERS)
    form = InviteForm(request.POST or None)
    if request.method == "POST":
        page.need(rules.MANAGE_MEMBERS)
        if form.is_valid():
            person = people_visible_to(request.user).filter(email__iexact=form.cleaned_data["email"]).first()
            if person is None:
                form.add_error(
                    "email",
                    _(
                        "No one you can see on Halqa uses this address. A school's principal can invite them to Halqa first."
                    ),
                )
            else:
                try:
                    services.invite_member(
                        page.community,
                        actor=request.user,
                        person=person,
                        role=form.cleaned_data["role"],
                        message=form.cleaned_data["message"],
                    )
                except ValidationError as error:
                    add_form_errors(form, error)
                except services.Conflict as conflict:
                    form.add_error(None, conflict.message)
                else:
                    messages.success(request, _("%(name)s was invited.") % {"name": person})
                    return redirect("communities:members", pk=pk)
    active = Paginator(queries.community_members(request.user, page.community, page.can), 50).get_page(
        request.GET.get("page")
    )
    context = page.context(
        page=active,
        pending=queries.pending_members(page.community) if rules.MANAGE_MEMBERS in page.can else [],
        form=form,
        role_choices=Role.choices,
        my_part=MyPartForm(
            initial={"role": page.membership.role, "activity": page.membership.activity} if page.membership else None
        ),
    )
    return _form_page(request, "communities/members.html", context)


def _membership(request: HttpRequest, page: Page, membership_pk: int) -> Membership:
    """A membership the person may see (404 otherwise, so ids cannot be probed): a listed member, or
    for those who manage members also an invitation or a request to join."""
    return get_object_or_404(queries.manageable_members(request.user, page.community, page.can), pk=membership_pk)


def _act(request, page: Page, action, success: str, *, anchor: str = "members") -> HttpResponse:
    try:
        action()
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    except services.Conflict as conflict:
        messages.error(request, conflict.message)
    else:
        messages.success(request, success)
    if anchor == "members" and rules.VIEW_MEMBERS in page.can:
        return redirect("communities:members", pk=page.community.pk)
    return redirect(page.community)


@login_required
@require_POST
def member_role(request: HttpRequest, pk: int, membership_pk: int) -> HttpResponse:
    page = Page(request, pk)
    membership = _membership(request, page, membership_pk)
    form = RoleForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("Choose one of the roles."))
        return redirect("communities:members", pk=pk)
    return _act(
        request,
        page,
        lambda: services.change_role(membership, actor=request.user, role=form.cleaned_data["role"]),
        _("The role of %(name)s was changed.") % {"name": membership.user},
    )


# What the buttons of a member's line do: the service, and what the facilitator is told after.
MEMBER_ACTIONS = {
    "remove": (services.remove_member, gettext_lazy("%(name)s was removed from the community.")),
    "accept": (services.accept_request, gettext_lazy("%(name)s joined the community.")),
    "decline": (services.decline_request, gettext_lazy("The request of %(name)s was declined.")),
}


@login_required
@require_POST
def member_action(request: HttpRequest, pk: int, membership_pk: int, action: str) -> HttpResponse:
    page = Page(request, pk)
    membership = _membership(request, page, membership_pk)
    service, success = MEMBER_ACTIONS[action]
    return _act(request, page, lambda: service(membership, actor=request.user), success % {"name": membership.user})


@login_required
@require_POST
def join(request: HttpRequest, pk: int) -> HttpResponse:
    page = Page(request, pk)
    page.need(rules.REQUEST_TO_JOIN)
    form = JoinForm(request.POST)
    message = form.cleaned_data["message"] if form.is_valid() else ""
    return _act(
        request,
        page,
        lambda: services.request_to_join(page.community, actor=request.user, message=message),
        _("Your request was sent to the facilitators."),
        anchor="page",
    )


@login_required
@require_POST
def leave(request: HttpRequest, pk: int) -> HttpResponse:
    page = Page(request, pk)
    page.need(rules.LEAVE)
    return _act(
        request,
        page,
        lambda: services.leave(page.community, actor=request.user),
        _("You left the community."),
        anchor="page",
    )


@login_required
@require_POST
def answer(request: HttpRequest, pk: int) -> HttpResponse:
    page = Page(request, pk)
    if page.membership is None or page.membership.status != Status.INVITED:
        raise PermissionDenied(_("There is no invitation for you to answer."))
    form = AnswerForm(request.POST)
    form.is_valid()
    accept = request.POST.get("answer") == "accept"
    return _act(
        request,
        page,
        lambda: services.answer_invitation(
            page.membership, actor=request.user, accept=accept, activity=form.cleaned_data.get("activity", "")
        ),
        _("Welcome to the community!") if accept else _("You declined the invitation."),
        anchor="page",
    )


@login_required
@require_POST
def my_part(request: HttpRequest, pk: int) -> HttpResponse:
    page = Page(request, pk)
    if page.membership is None or page.membership.status != Status.ACTIVE:
        raise PermissionDenied(_("You are not a member of this community."))
    form = MyPartForm(request.POST)
    if not form.is_valid():
        messages.error(request, " ".join(e for errors in form.errors.values() for e in errors))
        return redirect("communities:members", pk=pk)
    role = form.cleaned_data["role"] if page.membership.role != Role.FACILITATOR else None
    return _act(
        request,
        page,
        lambda: services.set_activity(
            page.community, actor=request.user, activity=form.cleaned_data["activity"], role=role
        ),
        _("Your part in the community was saved."),
    )


# --- Work program ----------------------------------------------------------------------------------


@login_required
def program(request: HttpRequest, pk: int) -> HttpResponse:
    page = Page(request, pk)
    page.need(rules.VIEW_PROGRAM)
    form = ActivityForm(request.POST or None, community=page.community)
    if request.method == "POST":
        page.need(rules.MANAGE_PROGRAM)
        if form.is_valid():
            try:
                services.add_activity(page.community, actor=request.user, **form.cleaned_data)
            except ValidationError as error:
                add_form_errors(form, error)
            else:
                messages.success(request, _("The activity was added to the work program."))
                return redirect("communities:program", pk=pk)
    items = Paginator(queries.program(page.community), 50).get_page(request.GET.get("page"))
    return _form_page(
        request, "communities/program.html", page.context(page=items, form=form, today=timezone.localdate())
    )


@login_required
def activity_edit(request: HttpRequest, pk: int, activity_pk: int) -> HttpResponse:
    page = Page(request, pk)
    page.need(rules.MANAGE_PROGRAM)
    activity = get_object_or_404(page.community.activities, pk=activity_pk)
    form = ActivityForm(request.POST or None, instance=activity, community=page.community)
    if request.method == "POST" and form.is_valid():
        try:
            services.update_activity(activity, actor=request.user, **form.cleaned_data)
        except ValidationError as error:
            add_form_errors(form, error)
        else:
            messages.success(request, _("The activity was saved."))
            return redirect("communities:program", pk=pk)
    return _form_page(request, "communities/form.html", page.context(form=form, title=_("Edit activity")))


@login_required
@require_POST
def activity_delete(request: HttpRequest, pk: int, activity_pk: int) -> HttpResponse:
    page = Page(request, pk)
    activity = get_object_or_404(page.community.activities, pk=activity_pk)
    services.delete_activity(activity, actor=request.user)
    messages.success(request, _("The activity was removed."))
    return redirect("communities:program", pk=pk)


# --- Decisions ---------------------------------------------------------------------------------------


@login_required
def decisions(request: HttpRequest, pk: int) -> HttpResponse:
    page = Page(request, pk)
    page.need(rules.VIEW_DECISIONS)
    community = page.community
    initial = {"topic": community.topic, "goals_text": "\n".join(g.title for g in community.goals.all())}
    form = DecisionForm(request.POST or None, initial=initial)
    if request.method == "POST":
        page.need(rules.DRAFT_DECISION)
        if form.is_valid():
            try:
                decision = services.draft_decision(community, actor=request.user, **form.cleaned_data)
            except ValidationError as error:
                add_form_errors(form, error)
            else:
                messages.success(request, _("The draft decision was saved. The principal can now sign it."))
                return redirect(decision)
    listing = Paginator(community.decisions.select_related("signed_by"), PER_PAGE).get_page(request.GET.get("page"))
    return _form_page(request, "communities/decisions.html", page.context(page=listing, form=form))


def _decision(page: Page, decision_pk: int) -> Decision:
    page.need(rules.VIEW_DECISIONS)
    return get_object_or_404(
        page.community.decisions.select_related("signed_by", "drafted_by", "supersedes"), pk=decision_pk
    )


@login_required
def decision_detail(request: HttpRequest, pk: int, decision_pk: int) -> HttpResponse:
    page = Page(request, pk)
    decision = _decision(page, decision_pk)
    fingerprint = None
    if decision.status == DecisionStatus.DRAFT:
        # A draft shows what signing it would sign now, and the sign form carries its fingerprint.
        decision.members = services.members_snapshot(page.community)
        fingerprint = services.decision_fingerprint(decision, decision.members)
    return render(
        request,
        "communities/decision.html",
        page.context(decision=decision, role_labels=dict(Role.choices), fingerprint=fingerprint),
    )


@login_required
def decision_edit(request: HttpRequest, pk: int, decision_pk: int) -> HttpResponse:
    page = Page(request, pk)
    decision = _decision(page, decision_pk)
    page.need(rules.DRAFT_DECISION)
    if decision.status != DecisionStatus.DRAFT:
        messages.error(request, _("A signed decision cannot be changed. Draft a new one to replace it."))
        return redirect(decision)
    form = DecisionForm(request.POST or None, instance=decision)
    if request.method == "POST" and form.is_valid():
        try:
            services.update_decision(decision, actor=request.user, **form.cleaned_data)
        except ValidationError as error:
            add_form_errors(form, error)
        else:
            messages.success(request, _("The draft was saved."))
            return redirect(decision)
    return _form_page(request, "communities/form.html", page.context(form=form, title=_("Edit the draft decision")))


@login_required
@require_POST
def decision_sign(request: HttpRequest, pk: int, decision_pk: int) -> HttpResponse:
    page = Page(request, pk)
    decision = _decision(page, decision_pk)
    try:
        signed = services.sign_decision(decision, actor=request.user, fingerprint=request.POST.get("fingerprint", ""))
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
        return redirect(decision)
    except services.Conflict as conflict:
        messages.error(request, conflict.message)
        return redirect(decision)
    messages.success(
        request, _("The decision is signed. Verification code: %(code)s") % {"code": signed.verification_code}
    )
    return redirect(signed)


@login_required
@require_POST
def decision_delete(request: HttpRequest, pk: int, decision_pk: int) -> HttpResponse:
    page = Page(request, pk)
    decision = _decision(page, decision_pk)
    try:
        services.delete_draft(decision, actor=request.user)
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
        return redirect(decision)
    messages.success(request, _("The draft was deleted."))
    return redirect("communities:decisions", pk=pk)


def verify(request: HttpRequest, code: str | None = None) -> HttpResponse:
    """Public: anyone holding a decision's code can check that it is real and still in force."""
    if code is None and "code" in request.GET:
        form = VerifyForm(request.GET)
        if form.is_valid():
            return redirect("verify_code", code=form.cleaned_data["code"].strip().upper())
        return render(request, "communities/verify.html", {"form": form}, status=400)
    if code is None:
        return render(request, "communities/verify.html", {"form": VerifyForm()})
    decision = services.find_signed_decision(code)
    status = 200 if decision else 404
    return render(
        request,
        "communities/verify.html",
        {
            "form": VerifyForm(initial={"code": code}),
            "decision": decision,
            "code": code,
            "role_labels": dict(Role.choices),
        },
        status=status,
    )
