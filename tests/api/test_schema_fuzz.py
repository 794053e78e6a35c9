"""The API is fuzzed against its own OpenAPI schema.

Schemathesis loads the schema the application serves (/api/v1/schema/) and drives every operation in
it through the WSGI application. For every operation Hypothesis draws HALQA_FUZZ_EXAMPLES (default 50)
examples mixing valid ("positive") and invalid ("negative") input, and each example is sent by every
role: teacher, principal, parent, student and district admin, each with an API token, and anonymous.
Generated text includes NUL, and one example in six gets a lone surrogate ("\\ud800" in its JSON body,
%ED%A0%80 in its query): these must be refused with a 4xx (halqa.core.input), never a 5xx.
Every answer is checked against the schema. Each operation is a subtest, so one failing operation does
not hide the others; after them, the same test fails if an operation of its share was not fuzzed
for every role (in the same process, so also under xdist). The operations are dealt round-robin into
SHARDS tests, so that xdist spreads them over its processes. Each shard records its totals as a
property of its report; conftest.py adds them up into one line at the end of the run, with how many
examples carried a NUL and how many a lone surrogate.

Only schemathesis' public API is used: the loader, `schema[path][method]`, `as_strategy`, hooks
registered on the loaded schema, `call_and_validate` with checks named in the config plus checks
of our own (functions of ctx, response, case), and the case's `meta`.

Generation is derandomized, so a run is reproducible; ask for more with e.g.
HALQA_FUZZ_EXAMPLES=500 .venv/bin/python -m pytest tests/api -n 0 -q

The world (people in every role, see conftest.py) plus invitations, communities and a discussion are
created once. Every request runs in a savepoint that is rolled back: requests do not see each other's
writes, and a failure replays against the same data while Hypothesis shrinks it.
"""

from __future__ import annotations

import functools
import json
import os
import re
from collections import Counter
from types import SimpleNamespace

import hypothesis
import pytest
import schemathesis
from django.conf import settings
from django.core import signals, validators
from django.db import close_old_connections, transaction
from django.test import Client
from django.utils import translation
from hypothesis import HealthCheck
from hypothesis import strategies as st
from rest_framework import fields, relations

from halqa.accounts.services import create_api_token
from halqa.core.testing import authz
from halqa.wsgi import application

EXAMPLES = int(os.environ.get("HALQA_FUZZ_EXAMPLES", "50"))
SHARDS = 4  # tests the operations are dealt into (every SHARDS-th operation of the schema each)
ROLES = ("teacher", "principal", "parent", "student", "district_admin", "anonymous")
SCHEMA_URL = "/api/v1/schema/"
HTTP_METHODS = ("get", "put", "post", "patch", "delete", "head", "options", "trace")

# Operations that deliberately accept input the schema calls invalid, and why: negative_data_rejection
# is turned off for them in CONFIG.
LENIENT = {
    "GET /api/v1/people/": (
        "the directory ignores filter values it does not know, as the people page does "
        "(halqa/accounts/tests/test_api.py::test_unknown_filter_values_are_ignored)"
    ),
}

pytestmark = pytest.mark.django_db

# The checks, and why:
# - not_a_server_error: no 5xx, ever.
# - status_code_conformance, content_type_conformance, response_schema_conformance,
#   response_headers_conformance: every answer, errors included, is documented with its body
#   (halqa/api/schema.py documents the 400/401/403/404 answers of every operation).
# - negative_data_rejection: input the schema calls invalid gets a 4xx (off for the LENIENT operations).
# - valid_input_is_accepted (below; in place of schemathesis' positive_data_acceptance): input the
#   schema calls valid is not refused for its form. A 400 that a service gives for the state of the
#   data ("already answered", "not a member", "a signed decision cannot be changed") is correct.
# - hostile_text_is_refused (below): NUL and lone surrogates get a 4xx.
# - unsupported_method, allow_header_conformance: an undeclared method gets 405 with `Allow`, and
#   `Allow` agrees with the schema. (Both fire on the requests that schemathesis' coverage phase makes;
#   the fuzzing phase used here makes none, so test_undeclared_methods_are_refused checks them.)
# Left out: missing_required_header (no operation declares a required header), use_after_free and
# ensure_resource_availability (they need stateful sequences; every example here is rolled back),
# ignored_auth (the anonymous role checks this on every example), object_level_authorization (who
# sees what is tested per role in halqa/*/tests), max_response_time (timing makes CI flaky).
CHECKS = (
    "not_a_server_error",
    "status_code_conformance",
    "content_type_conformance",
    "response_schema_conformance",
    "response_headers_conformance",
    "negative_data_rejection",
)
CONFIG = {
    "generation": {
        "with-security-parameters": False,  # credentials come from the role
        # NUL in any generated text: refused with 400 where input enters (halqa.core.input), never a 500.
        "allow-x00": True,
    },
    "checks": {"enabled": False, **{name: {"enabled": True} for name in CHECKS}},
    "operations": [
        {"include-name": name, "checks": {"negative_data_rejection": {"enabled": False}}} for name in LENIENT
    ],
}


