"""The pages: `{% discussion host %}`, posting (plain and htmx), editing, deleting, the people picker.

Every route: who is let in, who is kept out (anonymous → sign in, stranger → 404, reader → 403),
bad input (400, nothing saved), and a query count that does not grow with ten times the posts.
"""

import datetime as dt

import pytest
from django.template import RequestContext, Template
from django.test import RequestFactory
from django.urls import reverse
from django.utils import timezone

from halqa.core.testing.queries import count_queries
from halqa.discussions import services
from halqa.discussions.models import Attachment, Mention, Post

from .conftest import PNG, upload, write

pytestmark = pytest.mark.django_db

HTMX = {"HTTP_HX_REQUEST": "true"}


def show(user, host, query: str = "") -> str:
    """The thread as the host's page would show it to `user`."""
    request = RequestFactory().get(f"/schools/{host.pk}/{query}")
    request.user = user
    return Template("{% load discussions %}{% discussion host %}").render(RequestContext(request, {"host": host}))


def create_url(thread):
    return reverse("discussions:create", args=[thread.pk])


def assert_sent_to_sign_in(response):
    assert response.status_code == 302 and response["Location"].startswith(reverse("account_login"))


# --- the template tag --------------------------------------------------------------------------


def test_staff_see_the_thread_and_the_form(world, host, thread):
    write(world.colleague, thread, "First **post**")
    html = show(world.teacher, host)
    assert f'id="discussion-{thread.pk}"' in html and "First <strong>post</strong>" in html
    assert f'action="{create_url(thread)}"' in html and 'hx-post="' in html
    assert "discussions/discussions.js" in html


def test_readers_see_the_thread_but_no_form(world, host, thread):
    write(world.colleague, thread, "Hello parents")
    html = show(world.parent, host)
    assert "Hello parents" in html and "You can read this discussion but not write in it." in html
    assert f'action="{create_url(thread)}"' not in html and ">Reply<" not in html


@pytest.mark.parametrize("who", ["foreign_teacher", "other_teacher", "expert"])
def test_strangers_see_nothing(world, host, thread, who):
    write(world.colleague, thread, "Internal")
    assert show(getattr(world, who), host).strip() == ""


def test_anonymous_visitors_see_nothing(world, host, thread):
    from django.contrib.auth.models import AnonymousUser

    assert show(AnonymousUser(), host).strip() == ""


def test_edit_and_delete_buttons_follow_the_rules(world, host, thread):
    mine = write(world.teacher, thread, "Mine")
    theirs = write(world.colleague, thread, "Theirs")
    edit_mine, edit_theirs = (reverse("discussions:edit", args=[p.pk]) for p in (mine, theirs))
    delete_mine, delete_theirs = (reverse("discussions:delete", args=[p.pk]) for p in (mine, theirs))
    html = show(world.teacher, host)
    assert edit_mine in html and delete_mine in html
    assert edit_theirs not in html and delete_theirs not in html
    moderator = show(world.principal, host)
    assert delete_mine in moderator and delete_theirs in moderator and edit_mine not in moderator


def test_a_deleted_post_keeps_its_place(world, host, thread):
    post = write(world.teacher, thread, "Regrettable", files=[upload("a.png")])
    write(world.colleague, thread, "A reply stays", parent=post)
    services.delete_post(world.teacher, post)
    html = show(world.colleague, host)
    assert "This post was deleted." in html and "Regrettable" not in html and "a.png" not in html
    assert "A reply stays" in html


def test_replies_nest_three_levels_then_line_up(world, host, thread):
    post = write(world.teacher, thread, "Level 0")
    for level in range(1, 6):
        post = write(world.colleague if level % 2 else world.teacher, thread, f"Level {level}", parent=post)
    html = show(world.teacher, host)
    for level in range(4):
        assert f"post-level-{level}" in html
    assert "post-level-4" not in html
    assert html.count("post post-level-3") == 3  # levels 3, 4 and 5 line up at the last level
    assert "in reply to Colleague Cyrus" in html and "in reply to Teacher Tala" in html


def test_the_newest_activity_is_last_and_shown_first(world, host, thread):
    first = write(world.teacher, thread, "Conversation 00")
    for n in range(1, 25):
        write(world.teacher, thread, f"Conversation {n:02d}")
    html = show(world.teacher, host)
    assert "Conversation 24" in html and "Conversation 20" in html and "Conversation 19" not in html
    assert "Page 3 of 3" in html and f"?discussion_page=2#discussion-{thread.pk}" in html
    first_page = show(world.teacher, host, "?discussion_page=1")
    assert "Conversation 00" in first_page and "Conversation 09" in first_page and "Conversation 10" not in first_page
    write(world.colleague, thread, "A late reply", parent=first)  # brings the first conversation back to the end
    html = show(world.teacher, host)
    assert "Conversation 00" in html and "A late reply" in html and "Conversation 20" not in html


