"""OpenAPI postprocessing: the error answers every operation can give, and what a URL field takes.

drf-spectacular describes the success response of an operation, while the views also answer 400
(invalid input), 401 (an API token that is not valid, expired or revoked), 403 (not signed in, not
allowed, or a read-only token on a method that changes something), 404 (an object the caller may not
see, a page past the end), 413 (a body larger than the limit) and 429 (too many requests, with
Retry-After). The API fuzz test (tests/api/test_schema_fuzz.py) holds every response to the schema,
so these answers are documented here for every operation, with their bodies.
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
            "Translated messages by field name, and under `non_field_errors` for the request as a whole. "
            "A list field reports the messages of its items by position. A body that cannot be parsed "
            "gets `detail`."
        ),
        "properties": {"detail": {"type": "string"}, "non_field_errors": MESSAGES},
        "additionalProperties": {
            "anyOf": [
                MESSAGES,
                {"type": "object", "additionalProperties": {"anyOf": [MESSAGES, {"type": "object"}]}},
            ]
        },
    },
}

# What Django's URLValidator (behind every URLField) takes, or most of it: a web or FTP address with
# a host name, and no white space (as Python counts it). The plain `format: uri` that drf-spectacular
# writes would also allow "mailto:x" or "urn:isbn:0451450523", which the field refuses.
WEB_ADDRESS = (
    r"^(?:[hH][tT][tT][pP][sS]?|[fF][tT][pP][sS]?)://"
    r"(?:(?:[a-zA-Z0-9](?:[a-zA-Z0-9-]{0,61}[a-zA-Z0-9])?\.)+[a-zA-Z]{2,63}|localhost)"
    r"(?::[0-9]{1,5})?(?:[/?#][^\t\n\v\f\r \x1c-\x1f\x85\xa0\u1680\u2000-\u200a\u2028\u2029\u202f\u205f\u3000]*)?$"
)

UNSAFE_METHODS = {"post", "put", "patch", "delete"}
HTTP_METHODS = {"get", "head", "options", *UNSAFE_METHODS}


def _response(description: str, component: str) -> dict:
    return {
        "description": description,
        "content": {"application/json": {"schema": {"$ref": f"#/components/schemas/{component}"}}},
    }


def _authentication_classes(view_class) -> list:
    return getattr(view_class, "authentication_classes", api_settings.DEFAULT_AUTHENTICATION_CLASSES)


def _challenges(view_class) -> bool:
    """Whether an unauthenticated request gets 401: DRF asks the first authentication class for a
    `WWW-Authenticate` challenge, and answers 403 when it has none (as SessionAuthentication)."""
    classes = _authentication_classes(view_class)
    return bool(classes) and classes[0]().authenticate_header(None) is not None


def _refuses_tokens(view_class) -> bool:
    """Whether a credential can be refused with 401 (halqa.api.authentication.TokenRefused): some
    authentication class of the view has a challenge, wherever it stands in the list."""
    return any(cls().authenticate_header(None) is not None for cls in _authentication_classes(view_class))


def _throttled(view_class) -> bool:
    return bool(getattr(view_class, "throttle_classes", api_settings.DEFAULT_THROTTLE_CLASSES))


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


def _error_responses(path: str, method: str, operation: dict, views: dict) -> dict[int, dict]:
    parameters = operation.get("parameters", [])
    errors = {}
    # Any request can be refused for what it holds: a NUL in its path or query, a query string that is
    # not UTF-8 (halqa.core.input), besides the body and parameters an operation validates.
    errors[status.HTTP_400_BAD_REQUEST] = _response("The input is not valid.", VALIDATION_ERROR)
    security = operation.get("security") or []
    view_class = views.get((_route(path), method))
    if security and (view_class is None or _refuses_tokens(view_class)):  # a token can be refused
        errors[status.HTTP_401_UNAUTHORIZED] = _response(
            "Missing or invalid credentials: an API token that is not valid, expired or revoked.", ERROR
        )
    if security and {} not in security:  # the operation needs credentials
        if view_class is None or _challenges(view_class):
            errors[status.HTTP_403_FORBIDDEN] = _response(
                "Not allowed to do this, or a read-only token on a method that changes something.", ERROR
            )
        else:
            errors[status.HTTP_403_FORBIDDEN] = _response(
                "Not signed in, not allowed to do this, or a read-only token on a method that changes something.",
                ERROR,
            )
    if method in UNSAFE_METHODS and security and (view_class is None or _refuses_tokens(view_class)):
        # A read-only token is refused before the view runs, whoever else may call the operation.
        errors.setdefault(status.HTTP_403_FORBIDDEN, _response("A read-only token cannot change anything.", ERROR))
    if operation.get("requestBody"):
        errors[status.HTTP_413_REQUEST_ENTITY_TOO_LARGE] = _response(
            "The request body is larger than the limit.", ERROR
        )
    if view_class is None or _throttled(view_class):
        errors[status.HTTP_429_TOO_MANY_REQUESTS] = {
            **_response("Too many requests from this caller; try again after `Retry-After` seconds.", ERROR),
            "headers": {
                "Retry-After": {
                    "description": "Seconds to wait before the next request is accepted.",
                    "schema": {"type": "integer", "minimum": 0},
                }
            },
        }
    if any(p.get("in") == "path" for p in parameters):
        errors[status.HTTP_404_NOT_FOUND] = _response("No such object, or not one the caller may see.", ERROR)
    elif any(p.get("in") == "query" and p.get("name") == "page" for p in parameters):
        errors[status.HTTP_404_NOT_FOUND] = _response("No such page.", ERROR)
    return errors


def _web_addresses_only(schema) -> None:
    """Give every `format: uri` string of a request schema the pattern URLValidator takes."""
    if isinstance(schema, list):
        for item in schema:
            _web_addresses_only(item)
    elif isinstance(schema, dict):
        if schema.get("format") == "uri" and schema.get("type") == "string" and "pattern" not in schema:
            schema["pattern"] = WEB_ADDRESS
        for value in schema.values():
            _web_addresses_only(value)


def document_error_responses(result, generator, request, public):
    """POSTPROCESSING_HOOKS entry: error responses (where the operation has not declared its own), and
    URL fields of requests described as what they take."""
    schemas = result.setdefault("components", {}).setdefault("schemas", {})
    for name, component in COMPONENTS.items():
        schemas.setdefault(name, component)
    for name, component in schemas.items():
        if name.endswith("Request"):  # COMPONENT_SPLIT_REQUEST: the request side of a serializer
            _web_addresses_only(component)
    views = _view_classes(generator)
    for path, operations in result.get("paths", {}).items():
        for method, operation in operations.items():
            if method not in HTTP_METHODS:
                continue
            for content in operation.get("requestBody", {}).get("content", {}).values():
                _web_addresses_only(content.get("schema"))
            responses = operation.setdefault("responses", {})
            for code, response in _error_responses(path, method, operation, views).items():
                responses.setdefault(str(code), response)
    return result


def require_bodies_of_one_shape_or_another(result, generator, request, public):
    """POSTPROCESSING_HOOKS entry: a request body that takes one of several shapes (`oneOf`, e.g. a
    community in a school or in a network) cannot be left out, so the schema says it is required
    (drf-spectacular marks a body required only when one serializer has required fields)."""
    schemas = result.get("components", {}).get("schemas", {})
    for operations in result.get("paths", {}).values():
        for method, operation in operations.items():
            body = operation.get("requestBody") if method in HTTP_METHODS else None
            if not body:
                continue
            for content in body.get("content", {}).values():
                schema = content.get("schema", {})
                ref = schema.get("$ref", "")
                if ref.startswith("#/components/schemas/"):
                    schema = schemas.get(ref.rsplit("/", 1)[1], {})
                if "oneOf" in schema:
                    body["required"] = True
    return result


def empty_page_means_the_first(result, generator, request, public):
    """POSTPROCESSING_HOOKS entry: `?page=` (empty) is the first page, as DRF's pagination reads it,
    so the schema says the parameter may be empty."""
    for operations in result.get("paths", {}).values():
        for method, operation in operations.items():
            if method not in HTTP_METHODS:
                continue
            for parameter in operation.get("parameters", []):
                if parameter.get("in") == "query" and parameter.get("name") == "page":
                    parameter["allowEmptyValue"] = True
    return result
