"""Text that is not text is refused where it enters (halqa.core.input), for every page and endpoint.

Before: a lone surrogate escape ("\\ud800") in a choice field gave 500 on every API write (the
message echoed it and the answer could not be encoded); a JSON document nested too deeply gave 500;
on PostgreSQL a NUL in an address, a search box or the session cookie gave 500.
"""

from __future__ import annotations

import json

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.urls import reverse
from django.utils import translation
from django.utils.translation import gettext

from halqa.communities.tests.factories import CommunityFactory
from halqa.core.input import HostileInput, check_document

pytestmark = pytest.mark.django_db

SURROGATE_MESSAGE = "The request body contains %(escape)s, an unpaired surrogate, which is not a valid character."
ADDRESS_NUL = "The address contains a NUL character, which cannot be processed."
FORM_NUL = "The form contains a NUL character, which cannot be processed. Remove it and try again."
ADDRESS_NOT_UTF8 = "The address contains characters that are not valid text (UTF-8)."


@pytest.fixture
def api(world):
    client = Client()
    client.force_login(world.teacher)
    return client


@pytest.fixture
def community(world):
    return CommunityFactory(school=world.school, facilitator=world.teacher)


def send_json(client, method: str, url: str, raw: str, **extra):
    """`raw` is sent as it is: json.dumps would escape a lone surrogate the same way."""
    return getattr(client, method)(url, data=raw.encode(), content_type="application/json", **extra)


# --- Lone surrogates in JSON ---------------------------------------------------------------------


def test_a_lone_surrogate_in_a_choice_field_is_refused_and_nothing_changes(api, world):
    before = world.teacher.calendar
    response = send_json(api, "patch", "/api/v1/me/", '{"calendar": "\\ud800"}')
    assert response.status_code == 400
    assert response.json() == {"detail": SURROGATE_MESSAGE % {"escape": "\\ud800"}}
    world.teacher.refresh_from_db()
    assert world.teacher.calendar == before


@pytest.mark.parametrize(
    ("method", "url", "raw"),
    [
        ("post", "/api/v1/communities/", '{"name": "Readers", "topic": "Reading", "format": "\\udfff"}'),
        ("post", "/api/v1/invitations/", '{"school": 1, "email": "a@example.org", "position": "\\ud800"}'),
        ("patch", "/api/v1/me/", '{"\\ud800": "a key is refused too"}'),
        ("patch", "/api/v1/me/", '{"subjects": ["math", "x\\udc00y"]}'),
        ("patch", "/api/v1/me/", '{"display_name": "Tala", "bio": {"deep": [["\\ud83d"]]}}'),
    ],
)
def test_a_lone_surrogate_anywhere_in_the_document_is_refused(api, method, url, raw):
    response = send_json(api, method, url, raw)
    assert response.status_code == 400
    assert "unpaired surrogate" in response.json()["detail"]


def test_a_surrogate_pair_is_an_ordinary_character(api, world):
    """ "\\ud83d\\ude00" is one character (😀), and Persian text keeps its zero-width non-joiner."""
    response = send_json(
        api,
        "patch",
        "/api/v1/me/",
        '{"bio": "\\ud83d\\ude00 \\u0645\\u06cc\\u200c\\u062e\\u0648\\u0627\\u0647\\u0645"}',
    )
    assert response.status_code == 200, response.content
    world.teacher.refresh_from_db()
    assert world.teacher.bio == "😀 می\u200cخواهم"


def test_the_refusal_speaks_the_callers_language(api, world):
    """A signed-in caller hears their own language (their profile's, as on every page)."""
    world.teacher.preferred_language = "fa"
    world.teacher.save(update_fields=["preferred_language"])
    response = send_json(api, "patch", "/api/v1/me/", '{"calendar": "\\ud800"}', HTTP_ACCEPT_LANGUAGE="ru")
    with translation.override("fa"):
        expected = gettext(SURROGATE_MESSAGE) % {"escape": "\\ud800"}
    assert response.json() == {"detail": expected}


# --- NUL and other bodies the API cannot read ------------------------------------------------------


def test_a_nul_in_json_is_refused(api, world):
    response = send_json(api, "patch", "/api/v1/me/", '{"bio": "a\\u0000b"}')
    assert response.status_code == 400
    assert "NUL" in response.json()["detail"]
    world.teacher.refresh_from_db()
    assert world.teacher.bio == ""


def test_a_document_nested_too_deeply_is_refused(api):
    response = send_json(api, "patch", "/api/v1/me/", "[" * 100_000 + "]" * 100_000)
    assert response.status_code == 400
    assert response.json() == {"detail": "The request body is nested too deeply."}


def test_a_nul_in_an_api_form_body_is_refused(api):
    response = api.patch("/api/v1/me/", data="bio=a%00b", content_type="application/x-www-form-urlencoded")
    assert response.status_code == 400
    assert response.json() == {"detail": FORM_NUL}


def test_a_nul_in_a_multipart_api_field_is_refused(api, world, community, settings, tmp_path):
    from halqa.discussions import services as discussion_services

    settings.MEDIA_ROOT = tmp_path
    post = discussion_services.add_post(world.teacher, discussion_services.thread_for(community), "Hello.")
    upload = SimpleUploadedFile("notes.txt", b"some notes", content_type="text/plain")
    response = api.post(f"/api/v1/posts/{post.pk}/attachments/", {"file": upload, "note\x00": "x"})
    assert response.status_code == 400
    assert response.json() == {"detail": FORM_NUL}
    assert post.attachments.count() == 0


