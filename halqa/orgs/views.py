"""Schools, networks and invitations: thin views over queries.py and services.py."""

from __future__ import annotations

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from halqa.accounts.signals import INVITATION_SESSION_KEY
from halqa.accounts.views import search_text
from halqa.core import outbox

from . import services
from .access import CHANGE, INVITE, network_access, school_access
from .forms import HolidayForm, InvitationForm, NetworkForm, SchoolForm
from .models import Invitation
from .queries import (
    STAFF_PREVIEW,
    invitations_managed_by,
    networks_visible_to,
    school_members,
    schools_visible_to,
    with_school_detail,
)
from .tasks import INVITATION_EMAIL

PER_PAGE = 20


def add_form_errors(form, error: ValidationError) -> None:
    if hasattr(error, "error_dict"):
        for field, errors in error.message_dict.items():
            form.add_error(field if field in form.fields else None, errors)
    else:
        form.add_error(None, error.messages)


@login_required
def schools(request: HttpRequest) -> HttpResponse:
    query = search_text(request.GET, "q", 100)
    found = schools_visible_to(request.user)
    if query:
        found = found.filter(name__icontains=query)
    page = Paginator(found, PER_PAGE).get_page(request.GET.get("page"))
    return render(request, "orgs/schools.html", {"page": page, "query": query})


@login_required
def school(request: HttpRequest, pk: int) -> HttpResponse:
    school = get_object_or_404(with_school_detail(schools_visible_to(request.user)), pk=pk)
    members = school_members(school, request.user)
    context = {
        "school": school,
        "members": members[:STAFF_PREVIEW],
        "member_count": members.count(),
        "can": school_access.allowed(request.user, school),
    }
    return render(request, "orgs/school.html", context)


@login_required
def school_edit(request: HttpRequest, pk: int) -> HttpResponse:
    school = get_object_or_404(schools_visible_to(request.user), pk=pk)
    school_access.allowed(request.user, school).need(CHANGE)
    form = SchoolForm(request.POST or None, instance=school)
    if request.method == "POST" and form.is_valid():
        services.update_school(school, actor=request.user, **{f: form.cleaned_data[f] for f in services.SCHOOL_FIELDS})
        messages.success(request, _("The school was saved."))
        return redirect(school)
    status = 400 if request.method == "POST" else 200
    return render(
        request,
        "orgs/school_edit.html",
        {"school": school, "form": form, "cancel_url": school.get_absolute_url()},
        status=status,
    )


@login_required
def school_invitations(request: HttpRequest, pk: int) -> HttpResponse:
    school = get_object_or_404(schools_visible_to(request.user), pk=pk)
    school_access.allowed(request.user, school).need(INVITE)
    form = InvitationForm(request.POST or None)
    status = 200
    if request.method == "POST":
        if form.is_valid():
            try:
                invitation = services.invite(actor=request.user, school=school, **form.cleaned_data)
            except ValidationError as error:
                add_form_errors(form, error)
            else:
                messages.success(request, _("An invitation is on its way to %(email)s.") % {"email": invitation.email})
                return redirect("orgs:school_invitations", pk=school.pk)
        status = 400
    invitations = Paginator(
        Invitation.objects.filter(school=school)
        .select_related("invited_by", "accepted_by")
        .annotate(delivery_status=outbox.latest_status(INVITATION_EMAIL)),
        PER_PAGE,
    ).get_page(request.GET.get("page"))
    return render(
        request,
        "orgs/invitations.html",
        {
            "school": school,
            "form": form,
            "invitations": invitations,
            "invitation_days": settings.INVITATION_DAYS_VALID,
        },
        status=status,
    )


@login_required
def school_holidays(request: HttpRequest, pk: int) -> HttpResponse:
    """The school's working calendar: its weekend, and the holidays its leaders enter."""
    school = get_object_or_404(schools_visible_to(request.user), pk=pk)
    school_access.allowed(request.user, school).need(CHANGE)
    form = HolidayForm(request.POST or None)
    status = 200
    if request.method == "POST":
        if form.is_valid():
            try:
                services.add_holiday(school, actor=request.user, **form.cleaned_data)
            except ValidationError as error:
                add_form_errors(form, error)
            else:
                messages.success(request, _("The holiday was added."))
                return redirect("orgs:school_holidays", pk=school.pk)
        status = 400
    holidays = Paginator(school.holidays.order_by("-starts", "-id"), PER_PAGE).get_page(request.GET.get("page"))
    return render(request, "orgs/holidays.html", {"school": school, "form": form, "holidays": holidays}, status=status)