# --- Input the schema calls valid is not refused for its form ----------------------------------------


def message_pattern(template) -> re.Pattern:
    """A DRF or Django error message, its placeholders ({max_length}, %(limit_value)d) matching anything."""
    parts = re.split(r"\{[a-z_]+\}|%\([a-z_]+\)[sdr]", str(template))
    return re.compile(".*".join(re.escape(part) for part in parts), re.DOTALL)


def form_messages() -> list[re.Pattern]:
    """What DRF and Django say about the form of a value (its type, length, range, format, choice), in
    every language of the site: the answer speaks the caller's."""
    templates = set()
    for module in (fields, relations):
        for field in vars(module).values():
            if isinstance(field, type) and issubclass(field, fields.Field):
                messages = getattr(field, "default_error_messages", {})
                # "Object does not exist" is about the data, not the form.
                templates.update(message for key, message in messages.items() if key != "does_not_exist")
    for validator in (
        validators.URLValidator,
        validators.EmailValidator,
        validators.MaxLengthValidator,
        validators.MinLengthValidator,
        validators.MaxValueValidator,
        validators.MinValueValidator,
        validators.ProhibitNullCharactersValidator,
        validators.RegexValidator,
    ):
        templates.add(validator.message)
    templates.update(validators.DecimalValidator.messages.values())
    patterns = []
    for language, _name in settings.LANGUAGES:
        with translation.override(language):
            patterns += [message_pattern(template) for template in templates]
    return patterns


FORM_MESSAGES = form_messages()


def messages_in(body) -> list[str]:
    if isinstance(body, str):
        return [body]
    if isinstance(body, list):
        return [message for item in body for message in messages_in(item)]
    if isinstance(body, dict):
        return [message for item in body.values() for message in messages_in(item)]
    return []


def valid_input_is_accepted(ctx, response, case):
    if case.meta is None or not case.meta.generation.mode.is_positive or response.status_code != 400:
        return None
    try:
        body = json.loads(response.content)
    except ValueError:
        body = response.content.decode(errors="replace")
    about_form = [text for text in messages_in(body) if any(p.fullmatch(text) for p in FORM_MESSAGES)]
    if about_form:
        raise AssertionError(
            "Input the schema calls valid was refused for its form, so the schema is looser than the "
            f"view: {about_form}"
        )
    return None


# --- Text that is not text: NUL and lone surrogates ---------------------------------------------------
# Hypothesis writes NUL into generated text (allow-x00 above) but never a lone surrogate (U+D800 to
# U+DFFF: no character, so no codec will encode one). A client can still send one: JSON spells it
# as an escape ("\ud800"), and a query string as the bytes UTF-8 would give it (%ED%A0%80). One
# example in HOSTILE_SHARE gets one, in a string of its JSON body (a value or a key) or in a query
# parameter. Such input must be refused with a 4xx, whoever sends it, and never answer 5xx.

SURROGATES = ("\ud800", "\udfff", "\udc00", "\ud83d")  # the last: an emoji's first half, alone
HOSTILE_SHARE = 6


