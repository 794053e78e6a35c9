"""Every write to a discussion, for the pages and the API alike: validate → change → email on commit.

Each function checks the host's policy itself (callers may check earlier to answer 404/403 before
reading input), reports every problem with the input at once as a ValidationError keyed by field
("body", "parent", "files"), and writes nothing unless everything is right.
"""

from __future__ import annotations

import logging
import uuid
from collections.abc import Iterable
from functools import partial

from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.storage import Storage
from django.core.files.uploadedfile import UploadedFile
from django.db import transaction
from django.db.models import Model
from django.utils import timezone
from django.utils.formats import number_format
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from halqa.accounts.models import User

from . import registry, richtext
from .models import Attachment, Mention, Post, Thread
from .queries import Discussion, discussion_of
from .uploads import CheckedFile, check_files

logger = logging.getLogger(__name__)

MAX_BODY_LENGTH = 10_000
MAX_MENTIONS = 50  # distinct people looked up per post; a longer list is not a conversation


def thread_for(host: Model) -> Thread:
    """The host's thread, created the first time it is needed (one per host, even under a race)."""
    registry.policy_for(host)  # raises NotRegistered: a thread nobody could ever read is not made
    if host.pk is None:
        raise ValueError("Save the host before attaching a discussion to it.")
    thread, _created = Thread.objects.get_or_create(host_type=ContentType.objects.get_for_model(host), host_id=host.pk)
    return thread


def forget_host(host: Model) -> None:
    """A host was deleted: its thread, posts and mentions go with it, and its files after commit."""
    threads = Thread.objects.filter(host_type=ContentType.objects.get_for_model(host), host_id=host.pk)
    names = list(Attachment.objects.filter(post__thread__in=threads).values_list("file", flat=True))
    threads.delete()
    if names:
        transaction.on_commit(partial(_remove_files, Attachment._meta.get_field("file").storage, names))


def clean_body(body: str | None) -> str:
    """The text as it will be stored: line endings unified, NUL bytes and outer blank space removed."""
    text = (body or "").replace("\r\n", "\n").replace("\r", "\n").replace("\x00", "").strip()
    if not text:
        raise ValidationError(_("Please write something before posting."), code="empty")
    if len(text) > MAX_BODY_LENGTH:
        message = ngettext(
            "A post can be at most %(limit)s character long; this one has %(count)s.",
            "A post can be at most %(limit)s characters long; this one has %(count)s.",
            MAX_BODY_LENGTH,
        )
        limit, count = (
            number_format(MAX_BODY_LENGTH, force_grouping=True),
            number_format(len(text), force_grouping=True),
        )
        raise ValidationError(message % {"limit": limit, "count": count}, code="too_long")
    return text


def _readable(actor: User, thread: Thread) -> Discussion:
    discussion = discussion_of(thread, actor)
    if discussion is None or not discussion.can_read:
        raise PermissionDenied(_("You cannot see this discussion."))
    return discussion


def _writable(actor: User, thread: Thread) -> Discussion:
    discussion = _readable(actor, thread)
    if not discussion.can_post:
        raise PermissionDenied(_("You can read this discussion but not write in it."))
    return discussion


def _check(errors: dict[str, list[str]], field: str, check, *args, **kwargs):
    """Run one check; note its messages under `field` instead of stopping at the first problem."""
    try:
        return check(*args, **kwargs)
    except ValidationError as error:
        errors.setdefault(field, []).extend(error.messages)
        return None


def _parent_problem(thread: Thread, parent: Post) -> str | None:
    if parent.thread_id != thread.pk:
        return _("The post you are replying to is not in this discussion.")
    if parent.is_deleted:
        return _("You cannot reply to a deleted post.")
    return None


def _render(discussion: Discussion, text: str) -> richtext.Rendered:
    """Render `text`, linking only the people the author may mention here."""
    candidates = sorted(richtext.mention_candidates(text))[:MAX_MENTIONS]
    people = {person.pk: person for person in discussion.mentionable().filter(pk__in=candidates)} if candidates else {}
    return richtext.render(text, people)


def _sync_mentions(post: Post, mentioned: set[int], actor: User) -> None:
    """Keep the post's Mention rows equal to `mentioned`; email the newly mentioned after commit."""
    from .tasks import queue_mention_email

    existing = set(Mention.objects.filter(post=post).values_list("user_id", flat=True))
    Mention.objects.filter(post=post, user_id__in=existing - mentioned).delete()
    new = mentioned - existing
    Mention.objects.bulk_create(Mention(post=post, user_id=user_id) for user_id in sorted(new))
    emails = dict(User.objects.filter(pk__in=new - {actor.pk}).values_list("pk", "email"))
    for user_id in sorted(emails):
        queue_mention_email(post.pk, user_id, emails[user_id])


