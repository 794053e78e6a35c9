"""Errors: under /api/ every error is the API's JSON `{"detail": ...}`; pages keep their HTML pages.

DRF answers the errors its views raise. What happens outside a DRF view (a URL no route matches, a
Host header we do not serve, a failed CSRF check, an exception that escapes a view, a body too large)
reaches Django's handlers, which are set here (halqa/urls.py and CSRF_FAILURE_VIEW) and answer JSON
for an API path. Also here: a service's ValidationError becomes a 400 with the same translated
messages, a refused API token a 401 with its challenge, throttling a translated 429 with Retry-After,
and a body Django refuses to read (RequestDataTooBig, TooManyFilesSent) a 413.
"""

from django.core.exceptions import RequestDataTooBig, TooManyFilesSent
from django.core.exceptions import ValidationError as DjangoValidationError
from django.http import JsonResponse
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views import csrf, defaults
from rest_framework import exceptions, status
from rest_framework.views import exception_handler as drf_exception_handler

from .authentication import TokenRefused
from .limits import body_limit, too_large_message, too_large_response

API_PREFIX = "/api/"


def is_api(request) -> bool:
    return request is not None and request.path_info.startswith(API_PREFIX)


def json_error(message, status_code: int) -> JsonResponse:
    return JsonResponse({"detail": str(message)}, status=status_code)


def throttled_message(wait: int | None) -> str:
    if not wait:
        return _("Too many requests. Please wait a moment and try again.")
    return ngettext(
        "Too many requests. Please wait %(seconds)d second and try again.",
        "Too many requests. Please wait %(seconds)d seconds and try again.",
        wait,
    ) % {"seconds": wait}


def too_large(request, exception) -> JsonResponse:
    if isinstance(exception, TooManyFilesSent):
        return too_large_response(request, too_large_message(too_many_files=True))
    return too_large_response(request, too_large_message(body_limit(request)))


def exception_handler(exc, context):
    if isinstance(exc, DjangoValidationError):
        if hasattr(exc, "error_dict"):
            exc = exceptions.ValidationError(exc.message_dict)
        else:
            exc = exceptions.ValidationError({"non_field_errors": exc.messages})
    elif isinstance(exc, TokenRefused):
        # DRF made it a 403 because the first authentication class (the session's) has no challenge.
        exc.status_code = status.HTTP_401_UNAUTHORIZED
        exc.auth_header = TokenRefused.auth_header
    elif isinstance(exc, exceptions.Throttled):
        exc.detail = exceptions.ErrorDetail(throttled_message(exc.wait), code="throttled")
    elif isinstance(exc, (RequestDataTooBig, TooManyFilesSent)):
        return too_large(context["request"], exc)
    return drf_exception_handler(exc, context)


# --- Django's handlers (halqa/urls.py, settings.CSRF_FAILURE_VIEW) ---------------------------------


def bad_request(request, exception):
    """handler400: a body too large or with too many files is a 413, not a 400; under /api/, JSON."""
    if isinstance(exception, (RequestDataTooBig, TooManyFilesSent)):
        return too_large(request, exception)
    if is_api(request):
        return json_error(_("The request could not be understood."), 400)
    return defaults.bad_request(request, exception)


def permission_denied(request, exception):
    if is_api(request):
        detail = str(exception) if exception and str(exception) else exceptions.PermissionDenied.default_detail
        return json_error(detail, 403)
    return defaults.permission_denied(request, exception)


def page_not_found(request, exception):
    """handler404: an API client gets the API's JSON error, not the HTML page, for a URL no route
    matches (such as /api/v1/schools/1.5/, which the router's `[^/.]+` never sends to the view)."""
    if is_api(request):
        return json_error(exceptions.NotFound.default_detail, 404)
    return defaults.page_not_found(request, exception)


def server_error(request):
    if is_api(request):
        return json_error(
            _("Something went wrong on our side. The error was recorded; please try again in a moment."), 500
        )
    return defaults.server_error(request)


def csrf_failure(request, reason=""):
    if is_api(request):
        return json_error(
            _("The request was refused: its CSRF token is missing or wrong. Reload the page and try again."), 403
        )
    return csrf.csrf_failure(request, reason)