@login_required
@require_POST
def holiday_delete(request: HttpRequest, pk: int, holiday_pk: int) -> HttpResponse:
    school = get_object_or_404(schools_visible_to(request.user), pk=pk)
    school_access.allowed(request.user, school).need(CHANGE)
    holiday = get_object_or_404(school.holidays, pk=holiday_pk)
    services.remove_holiday(holiday, actor=request.user)
    messages.success(request, _("The holiday “%(name)s” was removed.") % {"name": holiday.name})
    return redirect("orgs:school_holidays", pk=school.pk)


def _invitation_action(request: HttpRequest, pk: int, invitation_pk: int, action, success: str) -> HttpResponse:
    """Withdraw or resend one invitation of a school: found among those the person manages (404 otherwise)."""
    school = get_object_or_404(schools_visible_to(request.user), pk=pk)
    invitation = get_object_or_404(invitations_managed_by(request.user), pk=invitation_pk, school=school)
    try:
        action(invitation, actor=request.user)
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    else:
        messages.success(request, success % {"email": invitation.email})
    return redirect("orgs:school_invitations", pk=school.pk)


@login_required
@require_POST
def invitation_revoke(request: HttpRequest, pk: int, invitation_pk: int) -> HttpResponse:
    return _invitation_action(
        request, pk, invitation_pk, services.revoke_invitation, _("The invitation to %(email)s was withdrawn.")
    )


@login_required
@require_POST
def invitation_resend(request: HttpRequest, pk: int, invitation_pk: int) -> HttpResponse:
    return _invitation_action(
        request, pk, invitation_pk, services.resend_invitation, _("The invitation is on its way to %(email)s again.")
    )


def invitation(request: HttpRequest, token: str) -> HttpResponse:
    """Where the emailed link lands: explain the invitation, then sign up or accept."""
    found = services.invitation_for_token(token)
    problem = services.invitation_problem(found)
    if problem:
        return render(request, "orgs/invitation.html", {"problem": problem}, status=410 if found else 404)
    if request.method == "POST" and request.user.is_authenticated:
        try:
            services.accept_invitation(found, user=request.user)
        except ValidationError as error:
            return render(
                request, "orgs/invitation.html", {"invitation": found, "problem": " ".join(error.messages)}, status=400
            )
        messages.success(request, _("Welcome to %(school)s!") % {"school": found.school.name})
        return redirect(found.school)
    if not request.user.is_authenticated:
        request.session[INVITATION_SESSION_KEY] = token
    from halqa.accounts.models import User

    has_account = User.objects.filter(email__iexact=found.email).exists()
    return render(request, "orgs/invitation.html", {"invitation": found, "has_account": has_account})


@login_required
def networks(request: HttpRequest) -> HttpResponse:
    page = Paginator(networks_visible_to(request.user), PER_PAGE).get_page(request.GET.get("page"))
    return render(request, "orgs/networks.html", {"page": page})


@login_required
def network(request: HttpRequest, pk: int) -> HttpResponse:
    network = get_object_or_404(networks_visible_to(request.user), pk=pk)
    schools = schools_visible_to(request.user).filter(networks=network)
    context = {
        "network": network,
        "schools": schools,
        "can": network_access.allowed(request.user, network),
    }
    return render(request, "orgs/network.html", context)


@login_required
def network_edit(request: HttpRequest, pk: int) -> HttpResponse:
    network = get_object_or_404(networks_visible_to(request.user), pk=pk)
    network_access.allowed(request.user, network).need(CHANGE)
    form = NetworkForm(request.POST or None, instance=network)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            services.update_network(
                network,
                actor=request.user,
                schools=list(data["schools"]),
                name=data["name"],
                description=data["description"],
            )
        except ValidationError as error:
            add_form_errors(form, error)
        else:
            messages.success(request, _("The network was saved."))
            return redirect(network)
    status = 400 if request.method == "POST" else 200
    return render(
        request,
        "orgs/network_edit.html",
        {"network": network, "form": form, "cancel_url": network.get_absolute_url()},
        status=status,
    )
