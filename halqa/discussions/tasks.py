"""Background work of discussions: telling a person they were mentioned."""

from django.conf import settings
from django.core.mail import EmailMultiAlternatives
from django.template.loader import render_to_string
from django.utils import translation
from django_tasks import task


@task()
def send_mention_email(post_id: int, user_id: int) -> None:
    """Email `user_id` that they were mentioned, in their language, if it is still true when the worker runs.

    The post may have been deleted or edited, or the person may have lost access, since the mention
    was written; then nothing is sent.
    """
    from halqa.accounts.models import User

    from .models import Mention, Post
    from .queries import discussion_of
    from .richtext import excerpt

    post = Post.objects.select_related("thread__host_type", "author").filter(pk=post_id, is_deleted=False).first()
    person = User.objects.filter(pk=user_id, is_active=True).first()
    if post is None or post.author is None or person is None or post.author_id == person.pk:
        return
    if not Mention.objects.filter(post=post, user=person).exists():
        return
    discussion = discussion_of(post.thread, person)
    if discussion is None or not discussion.can_read:
        return
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
    message.send()
