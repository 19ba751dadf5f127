"""Video delivery: the provider chosen by settings (``VIDEO_PROVIDER``)."""

from __future__ import annotations

from django.conf import settings

from videos.providers.base import VideoInfo, VideoProvider, VideoProviderError
from videos.providers.local import LocalProvider
from videos.providers.vdocipher import VdoCipherProvider

__all__ = ["VideoInfo", "VideoProvider", "VideoProviderError", "get_provider"]


def get_provider(*, request=None) -> VideoProvider:
    """The configured provider. ``request`` lets the local provider build absolute links."""
    if settings.VIDEO_PROVIDER == "vdocipher":
        return VdoCipherProvider()
    return LocalProvider(absolute_url=request.build_absolute_uri if request is not None else None)