def test_check_document_walks_a_deep_document_without_recursing():
    document: list = ["fine"]
    for _level in range(50_000):
        document = [document]
    check_document(document)
    document[0] = {"key": "\x00"}
    with pytest.raises(HostileInput):
        check_document(document)


# --- NUL in addresses, query strings, forms and cookies (500 on PostgreSQL before) ----------------


@pytest.mark.parametrize(
    "url", ["/verify/AB%00CD/", "/communities/?q=a%00b", "/people/?q=%00", "/people/?%00=x", "/schools/?q=%00"]
)
def test_a_nul_in_a_page_address_gets_a_page_that_says_so(api, url):
    response = api.get(url)
    assert response.status_code == 400
    assert response["Content-Type"].startswith("text/html")
    assert ADDRESS_NUL in response.content.decode()
    assert "Content-Security-Policy" in response  # the usual headers still apply


@pytest.mark.parametrize(
    "url", ["/api/v1/verify/AB%00CD/", "/api/v1/communities/?q=a%00b", "/api/v1/people/?q=%00", "/api/v1/me/?x=%00"]
)
def test_a_nul_in_an_api_address_gets_a_json_error(api, url):
    response = api.get(url)
    assert response.status_code == 400
    assert response.json() == {"detail": ADDRESS_NUL}


def test_anyone_checking_a_decision_with_a_nul_gets_400(client):
    assert client.get("/verify/AB%00CD/").status_code == 400
    assert client.get("/api/v1/verify/AB%00CD/").status_code == 400


def test_the_mention_lookup_refuses_a_nul(api, community):
    from halqa.discussions import services as discussion_services

    thread = discussion_services.thread_for(community)
    url = reverse("discussions:mentionable", args=[thread.pk])
    assert api.get(url, {"q": "Tala"}).status_code == 200
    response = api.get(url, {"q": "Ta\x00la"})
    assert response.status_code == 400


def test_a_nul_in_a_page_form_is_refused_before_the_view(client, world):
    response = client.post(reverse("account_login"), {"login": f"{world.teacher.email}\x00", "password": "x"})
    assert response.status_code == 400
    assert FORM_NUL in response.content.decode()


def test_a_nul_in_a_multipart_page_form_is_refused(api, community, settings, tmp_path):
    from halqa.discussions import services as discussion_services
    from halqa.discussions.models import Post

    settings.MEDIA_ROOT = tmp_path
    thread = discussion_services.thread_for(community)
    upload = SimpleUploadedFile("notes.txt", b"some notes", content_type="text/plain")
    response = api.post(reverse("discussions:create", args=[thread.pk]), {"body": "Hi\x00", "files": upload})
    assert response.status_code == 400
    assert not Post.objects.filter(thread=thread).exists()


def test_a_session_cookie_holding_a_nul_is_ignored(client):
    client.cookies["sessionid"] = "\x00abcdefghijklmnop"
    response = client.get("/communities/")
    assert response.status_code == 302  # to sign in, as for anyone without a session


def test_the_refusal_page_speaks_the_visitors_language(client):
    response = client.get("/verify/AB%00CD/", HTTP_ACCEPT_LANGUAGE="ar")
    assert response["Content-Language"] == "ar"
    assert 'lang="ar" dir="rtl"' in response.content.decode()


# --- Text that is not UTF-8 ------------------------------------------------------------------------


@pytest.mark.parametrize("query", ["q=%ED%A0%80", "q=%FF", "q=%C3"])
def test_a_query_string_that_is_not_utf8_is_refused(api, query):
    """Django would quietly read "\ufffd" for these; %ED%A0%80 is how a lone surrogate looks in UTF-8."""
    response = api.get(f"/communities/?{query}")
    assert response.status_code == 400
    assert ADDRESS_NOT_UTF8 in response.content.decode()
    response = api.get(f"/api/v1/communities/?{query}")
    assert response.json() == {"detail": ADDRESS_NOT_UTF8}


def test_a_form_body_that_is_not_utf8_is_refused(client):
    response = client.post(
        reverse("account_login"), data="login=a%FFb&password=x", content_type="application/x-www-form-urlencoded"
    )
    assert response.status_code == 400


def test_a_path_that_is_not_utf8_names_nothing(api):
    """Django keeps such bytes percent-encoded in the path, so no object is named by them."""
    assert api.get("/verify/AB%ED%A0%80/").status_code == 404
    assert api.get("/api/v1/verify/%FF/").status_code == 404


def test_ordinary_input_passes(api):
    assert api.get("/communities/", {"q": "می\u200cخواهم"}).status_code == 200
    assert api.get("/api/v1/communities/", {"q": "Ünïcödé +1"}).status_code == 200


def test_the_schema_still_documents_json_bodies_only(client):
    schema = client.get("/api/v1/schema/", HTTP_ACCEPT="application/vnd.oai.openapi+json").json()
    body = schema["paths"]["/api/v1/me/"]["patch"]["requestBody"]["content"]
    assert list(body) == ["application/json"]
    assert json.dumps(schema)  # and it is served as before
