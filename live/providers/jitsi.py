"""Jitsi with JWT authentication (a self-hosted Jitsi Meet with ``token`` auth; the claims of
https://github.com/jitsi/lib-jitsi-meet/blob/master/doc/tokens.md): a room link
``https://{JITSI_DOMAIN}/{room}?jwt=<token>`` signed HS256 with ``JITSI_APP_SECRET``. Claims:
``iss`` = ``JITSI_APP_ID``, ``aud`` = ``"jitsi"``, ``sub`` = ``JITSI_DOMAIN``, ``room``, ``nbf``,
``exp`` (the session's end, plus an hour), ``moderator`` and ``context.user`` (id, name, e-mail,
moderator). No call leaves the application; the token lets one user into one room.
"""

from __future__ import annotations

from datetime import timedelta
from urllib.parse import quote

import jwt
from django.conf import settings
from django.utils import timezone

from live.providers.base import LiveProvider, display_name

TOKEN_GRACE = timedelta(hours=1)


def room_name(session) -> str:
    return f"11tutors-{session.room_key}"


class JitsiProvider(LiveProvider):
    name = "jitsi"

    def join_url(self, *, session, user, moderator: bool) -> str:
        now = timezone.now()
        claims = {
            "iss": settings.JITSI_APP_ID,
            "aud": "jitsi",
            "sub": settings.JITSI_DOMAIN,
            "room": room_name(session),
            "nbf": int((now - timedelta(minutes=1)).timestamp()),
            "exp": int((max(session.ends_at, now) + TOKEN_GRACE).timestamp()),
            "moderator": moderator,
            "context": {
                "user": {
                    "id": str(user.pk),
                    "name": display_name(user),
                    "email": user.email,
                    "moderator": moderator,
                }
            },
        }
        token = jwt.encode(claims, settings.JITSI_APP_SECRET, algorithm="HS256")
        return f"https://{settings.JITSI_DOMAIN}/{quote(room_name(session))}?jwt={token}"


class PublicRoomProvider(LiveProvider):
    """The embedded default: a Jitsi-style room on ``LIVE_PUBLIC_ROOM_BASE`` (meet.jit.si) named
    after the session's random room key, with no secret and no account of ours. The link is given
    only under the same rules as any join URL; moderation is the public service's own."""

    name = "public_room"

    def join_url(self, *, session, user, moderator: bool) -> str:
        return f"{settings.LIVE_PUBLIC_ROOM_BASE}/{quote(room_name(session))}"


class ExternalProvider(LiveProvider):
    """A tutor-provided meeting URL (Zoom, Teams, …), given only under the join rules."""

    name = "external"

    def join_url(self, *, session, user, moderator: bool) -> str:
        return session.external_url
