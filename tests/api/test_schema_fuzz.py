"""The API is fuzzed against its own OpenAPI schema.

Schemathesis loads the schema the application serves (/api/v1/schema/) and drives every operation in
it through the WSGI application, once per role: teacher, principal, parent, student and district
admin, each signed in with a DRF token, and anonymous. For every operation and role Hypothesis draws
HALQA_FUZZ_EXAMPLES (default 50) examples mixing valid ("positive") and invalid ("negative") input;
for COVERAGE_ROLES the deterministic coverage phase adds boundary values, missing and mistyped fields
and methods the schema does not declare. Each operation is a subtest: one failing operation does not
hide the others.

Generation is derandomized, so a run is reproducible; ask for more with e.g.
HALQA_FUZZ_EXAMPLES=500 .venv/bin/python -m pytest tests/api -n 0 -q

The world (people in every role, see conftest.py) and a community with a discussion are created once
per role. Every example runs in a savepoint that is rolled back: examples do not see each other's
writes, and a failure replays against the same data while Hypothesis shrinks it.
"""

from __future__ import annotations

import os
from collections import Counter
from pathlib import Path
from types import SimpleNamespace

import pytest
import schemathesis
from django.conf import settings
from django.core import signals
from django.db import close_old_connections, transaction
import hypothesis
from hypothesis import HealthCheck
from hypothesis import strategies as st
from rest_framework.authtoken.models import Token

from halqa.core.testing import authz
from halqa.wsgi import application

EXAMPLES = int(os.environ.get("HALQA_FUZZ_EXAMPLES", "50"))
ROLES = ("teacher", "principal", "parent", "student", "district_admin", "anonymous")
HTTP_METHODS = ("get", "put", "post", "patch", "delete", "head", "options", "trace")
SCHEMA_URL = "/api/v1/schema/"

# Statuses that accept a request the schema calls valid: schemathesis' default less 3xx, 429 and
# 5xx (none of which this API should give). 400 is not among them: valid input must not be refused...
POSITIVE_STATUSES = ["2xx", "401", "403", "404", "409"]
# ...except where the outcome depends on data the schema cannot describe. Each entry says why.
STATE_DEPENDENT = {
    "POST /api/v1/invitations/": "the school must be one the caller leads; an address is invited once",
    "POST /api/v1/invitations/{id}/revoke/": "only a pending invitation can be withdrawn",
    "PATCH /api/v1/networks/{id}/": "a network holds schools of its own authority only",
}
# Operations that deliberately accept input the schema calls invalid, and why.
LENIENT = {
    "GET /api/v1/people/": (
        "the directory ignores filter values it does not know, as the people page does "
        "(halqa/accounts/tests/test_api.py::test_unknown_filter_values_are_ignored)"
    ),
}

pytestmark = [pytest.mark.django_db, pytest.mark.xdist_group("fuzz")]


def schemathesis_config() -> schemathesis.Config:
    return schemathesis.Config.from_dict(
        {
            # Credentials come from the role, not from the generator.
            "generation": {"with-security-parameters": False},
            # The checks, and why:
            # - not_a_server_error: no 5xx, ever.
            # - status_code_conformance, content_type_conformance, response_schema_conformance,
            #   response_headers_conformance: every answer, errors included, is documented, with its
            #   body (halqa/api/schema.py documents the 400/401/403/404 answers).
            # - negative_data_rejection: input the schema calls invalid is refused (4xx).
            # - positive_data_acceptance: input the schema calls valid is not refused with 400, so the
            #   schema is as strict as the view (STATE_DEPENDENT lists the exceptions).
            # - unsupported_method, allow_header_conformance: a method the schema does not declare gets
            #   405 with an `Allow` header, and `Allow` lists what the schema declares.
            # - missing_required_header: a request without a required header is refused.
            # Left out: use_after_free and ensure_resource_availability (they need stateful sequences;
            # each example here is rolled back), ignored_auth (the anonymous role checks this on every
            # example, see the test), object_level_authorization (who sees what is tested per role in
            # halqa/*/tests), max_response_time (timing makes CI flaky).
            "checks": {
                "enabled": False,
                "not_a_server_error": {"enabled": True},
                "status_code_conformance": {"enabled": True},
                "content_type_conformance": {"enabled": True},
                "response_schema_conformance": {"enabled": True},
                "response_headers_conformance": {"enabled": True},
                "negative_data_rejection": {"enabled": True},
                "positive_data_acceptance": {"enabled": True, "expected-statuses": POSITIVE_STATUSES},
                "unsupported_method": {"enabled": True},
                "allow_header_conformance": {"enabled": True},
                "missing_required_header": {"enabled": True},
            },
            "operations": [
                {
                    "include-name": name,
                    "checks": {"positive_data_acceptance": {"expected-statuses": [*POSITIVE_STATUSES, "400"]}},
                }
                for name in STATE_DEPENDENT
            ]
            + [{"include-name": name, "checks": {"negative_data_rejection": {"enabled": False}}} for name in LENIENT],
        }
    )