def text_slots(body) -> list[tuple]:
    """Where a string sits in a JSON body: (container, key or index, "key" | "value")."""
    slots, pending = [], [(None, None, body)]
    while pending:
        container, place, item = pending.pop()
        if isinstance(item, str) and container is not None:
            slots.append((container, place, "value"))
        elif isinstance(item, dict):
            for key, value in item.items():
                slots.append((item, key, "key"))
                pending.append((item, key, value))
        elif isinstance(item, list):
            pending.extend((item, index, value) for index, value in enumerate(item))
    return slots


def with_surrogate(text: str, surrogate: str, position: int) -> str:
    position %= len(text) + 1
    return text[:position] + surrogate + text[position:]


def add_lone_surrogate(case, slot: int, surrogate: str, position: int):
    """The case with a lone surrogate in one of its strings (the JSON body's, or a query value's as
    the bytes that UTF-8 would give it, since a query is bytes), or as it was if it has none."""
    slots = []
    if case.media_type == "application/json" and isinstance(case.body, dict | list):
        slots += [("body", *place) for place in text_slots(case.body)]
    if isinstance(case.query, dict):
        slots += [("query", case.query, name, "value") for name, value in case.query.items() if isinstance(value, str)]
    if not slots:
        return case
    # Schemathesis revalidates an edited case against the schema, and its validator cannot read a lone
    # surrogate: settle the edits made so far (steering), freeze the labels, and edit the containers
    # in place (assigning one would mark it for revalidation again).
    case.meta  # noqa: B018
    case.freeze_metadata()
    _where, container, place, kind = slots[slot % len(slots)]
    if container is case.query:
        container[place] = with_surrogate(container[place], surrogate, position).encode("utf-8", "surrogatepass")
    elif kind == "key":
        container[with_surrogate(place, surrogate, position)] = container.pop(place)
    else:
        container[place] = with_surrogate(container[place], surrogate, position)
    return case


def send_lone_surrogates(context, strategy):
    operation = context.operation
    if not len(operation.query) and "application/json" not in [body.media_type for body in operation.body]:
        return strategy  # nowhere to put one (and no extra choices, so Hypothesis can still run out of inputs)
    draw = st.tuples(
        st.integers(min_value=0, max_value=HOSTILE_SHARE - 1),
        st.integers(min_value=0, max_value=1_000),
        st.sampled_from(SURROGATES),
        st.integers(min_value=0, max_value=1_000),
    )

    def maybe(case, drawn):
        chance, slot, surrogate, position = drawn
        return add_lone_surrogate(case, slot, surrogate, position) if chance == HOSTILE_SHARE - 1 else case

    return strategy.flatmap(lambda case: draw.map(lambda drawn: maybe(case, drawn)))


def hostile_text(case) -> set[str]:
    """Which of "NUL" and "lone surrogate" the request carries as text: in its path, its query, its
    JSON body (keys included). A file's bytes in a multipart body, or raw bytes sent as JSON, are not
    text."""
    found = set()
    items = [*(case.path_parameters or {}).values()]
    for name, value in (case.query or {}).items():
        if value is None or value == []:  # werkzeug sends nothing for these, not even the name
            continue
        if isinstance(value, bytes):  # only add_lone_surrogate makes these: a surrogate's UTF-8 form
            found.add("lone surrogate")
            value = value.decode("utf-8", "surrogatepass")
        elif isinstance(value, dict):  # werkzeug sends an object as its Python repr: a NUL in it is "\\x00"
            value = str(value)
        elif isinstance(value, list):  # each item as one value, an object as its repr
            value = [str(item) if isinstance(item, dict | list) else item for item in value if item is not None]
        items += [name, value]
    if case.media_type == "application/json" and isinstance(case.body, dict | list | str):
        items.append(case.body)
    while items:
        item = items.pop()
        if isinstance(item, str):
            if "\x00" in item:
                found.add("NUL")
            if any("\ud800" <= character <= "\udfff" for character in item):
                found.add("lone surrogate")
        elif isinstance(item, dict):
            items += [*item.keys(), *item.values()]
        elif isinstance(item, list):
            items += item
    return found


def hostile_text_is_refused(ctx, response, case):
    found = hostile_text(case)
    if found and not 400 <= response.status_code < 500:
        raise AssertionError(
            f"A request with {' and '.join(sorted(found))} was answered {response.status_code}: path "
            f"{case.path_parameters!r}, query {case.query!r}, body {case.body!r}"
        )
    return None


