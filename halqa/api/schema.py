"""OpenAPI postprocessing: document the error answers every API operation can give.

drf-spectacular only describes the success response of an operation, while the views also answer
400 (invalid input), 401/403 (not signed in, or not allowed), and 404 (an object the caller may
not see, or a page past the end). The API fuzz test (tests/api/test_schema_fuzz.py) holds every
response to the schema, so these answers have to be in it.
"""

from __future__ import annotations

import re

from rest_framework import status
from rest_framework.settings import api_settings

ERROR = "Error"
VALIDATION_ERROR = "ValidationError"

MESSAGES = {"type": "array", "items": {"type": "string"}}

COMPONENTS = {
    ERROR: {
        "type": "object",
        "description": "Why the request was refused, as one translated sentence.",
        "properties": {"detail": {"type": "string"}},
        "required": ["detail"],
    },
    VALIDATION_ERROR: {
        "type": "object",
        "description": (
            "Translated messages by field name; `non_field_errors` for the request as a whole. A list field "
            "reports the messages of its items by position. A body that cannot be parsed gets `detail`."
        ),
        "properties": {"detail": {"type": "string"}, "non_field_errors": MESSAGES},
        "additionalProperties": {"anyOf": [MESSAGES, {"type": "object", "additionalProperties": MESSAGES}]},
    },
}

UNSAFE_METHODS = {"post", "put", "patch", "delete"}
HTTP_METHODS = {"get", "head", "options", *UNSAFE_METHODS}


def _response(description: str, component: str) -> dict:
    return {
        "description": description,
        "content": {"application/json": {"schema": {"$ref": f"#/components/schemas/{component}"}}},
    }


def _challenges(view_class) -> bool:
    """Whether an unauthenticated request gets 401: DRF asks the first authentication class for a
    `WWW-Authenticate` challenge and answers 403 when it has none (as SessionAuthentication)."""
    classes = getattr(view_class, "authentication_classes", api_settings.DEFAULT_AUTHENTICATION_CLASSES)
    return bool(classes) and classes[0]().authenticate_header(None) is not None


def _route(path: str) -> str:
    """The path with its parameters unnamed: the schema calls `{pk}` `{id}`."""
    return re.sub(r"\{[^}]*\}", "{}", path)


def _view_classes(generator) -> dict[tuple[str, str], type]:
    views = {}
    for path, _regex, method, callback in getattr(generator, "endpoints", None) or []:
        view_class = getattr(callback, "cls", None)
        if view_class is not None:
            views[(_route(path), method.lower())] = view_class
    return views


def document_error_responses(result, generator, request, public):
    """POSTPROCESSING_HOOKS entry: add the error responses an operation can give, unless already there."""
    result.setdefault("components", {}).setdefault("schemas", {}).update(COMPONENTS)
    views = _view_classes(generator)
    for path, operations in result.get("paths", {}).items():
        for method, operation in operations.items():
            if method not in HTTP_METHODS:
                continue
            responses = operation.setdefault("responses", {})
            errors = {}
            if method in UNSAFE_METHODS:
                errors[status.HTTP_400_BAD_REQUEST] = _response("The input is not valid.", VALIDATION_ERROR)
            security = operation.get("security") or []
            if security and {} not in security:
                view_class = views.get((_route(path), method))
                if view_class is None or _challenges(view_class):
                    errors[status.HTTP_401_UNAUTHORIZED] = _response("Missing or invalid credentials.", ERROR)
                    errors[status.HTTP_403_FORBIDDEN] = _response("Not allowed to do this.", ERROR)
                else:
                    errors[status.HTTP_403_FORBIDDEN] = _response(
                        "Missing or invalid credentials, or not allowed to do this.", ERROR
                    )
            parameters = operation.get("parameters", [])
            if any(p.get("in") == "path" for p in parameters):
                errors[status.HTTP_404_NOT_FOUND] = _response(
                    "No such object, or not one the caller may see.", ERROR
                )
            elif any(p.get("in") == "query" and p.get("name") == "page" for p in parameters):
                errors[status.HTTP_404_NOT_FOUND] = _response("No such page.", ERROR)
            for code, response in errors.items():
                responses.setdefault(str(code), response)
    return result