# --- Steering: schema-valid ids that name objects of the world ---------------------------------------
# A generated integer id is nearly always unknown, and the answer is a 404 before the view looks at
# the body. Half of the valid examples get their path ids (and some body references) drawn from the
# objects the current test created, so reading, changing and inviting are exercised for real.
# A path parameter draws from the pool named by the path segment before it: /communities/{community_pk}/
# from "communities", /threads/{id}/posts/ from "threads". Without a pool the generated value stays.

POOLS: dict[str, list] = {}

BODY_REFERENCES = {
    "POST /api/v1/invitations/": {"school": "schools", "email": "emails"},
    "PATCH /api/v1/networks/{id}/": {"schools": "school_lists"},
}


def path_pools(path: str) -> dict[str, str]:
    """{parameter: pool} for the parameters of a path."""
    segments = path.strip("/").split("/")
    return {
        segment[1:-1]: segments[i - 1]
        for i, segment in enumerate(segments)
        if segment.startswith("{") and segment.endswith("}") and i > 0
    }


def from_pool(pool: str):
    """A value of the pool when drawn, or None (keep the generated one) when the world has none."""
    return st.integers(min_value=0, max_value=255).map(
        lambda i: POOLS[pool][i % len(POOLS[pool])] if POOLS.get(pool) else None
    )


def steer_towards_existing_objects(context, strategy):
    operation = context.operation
    parameters = path_pools(operation.path)
    references = BODY_REFERENCES.get(operation.label, {})
    if not parameters and not references:
        return strategy
    maybe = lambda pool: st.one_of(st.none(), from_pool(pool))  # noqa: E731

    def steer(case):
        if case.meta is None or not case.meta.generation.mode.is_positive:
            return st.just(case)  # invalid input stays invalid
        path = st.fixed_dictionaries({name: maybe(pool) for name, pool in parameters.items()})
        body = st.fixed_dictionaries({name: maybe(pool) for name, pool in references.items()})
        return st.tuples(path, body).map(lambda drawn: apply(case, *drawn))

    def apply(case, path, body):
        path = {name: value for name, value in path.items() if value is not None}
        if path:
            case.path_parameters = {**case.path_parameters, **path}
        body = {name: value for name, value in body.items() if value is not None}
        if body and isinstance(case.body, dict):
            case.body = {**case.body, **body}
        return case

    return strategy.flatmap(steer)


# --- The callers and the world they act in ------------------------------------------------------------


