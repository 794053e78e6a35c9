"""The discussions API: the same host policies and services as the pages, and an exact schema."""

import pytest
from drf_spectacular.validation import validate_schema
from rest_framework.test import APIClient

from halqa.discussions import services
from halqa.discussions.models import Attachment, Mention, Post

from .conftest import PDF, upload, write

pytestmark = pytest.mark.django_db


@pytest.fixture
def api():
    return APIClient()


@pytest.fixture
def as_(api, world):
    def sign_in(who):
        api.force_login(getattr(world, who))
        return api

    return sign_in


def thread_url(thread, tail: str = "") -> str:
    return f"/api/v1/threads/{thread.pk}/{tail}"


def post_url(post, tail: str = "") -> str:
    return f"/api/v1/posts/{post.pk}/{tail}"


# --- threads -----------------------------------------------------------------------------------


def test_readers_see_what_a_thread_is_about(world, as_, thread):
    response = as_("parent").get(thread_url(thread))
    assert response.status_code == 200
    assert response.json() == {
        "id": thread.pk,
        "host_type": "orgs.school",
        "title": "Al-Farabi School",
        "url": f"/schools/{world.school.pk}/",
        "created_at": response.json()["created_at"],
        "can_post": False,
        "can_moderate": False,
    }
    assert as_("principal").get(thread_url(thread)).json()["can_moderate"] is True


@pytest.mark.parametrize("path", ["", "posts/"])
def test_threads_are_hidden_from_strangers_and_visitors(world, api, as_, thread, path):
    assert api.get(thread_url(thread, path)).status_code in (401, 403)
    assert as_("foreign_teacher").get(thread_url(thread, path)).status_code == 404
    assert as_("teacher").get(f"/api/v1/threads/999999/{path}").status_code == 404
    assert as_("teacher").get(f"/api/v1/threads/abc/{path}").status_code == 404
    assert as_("teacher").get(f"/api/v1/threads/{'9' * 25}/{path}").status_code == 404


def test_posts_are_listed_oldest_first_with_everything(world, as_, thread):
    first = write(world.teacher, thread, f"Hi @[C]({world.colleague.pk})", files=[upload("a.png")])
    reply = write(world.colleague, thread, "Hello", parent=first)
    response = as_("parent").get(thread_url(thread, "posts/"))
    assert response.status_code == 200
    data = response.json()
    assert data["count"] == 2 and [p["id"] for p in data["results"]] == [first.pk, reply.pk]
    one = data["results"][0]
    assert one["author"] == {"id": world.teacher.pk, "display_name": "Teacher Tala"}
    assert one["mentions"] == [world.colleague.pk] and one["body"].startswith("Hi @[C]")
    assert one["attachments"][0]["name"] == "a.png"
    assert one["attachments"][0]["url"] == f"/discussions/attachments/{first.attachments.get().pk}/"
    assert data["results"][1]["parent"] == first.pk and data["results"][1]["depth"] == 1


def test_the_list_costs_the_same_queries_with_ten_times_the_posts(world, as_, thread, django_assert_max_num_queries):
    from halqa.core.testing.queries import count_queries

    from .test_pages import seed

    client = as_("teacher")
    people = [world.teacher, world.colleague, world.principal]
    seed(thread, people, 1)
    client.get(thread_url(thread, "posts/"))
    before, _response = count_queries(lambda: client.get(thread_url(thread, "posts/")))
    seed(thread, people, 10)
    with django_assert_max_num_queries(before):
        response = client.get(thread_url(thread, "posts/"))
    assert len(response.json()["results"]) == 25


# --- writing -----------------------------------------------------------------------------------


def test_staff_post_and_reply(world, as_, thread):
    client = as_("teacher")
    response = client.post(thread_url(thread, "posts/"), {"body": "**Hi**", "parent": None}, format="json")
    assert response.status_code == 201, response.json()
    post = Post.objects.get()
    assert response.json()["body_html"] == "<p><strong>Hi</strong></p>\n" and response.json()["id"] == post.pk
    reply = client.post(thread_url(thread, "posts/"), {"body": "Again", "parent": post.pk}, format="json")
    assert reply.status_code == 201 and reply.json()["parent"] == post.pk


