"""Meeting providers of live sessions, behind one interface (``LiveProvider.join_url``).

``bigbluebutton`` and ``jitsi`` need their settings (``BBB_URL``/``BBB_SECRET``,
``JITSI_DOMAIN``/``JITSI_APP_ID``/``JITSI_APP_SECRET``); ``public_room`` (the embedded default)
and ``external`` (the tutor's own URL) need nothing.
"""

from __future__ import annotations

from django.conf import settings
from django.utils.translation import gettext_lazy as _

from live.providers.base import LiveProvider, LiveProviderError
from live.providers.bigbluebutton import BigBlueButtonProvider
from live.providers.jitsi import ExternalProvider, JitsiProvider, PublicRoomProvider

__all__ = ["LiveProvider", "LiveProviderError", "configured", "get_provider"]

_PROVIDERS: dict[str, type[LiveProvider]] = {
    "bigbluebutton": BigBlueButtonProvider,
    "jitsi": JitsiProvider,
    "public_room": PublicRoomProvider,
    "external": ExternalProvider,
}


def configured(name: str) -> bool:
    """Whether sessions may use ``name`` now."""
    if name in ("external", "public_room"):
        return True
    if name == "bigbluebutton":
        return bool(settings.BBB_URL and settings.BBB_SECRET)
    if name == "jitsi":
        return bool(settings.JITSI_DOMAIN and settings.JITSI_APP_ID and settings.JITSI_APP_SECRET)
    return False


def get_provider(name: str) -> LiveProvider:
    if not configured(name):
        raise LiveProviderError(
            _("The meeting provider “%(provider)s” is not configured.") % {"provider": name}, status=503
        )
    return _PROVIDERS[name]()
