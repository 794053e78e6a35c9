"""Background work of discussions: telling a person they were mentioned (an outbox email)."""

from __future__ import annotations

from django.conf import settings
from django.core.mail import EmailMultiAlternatives
from django.template.loader import render_to_string
from django.utils import translation

MENTION_EMAIL = "discussions.mention"


def queue_mention_email(post_id: int, user_id: int, email: str) -> None:
    """Queue the email in the caller's transaction; the worker decides then whether it is still due."""
    from halqa.core.outbox import queue_email

    queue_email(MENTION_EMAIL, email, about_id=post_id, params={"user_id": user_id})


def build_mention_email(row) -> EmailMultiAlternatives | None:
    """Email the person that they were mentioned, in their language, if it is still true when the worker runs.

    The post may have been deleted or edited, or the person may have lost access, since the mention
    was written; then nothing is sent.
    """
    from halqa.accounts.models import User

    from .models import Mention, Post
    from .queries import discussion_of
    from .richtext import excerpt

    post = Post.objects.select_related("thread__host_type", "author").filter(pk=row.about_id, is_deleted=False).first()
    person = User.objects.filter(pk=row.params.get("user_id"), is_active=True).first()
    if post is None or post.author is None or person is None or post.author_id == person.pk:
        return None
    if not Mention.objects.filter(post=post, user=person).exists():
        return None
    discussion = discussion_of(post.thread, person)
    if discussion is None or not discussion.can_read:
        return None
    with translation.override(person.preferred_language):
        context = {
            "person": person,
            "author": post.author,
            "title": discussion.title,
            "excerpt": excerpt(post.body_html),
            "link": f"{settings.SITE_URL}{discussion.url}#post-{post.pk}",
            "site_url": settings.SITE_URL,
        }
        subject = " ".join(render_to_string("discussions/email/mention_subject.txt", context).split())
        body = render_to_string("discussions/email/mention.txt", context)
        html = render_to_string("discussions/email/mention.html", context)
    message = EmailMultiAlternatives(subject, body, to=[person.email])
    message.attach_alternative(html, "text/html")
    return message