def build_world_extras(w) -> dict[str, list]:
    """Invitations, communities and a discussion on top of the world; returns the pools."""
    from halqa.communities import models as community_models
    from halqa.communities.tests.factories import (
        ActivityFactory,
        CommunityFactory,
        DecisionFactory,
        GoalFactory,
        SignedDecisionFactory,
    )
    from halqa.discussions import registry
    from halqa.discussions import services as discussion_services
    from halqa.discussions.models import Post, Thread
    from halqa.orgs import services as org_services
    from halqa.orgs.models import Invitation

    org_services.invite(actor=w.principal, school=w.school, email="new@example.org", position="teacher")
    withdrawn, _token = org_services.invite(actor=w.principal, school=w.school, email="gone@example.org", position="parent")
    org_services.revoke_invitation(withdrawn, actor=w.principal)
    org_services.invite(actor=w.other_principal, school=w.other_school, email="else@example.org", position="teacher")

    role = community_models.Role
    community = CommunityFactory(
        school=w.school, facilitator=w.teacher, members={role.MEMBER: [w.colleague], role.EXPERT: [w.expert]}
    )
    elsewhere = CommunityFactory(
        school=w.other_school, facilitator=w.other_teacher, visibility=community_models.Visibility.MEMBERS
    )
    for host in (community, elsewhere):
        GoalFactory(community=host)
        ActivityFactory(community=host)
        DecisionFactory(community=host)
    signed = SignedDecisionFactory(community=community)
    if registry.is_registered(community_models.Community):  # communities host discussions
        thread = discussion_services.thread_for(community)
        first = discussion_services.add_post(w.teacher, thread, "Hello, colleagues.")
        discussion_services.add_post(w.colleague, thread, "Welcome!", parent=first)
        discussion_services.add_post(w.other_teacher, discussion_services.thread_for(elsewhere), "Our own.")

    people = [
        w.principal, w.teacher, w.colleague, w.other_teacher, w.foreign_teacher, w.parent, w.student,
        w.other_parent, w.expert, w.supervisor, w.district_admin,
    ]  # fmt: skip

    def ids(queryset):
        return list(queryset.order_by("pk").values_list("pk", flat=True))

    return {
        "people": [person.pk for person in people],
        "schools": [w.school.pk, w.other_school.pk, w.foreign_school.pk],
        "networks": [w.network.pk],
        "invitations": ids(Invitation.objects.all()),
        "communities": ids(community_models.Community.objects.all()),
        "goals": ids(community_models.Goal.objects.all()),
        "members": ids(community_models.Membership.objects.all()),
        "activities": ids(community_models.Activity.objects.all()),
        "decisions": ids(community_models.Decision.objects.all()),
        "threads": ids(Thread.objects.all()),
        "posts": ids(Post.objects.all()),
        "verify": [signed.verification_code],
        "emails": ["new@example.org", w.teacher.email, w.parent.email, "someone@example.org"],
        "school_lists": [[w.school.pk], [w.school.pk, w.other_school.pk], [w.foreign_school.pk], []],
    }


@pytest.fixture
def caller(world, role, monkeypatch, settings, tmp_path):
    """The role's Authorization header, with the world's objects in the steering pools."""
    settings.MEDIA_ROOT = tmp_path / "media"  # attachments, should an upload get through
    # Django's test client detaches closing the connection from the request signals; without that the
    # WSGI handler would close the test's connection, and its transaction, after the first request.
    signals.request_started.disconnect(close_old_connections)
    signals.request_finished.disconnect(close_old_connections)
    # Random requests are not deliberate authorization tests: keep them out of the route gate.
    monkeypatch.setattr(authz.Recorder, "record", classmethod(lambda cls, route, kind: None))
    POOLS.update(build_world_extras(world))
    headers = {}
    if role != "anonymous":
        headers["Authorization"] = f"Token {Token.objects.create(user=getattr(world, role)).key}"
    yield SimpleNamespace(role=role, headers=headers)
    POOLS.clear()
    signals.request_started.connect(close_old_connections)
    signals.request_finished.connect(close_old_connections)


@pytest.fixture
def api_schema(caller):
    """The schema the application serves, loaded afresh for each role: no state carries over."""
    loaded = schemathesis.openapi.from_wsgi(SCHEMA_URL, application, config=schemathesis_config())
    loaded.hook("before_generate_case")(steer_towards_existing_objects)
    return loaded


STATS: Counter = Counter()  # (operation, role, mode) → examples run
FAILED: set[tuple[str, str]] = set()  # (operation, role) with a failing example

MODES = (schemathesis.GenerationMode.POSITIVE, schemathesis.GenerationMode.NEGATIVE)
HYPOTHESIS = hypothesis.settings(
    max_examples=EXAMPLES,
    derandomize=True,  # the same examples on every run and machine
    database=None,  # and nothing replayed from earlier runs
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow, HealthCheck.filter_too_much],
    verbosity=hypothesis.Verbosity.quiet,
)


