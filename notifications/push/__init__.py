"""Device push: Firebase Cloud Messaging HTTP v1 for Android and the web (``push.fcm``), APNs
token-based authentication for iOS (``push.apns``). One entry point, ``send``, which answers
SENT, INVALID_TOKEN (the provider says the token is dead: the caller deletes the device) or
NOT_CONFIGURED, and raises ``PushError`` for what may work later (the task retries)."""

from __future__ import annotations

from dataclasses import dataclass, field

from notifications.models import Device, Platform

SENT = "sent"
INVALID_TOKEN = "invalid_token"
NOT_CONFIGURED = "not_configured"


class PushError(Exception):
    """A provider failed in a way a later attempt may not (network, 5xx, 429, auth)."""


@dataclass(frozen=True)
class PushMessage:
    title: str
    body: str
    data: dict[str, str] = field(default_factory=dict)


def send(*, device: Device, message: PushMessage) -> str:
    from notifications.push import apns, fcm

    if device.platform == Platform.IOS:
        return apns.send(token=device.token, message=message)
    return fcm.send(token=device.token, message=message)
