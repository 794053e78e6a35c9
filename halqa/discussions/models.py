"""Threads, posts, attachments and mentions.

A thread belongs to exactly one host object of any model (a generic relation), so the same
component serves communities now and cases or library items later. Posts form a tree: `parent` is
the post answered, `root` the top-level post of the conversation (null for a top-level post), so a
page of conversations and all their replies load in two queries whatever the depth.
"""

from __future__ import annotations

from django.conf import settings
from django.contrib.contenttypes.fields import GenericForeignKey
from django.contrib.contenttypes.models import ContentType
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class Thread(models.Model):
    """The discussion of one host object; created the first time someone opens it (`thread_for`)."""

    host_type = models.ForeignKey(ContentType, on_delete=models.CASCADE, related_name="+")
    host_id = models.PositiveBigIntegerField()
    host = GenericForeignKey("host_type", "host_id")
    created_at = models.DateTimeField(_("created"), default=timezone.now)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["host_type", "host_id"], name="discussion_one_thread_per_host")]
        verbose_name = _("discussion")
        verbose_name_plural = _("discussions")

    def __str__(self) -> str:
        return f"{self.host_type.app_label}.{self.host_type.model} #{self.host_id}"

    @property
    def host_label(self) -> str:
        """The host's model as "app_label.model", e.g. "communities.community"."""
        return f"{self.host_type.app_label}.{self.host_type.model}"


class Post(models.Model):
    thread = models.ForeignKey(Thread, on_delete=models.CASCADE, related_name="posts")
    parent = models.ForeignKey(
        "self", on_delete=models.CASCADE, null=True, blank=True, related_name="replies", verbose_name=_("reply to")
    )
    root = models.ForeignKey("self", on_delete=models.CASCADE, null=True, blank=True, related_name="+")
    depth = models.PositiveSmallIntegerField(default=0)
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="discussion_posts"
    )
    body = models.TextField(_("message"), blank=True)
    body_html = models.TextField(blank=True, editable=False)
    created_at = models.DateTimeField(_("written"), default=timezone.now)
    edited_at = models.DateTimeField(_("edited"), null=True, blank=True)
    is_deleted = models.BooleanField(_("deleted"), default=False)
    # On a top-level post: when it or any reply was last written. Pages list conversations by it.
    last_activity_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["created_at", "id"]
        indexes = [models.Index(fields=["thread", "root", "last_activity_at", "id"], name="discussion_post_activity")]
        verbose_name = _("post")
        verbose_name_plural = _("posts")

    def __str__(self) -> str:
        return f"#{self.pk} in {self.thread_id}"

    @property
    def conversation_id(self) -> int:
        return self.root_id or self.pk


class CheckedFile(models.Model):
    """What every uploaded file keeps, whichever area it belongs to (a post's, a case's, a product's):
    the stored file (each area names its own folder), the name it was uploaded under, its size and
    the type found by sniffing its content (`uploads.py`), not the one the browser claimed."""

    file = models.FileField(max_length=255)
    name = models.CharField(_("file name"), max_length=255)
    size = models.PositiveBigIntegerField(_("size in bytes"))
    content_type = models.CharField(max_length=120)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        abstract = True
        ordering = ["id"]
        verbose_name = _("attachment")
        verbose_name_plural = _("attachments")

    def __str__(self) -> str:
        return self.name

    @property
    def is_image(self) -> bool:
        return self.content_type.startswith("image/")


class Attachment(CheckedFile):
    """A file on a post. Served only through the download view, which checks the thread's host."""

    post = models.ForeignKey(Post, on_delete=models.CASCADE, related_name="attachments")
    file = models.FileField(upload_to="discussions/%Y/%m/", max_length=255)

    class Meta(CheckedFile.Meta):
        pass


class Mention(models.Model):
    """A person linked by name in a post: they were told by email when it first appeared."""

    post = models.ForeignKey(Post, on_delete=models.CASCADE, related_name="mentions")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="discussion_mentions")

    class Meta:
        constraints = [models.UniqueConstraint(fields=["post", "user"], name="discussion_one_mention_per_person")]
        verbose_name = _("mention")
        verbose_name_plural = _("mentions")

    def __str__(self) -> str:
        return f"{self.user_id} in {self.post_id}"
