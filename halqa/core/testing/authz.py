"""The authorization gate: every route needs a test that is let in and a test that is kept out.

While the suite runs, a middleware notes for each route whether some request was allowed (2xx, a
3xx that is not a bounce to the sign-in page, or a 400 for input that passed the permission check)
and whether some request was denied (a bounce to sign-in, 401, 403, or a 404 from a route that
resolved, i.e. an object the person may not know exists). At the end of a full run the route table
is compared with what was seen ("the Zulip approach"); a route with no allow or no deny fails the run.
"""

from __future__ import annotations

import json
import os
from collections import defaultdict
from pathlib import Path

from django.conf import settings
from django.urls import URLResolver, get_resolver, reverse

# Routes anyone may use: only an "allow" test is required, with the reason they are public.
PUBLIC_ROUTES = {
    "": "the landing page for visitors, the home page for people",
    "healthz": "monitoring probes call it without an account",
    "i18n/setlang/": "visitors choose a language before signing in",
    "accounts/login/": "signing in",
    "accounts/signup/": "open only with an invitation in the session; shows 'closed' otherwise",
    "accounts/inactive/": "tells a deactivated person why they cannot sign in",
    "accounts/password/reset/": "password reset starts signed out",
    "accounts/password/reset/done/": "password reset starts signed out",
    "accounts/password/reset/key/(?P<uidb36>[0-9A-Za-z]+)-(?P<key>.+)/$": "the emailed reset link",
    "accounts/password/reset/key/done/": "the end of the reset",
    "accounts/confirm-email/": "the emailed confirmation flow",
    "accounts/confirm-email/(?P<key>[-:\\w]+)/$": "the emailed confirmation link",
    "accounts/logout/": "signing out; a visitor who is not signed in is simply sent home",
    "accounts/2fa/authenticate/": "the second step of signing in",
    "invitations/<str:token>/": "the emailed invitation link; the token is the permission",
    "api/v1/schema/": "the API's public description",
    "api/v1/docs/": "the API's public description",
    "cases/paper-form/": "the blank request form a school prints for its box; a school's name only to people",
    "verify/": "anyone holding a decision's code may check it, by design",
    "verify/<str:code>/": "anyone holding a decision's code may check it, by design",
    "api/v1/verify/<str:code>/": "anyone holding a decision's code may check it, by design",
}

# Routes left out of the gate, with the reason and the test that covers them instead.
EXEMPT_PREFIXES = {
    "admin/": "Django admin: AdminSite requires is_staff for every view (test_admin_requires_staff)",
    "accounts/login/code/": "login by code is off: allauth sends every request back to sign-in "
    "(test_login_code_confirmation_without_a_pending_login_returns_to_sign_in)",
}

ALLOW, DENY = "allow", "deny"


def all_routes() -> list[str]:
    def walk(patterns, prefix=""):
        for pattern in patterns:
            route = str(pattern.pattern)
            if prefix and route.startswith("^"):
                route = route[1:]
            if isinstance(pattern, URLResolver):
                yield from walk(pattern.url_patterns, prefix + route)
            else:
                yield prefix + route

    return sorted(set(walk(get_resolver().url_patterns)))


def classify(request, response) -> str | None:
    status = response.status_code
    if status in (401, 403, 404):
        return DENY
    if status in (301, 302, 303, 307, 308):
        login = reverse(settings.LOGIN_URL)
        location = response.get("Location", "")
        if location.split("?")[0].endswith(login) and request.path != login:
            return DENY
        return ALLOW
    if 200 <= status < 300 or status == 400:
        return ALLOW
    return None


class Recorder:
    seen: dict[str, set[str]] = defaultdict(set)

    @classmethod
    def record(cls, route: str, kind: str) -> None:
        cls.seen[route].add(kind)

    @classmethod
    def dump(cls, folder: Path, name: str) -> None:
        folder.mkdir(parents=True, exist_ok=True)
        data = {route: sorted(kinds) for route, kinds in cls.seen.items()}
        (folder / f"{name}.json").write_text(json.dumps(data))


class RouteRecorderMiddleware:
    """Test-only middleware (added by conftest.py) that feeds the Recorder."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        match = getattr(request, "resolver_match", None)
        if match is not None:
            kind = classify(request, response)
            if kind:
                Recorder.record(match.route, kind)
        return response


def load(folder: Path) -> dict[str, set[str]]:
    seen: dict[str, set[str]] = defaultdict(set)
    for file in folder.glob("*.json"):
        for route, kinds in json.loads(file.read_text()).items():
            seen[route].update(kinds)
    return seen


def verdict(seen: dict[str, set[str]]) -> tuple[list[str], list[str]]:
    """(covered, missing descriptions) over every route the gate applies to."""
    covered, missing = [], []
    for route in all_routes():
        if any(route.startswith(prefix) for prefix in EXEMPT_PREFIXES):
            continue
        kinds = seen.get(route, set())
        needed = {ALLOW} if route in PUBLIC_ROUTES else {ALLOW, DENY}
        lacking = needed - kinds
        if lacking:
            missing.append(f"/{route}  (no {' and no '.join(sorted(lacking))} test)")
        else:
            covered.append(route)
    return covered, missing


def folder_from_env() -> Path:
    return Path(os.environ.get("HALQA_AUTHZ_DIR", Path(settings.BASE_DIR) / "test-artifacts" / "authz"))
