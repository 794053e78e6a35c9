"""Background work of the communities area."""

from django.conf import settings
from django.core.mail import EmailMultiAlternatives
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import translation
from django_tasks import task


@task()
def send_community_invitation(membership_id: int) -> None:
    """Tell an invited person, in their own language, that a community invites them."""
    from .models import Membership, Status

    membership = Membership.objects.select_related("community", "user", "invited_by").filter(pk=membership_id).first()
    if membership is None or membership.status != Status.INVITED:
        return
    with translation.override(membership.user.preferred_language):
        context = {
            "membership": membership,
            "link": settings.SITE_URL + reverse("communities:detail", args=[membership.community_id]),
        }
        subject = render_to_string("communities/email/invitation_subject.txt", context).strip()
        body = render_to_string("communities/email/invitation.txt", context)
    EmailMultiAlternatives(subject, body, to=[membership.user.email]).send()
