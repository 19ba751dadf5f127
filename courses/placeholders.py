"""The course placeholder image lives in the media storage, so its URL is under /media/
(the web client only accepts images from there), on local disk and on S3/R2 alike."""

from __future__ import annotations

import logging
from pathlib import Path

from django.core.files.base import ContentFile
from django.core.files.storage import default_storage

logger = logging.getLogger(__name__)
PLACEHOLDER_THUMBNAIL = "placeholders/course-thumbnail.png"
ASSET = Path(__file__).resolve().parent / "assets" / "course-thumbnail.png"


def ensure_placeholders(**kwargs) -> None:
    """Copy the bundled placeholder into the media storage once (run after migrate)."""
    try:
        if not default_storage.exists(PLACEHOLDER_THUMBNAIL):
            default_storage.save(PLACEHOLDER_THUMBNAIL, ContentFile(ASSET.read_bytes()))
    except Exception:  # storage unreachable during migrate: images fall back to a broken link, not a crash
        logger.exception("Could not store the course placeholder image")
