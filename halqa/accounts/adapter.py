"""Halqa's rules for allauth: sign-up only with an open invitation, for the invited address."""

from allauth.account.adapter import DefaultAccountAdapter
from django import forms
from django.db import transaction
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
        """Render now (in the reader's language), deliver through the task queue."""
        from allauth.core import context as allauth_context
        from django.contrib.sites.shortcuts import get_current_site

        from halqa.core.tasks import send_email

        request = allauth_context.request
        message = self.render_mail(
            template_prefix,
            email,
            {"request": request, "email": email, "current_site": get_current_site(request), **context},
        )
        html = next(
            (content for content, mimetype in getattr(message, "alternatives", []) if mimetype == "text/html"), ""
        )
        if message.content_subtype == "html":
            html, body = message.body, ""
        else:
            body = message.body
        parts = {
            "subject": message.subject,
            "body": body,
            "to": list(message.to),
            "html": html,
            "from_email": message.from_email,
        }
        transaction.on_commit(lambda: send_email.enqueue(**parts))

    def is_email_verified(self, request, email: str) -> bool:
        invitation = self._invitation()
        return invitation is not None and invitation.email.lower() == email.lower()
