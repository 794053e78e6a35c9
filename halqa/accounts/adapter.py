"""Halqa's rules for allauth: sign-up only with an open invitation, for the invited address; the
client's address from the trusted proxies; a fresh sign-in counts as a recent password check."""

import time

from allauth.account.adapter import DefaultAccountAdapter
from django import forms
from django.conf import settings
from django.utils.translation import get_language
from django.utils.translation import gettext as _

from .signals import INVITATION_SESSION_KEY


class AccountAdapter(DefaultAccountAdapter):
    def _invitation(self):
        from halqa.orgs.services import find_open_invitation

        request = getattr(self, "request", None)
        token = request.session.get(INVITATION_SESSION_KEY) if request is not None else None
        return find_open_invitation(token) if token else None

    def is_open_for_signup(self, request) -> bool:
        self.request = request
        return self._invitation() is not None

    def clean_email(self, email: str) -> str:
        email = super().clean_email(email)
        invitation = self._invitation()
        if invitation is not None and invitation.email.lower() != email.lower():
            raise forms.ValidationError(
                _("This invitation was sent to %(email)s. Sign up with that address.") % {"email": invitation.email}
            )
        return email.lower()

    def save_user(self, request, user, form, commit=True):
        user = super().save_user(request, user, form, commit=False)
        user.display_name = form.cleaned_data.get("display_name") or user.email.split("@")[0]
        user.preferred_language = get_language() or "en"
        if commit:
            user.save()
        return user

    def send_mail(self, template_prefix: str, email: str, context: dict) -> None:
        """Queue the email in the outbox; the worker builds it, making any secret link there (accounts.emails).

        A code that the request keeps in the session (login or reset by code, both off) cannot be made
        again later, so such an email is sent at once and never stored.
        """
        from .emails import CODE_CONTEXT, queue_account_email

        if CODE_CONTEXT in context:
            super().send_mail(template_prefix, email, context)
            return
        queue_account_email(template_prefix, email, context)

    def is_email_verified(self, request, email: str) -> bool:
        invitation = self._invitation()
        return invitation is not None and invitation.email.lower() == email.lower()

    def get_client_ip(self, request) -> str:
        """The address every per-address sign-in limit counts, behind the proxies we trust."""
        from django.core.exceptions import PermissionDenied

        from halqa.core.net import client_ip

        ip = client_ip(request)
        if not ip:
            raise PermissionDenied("Unable to determine client IP address")
        return ip

    def is_reauthentication_required(self, *, app: str, **kwargs) -> bool:
        """Ask for the password again unless the person signed in (or confirmed it) recently.

        allauth (65.x) counts only an explicit reauthentication as recent, so a person who has just
        signed in with password (and second factor) would be asked again at once. Here the sign-in
        itself counts too, for ACCOUNT_REAUTHENTICATION_TIMEOUT seconds. Used by every
        `reauthentication_required` view and by allauth's email and two-factor flows.
        """
        if not super().is_reauthentication_required(app=app, **kwargs):
            return False
        from allauth.core import context

        request = context.request
        return request is None or not signed_in_recently(request)


# The sign-in steps that prove the person knows the password (and holds the second factor).
SIGN_IN_METHODS = frozenset({"password", "mfa"})


def signed_in_recently(request) -> bool:
    """Whether the signed-in person proved who they are within ACCOUNT_REAUTHENTICATION_TIMEOUT."""
    from allauth.account.internal.flows.login import get_authentication_records

    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return False
    times = [
        record["at"]
        for record in get_authentication_records(request, user)
        if isinstance(record, dict)
        and record.get("method") in SIGN_IN_METHODS
        and isinstance(record.get("at"), (int, float))
    ]
    timeout = getattr(settings, "ACCOUNT_REAUTHENTICATION_TIMEOUT", 300)
    return bool(times) and 0 <= time.time() - max(times) < timeout