# --- posting -----------------------------------------------------------------------------------


def test_a_post_goes_back_to_the_host_page_at_the_post(world, login, thread):
    response = login(world.teacher).post(create_url(thread), {"body": "Hello *all*"})
    post = Post.objects.get()
    assert response.status_code == 302
    assert response["Location"] == f"/schools/{world.school.pk}/#post-{post.pk}"
    assert post.author == world.teacher and post.body_html == "<p>Hello <em>all</em></p>\n"


def test_with_htmx_the_answer_is_the_updated_thread(world, login, thread):
    response = login(world.teacher).post(create_url(thread), {"body": "Via htmx"}, **HTMX)
    post = Post.objects.get()
    html = response.content.decode()
    assert response.status_code == 200
    assert html.lstrip().startswith(f'<section class="discussion" id="discussion-{thread.pk}"')
    assert f'id="post-{post.pk}"' in html and "Your post was published." in html
    assert "<html" not in html


def test_a_reply_with_files(world, login, thread):
    post = write(world.colleague, thread, "Question")
    response = login(world.teacher).post(
        create_url(thread), {"body": "Answer", "parent": post.pk, "files": [upload("a.png"), upload("b.png")]}
    )
    reply = Post.objects.latest("id")
    assert response.status_code == 302 and response["Location"].endswith(f"#post-{reply.pk}")
    assert reply.parent == post and reply.attachments.count() == 2


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ({"body": ""}, "Please write something before posting."),
        ({"body": "   \n  "}, "Please write something before posting."),
        ({"body": "x" * 10_001}, "at most 10,000 characters"),
        ({"body": "Hi", "parent": "not a number"}, "Enter a whole number."),
        ({"body": "Hi", "parent": "999999"}, "not in this discussion"),
        ({"body": "Hi", "files": [upload(f"f{n}.png") for n in range(6)]}, "“f5.png” was not attached"),
        ({"body": "Hi", "files": [upload("virus.pdf", b"MZ\x90\x00")]}, "“virus.pdf” is not really a .pdf file"),
    ],
)
def test_bad_input_shows_the_form_again_and_saves_nothing(world, login, thread, data, message):
    response = login(world.teacher).post(create_url(thread), data)
    html = response.content.decode()
    assert response.status_code == 400
    assert message in html.replace("&quot;", '"')
    assert "<h1>" in html and 'hx-post="' not in html
    assert not Post.objects.exists() and not Attachment.objects.exists()


def test_a_refused_post_keeps_what_was_typed(world, login, thread):
    response = login(world.teacher).post(create_url(thread), {"body": "Keep me " + "x" * 10_000})
    assert response.status_code == 400 and "Keep me xxx" in response.content.decode()


def test_with_htmx_a_refused_post_comes_back_in_the_thread(world, login, thread):
    response = login(world.teacher).post(create_url(thread), {"body": " "}, **HTMX)
    html = response.content.decode()
    assert response.status_code == 400
    assert html.lstrip().startswith('<section class="discussion"') and "Please write something" in html


def test_a_reply_to_another_threads_post_is_refused(world, login, thread, other_thread):
    elsewhere = write(world.other_principal, other_thread, "Not yours")
    response = login(world.teacher).post(create_url(thread), {"body": "Hi", "parent": elsewhere.pk})
    assert response.status_code == 400 and "not in this discussion" in response.content.decode()
    assert Post.objects.count() == 1


@pytest.mark.parametrize("who", ["parent", "student"])
def test_readers_may_not_post(world, login, thread, who):
    response = login(getattr(world, who)).post(create_url(thread), {"body": "Hi"})
    assert response.status_code == 403 and not Post.objects.exists()


@pytest.mark.parametrize("who", ["foreign_teacher", "other_teacher", "expert"])
def test_strangers_get_404_when_posting(world, login, thread, who):
    response = login(getattr(world, who)).post(create_url(thread), {"body": "Hi"})
    assert response.status_code == 404 and not Post.objects.exists()


def test_posting_needs_sign_in_a_thread_and_post(world, client, login, thread):
    assert_sent_to_sign_in(client.post(create_url(thread), {"body": "Hi"}))
    teacher = login(world.teacher)
    assert teacher.post(reverse("discussions:create", args=[999_999]), {"body": "Hi"}).status_code == 404
    assert teacher.get(create_url(thread)).status_code == 405
    assert not Post.objects.exists()


def test_a_thread_whose_host_lost_its_policy_is_gone(world, login, thread):
    from halqa.discussions import registry
    from halqa.orgs.models import School

    registry.unregister(School)
    assert login(world.teacher).post(create_url(thread), {"body": "Hi"}).status_code == 404


