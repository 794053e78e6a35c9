"""When an invited person finishes signing up, their invitation is accepted."""

from allauth.account.signals import user_signed_up
from django.dispatch import receiver

INVITATION_SESSION_KEY = "halqa_invitation_token"


@receiver(user_signed_up)
def accept_invitation_on_signup(sender, request, user, **kwargs):
    from halqa.orgs.services import accept_invitation, find_open_invitation

    token = request.session.pop(INVITATION_SESSION_KEY, None) if request is not None else None
    invitation = find_open_invitation(token) if token else None
    if invitation is not None:
        accept_invitation(invitation, user=user)
