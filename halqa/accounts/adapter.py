"""Halqa's rules for allauth: sign-up only with an open invitation, for the invited address."""

from allauth.account.adapter import DefaultAccountAdapter
from django import forms
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

    def is_email_verified(self, request, email: str) -> bool:
        invitation = self._invitation()
        return invitation is not None and invitation.email.lower() == email.lower()
