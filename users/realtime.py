"""Authentication of WebSocket connections (Django Channels), by the same rules as the API's.

The client sends its JWT access token either in the query string (``?token=<access>``) or as
a subprotocol (``Sec-WebSocket-Protocol: bearer, <access>``: browsers cannot set other headers
on a WebSocket; the server then accepts the ``bearer`` subprotocol). The token is checked by
``users.authentication.JWTAuthentication``: signature (with the rotation's fallback keys),
expiry, type (an access token), the user active, and not issued before their last password
change or reset. Anything else leaves the scope anonymous, and the consumers refuse it.
"""

from __future__ import annotations

from urllib.parse import parse_qs

from channels.db import database_sync_to_async
from channels.middleware import BaseMiddleware
from django.contrib.auth.models import AnonymousUser
from rest_framework.exceptions import AuthenticationFailed
from rest_framework_simplejwt.exceptions import InvalidToken, TokenError

from users.authentication import JWTAuthentication

SUBPROTOCOL = "bearer"


def token_from_scope(scope) -> tuple[str, str | None]:
    """(the raw token or "", the subprotocol to accept or None)."""
    protocols = list(scope.get("subprotocols") or [])
    if len(protocols) >= 2 and protocols[0] == SUBPROTOCOL:
        return protocols[1], SUBPROTOCOL
    query = parse_qs((scope.get("query_string") or b"").decode("latin-1"))
    tokens = query.get("token") or [""]
    return tokens[0], None


def authenticate(raw: str):
    """(user, the token's expiry as a timestamp) or (AnonymousUser, None)."""
    if not raw or len(raw) > 4096:
        return AnonymousUser(), None
    auth = JWTAuthentication()
    try:
        validated = auth.get_validated_token(raw.encode())
        user = auth.get_user(validated)
    except (InvalidToken, TokenError, AuthenticationFailed):
        return AnonymousUser(), None
    return user, validated.get("exp")


class JWTAuthMiddleware(BaseMiddleware):
    async def __call__(self, scope, receive, send):
        raw, subprotocol = token_from_scope(scope)
        user, expires_at = await database_sync_to_async(authenticate)(raw)
        scope = {**scope, "user": user, "token_expires_at": expires_at, "accepted_subprotocol": subprotocol}
        return await super().__call__(scope, receive, send)
