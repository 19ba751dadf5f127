"""Video use cases: upload credentials, attaching videos to lessons, status sync, playback."""

from __future__ import annotations

import logging
from collections.abc import Mapping
from datetime import timedelta
from typing import Any

from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from core.exceptions import ServiceError
from core.tasks import enqueue_on_commit
from courses import cache as catalog_cache
from courses.models import MAX_LESSON_DURATION, Lesson, VideoStatus
from users.models import User
from videos import selectors as video_selectors
from videos.models import VideoUpload
from videos.providers import VideoProvider, VideoProviderError, get_provider, local
from videos.selectors import video_upload_get
from videos.storage import video_storage

logger = logging.getLogger(__name__)


# --- Uploads --------------------------------------------------------------------------------------


def video_upload_credentials(
    *, uploader: User, title: str, folder_id: str | None = None, provider: VideoProvider | None = None
) -> dict[str, Any]:
    """Ask the provider for upload credentials and record who will own the video."""
    provider = provider or get_provider()
    payload = provider.upload_credentials(title=title, folder_id=folder_id)
    try:
        with transaction.atomic():
            VideoUpload.objects.create(
                video_id=payload["videoId"], uploader=uploader, title=title, provider=provider.name
            )
    except IntegrityError:
        logger.error("Video provider %s returned the already recorded video id %s", provider.name, payload["videoId"])
        raise VideoProviderError(_("The video service returned a video id that is already in use.")) from None
    return payload


def local_upload_store(*, fields: Mapping[str, Any], file) -> str:
    """The local provider's upload endpoint: check the signed policy and the file, store it.
    Returns the object key. A video gets one file: a second upload is refused (409)."""
    grant = local.verify_upload_policy(fields)
    upload = VideoUpload.objects.filter(video_id=grant.video_id, provider=local.LocalProvider.name).first()
    if upload is None:
        raise local.UploadRefused(_("The upload policy names an unknown video."), status=403)
    if upload.file_key:
        raise local.UploadRefused(_("This video has already been uploaded."), status=409)
    local.check_upload_file(file, grant)
    storage = video_storage()  # private: no public URL reaches it
    name = storage.save(grant.key, file)
    claimed = VideoUpload.objects.filter(pk=upload.pk, file_key="").update(
        file_key=name, content_type=file.content_type.lower(), size=file.size, uploaded_at=timezone.now()
    )
    if not claimed:  # a concurrent upload with the same policy got there first
        storage.delete(name)
        raise local.UploadRefused(_("This video has already been uploaded."), status=409)
    local.uploads.changed(grant.video_id)  # the player's cached "not uploaded yet"
    # Lessons that attached the video before its file arrived can play it now.
    if Lesson.objects.filter(video_service_id=grant.video_id).update(video_status=VideoStatus.READY):
        catalog_cache.catalog_changed()  # the lesson pages' video_status
    return name


def local_stream_authorize(*, token: str, caller) -> VideoUpload:
    """The stored video a stream request may read, checked afresh on every request.

    The token must be ours and current (else 404 forged / 403 expired); a request that
    identifies a different user (``caller``, from its Bearer) than the one the token was
    issued to is refused (403); and the viewer it was issued to must still be allowed to
    watch a lesson using the video, so a refund or a revoked enrolment stops the token at once
    (403). 404 when the video has no stored file."""
    grant = local.read_stream_token(token)
    if caller is not None and local.viewer_id_of(caller) != grant.viewer_id:
        raise local.StreamTokenRefused(_("This playback link was issued to someone else."), status=403)
    viewer = video_selectors.stream_viewer(viewer_id=grant.viewer_id)
    if viewer is None or video_selectors.video_watchable_lesson(user=viewer, video_id=grant.video_id) is None:
        raise local.StreamTokenRefused(_("You may no longer watch this video."), status=403)
    video = video_selectors.local_video_file(video_id=grant.video_id)
    if video is None:
        raise local.StreamTokenRefused(_("Not found."), status=404)
    return video


