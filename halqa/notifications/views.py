"""The notification pages: the list (newest first, mark read), and the choice of channels."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from . import queries, services
from .access import MARK_READ, notification_access
from .forms import PreferencesForm
from .models import Kind

PER_PAGE = 25


def _back(request: HttpRequest) -> str:
    """Where a button sends the reader back to: the page it was on (same site only), else the list."""
    target = request.POST.get("next", "")
    if target and url_has_allowed_host_and_scheme(target, {request.get_host()}, require_https=request.is_secure()):
        return target
    return reverse("notifications:list")


@login_required
def notification_list(request: HttpRequest) -> HttpResponse:
    unread_only = request.GET.get("unread") in ("1", "true")
    rows = queries.notifications_of(request.user, unread=unread_only)
    page = Paginator(rows, PER_PAGE).get_page(request.GET.get("page"))
    return render(
        request,
        "notifications/list.html",
        {"page": page, "items": queries.items(page.object_list, request.user), "unread_only": unread_only},
    )


@login_required
@require_POST
def mark_read(request: HttpRequest, pk: int) -> HttpResponse:
    notification, can = notification_access.get(request.user, pk)
    can.need(MARK_READ)
    services.mark_read(notification, reader=request.user)
    return redirect(_back(request))


@login_required
@require_POST
def mark_all_read(request: HttpRequest) -> HttpResponse:
    count = services.mark_all_read(request.user)
    if count:
        messages.success(request, _("All your notifications are marked read."))
    return redirect(_back(request))


@login_required
def preferences(request: HttpRequest) -> HttpResponse:
    form = PreferencesForm(request.POST or None, initial=services.channels_of(request.user))
    if request.method == "POST":
        if form.is_valid():
            services.set_preferences(request.user, {kind: form.cleaned_data[kind] for kind in Kind.values})
            messages.success(request, _("Your notification settings are saved."))
            return redirect("notifications:settings")
        return render(request, "notifications/settings.html", {"form": form}, status=400)
    return render(request, "notifications/settings.html", {"form": form})
