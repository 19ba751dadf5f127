"""Upload validation shared by avatars, thumbnails and logos."""

from __future__ import annotations

from django.conf import settings
from django.core.exceptions import ValidationError
from django.template.defaultfilters import filesizeformat

ALLOWED_IMAGE_FORMATS = {"JPEG", "PNG", "GIF", "WEBP"}


def validate_image_upload(upload) -> None:
    """Images only (Pillow-verified format) and no larger than MAX_IMAGE_UPLOAD_BYTES."""
    limit = settings.MAX_IMAGE_UPLOAD_BYTES
    if upload.size > limit:
        raise ValidationError(f"The image is larger than {filesizeformat(limit)}.")
    image = getattr(upload, "image", None)  # set by forms.ImageField after Pillow verified it
    image_format = getattr(image, "format", None)
    if image_format is not None and image_format not in ALLOWED_IMAGE_FORMATS:
        raise ValidationError(f"Unsupported image format {image_format}; use JPEG, PNG, GIF or WebP.")
