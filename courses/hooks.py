"""What the catalog asks of the apps above it, without importing them.

The catalog sits below ``videos`` and ``learning`` in the layering, yet a lesson's write needs
the video rules (who may attach a video; fetch its status afterwards), the lesson player page
needs playback credentials and records the view, and the course page and the enrolment list show
the student's progress. Each hook below is called by the catalog with keyword arguments; it does
nothing (or returns "no video", "no progress") until the app that implements it registers its
function in its ``AppConfig.ready()`` (``videos.apps.VideosConfig``,
``learning.apps.LearningConfig``). One implementation per hook: its return value matters, so a
list of receivers (a signal) would not do.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django.db.models import CharField, IntegerField, QuerySet, Value


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


def _not_recorded(*, lesson, viewer) -> None:
    return None


def _no_progress(*, student, course, total_lessons: int | None = None) -> dict | None:
    return None


def _no_enrollment_progress(*, queryset: QuerySet) -> QuerySet:
    return queryset.annotate(
        completed_lessons=Value(0, output_field=IntegerField()),
        last_lesson_slug=Value(None, output_field=CharField()),
        last_lesson_title=Value(None, output_field=CharField()),
        last_lesson_position=Value(None, output_field=IntegerField()),
    )


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

# ``(lesson=, viewer=)``, on the player page, once playback credentials were issued to someone who
# may watch ``lesson`` (``viewer`` may be anonymous for a free preview): e.g. record the view.
lesson_played = Hook("lesson_played", _not_recorded)

# ``(student=, course=, total_lessons=)`` -> the ``progress`` of the course page for someone who
# follows the course (``{completed_lessons, total_lessons, percent, last_lesson, completed_at}``),
# or None (the page shows ``progress: null``). ``total_lessons``: the course's lesson count when
# the caller knows it already (saves a query).
course_progress = Hook("course_progress", _no_progress)

# ``(queryset=)`` -> the enrolment queryset annotated, without a query per row, with each
# enrolment's ``completed_lessons`` (int) and the last lesson touched: ``last_lesson_slug``,
# ``last_lesson_title``, ``last_lesson_position`` (None when there is none).
enrollment_progress = Hook("enrollment_progress", _no_enrollment_progress)