@pytest.mark.parametrize(
    ("data", "field"),
    [
        ({}, "body"),
        ({"body": ""}, "body"),
        ({"body": "   "}, "body"),
        ({"body": "x" * 10_001}, "body"),
        ({"body": 42}, "body"),  # the schema says text: a JSON number is not (halqa/api/apps.py)
        ({"body": ["a list"]}, "body"),
        ({"body": {"an": "object"}}, "body"),
        ({"body": None}, "body"),
        ({"body": "Hi", "parent": "first"}, "parent"),
        ({"body": "Hi", "parent": -1}, "parent"),
        ({"body": "Hi", "parent": 2**64}, "parent"),
        ({"body": "Hi", "parent": 999_999}, "parent"),
    ],
)
def test_bad_input_is_a_400_and_nothing_is_written(world, as_, thread, data, field):
    response = as_("teacher").post(thread_url(thread, "posts/"), data, format="json")
    assert response.status_code == 400, response.json()
    assert field in response.json()
    assert not Post.objects.exists()


def test_a_body_that_is_not_json_is_a_400(world, as_, thread):
    response = as_("teacher").post(thread_url(thread, "posts/"), "{not json", content_type="application/json")
    assert response.status_code == 400 and not Post.objects.exists()


def test_a_reply_to_another_threads_post_is_refused(world, as_, thread, other_thread):
    elsewhere = write(world.other_principal, other_thread, "Ours")
    response = as_("teacher").post(thread_url(thread, "posts/"), {"body": "Hi", "parent": elsewhere.pk}, format="json")
    assert response.status_code == 400 and "not in this discussion" in response.json()["parent"][0]
    assert Post.objects.count() == 1


def test_writing_follows_the_policy(world, api, as_, thread):
    data = {"body": "Hi"}
    assert api.post(thread_url(thread, "posts/"), data, format="json").status_code in (401, 403)
    assert as_("parent").post(thread_url(thread, "posts/"), data, format="json").status_code == 403
    assert as_("parent").post(thread_url(thread, "posts/"), {}, format="json").status_code == 403  # no before yes
    assert as_("foreign_teacher").post(thread_url(thread, "posts/"), data, format="json").status_code == 404
    assert not Post.objects.exists()


# --- one post ----------------------------------------------------------------------------------


def test_one_post_for_readers_only(world, api, as_, thread):
    post = write(world.teacher, thread, "Hello")
    assert as_("parent").get(post_url(post)).json()["body"] == "Hello"
    assert as_("foreign_teacher").get(post_url(post)).status_code == 404
    assert api.logout() or True
    assert APIClient().get(post_url(post)).status_code in (401, 403)


def test_the_author_changes_a_post(world, as_, thread):
    post = write(world.teacher, thread, "Frist")
    response = as_("teacher").patch(post_url(post), {"body": f"First @[C]({world.colleague.pk})"}, format="json")
    assert response.status_code == 200
    assert response.json()["edited_at"] and response.json()["mentions"] == [world.colleague.pk]
    assert as_("teacher").patch(post_url(post), {}, format="json").status_code == 200  # nothing to change


@pytest.mark.parametrize("body", ["", "  ", "x" * 10_001, None, ["x"]])
def test_a_bad_change_is_a_400(world, as_, thread, body):
    post = write(world.teacher, thread, "Fine")
    assert as_("teacher").patch(post_url(post), {"body": body}, format="json").status_code == 400
    assert Post.objects.get(pk=post.pk).body == "Fine"


@pytest.mark.parametrize(("who", "status"), [("colleague", 403), ("principal", 403), ("foreign_teacher", 404)])
def test_nobody_else_changes_a_post(world, as_, thread, who, status):
    post = write(world.teacher, thread, "Mine")
    assert as_(who).patch(post_url(post), {"body": "Theirs"}, format="json").status_code == status
    assert Post.objects.get(pk=post.pk).body == "Mine"


@pytest.mark.parametrize("who", ["teacher", "principal"])
def test_author_or_moderator_deletes(world, as_, thread, who):
    post = write(world.teacher, thread, f"Bye @[C]({world.colleague.pk})")
    assert as_(who).delete(post_url(post)).status_code == 204
    post.refresh_from_db()
    assert post.is_deleted and not Mention.objects.exists()
    shown = as_("teacher").get(post_url(post)).json()
    assert shown["is_deleted"] is True and shown["body"] == "" and shown["body_html"] == ""


