"""Upload validation shared by avatars, thumbnails and logos."""

from __future__ import annotations

from django.conf import settings
from django.core.exceptions import ValidationError
from django.template.defaultfilters import filesizeformat
from django.utils.translation import gettext_lazy as _
from PIL import Image

ALLOWED_IMAGE_FORMATS = {"JPEG", "PNG", "GIF", "WEBP"}


def validate_image_upload(upload) -> None:
    """Images only (Pillow-verified format) and no larger than MAX_IMAGE_UPLOAD_BYTES."""
    limit = settings.MAX_IMAGE_UPLOAD_BYTES
    if upload.size > limit:
        raise ValidationError(_("The image is larger than %(size)s.") % {"size": filesizeformat(limit)})
    image = getattr(upload, "image", None)  # set by forms.ImageField after Pillow verified it
    image_format = getattr(image, "format", None)
    if image_format is not None and image_format not in ALLOWED_IMAGE_FORMATS:
        raise ValidationError(
            _("Unsupported image format %(format)s; use JPEG, PNG, GIF or WebP.") % {"format": image_format}
        )


def validate_image_dimensions(upload, *, max_side: int) -> None:
    """At most ``max_side`` pixels wide and high, read from the image's header alone.

    Call it before anything decodes the image: a PNG of a few kilobytes can declare
    12,000 x 12,000 pixels (a "decompression bomb"), hundreds of megabytes once decoded.
    Pillow's ``Image.open`` only reads the header; past its own MAX_IMAGE_PIXELS it warns
    (DecompressionBombWarning) or refuses (DecompressionBombError): both are the same 400.
    Files Pillow cannot identify pass here; the image field refuses them with its own message.
    """
    position = upload.tell() if hasattr(upload, "tell") else 0
    try:
        with Image.open(upload) as image:
            width, height = image.size
    except (Image.DecompressionBombError, Image.DecompressionBombWarning):
        raise ValidationError(
            _("The image has far too many pixels; at most %(side)s x %(side)s pixels are allowed.") % {"side": max_side}
        ) from None
    except Exception:  # not an image at all (or a corrupt one): the image field says so
        return
    finally:
        upload.seek(position)
    if width > max_side or height > max_side:
        raise ValidationError(
            _("The image is %(width)s x %(height)s pixels; at most %(side)s x %(side)s pixels are allowed.")
            % {"width": width, "height": height, "side": max_side}
        )
