"""The ``local`` video provider (the embedded default): no third party involved.

The client flow is VdoCipher's, served by us:

- ``upload_credentials`` returns the same shape as VdoCipher (an S3-style POST policy) whose
  ``uploadLink`` is our own upload endpoint. The policy is signed (``django.core.signing``,
  a salt of its own) and expires; it names the object key, the video and the size limit.
- The client posts the policy fields plus ``file`` there; :func:`verify_upload_policy` and
  :func:`check_upload_file` decide, the file lands in the media storage under ``videos/<id>/``.
- ``playback``: ``otp`` is a short-lived signed stream token and ``playbackInfo`` the base64 of
  ``{"url": ...}``: our streaming endpoint (HTTP Range support) while media are on the local
  disk, or the storage's own presigned URL when media live on S3/R2.
"""

from __future__ import annotations

import base64
import binascii
import json
import re
import time
import uuid
from collections.abc import Callable, Mapping
from datetime import datetime, timedelta
from typing import Any, NamedTuple

from django.conf import settings
from django.core import signing
from django.core.files.storage import default_storage
from django.urls import reverse
from django.utils import timezone
from django.utils.crypto import constant_time_compare

from core.exceptions import ServiceError
from courses.models import VideoProvider as ProviderName
from courses.models import VideoStatus, VideoUpload
from courses.video.base import VideoInfo, VideoProvider, VideoProviderError

UPLOAD_POLICY_SALT = "courses.video.local.upload-policy"
STREAM_TOKEN_SALT = "courses.video.local.stream-token"
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


def object_key(video_id: str) -> str:
    return f"videos/{video_id}/original"


def storage_serves_files() -> bool:
    """True while media are files on our disk (we stream them); False on S3/R2 (presigned URLs)."""
    try:
        default_storage.path(object_key("probe"))
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
            raise UploadRefused("This field is required.", field=name)
    policy, signature = fields["policy"], fields["x-amz-signature"]
    if not constant_time_compare(signature, _signer().signature(policy)):
        raise UploadRefused("The upload policy's signature is invalid.", status=403)
    try:
        document = json.loads(base64.b64decode(policy, validate=True))
        conditions = {k: v for item in document["conditions"] if isinstance(item, dict) for k, v in item.items()}
        sizes = next(c for c in document["conditions"] if isinstance(c, list) and c[0] == "content-length-range")
        expires = datetime.fromisoformat(document["expiration"])
        grant = UploadGrant(video_id=str(conditions["videoId"]), key=str(conditions["key"]), max_bytes=int(sizes[2]))
    except (ValueError, TypeError, KeyError, IndexError, StopIteration, binascii.Error):
        raise UploadRefused("The upload policy is malformed.", status=403) from None
    if timezone.now() >= expires:
        raise UploadRefused("The upload policy has expired: request new upload credentials.", status=403)
    if fields["key"] != grant.key:
        raise UploadRefused("The key does not match the upload policy.", status=403)
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
        raise UploadRefused("No file was submitted.", field="file")
    limit = min(grant.max_bytes, settings.VIDEO_UPLOAD_MAX_BYTES)
    if file.size > limit:
        raise UploadRefused(f"The file is larger than the {limit}-byte limit.", status=413)
    if file.size == 0:
        raise UploadRefused("The submitted file is empty.", field="file")
    content_type = (file.content_type or "").lower()
    if not VIDEO_CONTENT_TYPE.match(content_type):
        raise UploadRefused(f"Only video files may be uploaded, not {content_type or 'untyped data'}.", field="file")


# --- Stream tokens ----------------------------------------------------------------------------


def stream_token(video_id: str, *, ttl: int) -> str:
    return signing.dumps({"v": video_id, "e": int(time.time()) + ttl}, salt=STREAM_TOKEN_SALT)


def read_stream_token(token: str) -> str:
    """The video id a stream token grants; refuses forged (404) and expired (403) tokens."""
    try:
        data = signing.loads(token, salt=STREAM_TOKEN_SALT)
        video_id, expires = str(data["v"]), int(data["e"])
    except (signing.BadSignature, ValueError, TypeError, KeyError):
        raise StreamTokenRefused("Not found.", status=404) from None
    if time.time() >= expires:
        raise StreamTokenRefused("This playback link has expired: reload the lesson.", status=403)
    return video_id


# --- The provider ---------------------------------------------------------------------------------


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
        upload = VideoUpload.objects.filter(video_id=video_id, provider=self.name).exclude(file_key="").first()
        if upload is None:
            raise VideoProviderError("This video has not been uploaded yet.", status=503)
        ttl = settings.VIDEO_LOCAL_UPLOAD_TTL_SECONDS
        token = stream_token(video_id, ttl=ttl)
        if storage_serves_files():
            url = self._absolute(reverse("video-local-stream", kwargs={"token": token}))
        else:
            url = default_storage.url(upload.file_key, expire=ttl)
        return {"otp": token, "playbackInfo": _b64_json({"url": url})}

    def video_info(self, video_id: str) -> VideoInfo:
        upload = VideoUpload.objects.filter(video_id=video_id, provider=self.name).first()
        if upload is None:
            raise VideoProviderError("No such video was uploaded here.", status=502)
        # The local provider does not decode videos: their length stays unknown (0).
        return VideoInfo(status=VideoStatus.READY if upload.file_key else VideoStatus.PENDING, duration_seconds=0)