# --- Steering: schema-valid ids that name objects of the world ---------------------------------------
# A generated integer id is nearly always unknown, and the answer is a 404 before the view looks at
# the body. Half of the examples get their valid path ids (and some body references) drawn from the
# objects of the current test, so reading, changing and inviting are exercised for real. A path
# parameter draws from the pool named by the path segment before it: /communities/{community_pk}/
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

    def pick(i: int):
        values = POOLS.get(pool)
        return values[i % len(values)] if values else None

    return st.one_of(st.none(), st.integers(min_value=0, max_value=255).map(pick))


def valid_part(case, location: str) -> bool:
    """Whether a part of the request ("path", "body") was generated valid, or not generated."""
    return case.meta is None or not case.meta.is_negative_at(location)


def steer_towards_existing_objects(context, strategy):
    operation = context.operation
    parameters = path_pools(operation.path)
    references = BODY_REFERENCES.get(operation.label, {})
    if not parameters and not references:
        return strategy

    def steer(case):
        # Only a valid part is steered: an invalid path id stays invalid, while a valid id next to an
        # invalid body now names an object, so the body reaches the serializer instead of a 404.
        path_ok = valid_part(case, "path")
        body_ok = valid_part(case, "body")
        path = st.fixed_dictionaries({name: from_pool(pool) for name, pool in parameters.items() if path_ok})
        body = st.fixed_dictionaries({name: from_pool(pool) for name, pool in references.items() if body_ok})
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


# --- Empty query values ------------------------------------------------------------------------------
# DRF's pagination and django-filter read an empty query value (`?page=`, `?q=`) as not given: the
# first page, the whole list. OpenAPI 3 has no good way to say a value may be empty (allowEmptyValue
# is deprecated), so the schema's `integer` for `page` would call `?page=` invalid and expect a 4xx.
# The examples leave empty values out instead.


def leave_out_empty_query_values(context, query):
    if not query:
        return query
    return {name: value for name, value in query.items() if value not in ("", [""])}


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
    withdrawn = org_services.invite(actor=w.principal, school=w.school, email="gone@example.org", position="parent")
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
    library = build_library(w)

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
        **library,
    }


def build_library(w) -> dict[str, list]:
    """A product in review by the teacher (the principal its reviewer, with a comment on a passage),
    with a production plan, and the school's own rubric: the pools of the library's operations."""
    import datetime as dt

    from django.utils import timezone

    from halqa.library import comments, plan, rubrics
    from halqa.library import services as library

    body = "Start the exit ticket at minute thirty."
    product = library.start(actor=w.teacher, title="Exit tickets", language="en", body=body, school=w.school)
    library.submit(product, actor=w.teacher)
    library.assign(product, actor=w.principal, reviewer=w.principal)
    today = timezone.localdate()
    steps = [
        plan.add_step(product, actor=w.teacher, title=title, due=today + dt.timedelta(days=days))
        for title, days in (("Outline", 3), ("Full text", 9))
    ]
    comment = comments.add_comment(product, actor=w.principal, body="Why then?", quote="minute thirty")
    comments.reply(comment, actor=w.teacher, body="Attention drops after it.")
    rubric = rubrics.own_rubric(w.principal, school=w.school)
    return {
        "products": [product.pk],
        "steps": [step.pk for step in steps],
        "comments": [comment.pk],
        "rubrics": [rubrics.default_rubric().pk, rubric.pk],
        "criteria": list(rubric.criteria.values_list("pk", flat=True)),
    }


@pytest.fixture
def callers(world, monkeypatch, settings, tmp_path):
    """One caller per role, with the world's objects in the steering pools."""
    settings.MEDIA_ROOT = tmp_path / "media"  # attachments, should an upload get through
    # Django's test client detaches closing the connection from the request signals; without that the
    # WSGI handler would close the test's connection, and its transaction, after the first request.
    signals.request_started.disconnect(close_old_connections)
    signals.request_finished.disconnect(close_old_connections)
    # Random requests are not deliberate authorization tests: keep them out of the route gate.
    monkeypatch.setattr(authz.Recorder, "record", classmethod(lambda cls, route, kind: None))
    POOLS.update(build_world_extras(world))
    callers = []
    for role in ROLES:
        headers = {}
        if role != "anonymous":
            person = getattr(world, role)
            headers["Authorization"] = f"Token {create_api_token(person, actor=person, name='fuzz')[1]}"
        callers.append(SimpleNamespace(role=role, headers=headers))
    yield callers
    POOLS.clear()
    signals.request_started.connect(close_old_connections)
    signals.request_finished.connect(close_old_connections)


