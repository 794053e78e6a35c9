"""People: the directory, a person's page, and one's own profile editor."""

from __future__ import annotations

from allauth.account.decorators import reauthentication_required
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from halqa.orgs.models import School

from . import services
from .choices import Role, Subject
from .forms import ApiTokenForm, ProfileForm
from .queries import api_tokens_visible_to, people_visible_to, search_people, with_profile_data

PEOPLE_PER_PAGE = 24


def search_text(params, name: str, max_length: int) -> str:
    """A free-text parameter, trimmed (a NUL never gets here: halqa.core.input refuses it with 400)."""
    return params.get(name, "").strip()[:max_length]


def directory_filters(params) -> dict:
    """The directory's filters from a query string, ignoring values that are not ours."""
    school = params.get("school", "")
    return {
        "text": search_text(params, "q", 100),
        "subject": params.get("subject", "") if params.get("subject", "") in Subject.values else "",
        "role": params.get("role", "") if params.get("role", "") in Role.values else "",
        "expertise": search_text(params, "expertise", 60),
        # isdecimal, not isdigit: "²" is a digit that int() refuses.
        "school": int(school) if school.isdecimal() and len(school) < 12 else None,
    }


@login_required
def people(request: HttpRequest) -> HttpResponse:
    filters = directory_filters(request.GET)
    found = search_people(people_visible_to(request.user), viewer=request.user, **filters)
    page = Paginator(with_profile_data(found, request.user), PEOPLE_PER_PAGE).get_page(request.GET.get("page"))
    context = {
        "page": page,
        "filters": filters,
        "subjects": Subject.choices,
        "roles": Role.choices,
        "schools": School.objects.only("id", "name"),
    }
    template = "accounts/_people_results.html" if request.htmx else "accounts/people.html"
    return render(request, template, context)


@login_required
def person(request: HttpRequest, pk: int) -> HttpResponse:
    person = get_object_or_404(
        with_profile_data(people_visible_to(request.user), None if pk == request.user.pk else request.user), pk=pk
    )
    return render(request, "accounts/person.html", {"person": person, "is_self": person.pk == request.user.pk})


@login_required
def profile(request: HttpRequest) -> HttpResponse:
    return redirect("accounts:person", pk=request.user.pk)


@login_required
def profile_edit(request: HttpRequest) -> HttpResponse:
    user = request.user
    form = ProfileForm(request.POST or None, user=user)
    if request.method == "POST" and form.is_valid():
        data = dict(form.cleaned_data)
        services.update_profile(user, **data)
        messages.success(request, _("Your profile was saved."))
        response = redirect("accounts:person", pk=user.pk)
        from django.conf import settings

        response.set_cookie(
            settings.LANGUAGE_COOKIE_NAME,
            user.preferred_language,
            max_age=settings.LANGUAGE_COOKIE_AGE,
            samesite=settings.LANGUAGE_COOKIE_SAMESITE,
            secure=getattr(settings, "LANGUAGE_COOKIE_SECURE", False),
        )
        return response
    status = 400 if request.method == "POST" else 200
    return render(request, "accounts/profile_edit.html", {"form": form}, status=status)


def _security_page(request: HttpRequest, token_form: ApiTokenForm, status: int = 200) -> HttpResponse:
    from allauth.mfa.models import Authenticator

    has_totp = Authenticator.objects.filter(user=request.user, type=Authenticator.Type.TOTP).exists()
    context = {"has_totp": has_totp, "tokens": api_tokens_visible_to(request.user), "token_form": token_form}
    return render(request, "accounts/security.html", context, status=status)


@login_required
def security(request: HttpRequest) -> HttpResponse:
    """Password, two-factor authentication and API tokens in one place."""
    return _security_page(request, ApiTokenForm())


@login_required
@require_POST
@reauthentication_required
def api_token_create(request: HttpRequest) -> HttpResponse:
    """Make a token and show its key, once, on the answer to this request: the key is never stored,
    not even in the session. Asks for the password again first when the sign-in is not recent."""
    form = ApiTokenForm(request.POST)
    if form.is_valid():
        try:
            token, key = services.create_api_token(request.user, actor=request.user, **form.cleaned_data)
        except ValidationError as error:
            apply_errors(form, error)
        else:
            response = render(request, "accounts/token_created.html", {"token": token, "key": key})
            response["Cache-Control"] = "no-store"
            return response
    return _security_page(request, form, status=400)


@login_required
@require_POST
def api_token_revoke(request: HttpRequest, pk: int) -> HttpResponse:
    token = get_object_or_404(api_tokens_visible_to(request.user), pk=pk)
    services.revoke_api_token(token, actor=request.user)
    messages.success(
        request, _("The token “%(name)s” was revoked; it no longer works.") % {"name": token.name or token.prefix}
    )
    return redirect("accounts:security")


def apply_errors(form, error: ValidationError) -> None:
    """A service's ValidationError onto the form that sent the data."""
    if hasattr(error, "error_dict"):
        for field, messages_ in error.message_dict.items():
            form.add_error(field if field in form.fields else None, messages_)
    else:
        form.add_error(None, error.messages)