def allows_anonymous(operation) -> bool:
    return {} in (operation.definition.raw.get("security") or [{}])


def fuzz(operation, caller) -> None:
    """HALQA_FUZZ_EXAMPLES examples of valid and invalid input for one operation, as one caller."""
    strategy = st.one_of([operation.as_strategy(generation_mode=mode) for mode in MODES])

    @HYPOTHESIS
    @hypothesis.given(case=strategy)
    def example(case):
        STATS[(operation.label, caller.role, case.meta.generation.mode.value)] += 1
        try:
            with transaction.atomic():
                try:
                    if os.environ.get("PROBE"):
                        try:
                            response = case.call_and_validate(headers=caller.headers)
                        except Exception as exc:
                            import json
                            fails = getattr(exc, "exceptions", [exc])
                            with open("/tmp/proto/probe.jsonl", "a") as fh:
                                for f in fails:
                                    fh.write(json.dumps({"op": case.operation.label, "role": caller.role, "mode": case.meta.generation.mode.value, "type": type(f).__name__, "title": getattr(f, "title", ""), "msg": str(getattr(f, "message", f))[:600], "curl": case.as_curl_command(headers=caller.headers)[:700]}) + "\n")
                            return
                    else:
                        response = case.call_and_validate(headers=caller.headers)
                finally:
                    transaction.set_rollback(True)
            if caller.role == "anonymous" and not allows_anonymous(operation):
                # Without credentials nothing is read or changed, whatever the input (a 404 only for
                # a path no route matches, such as /api/v1/schools/1.5/).
                assert response.status_code in (401, 403, 404), (
                    f"anonymous {case.method} {case.formatted_path} answered {response.status_code}"
                )
        except BaseException:
            FAILED.add((operation.label, caller.role))
            raise

    example()


@pytest.mark.parametrize("role", ROLES)
def test_api_conforms_to_its_schema(api_schema, caller, subtests):
    for result in api_schema.get_all_operations():
        operation = result.ok()  # an operation schemathesis cannot read fails the test here
        with subtests.test(msg=f"{operation.label} as {caller.role}"):
            fuzz(operation, caller)


# --- Every operation, every role, and a summary -------------------------------------------------------


def documented_operations() -> list[str]:
    """Every operation in the schema the application serves, read from the document itself."""
    from django.test import Client

    document = Client().get(SCHEMA_URL, HTTP_ACCEPT="application/vnd.oai.openapi+json").json()
    return [
        f"{method.upper()} {path}" for path, item in document["paths"].items() for method in item if method in HTTP_METHODS
    ]


def test_every_operation_was_fuzzed_for_every_role(request, monkeypatch):
    """Runs last in the "fuzz" group (same module, hence same xdist worker, in collection order)."""
    monkeypatch.setattr(authz.Recorder, "record", classmethod(lambda cls, route, kind: None))
    operations = documented_operations()
    examples = Counter()
    for (operation, role, _mode), count in STATS.items():
        examples[(operation, role)] += count
    line = (
        f"fuzz: {len(operations)} operations × {len(ROLES)} roles, {sum(examples.values())} examples, "
        f"{len(FAILED)} failures"
    )
    reporter = request.config.pluginmanager.get_plugin("terminalreporter")
    if reporter is not None:
        reporter.write_line(line)
    artifacts = Path(settings.BASE_DIR) / "test-artifacts"
    artifacts.mkdir(exist_ok=True)
    (artifacts / "api-fuzz-summary.txt").write_text(line + "\n")

    ran = {item.callspec.params["role"] for item in request.session.items if item.originalname == "test_api_conforms_to_its_schema"}
    if ran != set(ROLES):
        pytest.skip("only part of the fuzz tests was selected")
    skipped = [f"{op} as {role}" for op in operations for role in ROLES if examples[(op, role)] == 0]
    assert not skipped, "operations the fuzzer did not run:\n" + "\n".join(skipped)
