"""The write path: who may write, edit and delete, what is refused, and what a post keeps."""

from pathlib import Path

import pytest
from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import ImproperlyConfigured, PermissionDenied, ValidationError

from halqa.discussions import registry, services
from halqa.discussions.models import Mention, Post, Thread
from halqa.discussions.queries import discussion_for_host
from halqa.orgs.models import Network, School

from .conftest import SchoolDiscussionPolicy, upload, write

pytestmark = pytest.mark.django_db


# --- the registry and threads ------------------------------------------------------------------


def test_a_thread_is_made_once_per_host_and_only_when_needed(world, host):
    assert not Thread.objects.exists()
    first = services.thread_for(host)
    assert services.thread_for(School.objects.get(pk=host.pk)) == first
    assert Thread.objects.get().host == host
    assert first.host_type == ContentType.objects.get_for_model(School)


def test_a_model_without_a_policy_cannot_host_a_discussion(world):
    with pytest.raises(registry.NotRegistered):
        services.thread_for(world.network)
    assert not Thread.objects.exists()


def test_policies_come_and_go(world):
    policy = SchoolDiscussionPolicy()
    with registry.registered(Network, policy):
        assert registry.policy_for(world.network) is policy
        with pytest.raises(ImproperlyConfigured):
            registry.register(Network, SchoolDiscussionPolicy())
    assert not registry.is_registered(Network)
    with pytest.raises(ImproperlyConfigured):
        registry.register(Network, object())


def test_deleting_the_host_deletes_its_discussion_and_files(
    world, host, media_root, django_capture_on_commit_callbacks
):
    school = world.other_school
    thread = services.thread_for(school)
    post = write(world.other_principal, thread, "Bye", files=[upload("a.png")])
    stored = post.attachments.get().file.path
    kept = write(world.teacher, services.thread_for(host), "Stays")
    with django_capture_on_commit_callbacks(execute=True):
        school.delete()
    assert list(Thread.objects.all()) == [kept.thread]
    assert not Post.objects.filter(pk=post.pk).exists()
    assert not Path(stored).exists()


def test_the_tag_does_not_make_a_thread_for_someone_who_cannot_read_it(world, host):
    assert discussion_for_host(host, world.foreign_teacher) is None
    assert not Thread.objects.exists()


# --- writing -----------------------------------------------------------------------------------


def test_staff_write_and_reply(world, thread):
    post = write(world.teacher, thread, "  **Hello**  ")
    reply = write(world.colleague, thread, "Welcome!", parent=post)
    deeper = write(world.teacher, thread, "Thanks.", parent=reply)
    assert post.body == "**Hello**" and post.body_html == "<p><strong>Hello</strong></p>\n"
    assert (reply.parent, reply.root, reply.depth) == (post, post, 1)
    assert (deeper.parent, deeper.root_id, deeper.depth) == (reply, post.pk, 2)
    post.refresh_from_db()
    assert post.last_activity_at == deeper.created_at


@pytest.mark.parametrize("who", ["parent", "student"])
def test_readers_who_may_not_write_are_refused(world, thread, who):
    with pytest.raises(PermissionDenied):
        write(getattr(world, who), thread)
    assert not Post.objects.exists()


@pytest.mark.parametrize("who", ["foreign_teacher", "other_teacher", "expert"])
def test_strangers_are_refused(world, thread, who):
    with pytest.raises(PermissionDenied):
        write(getattr(world, who), thread)
    assert not Post.objects.exists()


@pytest.mark.parametrize("body", ["", "   \n\t ", "\x00", None])
def test_an_empty_post_is_refused(world, thread, body):
    with pytest.raises(ValidationError) as error:
        write(world.teacher, thread, body)
    assert "Please write something" in str(error.value.message_dict["body"])
    assert not Post.objects.exists()


def test_ten_thousand_characters_is_the_limit(world, thread):
    write(world.teacher, thread, "x" * 10_000)
    with pytest.raises(ValidationError) as error:
        write(world.teacher, thread, "x" * 10_001)
    assert "10,000" in error.value.message_dict["body"][0]
    assert Post.objects.count() == 1


def test_a_reply_to_a_post_of_another_thread_is_refused(world, thread, other_thread):
    elsewhere = write(world.other_principal, other_thread, "Our school only.")
    with pytest.raises(ValidationError) as error:
        write(world.teacher, thread, "Sneaky reply", parent=elsewhere)
    assert "not in this discussion" in error.value.message_dict["parent"][0]
    assert not Post.objects.filter(thread=thread).exists()


