import pytest
from django.test import override_settings

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize("path", ["/", "/accounts/login/", "/healthz", "/api/v1/schema/", "/no-such-page/"])
def test_every_response_carries_the_security_headers(client, path):
    response = client.get(path)
    assert "default-src 'self'" in response["Content-Security-Policy"]
    assert "frame-ancestors 'none'" in response["Content-Security-Policy"]
    assert "base-uri 'none'" in response["Content-Security-Policy"]  # no injected <base> can move links
    assert response["X-Content-Type-Options"] == "nosniff"
    assert response["Referrer-Policy"] == "same-origin"
    assert response["X-Frame-Options"] == "DENY"


@override_settings(DEBUG=False)
def test_not_found_page_is_plain_and_has_no_debug_information(client):
    response = client.get("/no-such-page/")
    assert response.status_code == 404
    assert "Traceback" not in response.content.decode()
    assert "URLconf" not in response.content.decode()


def test_server_error_page_shows_no_stack_trace(client, settings):
    from django.urls import path

    def explode(request):
        raise RuntimeError("secret internals")

    import types

    urlconf = types.ModuleType("boom_urls")
    urlconf.urlpatterns = [path("boom/", explode)]
    settings.ROOT_URLCONF = urlconf
    settings.DEBUG = False
    client.raise_request_exception = False
    response = client.get("/boom/")
    assert response.status_code == 500
    body = response.content.decode()
    assert "Something went wrong" in body
    assert "secret internals" not in body
    assert "Traceback" not in body
