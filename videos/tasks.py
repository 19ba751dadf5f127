"""Celery tasks of video delivery: thin wrappers around services."""

from __future__ import annotations

from celery import shared_task

from courses.models import VideoStatus
from videos import services

# A video still uploading or encoding is looked at again later, for about an hour.
VIDEO_SYNC_RETRY_SECONDS = 120
VIDEO_SYNC_MAX_RETRIES = 30


# Registered under the name it had while it lived in courses/tasks.py: messages already queued
# (a retry waits up to an hour) carry that name, and a worker must still know it. Callers
# enqueue it by its import path, videos.tasks.lesson_video_sync (core.tasks.enqueue_on_commit).
@shared_task(name="courses.tasks.lesson_video_sync", bind=True, max_retries=VIDEO_SYNC_MAX_RETRIES, ignore_result=True)
def lesson_video_sync(self, lesson_id: str) -> str | None:
    """Fill a lesson's video status and length from the provider.

    On a worker, a video that is not ready yet (or a provider that is down) is checked again
    every few minutes, a bounded number of times. Run eagerly (the embedded default, tests)
    it checks once: an in-request loop would only wait for nothing.
    """
    status = services.lesson_video_sync(lesson_id=lesson_id)
    unsettled = status in (VideoStatus.PENDING, VideoStatus.PROCESSING)
    if unsettled and not self.request.is_eager and self.request.retries < self.max_retries:
        raise self.retry(countdown=VIDEO_SYNC_RETRY_SECONDS)
    return status
