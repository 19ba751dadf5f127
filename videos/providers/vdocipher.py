"""VdoCipher (https://www.vdocipher.com/docs/server/): OTPs, upload credentials, video status.

Every call carries ``Authorization: Apisecret <key>`` and explicit (connect, read) timeouts
from settings. Only idempotent calls (GET) are retried, a bounded number of times; OTPs and
upload credentials are never sent twice. Every failure becomes a :class:`VideoProviderError`
(502/503 with a message fit for clients); what VdoCipher answered is logged, never returned.
"""

from __future__ import annotations

import functools
import json
import logging
from typing import Any
from urllib.parse import quote, urlencode

import requests
import urllib3
from django.conf import settings
from django.utils.translation import gettext_lazy as _
from requests.adapters import HTTPAdapter
from urllib3.util.retry import Retry

from courses.models import VideoStatus
from videos.providers.base import VideoInfo, VideoProvider, VideoProviderError

logger = logging.getLogger(__name__)

# Extra attempts for GETs that failed to connect, timed out or got a 5xx.
GET_RETRIES = 2
RETRY_BACKOFF_SECONDS = 0.1
RETRY_STATUSES = (500, 502, 503, 504)
CLIENT_PAYLOAD_KEYS = (
    "policy",
    "key",
    "x-amz-signature",
    "x-amz-algorithm",
    "x-amz-date",
    "x-amz-credential",
    "uploadLink",
)
# The viewer watermark: their e-mail drifting over the picture, faint.
WATERMARK = {"type": "rtext", "alpha": "0.30", "color": "0xFFFFFF", "size": "14", "interval": "5000"}
LOGGED_BODY_CHARS = 2000

UNAVAILABLE = _("The video service is unavailable at the moment. Please try again shortly.")
TIMED_OUT = _("The video service did not answer in time. Please try again shortly.")
UNREACHABLE = _("The video service cannot be reached at the moment. Please try again shortly.")
FAILED = _("The video service failed to process the request.")
REFUSED = _("The video service refused the request.")
UNKNOWN_VIDEO = _("The video service does not know this video.")
GARBLED = _("The video service sent an unexpected answer.")


@functools.cache
def _sessions() -> tuple[requests.Session, requests.Session]:
    """``(idempotent, once)``: one pooled session retrying GETs, one that never retries."""
    retrying = Retry(
        total=GET_RETRIES,
        connect=GET_RETRIES,
        read=GET_RETRIES,
        status=GET_RETRIES,
        other=0,
        allowed_methods=frozenset({"GET"}),
        status_forcelist=RETRY_STATUSES,
        backoff_factor=RETRY_BACKOFF_SECONDS,
        respect_retry_after_header=False,
        raise_on_status=False,
    )
    idempotent, once = requests.Session(), requests.Session()
    for scheme in ("http://", "https://"):
        idempotent.mount(scheme, HTTPAdapter(max_retries=retrying))
        once.mount(scheme, HTTPAdapter(max_retries=Retry(total=0, read=False, redirect=False)))
    return idempotent, once


def _segment(value: str) -> str:
    """One URL path segment, every reserved character percent-encoded."""
    if value in ("", ".", ".."):
        raise ValueError(f"{value!r} is not a video id")
    return quote(value, safe="")


def _status(value: Any) -> str:
    """VdoCipher's status words (``Pre-Upload``, ``Queued``, ``Processing``, ``ready``, failures)
    mapped to ours."""
    word = str(value or "").strip().lower().replace("_", "-")
    if word == "ready":
        return VideoStatus.READY
    if word in ("pre-upload", "preupload"):
        return VideoStatus.PENDING
    if "fail" in word or "error" in word:
        return VideoStatus.ERROR
    return VideoStatus.PROCESSING


def _seconds(value: Any) -> int:
    if isinstance(value, bool) or not isinstance(value, int | float) or value != value or value < 0:
        return 0
    return round(min(value, 10**9))


