"""What the catalog asks of the apps above it, without importing them.

The catalog sits below ``videos`` in the layering, yet a lesson's write needs the video rules
(who may attach a video; fetch its status afterwards) and the lesson player page needs playback
credentials. Each hook below is called by the catalog with keyword arguments; it does nothing
(or returns "no video") until the app that implements it registers its function in its
``AppConfig.ready()`` (``videos.apps.VideosConfig``). One implementation per hook: its return
value matters, so a list of receivers (a signal) would not do.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any


class Hook:
    """A named slot for one function, with a default used until an app registers its own."""

    def __init__(self, name: str, default: Callable[..., Any]) -> None:
        self.name = name
        self.default = default
        self._function = default

    def register(self, function: Callable[..., Any]) -> Callable[..., Any]:
        """Implement this hook with ``function`` (replacing what was registered before)."""
        self._function = function
        return function

    def reset(self) -> None:
        self._function = self.default

    def __call__(self, **kwargs: Any) -> Any:
        return self._function(**kwargs)

    def __repr__(self) -> str:
        return f"<Hook {self.name}: {getattr(self._function, '__qualname__', self._function)!r}>"


def _accept(*, video_id: str, by) -> None:
    return None


def _ignore(*, lesson_id) -> None:
    return None


def _no_playback(*, lesson, viewer, request=None) -> tuple[dict | None, str | None]:
    return None, None


# ``(video_id=, by=)``, in the lesson's write transaction, before a lesson gets a new video:
# raise ``core.exceptions.ServiceError`` (field ``video_service_id``) to refuse it.
lesson_video_check = Hook("lesson_video_check", _accept)

# ``(lesson_id=)``, in the lesson's write transaction, after a lesson got a new video (not when
# it lost its video): e.g. fetch the video's status and length once the transaction commits.
lesson_video_changed = Hook("lesson_video_changed", _ignore)

# ``(lesson=, viewer=, request=)`` -> ``(playback, error)`` for the player page of someone who may
# watch ``lesson``: ``{"otp", "playbackInfo"}`` or None, and a message for clients when the video
# service failed (None otherwise). ``(None, None)``: nothing to play.
lesson_playback = Hook("lesson_playback", _no_playback)
