"""The video provider interface: what the rest of the code may ask of a video service.

Two implementations, chosen by settings (see :func:`videos.providers.get_provider`):
``vdocipher`` (the production service, over HTTP) and ``local`` (the embedded default:
files in the media storage, played through short-lived signed URLs).
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from typing import Any, ClassVar, NamedTuple

from core.exceptions import ServiceError


class VideoProviderError(ServiceError):
    """The video service failed or is unavailable.

    ``status`` is 502 (it answered wrongly: refused the call, unknown video, garbled answer)
    or 503 (it did not answer: timeout, unreachable, overloaded; worth retrying later).
    ``message`` is safe to show to clients; upstream bodies are logged, never put here.
    """

    def __init__(self, message: str, *, status: int = 502) -> None:
        if status not in (502, 503):
            raise ValueError(f"a video provider error is a 502 or a 503, not {status}")
        super().__init__(message)
        self.status = status

    @property
    def detail(self) -> str:
        return self.message

    @property
    def transient(self) -> bool:
        return self.status == 503


class VideoInfo(NamedTuple):
    """A video's state at the provider: ``status`` is a :class:`courses.models.VideoStatus`
    value (pending, processing, ready, error) and ``duration_seconds`` its length (0: unknown)."""

    status: str
    duration_seconds: int


class VideoProvider(ABC):
    name: ClassVar[str]

    @abstractmethod
    def playback(self, video_id: str, *, viewer) -> dict[str, str]:
        """``{"otp", "playbackInfo"}`` for one viewer (a user, or anonymous for free previews)."""

    @abstractmethod
    def upload_credentials(self, *, title: str, folder_id: str | None = None) -> dict[str, Any]:
        """``{"clientPayload": {policy, key, x-amz-signature, x-amz-algorithm, x-amz-date,
        x-amz-credential, uploadLink}, "videoId"}``: what a client needs to upload one file."""

    @abstractmethod
    def video_info(self, video_id: str) -> VideoInfo:
        """The video's processing status and length."""