@functools.cache
def api_schema():
    """The schema the application serves, loaded once."""
    loaded = schemathesis.openapi.from_wsgi(SCHEMA_URL, application, config=schemathesis.Config.from_dict(CONFIG))
    loaded.hook("map_query")(leave_out_empty_query_values)
    loaded.hook("before_generate_case")(steer_towards_existing_objects)
    loaded.hook("before_generate_case")(send_lone_surrogates)
    return loaded


STATS: Counter = Counter()  # (operation, role, mode) → examples run
ANSWERS: Counter = Counter()  # status class ("2xx", "4xx") → answers
FAILED: set[tuple[str, str]] = set()  # (operation, role) with a failing example
HOSTILE: Counter = Counter()  # "NUL", "lone surrogate" → examples (per caller) carrying it

MODES = (schemathesis.GenerationMode.POSITIVE, schemathesis.GenerationMode.NEGATIVE)
HYPOTHESIS = hypothesis.settings(
    max_examples=EXAMPLES,
    derandomize=True,  # the same examples on every run and machine
    database=None,  # and nothing replayed from earlier runs
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow, HealthCheck.filter_too_much],
    phases=[hypothesis.Phase.explicit, hypothesis.Phase.generate, hypothesis.Phase.shrink],
)


def allows_anonymous(raw_operation: dict) -> bool:
    return {} in (raw_operation.get("security") or [{}])


def send(case, caller) -> None:
    """One request, checked; in a savepoint that is rolled back."""
    try:
        with transaction.atomic():
            try:
                response = case.call_and_validate(
                    headers=caller.headers,
                    additional_checks=[valid_input_is_accepted, hostile_text_is_refused],
                )
            finally:
                transaction.set_rollback(True)
        ANSWERS[f"{response.status_code // 100}xx"] += 1
        if caller.role == "anonymous" and case.operation.label not in anonymous_operations():
            # Without credentials nothing is read or changed, whatever the input (a 404 only for a
            # path no route matches, such as /api/v1/schools/1.5/; a 400 for text that is not text
            # in the path or query, refused before anyone is asked who they are).
            refused = (401, 403, 404, 400) if hostile_text(case) else (401, 403, 404)
            assert response.status_code in refused, f"answered {response.status_code}"
    except BaseException as exc:
        FAILED.add((case.operation.label, caller.role))
        exc.add_note(f"Sent as: {caller.role}")
        raise


def fuzz(operation, callers) -> None:
    """HALQA_FUZZ_EXAMPLES examples of valid and invalid input for one operation, each sent by every
    caller (generating an example costs more than sending it)."""

    @HYPOTHESIS
    @hypothesis.given(case=st.one_of([operation.as_strategy(generation_mode=mode) for mode in MODES]))
    def example(case):
        hostile = hostile_text(case)
        for caller in callers:
            STATS[(operation.label, caller.role, case.meta.generation.mode.value)] += 1
            HOSTILE.update(hostile)
            send(case, caller)

    example()


# Each shard is its own xdist group (one group for all of them would put every shard in one process).
SHARD_PARAMS = [pytest.param(i, marks=pytest.mark.xdist_group(f"fuzz-{i}")) for i in range(SHARDS)]


