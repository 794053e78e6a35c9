"""Input hygiene: text that is not text is refused where it enters, for every page, form and endpoint.

Two kinds of characters reach Python as `str` but cannot go further:

- NUL (U+0000): PostgreSQL refuses it in any query ("text fields cannot contain NUL"), so a NUL in a
  search box, a URL or a form answered 500 on PostgreSQL and passed on SQLite.
- A lone surrogate (U+D800–U+DFFF): JSON may spell one as an escape ("\\ud800") although it is no
  character; Python keeps it, a validation message echoes it, and the response cannot be encoded.

Rather than patching each field and view, `HostileInputMiddleware` looks at the path and the query
string of every request and at the fields (not the files) of a page's form, and the API's parsers
(DRF's own, set as its defaults) at every body they read, JSON keys included. Either answers 400
with a translated sentence: JSON under /api/ (`{"detail": ...}`), a small page otherwise.

Lone surrogates cannot come from a path, a query string or a form: those arrive as bytes, and Django
decodes them as UTF-8 (a path keeps undecodable bytes percent-encoded, so it names nothing). A query
string or a form body that is not UTF-8 (%ED%A0%80 is how a lone surrogate would look, %FF is no
text at all) would be read with replacement characters; it is refused instead. Multipart form fields
are decoded by Django alone (with replacement characters); they are checked for NUL.

A cookie holding a NUL is dropped (the session cookie would otherwise be looked up on PostgreSQL);
refusing it would lock that browser out of every page until its cookies were cleared.
"""

from __future__ import annotations

import html
from collections.abc import Iterable
from functools import partial
from urllib.parse import unquote_to_bytes

from django.http import HttpRequest, HttpResponse, JsonResponse, QueryDict, multipartparser
from django.template.loader import render_to_string
from django.utils import translation
from django.utils.datastructures import ImmutableList
from django.utils.translation import gettext as _
from rest_framework import parsers
from rest_framework.exceptions import ParseError

API_PREFIX = "/api/"
NUL = "\x00"
FORM_TYPES = ("application/x-www-form-urlencoded", "multipart/form-data")


class HostileInput(ValueError):
    """Input that cannot be processed; its message is the translated sentence to show."""


def check_text(value: str, *, where: str) -> None:
    """Raise HostileInput if `value` holds a NUL or a lone surrogate. `where` is "address", "form"
    or "body": it chooses the sentence."""
    if NUL in value:
        if where == "address":
            raise HostileInput(_("The address contains a NUL character, which cannot be processed."))
        if where == "form":
            raise HostileInput(
                _("The form contains a NUL character, which cannot be processed. Remove it and try again.")
            )
        raise HostileInput(_("The request body contains a NUL character (\\u0000), which cannot be processed."))
    try:
        value.encode("utf-8")
    except UnicodeEncodeError as error:
        escape = f"\\u{ord(value[error.start]):04x}"
        raise HostileInput(
            _("The request body contains %(escape)s, an unpaired surrogate, which is not a valid character.")
            % {"escape": escape}
        ) from None


def check_document(document) -> None:
    """Check every string of a parsed JSON document, object keys included (iteratively: a document
    can be nested as deep as the JSON parser allows)."""
    pending = [document]
    while pending:
        item = pending.pop()
        if isinstance(item, str):
            check_text(item, where="body")
        elif isinstance(item, dict):
            pending.extend(item.keys())
            pending.extend(item.values())
        elif isinstance(item, list):
            pending.extend(item)


def _check_pairs(pairs: Iterable[tuple[str, list[str]]], *, where: str) -> None:
    for key, values in pairs:
        check_text(key, where=where)
        for value in values:
            if isinstance(value, str):
                check_text(value, where=where)


def _check_utf8(raw: bytes, *, where: str) -> None:
    """A percent-encoded query string or form body must decode as UTF-8 (Django would quietly put
    replacement characters in place of what does not)."""
    try:
        unquote_to_bytes(raw.replace(b"+", b" ")).decode("utf-8")
    except UnicodeDecodeError:
        if where == "address":
            raise HostileInput(_("The address contains characters that are not valid text (UTF-8).")) from None
        raise HostileInput(_("The form contains characters that are not valid text (UTF-8).")) from None


# --- File names: Persian and other scripts need their joiners ----------------------------------------
# Django's multipart parser drops every character Python calls non-printable from a file name, and
# with them U+200C ZERO WIDTH NON-JOINER, which Persian writes inside words (می‌خواهم), and U+200D
# ZERO WIDTH JOINER (emoji sequences, Indic scripts). The parser below keeps those two; every other
# format character (bidirectional overrides that could disguise an extension, U+200B, U+FEFF) still
# goes. halqa.discussions.uploads.clean_name applies the same rule to the name it stores.
JOINERS = frozenset("\u200c\u200d")