# --- Lessons ----------------------------------------------------------------------------------------


def video_check_attachable(*, video_id: str, by: User | None) -> None:
    """Only the tutor who asked for a video's upload credentials (its uploader) may attach it
    to a lesson; admins may attach any recorded video. Anything else is a 400 on
    ``video_service_id``. Teaching the course, even as a co-tutor, is not enough: tutors
    change, and a video stays its uploader's. Callers check only when a lesson's video changes."""
    upload = video_upload_get(video_id=video_id)
    if upload is None:
        raise ServiceError(
            _("Unknown video: upload it through /api/courses/vdocipher/upload-credentials/ first."),
            field="video_service_id",
        )
    if by is not None and by.is_authenticated and by.is_admin:
        return
    if by is None or upload.uploader_id is None or upload.uploader_id != by.pk:
        raise ServiceError(
            "This video was uploaded by someone else: only the tutor who uploaded it (or an administrator) "
            "may attach it to a lesson.",
            field="video_service_id",
        )


def lesson_video_sync_schedule(*, lesson_id) -> None:
    """After the transaction commits, fetch the video's status and length in the background."""

    enqueue_on_commit("videos.tasks.lesson_video_sync", str(lesson_id), what=f"the video sync of lesson {lesson_id}")


def lesson_video_sync(*, lesson_id) -> str | None:
    """Fetch the video's status and length from the provider: set ``video_status`` and fill
    ``duration`` when it is 0. Returns the lesson's video status afterwards (None: no video).

    A provider that is down leaves the status as it was (the task may try again later); one
    that rejects the video (unknown id, refused) marks it ``error``. Never raises for either.
    """
    lesson = Lesson.objects.filter(pk=lesson_id).only("pk", "video_service_id", "video_status").first()
    if lesson is None or not lesson.video_service_id:
        return None
    video_id = lesson.video_service_id
    # Writes are conditional on the video being the same: a newer edit wins over this sync.
    same_video = Lesson.objects.filter(pk=lesson.pk, video_service_id=video_id)
    try:
        info = get_provider().video_info(video_id)
    except VideoProviderError as exc:
        logger.warning("Video sync of lesson %s (video %s) failed: %s", lesson.pk, video_id, exc.detail)
        if exc.transient:
            return lesson.video_status
        if same_video.exclude(video_status=VideoStatus.ERROR).update(video_status=VideoStatus.ERROR):
            catalog_cache.catalog_changed()  # the lesson page's video_status
        return VideoStatus.ERROR
    if same_video.exclude(video_status=info.status).update(video_status=info.status):
        catalog_cache.catalog_changed()
    if info.duration_seconds > 0:
        duration = min(timedelta(seconds=info.duration_seconds), MAX_LESSON_DURATION)
        if same_video.filter(duration=timedelta(0)).update(duration=duration):
            catalog_cache.catalog_changed()  # lesson and course durations
    return info.status


def lesson_playback(*, lesson: Lesson, viewer, provider: VideoProvider | None = None) -> tuple[dict | None, str | None]:
    """``(playback, error)`` for the player page of someone who may watch ``lesson``: the
    provider's ``{otp, playbackInfo}``, or None and a message when the provider fails."""
    if not lesson.video_service_id:
        return None, None
    provider = provider or get_provider()
    try:
        return provider.playback(lesson.video_service_id, viewer=viewer), None
    except VideoProviderError as exc:
        logger.warning(
            "No playback for lesson %s (video %s, %s): %s",
            lesson.pk,
            lesson.video_service_id,
            provider.name,
            exc.detail,
        )
        return None, exc.detail


def lesson_player_playback(*, lesson: Lesson, viewer, request=None) -> tuple[dict | None, str | None]:
    """The catalog's ``lesson_playback`` hook (the lesson player page): :func:`lesson_playback`
    with the provider that builds absolute links for ``request``."""
    return lesson_playback(lesson=lesson, viewer=viewer, provider=get_provider(request=request))
