"""Background work of the communities area: the invitation email (an outbox email)."""

from __future__ import annotations

from django.conf import settings
from django.core.mail import EmailMultiAlternatives
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import translation

COMMUNITY_INVITATION_EMAIL = "communities.invitation"


def queue_community_invitation(membership) -> None:
    """Queue the email in the caller's transaction; it goes out after commit."""
    from halqa.core.outbox import queue_email

    queue_email(
        COMMUNITY_INVITATION_EMAIL,
        membership.user.email,
        about_id=membership.pk,
        language=membership.user.preferred_language,
    )


def build_community_invitation(row) -> EmailMultiAlternatives | None:
    """Tell an invited person, in their own language, that a community invites them (if it still does)."""
    from .models import Membership, Status

    membership = Membership.objects.select_related("community", "user", "invited_by").filter(pk=row.about_id).first()
    if membership is None or membership.status != Status.INVITED:
        return None
    with translation.override(membership.user.preferred_language):
        context = {
            "membership": membership,
            "link": settings.SITE_URL + reverse("communities:detail", args=[membership.community_id]),
        }
        subject = render_to_string("communities/email/invitation_subject.txt", context).strip()
        body = render_to_string("communities/email/invitation.txt", context)
    return EmailMultiAlternatives(subject, body, to=[membership.user.email])
