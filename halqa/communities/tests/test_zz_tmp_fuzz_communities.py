"""TEMPORARY (not to be committed): fuzz the communities operations with real objects."""
import itertools
import json
import os

import pytest
import schemathesis
from django.core import signals
from django.db import close_old_connections, transaction
from hypothesis import HealthCheck
from hypothesis import settings as hsettings
from rest_framework.authtoken.models import Token

from halqa.core.testing import authz
from halqa.wsgi import application
from halqa.communities.tests.test_api import plc  # noqa: F401

STATE = [
    "PUT /api/v1/communities/{id}/charter/", "PATCH /api/v1/communities/{id}/charter/",
    "POST /api/v1/communities/{id}/leave/", "POST /api/v1/communities/{id}/answer-invitation/",
    "PATCH /api/v1/communities/{id}/me/", "POST /api/v1/communities/{community_pk}/members/",
    "PATCH /api/v1/communities/{community_pk}/members/{id}/", "DELETE /api/v1/communities/{community_pk}/members/{id}/",
    "POST /api/v1/communities/{community_pk}/members/{id}/accept/", "POST /api/v1/communities/{community_pk}/members/{id}/decline/",
    "POST /api/v1/communities/{community_pk}/activities/", "PATCH /api/v1/communities/{community_pk}/activities/{id}/",
    "POST /api/v1/communities/{community_pk}/decisions/", "PATCH /api/v1/communities/{community_pk}/decisions/{id}/",
    "DELETE /api/v1/communities/{community_pk}/decisions/{id}/", "POST /api/v1/communities/{community_pk}/decisions/{id}/sign/",
]
P = ["2xx", "401", "403", "404", "409"]
CONFIG = schemathesis.Config.from_dict({
    "generation": {"with-security-parameters": False, "max-examples": int(os.environ.get("N", "25")), "deterministic": True, "database": "none", "allow-x00": False, "codec": "utf-8"},
    "phases": {"examples": {"enabled": True}, "coverage": {"enabled": True}, "fuzzing": {"enabled": True}, "stateful": {"enabled": False}},
    "checks": {"enabled": False, **{c: {"enabled": True} for c in ["not_a_server_error", "status_code_conformance", "content_type_conformance", "response_schema_conformance", "response_headers_conformance", "negative_data_rejection", "unsupported_method", "allow_header_conformance", "missing_required_header"]},
               "positive_data_acceptance": {"enabled": True, "expected-statuses": P}},
    "operations": [{"include-name": n, "checks": {"positive_data_acceptance": {"expected-statuses": [*P, "400"]}}} for n in STATE],
})
schema = schemathesis.openapi.from_wsgi("/api/v1/schema/", application, config=CONFIG).include(path_regex="communities|verify")
IDS = {}
COUNTER = itertools.count()


@pytest.fixture
def caller(plc, role, monkeypatch):  # noqa: F811
    signals.request_started.disconnect(close_old_connections)
    signals.request_finished.disconnect(close_old_connections)
    monkeypatch.setattr(authz.Recorder, "record", classmethod(lambda cls, route, kind: None))
    from halqa.communities.tests.factories import SignedDecisionFactory
    signed = SignedDecisionFactory(community=plc.community)
    IDS.update(communities=[plc.community.pk, plc.private.pk, plc.in_network.pk], goals=[plc.goal.pk], activities=[plc.activity.pk],
               decisions=[plc.draft.pk, signed.pk], members=list(plc.community.memberships.values_list("pk", flat=True)),
               verify=[signed.verification_code])
    headers = {}
    if role != "anonymous":
        headers["Authorization"] = f"Token {Token.objects.create(user=getattr(plc, role)).key}"
    yield headers
    signals.request_started.connect(close_old_connections)
    signals.request_finished.connect(close_old_connections)


def steer(case):
    n = next(COUNTER)
    if not case.meta.generation.mode.is_positive or n % 3 == 0:
        return
    segs = case.operation.path.strip("/").split("/")
    params = dict(case.path_parameters or {})
    for i, s in enumerate(segs):
        if s.startswith("{"):
            pool = IDS.get(segs[i - 1])
            if pool:
                params[s[1:-1]] = pool[n % len(pool)]
    case.path_parameters = params


@pytest.mark.parametrize("role", ["teacher", "colleague", "principal", "parent", "anonymous"])
@schema.parametrize()
@hsettings(deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])
def test_fuzz(case, caller, role):
    if "communities" not in case.operation.path and "verify" not in case.operation.path:
        return
    steer(case)
    with transaction.atomic():
        try:
            response = case.call_and_validate(headers=caller)
            with open(f"/tmp/halqa_comm_fuzz/status-{os.getpid()}.txt", "a") as fh:
                fh.write(f"{case.operation.label}|{role}|{case.meta.generation.mode.value}|{response.status_code}\n")
        except Exception as exc:
            for f in getattr(exc, "exceptions", [exc]):
                with open(f"/tmp/halqa_comm_fuzz/{os.getpid()}.jsonl", "a") as fh:
                    fh.write(json.dumps({"op": case.operation.label, "role": role, "mode": case.meta.generation.mode.value,
                                         "title": getattr(f, "title", type(f).__name__), "msg": str(getattr(f, "message", f))[:500],
                                         "curl": case.as_curl_command(headers=caller)[:700]}) + "\n")
            raise
        finally:
            transaction.set_rollback(True)
