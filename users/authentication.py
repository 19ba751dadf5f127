"""JWT authentication for the API (the only authentication /api/ accepts)."""

from __future__ import annotations

from datetime import UTC, datetime

from rest_framework_simplejwt import authentication
from rest_framework_simplejwt.exceptions import AuthenticationFailed


class JWTAuthentication(authentication.JWTAuthentication):
    """simplejwt's Bearer authentication, plus: access tokens issued before the user's
    last password change or reset are refused, at no extra query (the user is loaded anyway).

    Missing or invalid credentials give 401 with ``WWW-Authenticate: Bearer realm="api"``.
    """

    def get_user(self, validated_token):
        user = super().get_user(validated_token)
        valid_after = user.tokens_valid_after
        issued_at = validated_token.get("iat")
        if valid_after is not None and (
            issued_at is None or datetime.fromtimestamp(int(issued_at), tz=UTC) < valid_after.replace(microsecond=0)
        ):
            raise AuthenticationFailed("Token was issued before the password changed.", code="token_not_valid")
        return user