@pytest.mark.parametrize("shard", SHARD_PARAMS)
def test_api_conforms_to_its_schema(shard, callers, subtests, record_property):
    for counter in (STATS, ANSWERS, FAILED, HOSTILE):
        counter.clear()
    schema = api_schema()
    labels = operations()[shard::SHARDS]
    for label in labels:
        with subtests.test(msg=label):
            method, path = label.split(" ", 1)
            fuzz(schema[path][method], callers)  # fails here if schemathesis cannot read the operation
    examples = examples_per_operation_and_role()
    record_property("fuzz", fuzz_totals(labels, examples))
    # Every operation of the share was fuzzed for every role. Checked here, after the subtests and in
    # the process that ran them, so xdist cannot separate the count from the examples. An operation
    # whose subtest failed has said so already.
    failed = {label for label, _role in FAILED}
    missed = [
        f"{label} as {role}"
        for label in labels
        if label not in failed
        for role in ROLES
        if examples[(label, role)] == 0
    ]
    assert not missed, "operations the fuzzer did not run:\n" + "\n".join(missed)


# --- Methods the schema does not declare --------------------------------------------------------------


def served_schema() -> dict:
    """The document the application serves, as schemathesis loaded it. (Not fetched with Django's test
    client: that would connect close_old_connections to the request signals again, and the next request
    through the WSGI application would close the test's database connection, on PostgreSQL.)"""
    return api_schema().raw_schema


def operations() -> list[str]:
    """Every operation of the served schema, as its label ("GET /api/v1/me/")."""
    return [
        f"{method.upper()} {path}"
        for path, item in served_schema()["paths"].items()
        for method in item
        if method in HTTP_METHODS
    ]


@functools.cache
def anonymous_operations() -> frozenset[str]:
    """The labels of the operations that ask for no credentials."""
    return frozenset(
        f"{method.upper()} {path}"
        for path, item in served_schema()["paths"].items()
        for method, operation in item.items()
        if method in HTTP_METHODS and allows_anonymous(operation)
    )


def test_undeclared_methods_are_refused(callers, subtests):
    """Every path answers a method it does not declare with 405 and an `Allow` header that lists the
    declared ones (HEAD and OPTIONS aside); anonymous callers are refused before that."""
    client = Client()
    for path, item in served_schema()["paths"].items():
        declared = {method.upper() for method in item if method in HTTP_METHODS}
        anonymous_allowed = any(allows_anonymous(op) for op in item.values() if isinstance(op, dict))
        url = path
        for name, pool in path_pools(path).items():
            url = url.replace(f"{{{name}}}", str((POOLS.get(pool) or [1])[0]))
        for method in sorted({"GET", "POST", "PUT", "PATCH", "DELETE"} - declared):
            for caller in callers:
                if caller.role not in ("teacher", "anonymous"):
                    continue
                with subtests.test(msg=f"{method} {path} as {caller.role}"):
                    headers = {f"HTTP_{name.upper()}": value for name, value in caller.headers.items()}
                    response = client.generic(method, url, content_type="application/json", **headers)
                    if caller.role == "anonymous" and not anonymous_allowed:
                        assert response.status_code in (401, 403), f"{method} {url}: {response.status_code}"
                        continue
                    assert response.status_code == 405, f"{method} {url}: {response.status_code}"
                    allowed = {name.strip() for name in response.get("Allow", "").split(",") if name.strip()}
                    assert allowed - {"HEAD", "OPTIONS"} == declared, f"{method} {url}: Allow: {response['Allow']}"


# --- Every operation, every role, and a summary -------------------------------------------------------


def examples_per_operation_and_role() -> Counter:
    examples = Counter()
    for (label, role, _mode), count in STATS.items():
        examples[(label, role)] += count
    return examples


def fuzz_totals(labels: list[str], examples: Counter) -> dict:
    """One shard's totals, for conftest.py to add up (plain JSON values: they cross xdist's wire).
    Hypothesis stops early when it has tried every input an operation takes (GET /api/v1/me/ takes
    none): such operations are listed under "small"."""
    failed = {label for label, _role in FAILED}
    fewest = {label: min(examples[(label, role)] for role in ROLES) for label in labels}
    return {
        "operations": len(labels),
        "shards": SHARDS,
        "roles": len(ROLES),
        "examples": sum(examples.values()),
        "answers": dict(ANSWERS),
        "nul": HOSTILE["NUL"],
        "lone_surrogate": HOSTILE["lone surrogate"],
        "failures": len(FAILED),
        "wanted": EXAMPLES,
        "small": [
            f"{label} ({count})" for label, count in fewest.items() if 0 < count < EXAMPLES and label not in failed
        ],
    }
