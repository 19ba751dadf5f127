"""JWT authentication for the API (the only authentication /api/ accepts)."""

from __future__ import annotations

from datetime import UTC, datetime

from django.utils.translation import gettext_lazy as _
from rest_framework_simplejwt import authentication
from rest_framework_simplejwt.exceptions import AuthenticationFailed, InvalidToken
from rest_framework_simplejwt.settings import api_settings
from rest_framework_simplejwt.utils import get_md5_hash_password

from core.i18n import activate_user_language
from users import selectors


class JWTAuthentication(authentication.JWTAuthentication):
    """simplejwt's Bearer authentication, plus: access tokens issued before the user's
    last password change or reset are refused, at no extra query (the user is loaded anyway).

    Missing or invalid credentials give 401 with ``WWW-Authenticate: Bearer realm="api"``.
    A signed-in request is answered in the user's ``language`` when they chose one
    (``core.i18n``): DRF authenticates in the view, after the middleware chose the language of
    ``Accept-Language``, and before anything of the view (throttles, permissions) writes a word.
    """

    def authenticate(self, request):
        result = super().authenticate(request)
        if result is not None:
            activate_user_language(result[0])
        return result

    def get_user(self, validated_token):
        user = self._user(validated_token)
        valid_after = user.tokens_valid_after
        issued_at = validated_token.get("iat")
        if valid_after is not None and (
            issued_at is None or datetime.fromtimestamp(int(issued_at), tz=UTC) < valid_after.replace(microsecond=0)
        ):
            raise AuthenticationFailed(_("Token was issued before the password changed."), code="token_not_valid")
        return user

    def _user(self, validated_token):
        """simplejwt's checks (``get_user``), with the lookup of ``users.selectors.user_by_id``."""
        try:
            user_id = validated_token[api_settings.USER_ID_CLAIM]
        except KeyError as exc:
            raise InvalidToken(_("Token contained no recognizable user identification")) from exc
        user = selectors.user_by_id(user_id)
        if user is None:
            raise AuthenticationFailed(_("User not found"), code="user_not_found")
        if api_settings.CHECK_USER_IS_ACTIVE and not user.is_active:
            raise AuthenticationFailed(_("User is inactive"), code="user_inactive")
        if api_settings.CHECK_REVOKE_TOKEN and validated_token.get(
            api_settings.REVOKE_TOKEN_CLAIM
        ) != get_md5_hash_password(user.password):
            raise AuthenticationFailed(_("The user's password has been changed."), code="password_changed")
        return user
