"""Reads for video delivery. The entitlement rule is the player's (``selectors.user_may_watch``)."""

from __future__ import annotations

from django.contrib.auth import get_user_model
from django.contrib.auth.models import AnonymousUser

from courses import selectors
from courses.models import Lesson
from videos.models import ProviderName, VideoUpload


def video_watchable_lesson(*, user, video_id: str) -> Lesson | None:
    """A lesson using ``video_id`` that ``user`` may watch, or None (then the video does not
    exist for them). Only lessons of courses the user can see are considered."""
    lessons = selectors.lesson_visible(user=user).filter(video_service_id=video_id).order_by("created_at")
    for lesson in lessons:
        if selectors.user_may_watch(user, lesson):
            return lesson
    return None


def stream_viewer(*, viewer_id: str | None):
    """The viewer a stream token was issued to: anonymous for None, else the active user
    with that id, or None when the account is gone or disabled."""
    if viewer_id is None:
        return AnonymousUser()
    return get_user_model().objects.filter(pk=viewer_id, is_active=True).first()


def video_upload_get(*, video_id: str) -> VideoUpload | None:
    return VideoUpload.objects.select_related("uploader").filter(video_id=video_id).first()


def local_video_file(*, video_id: str) -> VideoUpload | None:
    """The local upload of ``video_id`` whose file has arrived, or None."""
    return VideoUpload.objects.filter(video_id=video_id, provider=ProviderName.LOCAL).exclude(file_key="").first()