@pytest.mark.parametrize(("who", "status"), [("colleague", 403), ("parent", 403), ("foreign_teacher", 404)])
def test_others_cannot_delete(world, as_, thread, who, status):
    post = write(world.teacher, thread, "Stays")
    assert as_(who).delete(post_url(post)).status_code == status
    assert not Post.objects.get(pk=post.pk).is_deleted


def test_a_deleted_post_cannot_be_changed(world, as_, thread):
    post = write(world.teacher, thread, "Gone")
    services.delete_post(world.teacher, post)
    assert as_("teacher").patch(post_url(post), {"body": "Back"}, format="json").status_code == 400


# --- attachments -------------------------------------------------------------------------------


def attach(client, post, *files):
    return client.post(post_url(post, "attachments/"), {"file": list(files)}, format="multipart")


def test_the_author_attaches_files_one_at_a_time(world, as_, thread):
    post = write(world.teacher, thread, "Files follow")
    client = as_("teacher")
    assert attach(client, post, upload("a.png")).status_code == 201
    response = attach(client, post, upload("b.pdf", PDF))
    assert response.status_code == 201, response.json()
    assert [a["name"] for a in response.json()["attachments"]] == ["a.png", "b.pdf"]


@pytest.mark.parametrize(
    ("files", "message"),
    [
        ([upload("fake.pdf", b"<html>")], "“fake.pdf” is not really a .pdf file"),
        ([upload("tool.exe", b"MZ")], "“tool.exe” cannot be attached"),
        ([upload("empty.txt", b"")], "The submitted file is empty."),
        ([upload("a.png"), upload("b.png")], "Send one file per request."),
        ([], "No file was submitted."),
    ],
)
def test_bad_files_are_a_400_and_nothing_is_stored(world, as_, thread, media_root, files, message):
    post = write(world.teacher, thread, "Files follow")
    response = attach(as_("teacher"), post, *files)
    assert response.status_code == 400
    assert message in str(response.json()["file"])
    assert not Attachment.objects.exists()


def test_the_sixth_file_is_named(world, as_, thread):
    post = write(world.teacher, thread, "Files", files=[upload(f"p{n}.png") for n in range(5)])
    response = attach(as_("teacher"), post, upload("six.png"))
    assert response.status_code == 400
    assert response.json() == {"file": ["“six.png” was not attached: a post can have at most 5 files."]}


def test_json_is_not_a_file_upload(world, as_, thread):
    post = write(world.teacher, thread, "Files")
    response = as_("teacher").post(post_url(post, "attachments/"), {"file": "a.png"}, format="json")
    assert response.status_code == 415


@pytest.mark.parametrize(("who", "status"), [("colleague", 403), ("parent", 403), ("foreign_teacher", 404)])
def test_only_the_author_attaches(world, as_, thread, who, status):
    post = write(world.teacher, thread, "Mine")
    assert attach(as_(who), post, upload("a.png")).status_code == status
    assert attach(APIClient(), post, upload("a.png")).status_code in (401, 403)
    assert not Attachment.objects.exists()


# --- the schema --------------------------------------------------------------------------------


def test_the_schema_describes_every_discussion_operation(api):
    response = api.get("/api/v1/schema/", HTTP_ACCEPT="application/vnd.oai.openapi+json")
    assert response.status_code == 200
    schema = response.json()
    validate_schema(schema)
    operations = {
        (path, method)
        for path, item in schema["paths"].items()
        for method in item
        if "/threads/" in path or "/posts/" in path
    }
    assert operations == {
        ("/api/v1/threads/{id}/", "get"),
        ("/api/v1/threads/{id}/posts/", "get"),
        ("/api/v1/threads/{id}/posts/", "post"),
        ("/api/v1/posts/{id}/", "get"),
        ("/api/v1/posts/{id}/", "patch"),
        ("/api/v1/posts/{id}/", "delete"),
        ("/api/v1/posts/{id}/attachments/", "post"),
    }
    upload_body = schema["paths"]["/api/v1/posts/{id}/attachments/"]["post"]["requestBody"]["content"]
    assert list(upload_body) == ["multipart/form-data"]
    for path, method in operations:
        responses = schema["paths"][path][method]["responses"]
        assert {"403", "404"} <= set(responses), (path, method)