class JoinerKeepingMultiPartParser(multipartparser.MultiPartParser):
    def sanitize_file_name(self, file_name):
        file_name = html.unescape(file_name)
        file_name = file_name.rsplit("/")[-1]
        file_name = file_name.rsplit("\\")[-1]
        file_name = "".join(char for char in file_name if char.isprintable() or char in JOINERS)
        if file_name in {"", ".", ".."}:
            return None
        return file_name

    IE_sanitize = sanitize_file_name


def _parse_file_upload(request: HttpRequest, meta, post_data):
    """HttpRequest.parse_file_upload, with the parser above."""
    request.upload_handlers = ImmutableList(
        request.upload_handlers, warning="You cannot alter upload handlers after the upload has been processed."
    )
    return JoinerKeepingMultiPartParser(meta, post_data, request.upload_handlers, request.encoding).parse()


def check_request(request: HttpRequest) -> None:
    """Raise HostileInput for a NUL or text that is not UTF-8 in the path, the query string or a form."""
    check_text(request.path_info, where="address")
    _check_utf8(request.META.get("QUERY_STRING", "").encode("iso-8859-1", errors="replace"), where="address")
    _check_pairs(request.GET.lists(), where="address")
    # The API's bodies are read by its parsers (below), which answer in the API's own way.
    if request.method == "POST" and request.content_type in FORM_TYPES and not _is_api(request):
        if request.content_type == "application/x-www-form-urlencoded":
            _check_utf8(request.body, where="form")
        _check_pairs(request.POST.lists(), where="form")  # files are checked by whoever accepts them


def _is_api(request: HttpRequest) -> bool:
    return request.path_info.startswith(API_PREFIX)


def bad_input_response(request: HttpRequest, message: str) -> HttpResponse:
    """400 with the message: the API's JSON error under /api/, a small page otherwise. The page is
    rendered without the request's context (no session, no user): the input may be what broke them."""
    if _is_api(request):
        return JsonResponse({"detail": message}, status=400)
    html = render_to_string("core/bad_input.html", {"message": message})
    return HttpResponse(html, status=400)


class HostileInputMiddleware:
    """Place before SessionMiddleware: a cookie with a NUL is dropped before the session reads it."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        for name, value in list(request.COOKIES.items()):
            if NUL in name or NUL in value:
                del request.COOKIES[name]
        request.parse_file_upload = partial(_parse_file_upload, request)
        # LocaleMiddleware has not run yet: speak the language it will choose.
        language = translation.get_language_from_request(request)
        with translation.override(language):
            try:
                check_request(request)
            except HostileInput as refusal:
                response = bad_input_response(request, str(refusal))
                response["Content-Language"] = language
                return response
        return self.get_response(request)


# --- The API's parsers (REST_FRAMEWORK["DEFAULT_PARSER_CLASSES"]) ----------------------------------


class JSONParser(parsers.JSONParser):
    """DRF's JSON parser, refusing NUL and lone surrogates anywhere in the document, and a document
    nested deeper than Python can read (which DRF let through as a 500)."""

    def parse(self, stream, media_type=None, parser_context=None):
        try:
            document = super().parse(stream, media_type, parser_context)
        except RecursionError:
            raise ParseError(_("The request body is nested too deeply.")) from None
        try:
            check_document(document)
        except HostileInput as refusal:
            raise ParseError(str(refusal)) from None
        return document


class FormParser(parsers.FormParser):
    """DRF's form parser (the browsable API's forms, a PUT or PATCH of form data), refusing NUL and a
    body that is not UTF-8."""

    def parse(self, stream, media_type=None, parser_context=None):
        body = stream.read() if stream is not None else b""
        try:
            _check_utf8(body, where="form")
            data = QueryDict(body, encoding=parsers.get_encoding(parser_context or {}))
            _check_pairs(data.lists(), where="form")
        except HostileInput as refusal:
            raise ParseError(str(refusal)) from None
        return data


class MultiPartParser(parsers.MultiPartParser):
    """DRF's multipart parser, keeping the joiners of file names (as the pages do) and refusing NUL in
    the fields that are not files."""

    def parse(self, stream, media_type=None, parser_context=None):
        parser_context = parser_context or {}
        request = parser_context["request"]
        meta = request.META.copy()
        meta["CONTENT_TYPE"] = media_type
        encoding = parsers.get_encoding(parser_context)
        try:
            data, files = JoinerKeepingMultiPartParser(meta, stream, request.upload_handlers, encoding).parse()
        except multipartparser.MultiPartParserError as error:
            raise ParseError(_("The form could not be read: it is not valid multipart data.")) from error
        try:
            _check_pairs(data.lists(), where="form")
        except HostileInput as refusal:
            raise ParseError(str(refusal)) from None
        return parsers.DataAndFiles(data, files)
