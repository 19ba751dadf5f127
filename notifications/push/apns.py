"""Apple Push Notification service, token-based authentication.

``POST {APNS_BASE_URL}/3/device/<token>`` over HTTP/2 with ``authorization: bearer <JWT>`` (ES256,
header ``kid`` = APNS_KEY_ID, claims ``iss`` = APNS_TEAM_ID and ``iat``; Apple refuses a token
older than an hour and one renewed more than every 20 minutes: it is kept for 50 minutes),
``apns-topic`` (the app's bundle id), ``apns-push-type: alert``.

410 (``Unregistered``) and 400 ``BadDeviceToken`` / ``DeviceTokenNotForTopic`` report a dead token
(INVALID_TOKEN); 403 ``ExpiredProviderToken`` renews the JWT once; 429 and 5xx raise PushError.
"""

from __future__ import annotations

import threading
import time

import httpx
import jwt
from django.conf import settings

from notifications.push import INVALID_TOKEN, NOT_CONFIGURED, SENT, PushError, PushMessage
from notifications.push.http import client

TOKEN_LIFETIME = 50 * 60
INVALID_REASONS = {"BadDeviceToken", "DeviceTokenNotForTopic", "Unregistered"}

_lock = threading.Lock()
_token: dict[str, object] = {"key": None, "value": "", "issued": 0.0}


def configured() -> bool:
    return bool(settings.APNS_KEY_ID and settings.APNS_TEAM_ID and settings.APNS_PRIVATE_KEY and settings.APNS_TOPIC)


def provider_token(*, force: bool = False) -> str:
    key = (settings.APNS_KEY_ID, settings.APNS_TEAM_ID)
    with _lock:
        if not force and _token["key"] == key and time.time() < float(_token["issued"]) + TOKEN_LIFETIME:
            return str(_token["value"])
        now = int(time.time())
        value = jwt.encode(
            {"iss": settings.APNS_TEAM_ID, "iat": now},
            settings.APNS_PRIVATE_KEY,
            algorithm="ES256",
            headers={"kid": settings.APNS_KEY_ID},
        )
        _token.update(key=key, value=value, issued=float(now))
        return value


def _reason(response: httpx.Response) -> str:
    try:
        return str(response.json().get("reason", ""))
    except ValueError:
        return ""


def send(*, token: str, message: PushMessage) -> str:
    if not configured():
        return NOT_CONFIGURED
    url = f"{settings.APNS_BASE_URL}/3/device/{token}"
    payload = {"aps": {"alert": {"title": message.title, "body": message.body}, "sound": "default"}, **message.data}
    for attempt in (1, 2):
        headers = {
            "authorization": f"bearer {provider_token(force=attempt == 2)}",
            "apns-topic": settings.APNS_TOPIC,
            "apns-push-type": "alert",
            "apns-priority": "10",
        }
        try:
            response = client().post(url, json=payload, headers=headers)
        except httpx.HTTPError as exc:
            raise PushError(f"APNs unreachable: {exc.__class__.__name__}") from exc
        if response.status_code == 403 and _reason(response) == "ExpiredProviderToken" and attempt == 1:
            continue
        break
    if response.status_code == 200:
        return SENT
    reason = _reason(response)
    if response.status_code == 410 or (response.status_code == 400 and reason in INVALID_REASONS):
        return INVALID_TOKEN
    raise PushError(f"APNs answered {response.status_code} {reason}".strip())
