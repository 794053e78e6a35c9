"""allauth's emails through the outbox, with their secret links made in the worker.

The adapter's `send_mail` hands over the template, the address, the person's id and the few context
values that are not secret; the password-reset link and the email-confirmation link are made
again here, when the message is built. Both are derived from the database state (Django's
password-reset token from the password hash and last sign-in; allauth's confirmation key is a
signed, timestamped address id), so a link made in the worker works like one made in the request,
and none is ever stored in the task queue, a task result or the outbox.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from urllib.parse import urlparse

from django.conf import settings
from django.core.mail import EmailMessage
from django.urls import reverse
from django.utils import timezone, translation

ACCOUNT_EMAIL = "account"
PASSWORD_RESET = "account/email/password_reset_key"  # noqa: S105 - a template name
CONFIRMATIONS = ("account/email/email_confirmation", "account/email/email_confirmation_signup")
# Context values that may be kept in the outbox row until the email is built: none is a secret.
KEPT_CONTEXT = ("timestamp", "ip", "user_agent", "from_email", "to_email", "deleted_email", "provider")
# Emails whose secret is a code the request keeps in the session: it cannot be made again later.
CODE_CONTEXT = "code"


@dataclass(frozen=True)
class Site:
    """What allauth's templates call `current_site`, from SITE_URL (never from the request's Host)."""

    name: str
    domain: str


def current_site() -> Site:
    host = urlparse(settings.SITE_URL).netloc
    return Site(name=host, domain=host)


def queue_account_email(template_prefix: str, email: str, context: dict) -> None:
    from halqa.core.outbox import queue_email

    user = context.get("user")
    kept = {}
    for key in KEPT_CONTEXT:
        value = context.get(key)
        if isinstance(value, dt.datetime):
            kept[key] = {"datetime": value.isoformat()}
        elif isinstance(value, str | int | float | bool):
            kept[key] = value
    params = {"template": template_prefix, "context": kept}
    if getattr(user, "pk", None) is not None:
        params["user_id"] = user.pk
    queue_email(ACCOUNT_EMAIL, email, params=params)


def build_account_email(row) -> EmailMessage | None:
    from allauth.account.adapter import get_adapter

    template = row.params.get("template", "")
    context = {"email": row.recipient, "current_site": current_site(), "request": None}
    for key, value in row.params.get("context", {}).items():
        context[key] = dt.datetime.fromisoformat(value["datetime"]) if isinstance(value, dict) else value
    user = _user(row.params.get("user_id"))
    if user is not None:
        context["user"] = user
    if template == PASSWORD_RESET:
        if user is None:
            return None
        context.update(password_reset_context(user))
    elif template in CONFIRMATIONS:
        if user is None:
            return None
        confirmation = confirmation_context(user, row.recipient)
        if confirmation is None:
            return None  # the address was removed or confirmed meanwhile
        context.update(confirmation)
    else:
        context.setdefault("signup_url", settings.SITE_URL + reverse("account_signup"))
        context.setdefault("password_reset_url", settings.SITE_URL + reverse("account_reset_password"))
    with translation.override(row.language):
        return get_adapter().render_mail(template, row.recipient, context)


def _user(user_id):
    from halqa.accounts.models import User

    if user_id is None:
        return None
    return User.objects.filter(pk=user_id, is_active=True).first()


def password_reset_context(user) -> dict:
    from allauth.account import app_settings
    from allauth.account.utils import user_pk_to_url_str

    key = app_settings.PASSWORD_RESET_TOKEN_GENERATOR().make_token(user)
    uid = user_pk_to_url_str(user)
    path = reverse("account_reset_password_from_key", kwargs={"uidb36": uid, "key": key})
    return {"password_reset_url": settings.SITE_URL + path, "uid": uid, "key": key}


def confirmation_context(user, email: str) -> dict | None:
    from allauth.account.models import EmailAddress, EmailConfirmation, get_emailconfirmation_model

    address = EmailAddress.objects.filter(user=user, email__iexact=email, verified=False).first()
    if address is None:
        return None
    model = get_emailconfirmation_model()
    confirmation = model.create(address)
    if isinstance(confirmation, EmailConfirmation):  # stored keys (HMAC off): the key counts from now
        confirmation.sent = timezone.now()
        confirmation.save(update_fields=["sent"])
    key = confirmation.key
    return {"key": key, "activate_url": settings.SITE_URL + reverse("account_confirm_email", args=[key])}
