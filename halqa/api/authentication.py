"""API token authentication: `Authorization: Token <key>` or `Authorization: Bearer <key>`.

The key is looked up by its hash (accounts.ApiToken keeps nothing else). A key that is unknown,
expired or revoked, or whose owner is deactivated, gets 401 with a translated reason; a read-only
token is refused with 403 on any method that could change something, here, before any view runs, so
no view or permission class can forget it.
"""

from __future__ import annotations

from datetime import timedelta

from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from drf_spectacular.extensions import OpenApiAuthenticationExtension
from rest_framework import exceptions
from rest_framework.authentication import BaseAuthentication, get_authorization_header
from rest_framework.permissions import SAFE_METHODS

from halqa.accounts import mfa_policy
from halqa.accounts.models import ApiToken
from halqa.accounts.tokens import MAX_KEY_LENGTH, hash_key

KEYWORDS = (b"token", b"bearer")
CHALLENGE = 'Bearer realm="api"'
# last_used_at is written at most this often per token, not on every request.
LAST_USED_RESOLUTION = timedelta(minutes=1)


class TokenRefused(exceptions.AuthenticationFailed):
    """A token that does not (or no longer) let its holder in: always 401 with a challenge.

    DRF turns an authentication failure into 403 when the first authentication class (the session's)
    has no challenge to offer; the API's exception handler keeps this one a 401 (halqa.api.errors).
    """

    auth_header = CHALLENGE


class ReadOnlyToken(exceptions.PermissionDenied):
    default_detail = _("This token is read-only: it can look, but not change anything.")
    default_code = "read_only_token"


class ApiTokenAuthentication(BaseAuthentication):
    def authenticate(self, request):
        parts = get_authorization_header(request).split()
        if not parts or parts[0].lower() not in KEYWORDS:
            return None
        if len(parts) != 2:
            raise TokenRefused(_("Send the header as “Authorization: Bearer <key>”, with the key and nothing else."))
        try:
            key = parts[1].decode("ascii")
        except UnicodeDecodeError:
            raise TokenRefused(_("This API token is not valid.")) from None
        token = None
        if len(key) <= MAX_KEY_LENGTH:
            token = ApiToken.objects.select_related("user").filter(key_hash=hash_key(key)).first()
        if token is None:
            raise TokenRefused(_("This API token is not valid."))
        now = timezone.now()
        if token.revoked_at is not None:
            raise TokenRefused(_("This API token was revoked."))
        if token.is_expired(now):
            raise TokenRefused(_("This API token has expired."))
        if not token.user.is_active:
            raise TokenRefused(_("This account is deactivated."))
        if mfa_policy.needs_enrolment(token.user):
            # A token made before the rule was switched on (or before a promotion) is no way around it.
            raise exceptions.PermissionDenied(mfa_policy.REQUIRED_MESSAGE)
        if token.read_only and request.method not in SAFE_METHODS:
            raise ReadOnlyToken()
        if token.last_used_at is None or now - token.last_used_at >= LAST_USED_RESOLUTION:
            ApiToken.objects.filter(pk=token.pk).update(last_used_at=now)
            token.last_used_at = now
        return token.user, token

    def authenticate_header(self, request):
        return CHALLENGE


class ApiTokenScheme(OpenApiAuthenticationExtension):
    target_class = ApiTokenAuthentication
    name = "tokenAuth"

    def get_security_definition(self, auto_schema):
        return {
            "type": "apiKey",
            "in": "header",
            "name": "Authorization",
            "description": (
                "A personal API token, made on the account's security page and shown once: "
                "`Authorization: Bearer <key>` (or `Authorization: Token <key>`). A token may be "
                "read-only; it then gets 403 on every method but GET, HEAD and OPTIONS."
            ),
        }