class VdoCipherProvider(VideoProvider):
    name = "vdocipher"

    def __init__(self, *, api_key: str | None = None, base_url: str | None = None) -> None:
        self.api_key = api_key if api_key is not None else settings.VIDEO_SERVICE_SECRET_KEY
        self.base_url = (base_url if base_url is not None else settings.VDOCIPHER_API_BASE).rstrip("/")

    # --- The three calls --------------------------------------------------------------------

    def playback(self, video_id: str, *, viewer) -> dict[str, str]:
        body: dict[str, Any] = {"ttl": settings.VIDEO_OTP_TTL_SECONDS}
        email = getattr(viewer, "email", "") if viewer is not None and viewer.is_authenticated else ""
        if settings.VIDEO_WATERMARK and email:
            # VdoCipher wants the annotation list as a JSON string inside the JSON body.
            body["annotate"] = json.dumps([{**WATERMARK, "text": email}])
        data = self._call("POST", f"/videos/{_segment(video_id)}/otp", body=body)
        otp, info = data.get("otp"), data.get("playbackInfo")
        if not (isinstance(otp, str) and otp and isinstance(info, str) and info):
            raise self._garbled("POST", "/videos/…/otp", data)
        return {"otp": otp, "playbackInfo": info}

    def upload_credentials(self, *, title: str, folder_id: str | None = None) -> dict[str, Any]:
        query = {"title": title}
        if folder_id:
            query["folderId"] = folder_id
        data = self._call("PUT", "/videos", query=query)
        payload, video_id = data.get("clientPayload"), data.get("videoId")
        if not (
            isinstance(payload, dict)
            and all(isinstance(payload.get(key), str) for key in CLIENT_PAYLOAD_KEYS)
            and isinstance(video_id, str)
            and video_id
        ):
            raise self._garbled("PUT", "/videos", data)
        return {"clientPayload": payload, "videoId": video_id}

    def video_info(self, video_id: str) -> VideoInfo:
        data = self._call("GET", f"/videos/{_segment(video_id)}")
        if "status" not in data:
            raise self._garbled("GET", "/videos/…", data)
        return VideoInfo(status=_status(data["status"]), duration_seconds=_seconds(data.get("length")))

    # --- HTTP ----------------------------------------------------------------------------------

    def _call(
        self, method: str, path: str, *, query: dict[str, str] | None = None, body: dict | None = None
    ) -> dict[str, Any]:
        url = self.base_url + path
        if query:
            url += "?" + urlencode(query, quote_via=quote, safe="")
        idempotent, once = _sessions()
        session = idempotent if method == "GET" else once
        try:
            response = session.request(
                method,
                url,
                json=body,
                headers={"Authorization": f"Apisecret {self.api_key}", "Accept": "application/json"},
                timeout=(settings.VIDEO_HTTP_CONNECT_TIMEOUT, settings.VIDEO_HTTP_READ_TIMEOUT),
                allow_redirects=False,
            )
        except requests.RequestException as exc:
            # Retried GETs that kept timing out surface as a ConnectionError around the timeout.
            reason = getattr(exc.args[0], "reason", None) if exc.args else None
            timed_out = isinstance(exc, requests.Timeout) or (
                isinstance(reason, urllib3.exceptions.TimeoutError)
                and not isinstance(reason, urllib3.exceptions.NewConnectionError)  # a subclass, for history
            )
            logger.warning("VdoCipher %s %s failed: %r", method, path, exc)
            raise VideoProviderError(TIMED_OUT if timed_out else UNREACHABLE, status=503) from exc

        status = response.status_code
        if status >= 300:
            level = logging.ERROR if status in (401, 403) else logging.WARNING
            logger.log(
                level, "VdoCipher %s %s answered %s: %s", method, path, status, response.text[:LOGGED_BODY_CHARS]
            )
            if status in (429, 503):
                raise VideoProviderError(UNAVAILABLE, status=503)
            if status >= 500:
                raise VideoProviderError(FAILED, status=502)
            if status == 404:
                raise VideoProviderError(UNKNOWN_VIDEO, status=502)
            if status >= 400:
                raise VideoProviderError(REFUSED, status=502)
            raise VideoProviderError(GARBLED, status=502)
        try:
            data = response.json()
        except ValueError:
            data = None
        if not isinstance(data, dict):
            raise self._garbled(method, path, response.text)
        return data

    @staticmethod
    def _garbled(method: str, path: str, answer: Any) -> VideoProviderError:
        # A JSON object is logged by its keys only: its values may be secrets (an OTP).
        shown = f"an object with keys {sorted(answer)}" if isinstance(answer, dict) else repr(answer)
        logger.warning("VdoCipher %s %s sent an unexpected answer: %s", method, path, shown[:LOGGED_BODY_CHARS])
        return VideoProviderError(GARBLED, status=502)
