"""Who must protect their account with a second factor, and what that means for them.

`HALQA_REQUIRE_2FA` (env, on by default when HALQA_ENV=production) turns the rule on;
`HALQA_2FA_ROLES` (env, comma-separated) says for whom. Its words:

- ``staff``: site administrators (``is_staff`` or ``is_superuser``);
- ``district_admin``: the role, or being an admin of an authority;
- ``principal``: the role, or leading a school (principal or deputy position);
- ``supervisor``: the role, or supervising a network;
- any other role code (``coordinator``, ``expert``, ``teacher``, ...): holding that role.

The powers come from the relationships as well as from the role on the profile, so both count.
Such a person without a TOTP authenticator is sent to enrol on every page
(`middleware.TwoFactorRequiredMiddleware`) and may not turn their authenticator off
(`MFAAdapter.can_delete_authenticator`).
"""

from __future__ import annotations

from allauth.mfa.adapter import DefaultMFAAdapter
from allauth.mfa.models import Authenticator
from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django.utils.translation import gettext_lazy as _

from .choices import Role

STAFF = "staff"
DEFAULT_ROLES = (STAFF, Role.DISTRICT_ADMIN.value, Role.PRINCIPAL.value, Role.SUPERVISOR.value)

REQUIRED_MESSAGE = _(
    "Your role requires two-factor authentication. Set up an authenticator app to continue; "
    "until then, the other pages stay closed."
)
CANNOT_DEACTIVATE_MESSAGE = _(
    "Your role requires two-factor authentication, so it cannot be turned off. "
    "To move to a new phone, ask a site administrator."
)


def is_enforced() -> bool:
    return bool(getattr(settings, "HALQA_REQUIRE_2FA", False))


def required_roles() -> frozenset[str]:
    """The configured words, checked: a typo must not quietly leave leaders unprotected."""
    words = frozenset(getattr(settings, "HALQA_2FA_ROLES", DEFAULT_ROLES))
    unknown = words - {STAFF, *Role.values}
    if unknown:
        raise ImproperlyConfigured(
            f"HALQA_2FA_ROLES has unknown entries {sorted(unknown)}; use {STAFF!r} or role codes {Role.values}."
        )
    return words


def must_use_two_factor(user) -> bool:
    """Whether the deployment requires this person to have a second factor."""
    if not is_enforced() or user is None or not user.is_authenticated:
        return False
    words = required_roles()
    if STAFF in words and (user.is_staff or user.is_superuser):
        return True
    from halqa.orgs.access import standing

    me = standing(user)  # computed once per request, shared with the page's own access checks
    return bool(
        me.role_codes & words
        or (Role.DISTRICT_ADMIN in words and me.admin_of)
        or (Role.PRINCIPAL in words and me.led_schools)
        or (Role.SUPERVISOR in words and me.supervises)
    )


def has_totp(user) -> bool:
    return Authenticator.objects.filter(user_id=user.pk, type=Authenticator.Type.TOTP).exists()


def needs_enrolment(user) -> bool:
    """Required to use a second factor and has none yet: every page but enrolment stays closed."""
    return must_use_two_factor(user) and not has_totp(user)


class MFAAdapter(DefaultMFAAdapter):
    error_messages = {
        **DefaultMFAAdapter.error_messages,
        "cannot_delete_authenticator": CANNOT_DEACTIVATE_MESSAGE,
    }

    def can_delete_authenticator(self, authenticator: Authenticator) -> bool:
        """The last TOTP of someone who must use two-factor authentication stays."""
        if authenticator.type == Authenticator.Type.TOTP and must_use_two_factor(authenticator.user):
            others = Authenticator.objects.filter(user_id=authenticator.user_id, type=Authenticator.Type.TOTP)
            return others.exclude(pk=authenticator.pk).exists()
        return super().can_delete_authenticator(authenticator)
