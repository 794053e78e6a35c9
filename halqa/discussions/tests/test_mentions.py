"""A mention emails the person, through the task queue after commit, in their own language."""

import re

import pytest
from django.urls import reverse

from halqa.discussions import services
from halqa.discussions.models import Mention, Post

pytestmark = pytest.mark.django_db


def text_of(message) -> str:
    return message.get_body(preferencelist=("plain",)).get_content()


def post_through_the_page(client, thread, body, capture):
    with capture(execute=True):
        response = client.post(reverse("discussions:create", args=[thread.pk]), {"body": body})
    assert response.status_code == 302, response.content.decode()[:500]
    return Post.objects.latest("id")


def test_the_mentioned_person_gets_an_email_in_their_language(
    world, login, thread, smtp_server, run_tasks, django_capture_on_commit_callbacks
):
    world.colleague.preferred_language = "ru"
    world.colleague.save()
    body = f"@[Cyrus]({world.colleague.pk}), could you look at the **rubric**? @[Me]({world.teacher.pk})"
    post = post_through_the_page(login(world.teacher), thread, body, django_capture_on_commit_callbacks)
    assert smtp_server.messages == []  # sent by the worker, not inside the request

    run_tasks()

    assert [mail["to"] for mail in smtp_server.messages] == [[world.colleague.email]]  # not to the author
    message = smtp_server.messages[0]["message"]
    html = message.get_body(preferencelist=("html",)).get_content()
    assert 'lang="ru" dir="ltr"' in html  # rendered under translation.override("ru")
    body_text = text_of(message)
    assert f"http://127.0.0.1:8000/schools/{world.school.pk}/#post-{post.pk}" in body_text
    assert "rubric" in body_text and "**" not in body_text
    assert world.school.name in message["Subject"]


def test_a_right_to_left_reader_gets_a_right_to_left_email(
    world, thread, smtp_server, run_tasks, django_capture_on_commit_callbacks
):
    world.colleague.preferred_language = "fa"
    world.colleague.save()
    with django_capture_on_commit_callbacks(execute=True):
        services.add_post(world.teacher, thread, f"@[C]({world.colleague.pk})")
    run_tasks()
    html = smtp_server.messages[0]["message"].get_body(preferencelist=("html",)).get_content()
    assert 'lang="fa" dir="rtl"' in html


def test_people_who_may_not_be_mentioned_get_nothing(
    world, login, thread, smtp_server, run_tasks, django_capture_on_commit_callbacks
):
    body = f"@[Fatima]({world.foreign_teacher.pk}) @[Olga]({world.other_teacher.pk})"
    post = post_through_the_page(login(world.teacher), thread, body, django_capture_on_commit_callbacks)
    run_tasks()
    assert smtp_server.messages == []
    assert not Mention.objects.filter(post=post).exists()
    assert "/people/" not in post.body_html


def test_an_edit_tells_only_the_newly_mentioned(
    world, login, thread, smtp_server, run_tasks, django_capture_on_commit_callbacks
):
    client = login(world.teacher)
    post = post_through_the_page(client, thread, f"@[C]({world.colleague.pk})", django_capture_on_commit_callbacks)
    run_tasks()
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            reverse("discussions:edit", args=[post.pk]),
            {"body": f"@[C]({world.colleague.pk}) and @[P]({world.principal.pk})"},
        )
    assert response.status_code == 302
    run_tasks()
    assert [mail["to"] for mail in smtp_server.messages] == [[world.colleague.email], [world.principal.email]]


def test_nothing_is_sent_for_a_post_deleted_before_the_worker_ran(
    world, thread, smtp_server, run_tasks, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        post = services.add_post(world.teacher, thread, f"@[C]({world.colleague.pk})")
    services.delete_post(world.teacher, post)
    run_tasks()
    assert smtp_server.messages == []


def test_the_link_in_the_email_opens_the_post(
    world, login, thread, smtp_server, run_tasks, django_capture_on_commit_callbacks
):
    post = post_through_the_page(
        login(world.teacher), thread, f"@[P]({world.principal.pk})", django_capture_on_commit_callbacks
    )
    run_tasks()
    link = re.search(r"https?://\S+#post-\d+", text_of(smtp_server.messages[0]["message"])).group(0)
    assert link.endswith(f"#post-{post.pk}")