# --- the reply form ----------------------------------------------------------------------------


def test_the_reply_form_comes_under_the_post_or_on_a_page_of_its_own(world, login, thread):
    post = write(world.colleague, thread, "A *question*")
    client = login(world.teacher)
    url = reverse("discussions:reply", args=[post.pk])
    fragment = client.get(url, **HTMX)
    assert fragment.status_code == 200
    html = fragment.content.decode()
    assert "<html" not in html and f'name="parent" value="{post.pk}"' in html and 'hx-post="' not in html
    page = client.get(url)
    assert page.status_code == 200
    html = page.content.decode()
    assert "<h1>" in html and "A <em>question</em>" in html and f'name="parent" value="{post.pk}"' in html


def test_the_reply_form_is_for_writers(world, client, login, thread):
    post = write(world.colleague, thread, "A question")
    url = reverse("discussions:reply", args=[post.pk])
    assert_sent_to_sign_in(client.get(url))
    assert login(world.parent).get(url).status_code == 403
    assert login(world.foreign_teacher).get(url).status_code == 404
    services.delete_post(world.colleague, post)
    assert login(world.teacher).get(url).status_code == 404


# --- editing -----------------------------------------------------------------------------------


def test_the_author_edits_on_a_page_of_its_own(world, login, thread):
    post = write(world.teacher, thread, "Frist")
    client = login(world.teacher)
    url = reverse("discussions:edit", args=[post.pk])
    page = client.get(url)
    assert page.status_code == 200 and "Frist" in page.content.decode()
    response = client.post(url, {"body": "First"})
    assert response.status_code == 302 and response["Location"] == f"/schools/{world.school.pk}/#post-{post.pk}"
    post.refresh_from_db()
    assert post.body == "First" and post.edited_at


def test_after_editing_an_older_post_the_link_names_its_page(world, login, thread):
    old = write(world.teacher, thread, "Old")
    for n in range(20):
        write(world.colleague, thread, f"Newer {n}")
    response = login(world.teacher).post(reverse("discussions:edit", args=[old.pk]), {"body": "Old, edited"})
    assert response["Location"] == f"/schools/{world.school.pk}/?discussion_page=1#post-{old.pk}"


@pytest.mark.parametrize("body", ["", "z" * 10_001])
def test_a_bad_edit_is_refused(world, login, thread, body):
    post = write(world.teacher, thread, "Fine")
    response = login(world.teacher).post(reverse("discussions:edit", args=[post.pk]), {"body": body})
    assert response.status_code == 400 and 'class="errorlist"' in response.content.decode()
    assert Post.objects.get(pk=post.pk).body == "Fine"


def test_an_edit_with_no_body_field_is_refused(world, login, thread):
    post = write(world.teacher, thread, "Fine")
    response = login(world.teacher).post(reverse("discussions:edit", args=[post.pk]), {})
    assert response.status_code == 400


@pytest.mark.parametrize(("who", "status"), [("colleague", 403), ("principal", 403), ("parent", 403)])
def test_only_the_author_edits(world, login, thread, who, status):
    post = write(world.teacher, thread, "Mine")
    client = login(getattr(world, who))
    url = reverse("discussions:edit", args=[post.pk])
    assert client.get(url).status_code == status
    assert client.post(url, {"body": "Theirs"}).status_code == status
    assert Post.objects.get(pk=post.pk).body == "Mine"


def test_editing_is_hidden_from_strangers_and_visitors(world, client, login, thread):
    post = write(world.teacher, thread, "Mine")
    url = reverse("discussions:edit", args=[post.pk])
    assert_sent_to_sign_in(client.get(url))
    assert login(world.foreign_teacher).get(url).status_code == 404
    services.delete_post(world.teacher, post)
    assert login(world.teacher).get(url).status_code == 404


# --- deleting ----------------------------------------------------------------------------------


@pytest.mark.parametrize("who", ["teacher", "principal"])
def test_author_or_moderator_deletes(world, login, thread, who):
    post = write(world.teacher, thread, "Bye")
    response = login(getattr(world, who)).post(reverse("discussions:delete", args=[post.pk]))
    assert response.status_code == 302 and response["Location"].endswith(f"#post-{post.pk}")
    assert Post.objects.get(pk=post.pk).is_deleted


@pytest.mark.parametrize(("who", "status"), [("colleague", 403), ("parent", 403), ("foreign_teacher", 404)])
def test_others_cannot_delete(world, login, thread, who, status):
    post = write(world.teacher, thread, "Stays")
    assert login(getattr(world, who)).post(reverse("discussions:delete", args=[post.pk])).status_code == status
    assert not Post.objects.get(pk=post.pk).is_deleted


