"""Firebase Cloud Messaging, HTTP v1 API.

Authentication as Google documents it for service accounts (OAuth 2.0 JWT bearer grant,
RFC 7523): an RS256-signed JWT assertion (iss: the service account's e-mail, scope
``firebase.messaging``, aud: its ``token_uri``, one hour) is exchanged at ``token_uri`` for an
access token, which is kept until a minute before it expires. Then
``POST {FCM_BASE_URL}/v1/projects/{FCM_PROJECT_ID}/messages:send`` with ``{"message": …}``.

A token FCM no longer knows (404 ``UNREGISTERED``) or refuses (400 ``INVALID_ARGUMENT``) is
reported as INVALID_TOKEN; 401 refreshes the access token once; 429 and 5xx raise PushError.
"""

from __future__ import annotations

import threading
import time

import httpx
import jwt
from django.conf import settings

from notifications.push import INVALID_TOKEN, NOT_CONFIGURED, SENT, PushError, PushMessage
from notifications.push.http import client

SCOPE = "https://www.googleapis.com/auth/firebase.messaging"
ASSERTION_LIFETIME = 3600
REFRESH_MARGIN = 60

_lock = threading.Lock()
_token: dict[str, object] = {"key": None, "value": "", "expires": 0.0}


def configured() -> bool:
    return bool(settings.FCM_PROJECT_ID and settings.FCM_SERVICE_ACCOUNT)


def assertion(account: dict, now: int | None = None) -> str:
    now = int(time.time()) if now is None else now
    claims = {"iss": account["client_email"], "scope": SCOPE, "aud": account["token_uri"], "iat": now}
    claims["exp"] = now + ASSERTION_LIFETIME
    headers = {"kid": account["private_key_id"]} if account.get("private_key_id") else None
    return jwt.encode(claims, account["private_key"], algorithm="RS256", headers=headers)


def access_token(*, force: bool = False) -> str:
    """A valid OAuth 2.0 access token for FCM, minted when there is none or it is about to expire."""
    account = settings.FCM_SERVICE_ACCOUNT
    key = (account.get("client_email"), account.get("token_uri"))
    with _lock:
        if not force and _token["key"] == key and time.time() < float(_token["expires"]) - REFRESH_MARGIN:
            return str(_token["value"])
        try:
            response = client().post(
                account["token_uri"],
                data={"grant_type": "urn:ietf:params:oauth:grant-type:jwt-bearer", "assertion": assertion(account)},
            )
        except httpx.HTTPError as exc:
            raise PushError(f"FCM token endpoint unreachable: {exc.__class__.__name__}") from exc
        if response.status_code != 200:
            raise PushError(f"FCM token endpoint answered {response.status_code}")
        body = response.json()
        _token.update(key=key, value=body["access_token"], expires=time.time() + int(body.get("expires_in", 3600)))
        return str(_token["value"])


def _error_status(response: httpx.Response) -> tuple[str, set[str]]:
    try:
        error = response.json().get("error", {})
    except ValueError:
        return "", set()
    codes = {str(d.get("errorCode")) for d in error.get("details", []) if isinstance(d, dict) and d.get("errorCode")}
    return str(error.get("status", "")), codes


def send(*, token: str, message: PushMessage) -> str:
    if not configured():
        return NOT_CONFIGURED
    url = f"{settings.FCM_BASE_URL}/v1/projects/{settings.FCM_PROJECT_ID}/messages:send"
    payload = {
        "message": {
            "token": token,
            "notification": {"title": message.title, "body": message.body},
            "data": {key: str(value) for key, value in message.data.items()},
        }
    }
    if message.data.get("url"):
        payload["message"]["webpush"] = {"fcm_options": {"link": f"{settings.FRONTEND_URL}{message.data['url']}"}}
    for attempt in (1, 2):
        headers = {"Authorization": f"Bearer {access_token(force=attempt == 2)}"}
        try:
            response = client().post(url, json=payload, headers=headers)
        except httpx.HTTPError as exc:
            raise PushError(f"FCM unreachable: {exc.__class__.__name__}") from exc
        if response.status_code == 401 and attempt == 1:
            continue  # the access token was revoked or expired early: mint another, once
        break
    if response.status_code == 200:
        return SENT
    status, codes = _error_status(response)
    if response.status_code == 404 or "UNREGISTERED" in codes or status == "NOT_FOUND":
        return INVALID_TOKEN
    if response.status_code == 400 and (status == "INVALID_ARGUMENT" or "INVALID_ARGUMENT" in codes):
        return INVALID_TOKEN
    raise PushError(f"FCM answered {response.status_code} {status or ''}".strip())
