"""Per-request account rules: language and time zone, idle sessions, required two-factor enrolment."""

import time
import zoneinfo

from django.conf import settings
from django.contrib import auth, messages
from django.http import HttpResponseRedirect, JsonResponse
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.http import urlencode
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from . import mfa_policy

API_PREFIX = "/api/"


class UserPreferencesMiddleware:
    """Signed-in people see the site in their own language and time zone, on every page."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        user = getattr(request, "user", None)
        if user is not None and user.is_authenticated:
            if user.preferred_language and translation.check_for_language(user.preferred_language):
                translation.activate(user.preferred_language)
                request.LANGUAGE_CODE = user.preferred_language
            try:
                timezone.activate(zoneinfo.ZoneInfo(user.time_zone))
            except (zoneinfo.ZoneInfoNotFoundError, ValueError):
                timezone.deactivate()
        else:
            timezone.deactivate()
        return self.get_response(request)


def redirect_page(request, url: str):
    """A redirect a browser follows; htmx is told to load the whole page instead of a fragment."""
    if getattr(request, "htmx", False):
        from django_htmx.http import HttpResponseClientRedirect

        return HttpResponseClientRedirect(url)
    return HttpResponseRedirect(url)


class SessionIdleTimeoutMiddleware:
    """A signed-in session ends after SESSION_IDLE_MINUTES without a request, and SESSION_MAX_HOURS
    after the sign-in however active it is (the first signed-in request records the start).

    The time of the last request is kept in the session, rounded to REFRESH_SECONDS, so an active
    person costs one session write a minute, not one per request. An expired session is signed out
    and sent to the sign-in page with a message (an API call simply continues signed out).
    """

    SESSION_KEY = "halqa_last_seen"
    STARTED_KEY = "halqa_signed_in_at"
    REFRESH_SECONDS = 60

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        return self.expire(request) or self.get_response(request)

    def expire(self, request):
        minutes = getattr(settings, "SESSION_IDLE_MINUTES", 0)
        max_hours = getattr(settings, "SESSION_MAX_HOURS", 0)
        session = getattr(request, "session", None)
        if not (minutes or max_hours) or session is None or not request.user.is_authenticated:
            return None
        now = int(time.time())
        seen = session.get(self.SESSION_KEY)
        if not isinstance(seen, int) or seen > now:
            seen = None
        started = session.get(self.STARTED_KEY)
        if not isinstance(started, int) or started > now:
            started = None
        idle = bool(minutes) and seen is not None and now - seen > minutes * 60
        too_old = bool(max_hours) and started is not None and now - started > max_hours * 3600
        if idle or too_old:
            auth.logout(request)
            if request.path_info.startswith(API_PREFIX):
                return None
            if idle:
                message = _(
                    "You were signed out because you had been inactive for too long. Sign in again to continue."
                )
            else:
                message = ngettext(
                    "For your safety, a sign-in lasts at most %(hours)d hour. Sign in again to continue.",
                    "For your safety, a sign-in lasts at most %(hours)d hours. Sign in again to continue.",
                    max_hours,
                ) % {"hours": max_hours}
            messages.info(request, message)
            url = reverse(settings.LOGIN_URL)
            if request.method == "GET" and request.path != url:
                url = f"{url}?{urlencode({auth.REDIRECT_FIELD_NAME: request.get_full_path()})}"
            return redirect_page(request, url)
        if started is None:
            session[self.STARTED_KEY] = now
        if seen is None or now - seen >= self.REFRESH_SECONDS:
            session[self.SESSION_KEY] = now
        return None


class TwoFactorRequiredMiddleware:
    """People whose role requires two-factor authentication enrol before anything else.

    Until they have a TOTP authenticator, every page sends them to the enrolment page and every API
    call answers 403; only what enrolling needs stays open (see OPEN_VIEWS).
    """

    ENROL_VIEW = "mfa_activate_totp"
    OPEN_VIEWS = frozenset(
        {
            ENROL_VIEW,
            "account_reauthenticate",  # allauth asks for the password before showing the QR code
            "mfa_reauthenticate",
            # allauth refuses a second factor while an address is unconfirmed and sends the person
            # to the two-factor overview with that message: they must be able to confirm or remove it.
            "mfa_index",
            "account_email",
            "account_email_verification_sent",
            "account_confirm_email",
            "account_logout",
            "admin:logout",
            "set_language",
            "healthz",
        }
    )

    def __init__(self, get_response):
        self.get_response = get_response
        if mfa_policy.is_enforced():
            mfa_policy.required_roles()  # a misconfigured list stops the server from starting

    def __call__(self, request):
        return self.get_response(request)

    def process_view(self, request, view_func, view_args, view_kwargs):
        if not mfa_policy.is_enforced() or not request.user.is_authenticated:
            return None
        match = request.resolver_match
        if (match is not None and match.view_name in self.OPEN_VIEWS) or request.path_info.startswith(
            settings.STATIC_URL
        ):
            return None
        if not mfa_policy.needs_enrolment(request.user):
            return None
        message = str(mfa_policy.REQUIRED_MESSAGE)
        if request.path_info.startswith(API_PREFIX):
            return JsonResponse({"detail": message, "code": "two_factor_required"}, status=403)
        messages.warning(request, message)
        return redirect_page(request, reverse(self.ENROL_VIEW))
