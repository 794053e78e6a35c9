"""The API is fuzzed against its own OpenAPI schema.

Schemathesis loads the schema the application serves (/api/v1/schema/) and drives every operation in
it through the WSGI application, as every main role (teacher, principal, parent, student, district
admin, each with a DRF token) and anonymously. Each operation × role runs the coverage phase
(boundary values, missing fields, undeclared methods) and then HALQA_FUZZ_EXAMPLES (default 50)
Hypothesis examples mixing valid ("positive") and invalid ("negative") input.

Generation is derandomized, so a run is reproducible; ask for more with e.g.
HALQA_FUZZ_EXAMPLES=500 .venv/bin/python -m pytest tests/api -n 0 -q

Every example runs in a savepoint that is rolled back, inside the test's own transaction: examples
do not see each other's writes, and a failure replays against the same data when Hypothesis shrinks it.
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
from hypothesis import HealthCheck
from hypothesis import settings as hypothesis_settings
from hypothesis import strategies as st
from rest_framework.authtoken.models import Token

from halqa.core.testing import authz
from halqa.orgs import services as org_services
from halqa.wsgi import application

EXAMPLES = int(os.environ.get("HALQA_FUZZ_EXAMPLES", "50"))
ROLES = ("teacher", "principal", "parent", "student", "district_admin", "anonymous")
HTTP_METHODS = ("get", "put", "post", "patch", "delete", "head", "options", "trace")

# Answers that accept a request the schema calls valid, for operations whose outcome also depends on
# data the schema cannot describe: the school to invite to must be one the caller leads and the
# address must not be invited twice; a network may only hold schools of its own authority; only a
# pending invitation can be withdrawn. A schema-valid request refused there with 400 is correct.
STATEFUL = ["POST /api/v1/threads/{id}/posts/", "POST /api/v1/invitations/", "PATCH /api/v1/networks/{id}/", "POST /api/v1/invitations/{id}/revoke/"]
POSITIVE_STATUSES = ["2xx", "401", "403", "404", "409"]  # schemathesis' default, less 3xx, 429, 5xx

pytestmark = [pytest.mark.django_db, pytest.mark.xdist_group("fuzz")]

CONFIG = schemathesis.Config.from_dict(
    {
        "generation": {
            "mode": "all",  # positive (valid) and negative (invalid) input
            "max-examples": EXAMPLES,
            "deterministic": True,  # derandomized: the same examples on every run and machine
            "database": "none",  # nothing replayed from earlier runs either
            # Credentials come from the role, not from the generator.
            "with-security-parameters": False,
        },
        "phases": {
            "examples": {"enabled": True},
            "coverage": {"enabled": True},
            # Learning from responses would carry state from one test to the next (and so make a
            # failure depend on what ran before); each test stands alone.
            "fuzzing": {
                "enabled": True,
                "extra-data-sources": {"responses": False},
                "error-feedback": {"enabled": False},
            },
            "stateful": {"enabled": False},
        },
        # The checks, and why:
        # - not_a_server_error: no 5xx, ever.
        # - status_code_conformance, content_type_conformance, response_schema_conformance,
        #   response_headers_conformance: every answer, errors included, is one the schema documents
        #   (halqa/api/schema.py documents the 400/403/404 answers and their bodies).
        # - negative_data_rejection: input the schema calls invalid is refused (400, 403, 404, 405…).
        # - positive_data_acceptance: input the schema calls valid is not refused with 400, unless the
        #   outcome depends on data the schema cannot describe (STATEFUL, per operation below).
        # - unsupported_method, allow_header_conformance: an undeclared method gets 405 with `Allow`,
        #   and `Allow` lists the documented methods.
        # - missing_required_header: a request without a required header is refused.
        # Left out: use_after_free and ensure_resource_availability (stateful sequences; the API has
        # no DELETE, and creation is covered by the invitation tests), ignored_auth (the anonymous
        # role checks it on every example, see test body), object_level_authorization (the per-role
        # tests in halqa/*/tests check who sees what), max_response_time (timing makes CI flaky).
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
            for name in STATEFUL
        ]
        + [
            {
                # The directory ignores filter values it does not know, as the people page does
                # (halqa/accounts/tests/test_api.py::test_unknown_filter_values_are_ignored), so an
                # unknown subject or role is not refused; the answers are still checked against the schema.
                "include-name": "GET /api/v1/people/",
                "checks": {"negative_data_rejection": {"enabled": False}},
            }
        ],
    }
)

schema = schemathesis.openapi.from_wsgi("/api/v1/schema/", application, config=CONFIG).include(
    path_regex="threads|posts"
)

# --- Steering: schema-valid ids that name objects the world holds ----------------------------------
# A generated integer id is nearly always unknown and answers 404 before the view looks at the body.
# Half of the valid examples get an id (and body references) drawn from the current test's world, so
# reading, changing and inviting is exercised for real. The pools change per test; the strategies,
# built once at collection, look them up when drawing.

POOLS: dict[str, list] = {}

from halqa.discussions.tests.conftest import SchoolDiscussionPolicy as _P

POLICY = _P()
BODY_REFERENCES = {
    "POST /api/v1/threads/{id}/posts/": {"parent": "posts"},
    "POST /api/v1/invitations/": {"school": "schools", "email": "emails"},
    "PATCH /api/v1/networks/{id}/": {"schools": "school_lists"},
}


def existing(pool: str):
    return st.integers(min_value=0, max_value=255).map(lambda i: POOLS[pool][i % len(POOLS[pool])])


def keep_or(strategy):
    return st.one_of(st.none(), strategy)


@schema.hook("before_generate_case")
def steer_towards_existing_objects(context, strategy):
    operation = context.operation
    path_pool = operation.path.split("/")[3] if "{id}" in operation.path else None
    references = BODY_REFERENCES.get(operation.label, {})
    if path_pool is None and not references:
        return strategy

    def steer(case):
        if case.meta is None or not case.meta.generation.mode.is_positive:
            return st.just(case)
        path_id = keep_or(existing(path_pool)) if path_pool else st.none()
        body = st.fixed_dictionaries({name: keep_or(existing(pool)) for name, pool in references.items()})
        return st.tuples(path_id, body).map(lambda drawn: apply(case, *drawn))

    def apply(case, path_id, body):
        if path_id is not None:
            case.path_parameters = {**case.path_parameters, "id": path_id}
        if isinstance(case.body, dict):
            case.body = {**case.body, **{name: value for name, value in body.items() if value is not None}}
        return case

    return strategy.flatmap(steer)


# --- Callers -----------------------------------------------------------------------------------------

STATS: Counter = Counter()  # (operation, role, phase, mode) → examples run
FAILED: set[tuple[str, str]] = set()  # (operation, role) with a failing example


@pytest.fixture
def caller(world, role, monkeypatch):
    """The role's Authorization header, with the world's objects in the steering pools."""
    # Django's test client detaches closing the connection from the request signals; without that
    # the WSGI handler would close the test's connection (and its transaction) on PostgreSQL.
    signals.request_started.disconnect(close_old_connections)
    signals.request_finished.disconnect(close_old_connections)
    # Random requests are not deliberate authorization tests: keep them out of the route gate.
    monkeypatch.setattr(authz.Recorder, "record", classmethod(lambda cls, route, kind: None))

    w = world
    pending, _token = org_services.invite(
        actor=w.principal, school=w.school, email="new@example.org", position="teacher"
    )
    withdrawn, _token = org_services.invite(
        actor=w.principal, school=w.school, email="gone@example.org", position="parent"
    )
    org_services.revoke_invitation(withdrawn, actor=w.principal)
    elsewhere, _token = org_services.invite(
        actor=w.other_principal, school=w.other_school, email="else@example.org", position="teacher"
    )
    people = [
        w.principal, w.teacher, w.colleague, w.other_teacher, w.foreign_teacher, w.parent, w.student,
        w.other_parent, w.expert, w.supervisor, w.district_admin,
    ]  # fmt: skip
    schools = [w.school, w.other_school, w.foreign_school]
    POOLS.update(
        people=[p.pk for p in people],
        schools=[s.pk for s in schools],
        networks=[w.network.pk],
        invitations=[pending.pk, withdrawn.pk, elsewhere.pk],
        emails=["new@example.org", w.teacher.email, w.parent.email, "someone@example.org"],
        school_lists=[[w.school.pk], [w.school.pk, w.other_school.pk], [w.foreign_school.pk], []],
    )
    from halqa.discussions import registry
    from halqa.discussions import services as d_services
    from halqa.discussions.tests.conftest import upload
    from halqa.orgs.models import School

    registry.register(School, POLICY)
    thread = d_services.thread_for(w.school)
    other = d_services.thread_for(w.foreign_school)
    p1 = d_services.add_post(w.teacher, thread, "Hello @[C](%d)" % w.colleague.pk, files=[upload("a.png")])
    p2 = d_services.add_post(w.principal, thread, "Reply", parent=p1)
    p3 = d_services.add_post(w.parent if False else w.colleague, thread, "Colleague")
    p4 = d_services.add_post(w.foreign_teacher, other, "Foreign")
    POOLS.update(threads=[thread.pk, other.pk], posts=[p1.pk, p2.pk, p3.pk, p4.pk])
    headers = {}
    if role != "anonymous":
        headers["Authorization"] = f"Token {Token.objects.create(user=getattr(w, role)).key}"
    yield SimpleNamespace(role=role, headers=headers)
    registry.unregister(School)
    POOLS.clear()
    signals.request_started.connect(close_old_connections)
    signals.request_finished.connect(close_old_connections)


@pytest.mark.parametrize("role", ROLES)
@schema.parametrize()
@hypothesis_settings(deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])
def test_api_conforms_to_its_schema(case, caller):
    meta = case.meta
    STATS[(case.operation.label, caller.role, meta.phase.name.value, meta.generation.mode.value)] += 1
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
                                fh.write(
                                    json.dumps(
                                        {
                                            "op": case.operation.label,
                                            "role": caller.role,
                                            "mode": meta.generation.mode.value,
                                            "phase": meta.phase.name.value,
                                            "type": type(f).__name__,
                                            "title": getattr(f, "title", ""),
                                            "msg": str(getattr(f, "message", f))[:400],
                                            "curl": case.as_curl_command(headers=caller.headers)[:600],
                                        }
                                    )
                                    + "\n"
                                )
                        return
                else:
                    resp = case.call(headers=caller.headers)
                    if resp.status_code < 300:
                        print(
                            "META",
                            resp.status_code,
                            case.meta.generation.mode,
                            case.meta.phase,
                            repr(case.body)[:300],
                            case.path_parameters,
                            case.media_type,
                        )
                    response = case.call_and_validate(headers=caller.headers)
            finally:
                transaction.set_rollback(True)
        if caller.role == "anonymous":
            # Without credentials nothing is readable or changeable, whatever the input (404 only for
            # a path no route matches, such as /api/v1/schools/1.5/).
            assert response.status_code in (401, 403, 404), f"anonymous {case.method} {case.formatted_path}"
    except BaseException:
        FAILED.add((case.operation.label, caller.role))
        raise


# --- Every operation, every role, and a summary -------------------------------------------------------


def documented_operations() -> list[str]:
    """Every operation in the schema the application serves, read from the document itself."""
    paths = schema.raw_schema["paths"]
    return [f"{method.upper()} {path}" for path, item in paths.items() for method in item if method in HTTP_METHODS]


def test_every_operation_was_fuzzed_for_every_role(request):
    """Runs last in the "fuzz" group (same module, same xdist worker, collection order)."""
    operations = documented_operations()
    examples = Counter()
    for (operation, role, _phase, _mode), count in STATS.items():
        examples[(operation, role)] += count
    total = sum(examples.values())
    failures = len(FAILED)
    line = f"fuzz: {len(operations)} operations × {len(ROLES)} roles, {total} examples, {failures} failures"
    reporter = request.config.pluginmanager.get_plugin("terminalreporter")
    if reporter is not None:
        reporter.write_line(line)
    artifacts = Path(settings.BASE_DIR) / "test-artifacts"
    artifacts.mkdir(exist_ok=True)
    (artifacts / "api-fuzz-summary.txt").write_text(line + "\n")

    fuzz_items = [item for item in request.session.items if item.name.startswith("test_api_conforms_to_its_schema[")]
    if len(fuzz_items) < len(operations) * len(ROLES):
        pytest.skip("only part of the fuzz tests was selected")
    skipped = [f"{op} as {role}" for op in operations for role in ROLES if examples[(op, role)] == 0]
    assert not skipped, f"operations the fuzzer did not run: {skipped}"