def _remove_files(storage: Storage, names: Iterable[str]) -> None:
    for name in names:
        try:
            storage.delete(name)
        except OSError:  # the row is gone either way; a stray file is only disk space
            logger.warning("Could not remove discussion attachment %s", name)


def _store_files(post: Post, files: list[CheckedFile]) -> None:
    """Save the files under random names; if one fails, remove the ones already written."""
    stored: list[Attachment] = []
    try:
        for checked in files:
            attachment = Attachment(post=post, name=checked.name, size=checked.size, content_type=checked.content_type)
            attachment.file.save(f"{uuid.uuid4().hex}.{checked.extension}", checked.upload, save=False)
            stored.append(attachment)
            attachment.save()
    except Exception:
        _remove_files(Attachment._meta.get_field("file").storage, [a.file.name for a in stored])
        raise


@transaction.atomic
def add_post(
    actor: User, thread: Thread, body: str, parent: Post | None = None, files: Iterable[UploadedFile] = ()
) -> Post:
    """Write a post (or a reply to `parent`) with up to five attachments, and tell mentioned people."""
    discussion = _writable(actor, thread)
    errors: dict[str, list[str]] = {}
    text = _check(errors, "body", clean_body, body)
    checked = _check(errors, "files", check_files, list(files))
    problem = _parent_problem(thread, parent) if parent is not None else None
    if problem:
        errors["parent"] = [problem]
    if errors:
        raise ValidationError(errors)

    rendered = _render(discussion, text)
    now = timezone.now()
    root_id = (parent.root_id or parent.pk) if parent else None
    post = Post.objects.create(
        thread=thread,
        parent=parent,
        root_id=root_id,
        depth=parent.depth + 1 if parent else 0,
        author=actor,
        body=text,
        body_html=rendered.html,
        created_at=now,
        last_activity_at=now,
    )
    if root_id:
        Post.objects.filter(pk=root_id).update(last_activity_at=now)
    _sync_mentions(post, rendered.mentioned, actor)
    _store_files(post, checked)
    return post


def _locked(post: Post) -> Post:
    return Post.objects.select_for_update(of=("self",)).select_related("thread__host_type").get(pk=post.pk)


@transaction.atomic
def edit_post(actor: User, post: Post, body: str) -> Post:
    """Change one's own post; mentions follow the new text (only newly mentioned people are emailed)."""
    post = _locked(post)
    discussion = _readable(actor, post.thread)
    if post.author_id != actor.pk:
        raise PermissionDenied(_("Only its author can change a post."))
    if not discussion.can_post:
        raise PermissionDenied(_("You can read this discussion but not write in it."))
    if post.is_deleted:
        raise ValidationError({"body": _("This post was deleted; it can no longer be changed.")})
    errors: dict[str, list[str]] = {}
    text = _check(errors, "body", clean_body, body)
    if errors:
        raise ValidationError(errors)

    rendered = _render(discussion, text)
    post.body, post.body_html, post.edited_at = text, rendered.html, timezone.now()
    post.save(update_fields=["body", "body_html", "edited_at"])
    _sync_mentions(post, rendered.mentioned, actor)
    return post


@transaction.atomic
def delete_post(actor: User, post: Post) -> Post:
    """Delete a post but keep its place, so replies still hang where they did; its files go for good."""
    post = _locked(post)
    discussion = _readable(actor, post.thread)
    if not discussion.may_delete(post):
        raise PermissionDenied(_("Only its author or a moderator can delete a post."))
    if post.is_deleted:
        return post
    names = [attachment.file.name for attachment in post.attachments.all()]
    post.attachments.all().delete()
    post.mentions.all().delete()
    post.is_deleted, post.body, post.body_html = True, "", ""
    post.save(update_fields=["is_deleted", "body", "body_html"])
    storage = Attachment._meta.get_field("file").storage
    transaction.on_commit(partial(_remove_files, storage, names))
    return post


@transaction.atomic
def add_attachments(actor: User, post: Post, files: Iterable[UploadedFile]) -> Post:
    """Attach more files to one's own post, up to five in all."""
    post = _locked(post)
    discussion = _readable(actor, post.thread)
    if post.author_id != actor.pk:
        raise PermissionDenied(_("Only its author can add files to a post."))
    if not discussion.can_post:
        raise PermissionDenied(_("You can read this discussion but not write in it."))
    files = list(files)
    if post.is_deleted:
        raise ValidationError({"files": _("This post was deleted; it can no longer be changed.")})
    if not files:
        raise ValidationError({"files": _("Choose at least one file to attach.")})
    errors: dict[str, list[str]] = {}
    checked = _check(errors, "files", check_files, files, already_attached=post.attachments.count())
    if errors:
        raise ValidationError(errors)
    _store_files(post, checked)
    return post
