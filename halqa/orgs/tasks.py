"""Background work of the organizations area: the invitation email, built in the worker.

The invitation's token is made here, when the message is built, and only its hash is stored; it
never passes through the task queue, the outbox row or the inviter's request.
"""

from __future__ import annotations

from django.conf import settings
from django.core.mail import EmailMultiAlternatives
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import translation

INVITATION_EMAIL = "orgs.invitation"


def build_invitation_email(row) -> EmailMultiAlternatives | None:
    """The message for an outbox row about an invitation, with a fresh link; None if it is no longer open."""
    from .models import Invitation
    from .services import issue_invitation_token

    invitation = Invitation.objects.select_for_update().filter(pk=row.about_id).first()
    if invitation is None or invitation.status != "pending":
        return None
    token = issue_invitation_token(invitation)
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
    return message
