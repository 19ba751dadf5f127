"""``/ws/notifications/``: the user's notifications as they happen (README "Notifications").

The connection is authenticated before it reaches this consumer (``users.realtime``: the JWT
access token from ``?token=`` or the ``Sec-WebSocket-Protocol`` header); an anonymous scope is
refused (the handshake answers 403). Frames sent (JSON):

- on connect: ``{"type": "unread_count", "unread_count": N}``
- on a new notification: ``{"type": "notification", "notification": {…}, "unread_count": N}``
- when the inbox changed elsewhere (read, read-all, delete): ``{"type": "unread_count", …}``
- ``{"type": "pong"}`` in answer to ``{"type": "ping"}``.

The socket is closed with code 4001 when the access token expires, and on logout or a
password change (``notifications.services.user_sockets_close``).
"""

from __future__ import annotations

import asyncio
import contextlib
import time

from channels.db import database_sync_to_async
from channels.generic.websocket import AsyncJsonWebsocketConsumer

from notifications import realtime, selectors

CLOSE_SESSION_ENDED = 4001


class NotificationConsumer(AsyncJsonWebsocketConsumer):
    group: str | None = None
    expiry: asyncio.Task | None = None

    async def connect(self) -> None:
        user = self.scope.get("user")
        if user is None or not user.is_authenticated:
            await self.close()  # before accept: the handshake is refused (HTTP 403)
            return
        self.group = realtime.group_name(user.pk)
        await self.channel_layer.group_add(self.group, self.channel_name)
        await self.accept(subprotocol=self.scope.get("accepted_subprotocol"))
        expires_at = self.scope.get("token_expires_at")
        if expires_at:
            self.expiry = asyncio.ensure_future(self._close_at(float(expires_at)))
        count = await database_sync_to_async(selectors.unread_count)(user_id=user.pk)
        await self.send_json({"type": "unread_count", "unread_count": count})

    async def _close_at(self, expires_at: float) -> None:
        await asyncio.sleep(max(0.0, expires_at - time.time()))
        await self.close(code=CLOSE_SESSION_ENDED)

    async def disconnect(self, code) -> None:
        if self.group:
            await self.channel_layer.group_discard(self.group, self.channel_name)
        if self.expiry is not None:
            self.expiry.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self.expiry

    async def receive_json(self, content, **kwargs) -> None:
        if isinstance(content, dict) and content.get("type") == "ping":
            await self.send_json({"type": "pong"})

    # --- Channel-layer messages (notifications.realtime) ---------------------------------------

    async def notification_created(self, event: dict) -> None:
        await self.send_json(
            {"type": "notification", "notification": event["notification"], "unread_count": event["unread_count"]}
        )

    async def unread_count(self, event: dict) -> None:
        await self.send_json({"type": "unread_count", "unread_count": event["unread_count"]})

    async def session_close(self, event: dict) -> None:
        await self.close(code=CLOSE_SESSION_ENDED)
