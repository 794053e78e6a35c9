"""Background work of the organizations area."""

from django.conf import settings
from django.core.mail import EmailMultiAlternatives
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import translation
from django_tasks import task


@task()
def send_invitation_email(invitation_id: int, token: str) -> None:
    from .models import Invitation

    invitation = Invitation.objects.select_related("school", "invited_by").filter(pk=invitation_id).first()
    if invitation is None or invitation.status != "pending":
        return
    with translation.override(invitation.language):
        context = {
            "invitation": invitation,
            "link": settings.SITE_URL + reverse("orgs:invitation", args=[token]),
            "site_url": settings.SITE_URL,
        }
        subject = render_to_string("orgs/email/invitation_subject.txt", context).strip()
        body = render_to_string("orgs/email/invitation.txt", context)
        html = render_to_string("orgs/email/invitation.html", context)
    message = EmailMultiAlternatives(subject, body, to=[invitation.email])
    message.attach_alternative(html, "text/html")
    message.send()