def test_a_reply_to_a_deleted_post_is_refused(world, thread):
    post = write(world.teacher, thread)
    services.delete_post(world.teacher, post)
    with pytest.raises(ValidationError):
        write(world.colleague, thread, "Too late", parent=Post.objects.get(pk=post.pk))


# --- editing -----------------------------------------------------------------------------------


def test_the_author_edits_and_the_post_says_so(world, thread):
    post = write(world.teacher, thread, "Frist")
    edited = services.edit_post(world.teacher, post, "First")
    assert edited.body == "First" and edited.body_html == "<p>First</p>\n"
    assert edited.edited_at is not None


@pytest.mark.parametrize("who", ["colleague", "principal", "parent", "foreign_teacher"])
def test_nobody_else_edits_not_even_a_moderator(world, thread, who):
    post = write(world.teacher, thread, "Mine")
    with pytest.raises(PermissionDenied):
        services.edit_post(getattr(world, who), post, "Theirs")
    assert Post.objects.get(pk=post.pk).body == "Mine"


def test_an_edit_is_checked_like_a_new_post(world, thread):
    post = write(world.teacher, thread, "Mine")
    for body in ("", "y" * 10_001):
        with pytest.raises(ValidationError):
            services.edit_post(world.teacher, post, body)
    post.refresh_from_db()
    assert (post.body, post.edited_at) == ("Mine", None)


def test_an_author_who_can_no_longer_write_cannot_edit(world, thread):
    post = write(world.teacher, thread, "Mine")
    world.teacher.memberships.update(position="parent")
    with pytest.raises(PermissionDenied):
        services.edit_post(world.teacher, post, "Changed")


# --- deleting ----------------------------------------------------------------------------------


def test_deleting_keeps_the_place_of_the_post(world, thread):
    post = write(world.teacher, thread, "Regrettable")
    reply = write(world.colleague, thread, "Indeed", parent=post)
    services.delete_post(world.teacher, post)
    post.refresh_from_db()
    assert post.is_deleted and post.body == "" and post.body_html == ""
    assert Post.objects.get(pk=reply.pk).parent_id == post.pk
    services.delete_post(world.teacher, post)  # twice is fine


def test_a_moderator_deletes_anyones_post(world, thread):
    post = write(world.colleague, thread, "Off topic")
    services.delete_post(world.principal, post)
    assert Post.objects.get(pk=post.pk).is_deleted


@pytest.mark.parametrize("who", ["colleague", "parent", "foreign_teacher"])
def test_others_cannot_delete(world, thread, who):
    post = write(world.teacher, thread, "Mine")
    with pytest.raises(PermissionDenied):
        services.delete_post(getattr(world, who), post)
    assert not Post.objects.get(pk=post.pk).is_deleted


def test_an_edit_cannot_revive_a_deleted_post(world, thread):
    post = write(world.teacher, thread, "Mine")
    services.delete_post(world.teacher, post)
    with pytest.raises(ValidationError):
        services.edit_post(world.teacher, post, "Back")


# --- mentions ----------------------------------------------------------------------------------


def test_only_mentionable_people_are_recorded(world, thread):
    body = f"@[C]({world.colleague.pk}) @[F]({world.foreign_teacher.pk}) @[Me]({world.teacher.pk}) @[X](999999)"
    post = write(world.teacher, thread, body)
    assert set(Mention.objects.filter(post=post).values_list("user_id", flat=True)) == {
        world.colleague.pk,
        world.teacher.pk,
    }
    assert f'href="/people/{world.colleague.pk}/"' in post.body_html
    assert f"/people/{world.foreign_teacher.pk}/" not in post.body_html and "@F" in post.body_html


def test_editing_follows_the_mentions(world, thread, django_capture_on_commit_callbacks):
    post = write(world.teacher, thread, f"@[C]({world.colleague.pk})")
    with django_capture_on_commit_callbacks() as callbacks:
        services.edit_post(world.teacher, post, f"@[P]({world.principal.pk}) @[C]({world.colleague.pk})")
    assert len(callbacks) == 1  # only the newly mentioned principal is told
    assert set(Mention.objects.filter(post=post).values_list("user_id", flat=True)) == {
        world.colleague.pk,
        world.principal.pk,
    }
    services.edit_post(world.teacher, post, "Nobody now")
    assert not Mention.objects.filter(post=post).exists()
