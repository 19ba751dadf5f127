"""The ``local`` video provider (the embedded default): no third party involved.

The client flow is VdoCipher's, served by us:

- ``upload_credentials`` returns the same shape as VdoCipher (an S3-style POST policy) whose
  ``uploadLink`` is our own upload endpoint. The policy is signed (``django.core.signing``,
  a salt of its own) and expires; it names the object key, the video and the size limit.
- The client posts the policy fields plus ``file`` there; :func:`verify_upload_policy` and
  :func:`check_upload_file` decide, the file lands under ``videos/<id>/`` in the PRIVATE video
  storage (``STORAGES["videos"]``, see :mod:`videos.storage`): never in the public media.
- ``playback``: ``otp`` is a stream token and ``playbackInfo`` the base64 of ``{"url": ...}``:
  our streaming endpoint (HTTP Range support) while videos are on the local disk, or a presigned
  URL of the private bucket/prefix when they live on S3/R2. Both live ``VIDEO_OTP_TTL_SECONDS``.

Stream tokens are opaque: AES-GCM (key derived from ``SECRET_KEY`` with HKDF, an info string
of its own) over the video id, the viewer's user id (None: anonymous, free previews) and the
expiry. Nothing in them is readable or forgeable; the stream endpoint decrypts one, then checks
again that this viewer may still watch the video (a refund stops an issued token at once).
"""

from __future__ import annotations

import base64
import binascii
import functools
import json
import os
import re
import time
import uuid
from collections.abc import Callable, Mapping
from datetime import datetime, timedelta
from typing import Any, NamedTuple

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.kdf.hkdf import HKDF
from django.conf import settings
from django.core import signing
from django.urls import reverse
from django.utils import timezone
from django.utils.crypto import constant_time_compare
from django.utils.translation import gettext_lazy as _

from core.cache import Stamped
from core.exceptions import ServiceError
from courses.models import VideoStatus
from videos.models import ProviderName, VideoUpload
from videos.providers.base import VideoInfo, VideoProvider, VideoProviderError
from videos.storage import video_storage

# The signing salt and HKDF salt keep the names this module had under courses/video/: changing
# them would void every upload policy and playback link already handed out.
UPLOAD_POLICY_SALT = "courses.video.local.upload-policy"
# HKDF inputs of the stream-token key: a key of its own, derived from SECRET_KEY.
STREAM_TOKEN_SALT = b"11tutors.courses.video.local.stream-token"
STREAM_TOKEN_INFO = b"stream-token/aes-256-gcm/v1"
NONCE_BYTES = 12
TAG_BYTES = 16
ALGORITHM = "11T-HMAC-SHA256"
VIDEO_CONTENT_TYPE = re.compile(r"^video/[a-z0-9][a-z0-9!#$&^_.+-]{0,90}$")
# Room for the multipart boundaries and the policy fields around the file itself.
MULTIPART_OVERHEAD_BYTES = 64 * 1024


class UploadRefused(ServiceError):
    """A local upload we refuse; ``status`` is the HTTP status to answer with."""

    def __init__(self, message: str, *, status: int = 400, field: str | None = None) -> None:
        super().__init__(message, field=field)
        self.status = status


class StreamTokenRefused(ServiceError):
    """A forged (404) or expired (403) stream token."""

    def __init__(self, message: str, *, status: int) -> None:
        super().__init__(message)
        self.status = status


class UploadGrant(NamedTuple):
    video_id: str
    key: str
    max_bytes: int


class StreamGrant(NamedTuple):
    """What a valid stream token says: this video, for this viewer (None: anonymous)."""

    video_id: str
    viewer_id: str | None


def object_key(video_id: str) -> str:
    return f"videos/{video_id}/original"


def storage_serves_files() -> bool:
    """True while videos are files on our disk (we stream them); False on S3/R2 (presigned URLs)."""
    try:
        video_storage().path(object_key("probe"))
    except NotImplementedError:
        return False
    return True


def _signer() -> signing.Signer:
    return signing.Signer(salt=UPLOAD_POLICY_SALT)


def _b64_json(data: Any) -> str:
    return base64.b64encode(json.dumps(data, separators=(",", ":")).encode()).decode()


