"""Where the local provider keeps video files: a private storage no public URL serves.

``STORAGES["videos"]`` (see settings): on the local disk :class:`PrivateVideoStorage`, a folder
outside ``MEDIA_ROOT`` (``VIDEO_PRIVATE_ROOT``) that has no URL at all, so the only way to the
bytes is the token-checked stream endpoint; on S3/R2 a private bucket or prefix that is never
behind the public custom domain and only hands out short presigned URLs.
"""

from __future__ import annotations

import logging

from django.conf import settings
from django.core.files.storage import FileSystemStorage, Storage, storages
from django.utils.functional import cached_property

logger = logging.getLogger(__name__)
VIDEO_STORAGE = "videos"


def video_storage() -> Storage:
    return storages[VIDEO_STORAGE]


class PrivateVideoStorage(FileSystemStorage):
    """A folder on the local disk (``VIDEO_PRIVATE_ROOT`` unless ``location`` is given) whose
    files have no URL: :meth:`url` refuses instead of falling back to ``MEDIA_URL``."""

    def __init__(self, location=None, **kwargs) -> None:
        kwargs.pop("base_url", None)
        super().__init__(location=location, **kwargs)

    @cached_property
    def base_location(self):
        return self._value_or_setting(self._location, settings.VIDEO_PRIVATE_ROOT)

    def _clear_cached_properties(self, setting, **kwargs) -> None:
        super()._clear_cached_properties(setting, **kwargs)
        if setting == "VIDEO_PRIVATE_ROOT":
            self.__dict__.pop("base_location", None)
            self.__dict__.pop("location", None)

    def url(self, name) -> str:
        raise ValueError("Private video files have no URL: they are streamed through a playback token.")


# --- Moving videos out of the public media (run after migrate) ------------------------------------


def _same_place(public: Storage, private: Storage, name: str) -> bool:
    """True when both storages would hold ``name`` in the same place (then there is nothing to
    move, and deleting the "public copy" would delete the only one)."""
    try:
        return public.path(name) == private.path(name)
    except NotImplementedError:  # S3: the same bucket and prefix
        return _bucket_and_prefix(public) == _bucket_and_prefix(private)


def _bucket_and_prefix(storage: Storage) -> tuple:
    return getattr(storage, "bucket_name", None), getattr(storage, "location", None)


def _move_one(upload, public: Storage, private: Storage) -> bool:
    """Copy one video from the public to the private storage, check its size, then delete the
    public copy. Returns True when it moved (or finished moving) the file."""
    name = upload.file_key
    if _same_place(public, private, name) or not public.exists(name):
        return False  # already private, or no such file in the media
    size = public.size(name)
    if private.exists(name):
        if private.size(name) == size:  # copied by an interrupted earlier run: finish it
            public.delete(name)
            logger.info(
                "Video %s: removed the public copy of %s, already in the private storage", upload.video_id, name
            )
            return True
        private.delete(name)  # a partial copy of an interrupted run: copy again
    with public.open(name, "rb") as source:
        stored = private.save(name, source)
    if private.size(stored) != size:
        private.delete(stored)
        logger.error(
            "Video %s: the private copy of %s has the wrong size; the public file is kept", upload.video_id, name
        )
        return False
    if stored != name:
        from videos.providers.local import uploads  # here: that module imports this one

        type(upload).objects.filter(pk=upload.pk).update(file_key=stored)
        uploads.changed(upload.video_id)
    public.delete(name)
    logger.info(
        "Video %s: moved %s (%d bytes) from the public media to the private video storage", upload.video_id, name, size
    )
    return True


def _maybe_public(uploads, public: Storage):
    """The uploads whose file may still be in the public storage: one listing of its
    ``videos/`` folder instead of a look-up per video (each one a request on S3)."""
    try:
        folders = set(public.listdir("videos")[0])
    except FileNotFoundError:
        folders = set()
    for upload in uploads:
        parts = upload.file_key.split("/")
        if len(parts) < 3 or parts[0] != "videos" or parts[1] in folders:
            yield upload


def move_public_videos(**kwargs) -> int:
    """Move local uploads stored in the public media storage (before videos were private) into
    the private video storage. Idempotent; a file is deleted from the media only once its
    private copy has the same size. Returns how many files moved."""
    from django.core.files.storage import default_storage

    from videos.models import ProviderName, VideoUpload

    moved = 0
    try:
        uploads = list(
            VideoUpload.objects.filter(provider=ProviderName.LOCAL)
            .exclude(file_key="")
            .only("pk", "video_id", "file_key")
        )
        public, private = default_storage, video_storage()
        candidates = list(_maybe_public(uploads, public))
    except Exception:  # a partial migrate, a storage unreachable or misconfigured: log, never break migrate
        logger.exception("Could not look for videos in the public media storage")
        return 0
    for upload in candidates:
        try:
            moved += _move_one(upload, public, private)
        except Exception:  # one unreadable file must not stop the others; the public copy stays
            logger.exception("Could not move video %s (%s) to the private storage", upload.video_id, upload.file_key)
    if moved:
        logger.info("Moved %d video file(s) from the public media to the private video storage", moved)
    return moved
