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


def _group_send(user_id, message: dict) -> None:
    layer = get_channel_layer()
    if layer is None:
        return
    try:
        async_to_sync(layer.group_send)(group_name(user_id), message)
    except Exception:
        logger.exception("Could not send %s to the sockets of user %s", message.get("type"), user_id)


def notification_send(*, user_id, notification: dict, unread_count: int) -> None:
    _group_send(user_id, {"type": "notification.created", "notification": notification, "unread_count": unread_count})


def unread_count_send(*, user_id, unread_count: int) -> None:
    """After the inbox changed elsewhere (read, read-all, delete): every open tab agrees."""
    _group_send(user_id, {"type": "unread.count", "unread_count": unread_count})


def sockets_close(*, user_id, reason: str) -> None:
    """Close every socket of the user (logout, password change): they must authenticate again."""
    _group_send(user_id, {"type": "session.close", "reason": reason})