def test_deleting_needs_sign_in_and_post(world, client, login, thread):
    post = write(world.teacher, thread, "Stays")
    url = reverse("discussions:delete", args=[post.pk])
    assert_sent_to_sign_in(client.post(url))
    assert login(world.teacher).get(url).status_code == 405
    assert not Post.objects.get(pk=post.pk).is_deleted


# --- the people picker -------------------------------------------------------------------------


def test_the_picker_lists_people_who_may_be_mentioned(world, login, thread):
    url = reverse("discussions:mentionable", args=[thread.pk])
    response = login(world.teacher).get(url, {"q": "cyr"}, **HTMX)
    html = response.content.decode()
    assert response.status_code == 200
    assert "Colleague Cyrus" in html and f'data-mention-token="@[Colleague Cyrus]({world.colleague.pk})"' in html
    assert "Foreign" not in login(world.teacher).get(url, {"q": "Fatima"}).content.decode()
    assert "Nobody here" in login(world.teacher).get(url, {"q": "Fatima"}).content.decode()
    assert "<li" not in login(world.teacher).get(url, {"q": "  "}).content.decode()


def test_the_picker_is_for_writers(world, client, login, thread):
    url = reverse("discussions:mentionable", args=[thread.pk])
    assert_sent_to_sign_in(client.get(url, {"q": "a"}))
    assert login(world.parent).get(url, {"q": "a"}).status_code == 403
    assert login(world.foreign_teacher).get(url, {"q": "a"}).status_code == 404


# --- query bounds ------------------------------------------------------------------------------


def seed(thread, people, factor: int) -> None:
    """`2 × factor` conversations, each `3 × factor` replies deep in a chain, each post with a file and a mention."""
    start = timezone.now() - dt.timedelta(days=1)
    roots = Post.objects.bulk_create(
        Post(
            thread=thread,
            author=people[n % len(people)],
            body=f"Seeded conversation {n}",
            body_html=f"<p>Seeded conversation {n}</p>",
            created_at=start,
            last_activity_at=start + dt.timedelta(seconds=n),
        )
        for n in range(2 * factor)
    )
    everything = list(roots)
    for root in roots:
        parent = root
        for depth in range(1, 3 * factor + 1):
            parent = Post.objects.create(
                thread=thread,
                parent=parent,
                root=root,
                depth=depth,
                author=people[depth % len(people)],
                body=f"Seeded reply {depth}",
                body_html=f"<p>Seeded reply {depth}</p>",
                created_at=start + dt.timedelta(seconds=depth),
            )
            everything.append(parent)
    Attachment.objects.bulk_create(
        Attachment(post=post, file=f"discussions/seed/{post.pk}.png", name=f"s{post.pk}.png", size=10)
        for post in everything
    )
    Mention.objects.bulk_create(
        (Mention(post=post, user=people[post.pk % len(people)]) for post in everything), ignore_conflicts=True
    )


def test_the_thread_costs_the_same_queries_with_ten_times_the_posts(world, host, thread, django_assert_max_num_queries):
    people = [world.teacher, world.colleague, world.principal]
    seed(thread, people, 1)
    first_page = "?discussion_page=1"
    show(world.teacher, host, first_page)  # warm caches (content types)
    before, html = count_queries(lambda: show(world.teacher, host, first_page))
    shown_before = html.count('class="post post-level-')
    seed(thread, people, 10)
    with django_assert_max_num_queries(before):
        html = show(world.teacher, host, first_page)
    assert html.count('class="post post-level-') >= 10 * shown_before


def test_the_htmx_answer_costs_the_same_queries_with_ten_times_the_posts(world, login, thread):
    people = [world.teacher, world.colleague, world.principal]
    client = login(world.teacher)
    seed(thread, people, 1)
    client.post(create_url(thread), {"body": "warm up"}, **HTMX)
    before, _response = count_queries(lambda: client.post(create_url(thread), {"body": "one"}, **HTMX))
    seed(thread, people, 10)
    after, response = count_queries(lambda: client.post(create_url(thread), {"body": "two"}, **HTMX))
    assert response.status_code == 200
    assert after <= before, f"{after} queries after seeding tenfold, {before} before"


def test_files_of_every_post_load_together(world, host, thread, django_assert_max_num_queries):
    post = write(world.teacher, thread, "Files", files=[upload("a.png", PNG), upload("b.png", PNG)])
    for _ in range(5):
        write(world.colleague, thread, "Reply with file", parent=post, files=[upload("c.png", PNG)])
    with django_assert_max_num_queries(10):
        html = show(world.teacher, host)
    assert html.count("/discussions/attachments/") == 7
