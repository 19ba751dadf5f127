"""The WebSocket side of notifications: one channel-layer group per user, and the messages the
consumer (``notifications.consumers``) turns into frames. Sending is best effort: a channel
layer that cannot be reached (Redis down) is logged, never raised to the caller."""

from __future__ import annotations

import logging

from asgiref.sync import async_to_sync
from channels.layers import get_channel_layer

logger = logging.getLogger(__name__)


def group_name(user_id) -> str:
    """The group of every socket of one user (channel-layer names: ASCII letters, digits, . - _)."""
    return f"notifications.user.{user_id}"


def _group_send_many(messages: list[tuple[object, dict]]) -> None:
    """Send ``(user_id, message)`` pairs in one event loop (one connection to Redis for a batch)."""
    layer = get_channel_layer()
    if layer is None or not messages:
        return

    async def send_all() -> None:
        for user_id, message in messages:
            await layer.group_send(group_name(user_id), message)

    try:
        async_to_sync(send_all)()
    except Exception:
        logger.exception("Could not send %s messages to the users' sockets", len(messages))


def _group_send(user_id, message: dict) -> None:
    _group_send_many([(user_id, message)])


def notifications_send(items: list[tuple[object, dict, int]]) -> None:
    """New notifications, ``(user_id, notification payload, unread count)``, to their sockets."""
    _group_send_many(
        [
            (user_id, {"type": "notification.created", "notification": payload, "unread_count": unread_count})
            for user_id, payload, unread_count in items
        ]
    )


def unread_count_send(*, user_id, unread_count: int) -> None:
    """After the inbox changed elsewhere (read, read-all, delete): every open tab agrees."""
    _group_send(user_id, {"type": "unread.count", "unread_count": unread_count})


def sockets_close(*, user_id, reason: str) -> None:
    """Close every socket of the user (logout, password change): they must authenticate again."""
    _group_send(user_id, {"type": "session.close", "reason": reason})
