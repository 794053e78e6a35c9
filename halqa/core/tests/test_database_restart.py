"""The first request after the database server drops our connection is served, not a 500.

Production keeps connections open between requests (CONN_MAX_AGE). When PostgreSQL restarts, every
kept connection is dead; Django's health check (CONN_HEALTH_CHECKS) notices on the next request and
opens a new one. Here the server side of the connection is ended with pg_terminate_backend, which is
what a restart does to it.
"""

from __future__ import annotations

import pytest
from django.core.signals import request_started
from django.db import connection

pytestmark = pytest.mark.django_db(transaction=True)


def test_connections_are_health_checked():
    assert connection.settings_dict["CONN_HEALTH_CHECKS"] is True


@pytest.mark.skipif(connection.vendor != "postgresql", reason="needs a database server that can drop a connection")
def test_first_request_after_the_server_dropped_the_connection_succeeds(client, django_user_model, monkeypatch):
    import psycopg

    monkeypatch.setitem(connection.settings_dict, "CONN_MAX_AGE", 600)
    user = django_user_model.objects.create_user("kept@example.org", "x", display_name="Kept Connection")
    client.force_login(user)
    assert client.get("/people/").status_code == 200
    pid = connection.connection.info.backend_pid  # the connection the request left open

    params = connection.get_connection_params()
    with psycopg.connect(**{k: v for k, v in params.items() if k != "cursor_factory"}, autocommit=True) as other:
        other.execute("SELECT pg_terminate_backend(%s)", [pid])

    # Django's test client leaves out the request_started signal that the real WSGI handler sends at
    # the start of every request (and that runs close_old_connections); send it as the server would.
    request_started.send(sender=None)
    response = client.get("/people/")
    assert response.status_code == 200
    assert connection.connection.info.backend_pid != pid
