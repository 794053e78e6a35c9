"""Request bodies have a size limit of the application's own, not only the proxy's.

`RequestBodyLimitMiddleware` refuses a request whose declared Content-Length is above the limit
before anything reads the body: MAX_REQUEST_BYTES for a multipart upload (a discussion post with its
largest attachments fits), DATA_UPLOAD_MAX_MEMORY_SIZE for every other body. Django applies the
latter to forms itself, but the API's JSON parser reads the stream directly, so without this a JSON
body could be as large as the proxy allowed. What Django refuses while reading (RequestDataTooBig,
TooManyFilesSent) answers the same 413 (halqa.api.errors).
"""

from __future__ import annotations

from django.conf import settings
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.template.defaultfilters import filesizeformat
from django.template.loader import render_to_string
from django.utils import translation
from django.utils.translation import gettext as _

API_PREFIX = "/api/"


def body_limit(request: HttpRequest) -> int:
    if request.META.get("CONTENT_TYPE", "").lower().startswith("multipart/form-data"):
        return settings.MAX_REQUEST_BYTES
    return settings.DATA_UPLOAD_MAX_MEMORY_SIZE or settings.MAX_REQUEST_BYTES


def declared_length(request: HttpRequest) -> int:
    try:
        return max(int(request.META.get("CONTENT_LENGTH") or 0), 0)
    except ValueError:
        return 0


def too_large_message(limit: int | None = None, *, too_many_files: bool = False) -> str:
    if too_many_files:
        return _("This request holds more files than Halqa accepts at once. Send fewer files and try again.")
    if limit is None:
        return _("This request is larger than Halqa accepts. Send less, or smaller files, and try again.")
    return _(
        "This request is larger than Halqa accepts (at most %(size)s). Send less, or smaller files, and try again."
    ) % {"size": filesizeformat(limit)}


def too_large_response(request: HttpRequest, message: str) -> HttpResponse:
    """413 with the message: the API's JSON error under /api/, a small page otherwise. The page needs
    no session or user, so it can be rendered before they are read."""
    if request.path_info.startswith(API_PREFIX):
        response = JsonResponse({"detail": message}, status=413)
    else:
        response = HttpResponse(render_to_string("413.html", {"message": message}), status=413)
    response["Content-Language"] = translation.get_language()
    return response


class RequestBodyLimitMiddleware:
    """Place before anything that reads the body (HostileInputMiddleware reads forms)."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        limit = body_limit(request)
        if declared_length(request) > limit:
            # LocaleMiddleware has not run yet: speak the language it will choose.
            with translation.override(translation.get_language_from_request(request)):
                return too_large_response(request, too_large_message(limit))
        return self.get_response(request)