# --- Upload policies ------------------------------------------------------------------------


def verify_upload_policy(fields: Mapping[str, Any]) -> UploadGrant:
    """Check the posted policy fields: our signature, not expired, the key it names."""
    for name in ("policy", "key", "x-amz-signature"):
        value = fields.get(name)
        if not isinstance(value, str) or not value:
            raise UploadRefused(_("This field is required."), field=name)
    policy, signature = fields["policy"], fields["x-amz-signature"]
    if not constant_time_compare(signature, _signer().signature(policy)):
        raise UploadRefused(_("The upload policy's signature is invalid."), status=403)
    try:
        document = json.loads(base64.b64decode(policy, validate=True))
        conditions = {k: v for item in document["conditions"] if isinstance(item, dict) for k, v in item.items()}
        sizes = next(c for c in document["conditions"] if isinstance(c, list) and c[0] == "content-length-range")
        expires = datetime.fromisoformat(document["expiration"])
        grant = UploadGrant(video_id=str(conditions["videoId"]), key=str(conditions["key"]), max_bytes=int(sizes[2]))
    except (ValueError, TypeError, KeyError, IndexError, StopIteration, binascii.Error):
        raise UploadRefused(_("The upload policy is malformed."), status=403) from None
    if timezone.now() >= expires:
        raise UploadRefused(_("The upload policy has expired: request new upload credentials."), status=403)
    if fields["key"] != grant.key:
        raise UploadRefused(_("The key does not match the upload policy."), status=403)
    return grant


def request_too_large(content_length: str | None) -> bool:
    """Refuse before reading the body when its announced size cannot fit the limit."""
    try:
        length = int(content_length or 0)
    except ValueError:
        return False
    return length > settings.VIDEO_UPLOAD_MAX_BYTES + MULTIPART_OVERHEAD_BYTES


def check_upload_file(file, grant: UploadGrant) -> None:
    """The file itself: present, not empty, within the size limit, a video content type."""
    if file is None:
        raise UploadRefused(_("No file was submitted."), field="file")
    limit = min(grant.max_bytes, settings.VIDEO_UPLOAD_MAX_BYTES)
    if file.size > limit:
        raise UploadRefused(_("The file is larger than the %(limit)s-byte limit.") % {"limit": limit}, status=413)
    if file.size == 0:
        raise UploadRefused(_("The submitted file is empty."), field="file")
    content_type = (file.content_type or "").lower()
    if not VIDEO_CONTENT_TYPE.match(content_type):
        raise UploadRefused(
            _("Only video files may be uploaded, not %(type)s.") % {"type": content_type}
            if content_type
            else _("Only video files may be uploaded, not untyped data."),
            field="file",
        )


# --- Stream tokens ----------------------------------------------------------------------------


@functools.lru_cache(maxsize=8)
def _cipher(secret: str) -> AESGCM:
    key = HKDF(algorithm=hashes.SHA256(), length=32, salt=STREAM_TOKEN_SALT, info=STREAM_TOKEN_INFO).derive(
        secret.encode()
    )
    return AESGCM(key)


def viewer_id_of(viewer) -> str | None:
    """The user id a token is bound to: None for an anonymous viewer (free previews)."""
    return str(viewer.pk) if viewer is not None and viewer.is_authenticated else None


def stream_token(video_id: str, *, viewer_id: str | None, ttl: int) -> str:
    """An opaque, URL-safe token granting ``video_id`` to ``viewer_id`` for ``ttl`` seconds."""
    payload = json.dumps({"v": video_id, "u": viewer_id, "e": int(time.time()) + ttl}, separators=(",", ":"))
    nonce = os.urandom(NONCE_BYTES)
    sealed = _cipher(settings.SECRET_KEY).encrypt(nonce, payload.encode(), None)
    return base64.urlsafe_b64encode(nonce + sealed).rstrip(b"=").decode()


