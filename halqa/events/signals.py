"""Security events of sign-in, from Django's and allauth's signals.

A failed sign-in stores neither the password nor the address typed in full: only a short hash of
the normalised email (enough to see many failures against one account, useless to read it back).
"""

from __future__ import annotations

import hashlib

from allauth.mfa import signals as mfa_signals
from django.conf import settings
from django.contrib.auth.signals import user_logged_in, user_logged_out, user_login_failed
from django.dispatch import receiver

from .models import Verb
from .trail import record


def hashed_login(value: str) -> str:
    normalised = (value or "").strip().lower().encode()
    return hashlib.sha256(settings.SECRET_KEY.encode() + b"|login|" + normalised).hexdigest()[:16]


def _authenticator_after(authenticator) -> dict:
    return {"type": getattr(authenticator, "type", "")}


@receiver(user_logged_in, dispatch_uid="events.signed_in")
def signed_in(sender, request, user, **kwargs):
    record(Verb.SIGNED_IN, actor=user, target=user, request=request)


@receiver(user_logged_out, dispatch_uid="events.signed_out")
def signed_out(sender, request, user, **kwargs):
    if user is not None:
        record(Verb.SIGNED_OUT, actor=user, target=user, request=request)


@receiver(user_login_failed, dispatch_uid="events.sign_in_failed")
def sign_in_failed(sender, credentials, request=None, **kwargs):
    # Django has already replaced the password with asterisks; we keep nothing of it anyway.
    attempted = credentials.get("email") or credentials.get("username") or credentials.get("login") or ""
    record(
        Verb.SIGN_IN_FAILED,
        actor=None,
        target=None,
        after={"login_hash": hashed_login(attempted)} if attempted else {},
        request=request,
        actor_label="",
    )


@receiver(mfa_signals.authenticator_added, dispatch_uid="events.authenticator_added")
def authenticator_added(sender, request, user, authenticator, **kwargs):
    record(
        Verb.AUTHENTICATOR_ADDED, actor=user, target=user, after=_authenticator_after(authenticator), request=request
    )


@receiver(mfa_signals.authenticator_removed, dispatch_uid="events.authenticator_removed")
def authenticator_removed(sender, request, user, authenticator, **kwargs):
    record(
        Verb.AUTHENTICATOR_REMOVED, actor=user, target=user, before=_authenticator_after(authenticator), request=request
    )


@receiver(mfa_signals.authenticator_reset, dispatch_uid="events.authenticator_reset")
def authenticator_reset(sender, request, user, authenticator, **kwargs):
    record(
        Verb.AUTHENTICATOR_RESET, actor=user, target=user, after=_authenticator_after(authenticator), request=request
    )


@receiver(mfa_signals.authentication_failed, dispatch_uid="events.second_factor_failed")
def second_factor_failed(sender, request, user, authenticator=None, **kwargs):
    record(Verb.SECOND_FACTOR_FAILED, actor=user, target=user, request=request)