def _open_token(token: str) -> bytes:
    raw = base64.urlsafe_b64decode(token.encode("ascii") + b"=" * (-len(token) % 4))
    if len(raw) <= NONCE_BYTES + TAG_BYTES:
        raise ValueError("too short")
    for secret in (settings.SECRET_KEY, *getattr(settings, "SECRET_KEY_FALLBACKS", ())):
        try:
            return _cipher(secret).decrypt(raw[:NONCE_BYTES], raw[NONCE_BYTES:], None)
        except InvalidTag:
            continue
    raise ValueError("not one of ours")


def read_stream_token(token: str) -> StreamGrant:
    """What a stream token grants; refuses forged (404) and expired (403) tokens."""
    try:
        data = json.loads(_open_token(token))
        video_id, viewer_id, expires = data["v"], data["u"], int(data["e"])
        if not isinstance(video_id, str) or not (viewer_id is None or isinstance(viewer_id, str)):
            raise TypeError("malformed grant")
    except (ValueError, TypeError, KeyError, UnicodeError, binascii.Error):
        raise StreamTokenRefused(_("Not found."), status=404) from None
    if time.time() >= expires:
        raise StreamTokenRefused(_("This playback link has expired: reload the lesson."), status=403)
    return StreamGrant(video_id=video_id, viewer_id=viewer_id)


# --- The provider ---------------------------------------------------------------------------------


# Where each uploaded video's file is (core.cache), for every lesson player page: replaced by
# every save or delete of the upload (videos.apps).
uploads = Stamped("video-file")


def uploaded_file_key(video_id: str) -> str:
    """The storage key of the video's file ("" until its upload is done)."""

    def load() -> str:
        rows = VideoUpload.objects.filter(video_id=video_id, provider=ProviderName.LOCAL).exclude(file_key="")
        return rows.values_list("file_key", flat=True).first() or ""

    return uploads.get(video_id, load)


class LocalProvider(VideoProvider):
    name = ProviderName.LOCAL

    def __init__(self, *, absolute_url: Callable[[str], str] | None = None) -> None:
        # Links must be absolute (the client and its player follow them as they are).
        self._absolute = absolute_url or (lambda path: path)

    def upload_credentials(self, *, title: str, folder_id: str | None = None) -> dict[str, Any]:
        video_id = uuid.uuid4().hex
        key = object_key(video_id)
        now = timezone.now()
        expires = now + timedelta(seconds=settings.VIDEO_LOCAL_UPLOAD_TTL_SECONDS)
        policy = _b64_json(
            {
                "expiration": expires.isoformat(),
                "conditions": [
                    {"key": key},
                    {"videoId": video_id},
                    ["content-length-range", 1, settings.VIDEO_UPLOAD_MAX_BYTES],
                    ["starts-with", "$Content-Type", "video/"],
                ],
            }
        )
        return {
            "clientPayload": {
                "policy": policy,
                "key": key,
                "x-amz-signature": _signer().signature(policy),
                "x-amz-algorithm": ALGORITHM,
                "x-amz-date": now.strftime("%Y%m%dT%H%M%SZ"),
                "x-amz-credential": f"local/{now:%Y%m%d}/video-upload",
                "uploadLink": self._absolute(reverse("video-local-upload")),
            },
            "videoId": video_id,
        }

    def playback(self, video_id: str, *, viewer) -> dict[str, str]:
        file_key = uploaded_file_key(video_id)
        if not file_key:
            raise VideoProviderError(_("This video has not been uploaded yet."), status=503)
        ttl = settings.VIDEO_OTP_TTL_SECONDS
        token = stream_token(video_id, viewer_id=viewer_id_of(viewer), ttl=ttl)
        if storage_serves_files():
            url = self._absolute(reverse("video-local-stream", kwargs={"token": token}))
        else:
            # Private bucket/prefix, never the public custom domain; signed for the token's lifetime.
            url = video_storage().url(file_key, expire=ttl)
        return {"otp": token, "playbackInfo": _b64_json({"url": url})}

    def video_info(self, video_id: str) -> VideoInfo:
        upload = VideoUpload.objects.filter(video_id=video_id, provider=self.name).first()
        if upload is None:
            raise VideoProviderError(_("No such video was uploaded here."), status=502)
        # The local provider does not decode videos: their length stays unknown (0).
        return VideoInfo(status=VideoStatus.READY if upload.file_key else VideoStatus.PENDING, duration_seconds=0)
