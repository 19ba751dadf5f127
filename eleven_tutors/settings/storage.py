"""Files: the media (uploads, thumbnails) on the local disk or Cloudflare R2 / S3, the local video
provider's private storage, the static files' storage, and the limits on uploaded images.
"""

from __future__ import annotations

import re
from pathlib import Path

from eleven_tutors.settings.base import BASE_DIR, DEBUG, STATIC_ROOT, env, errors

MEDIA_URL = "/media/"
MEDIA_ROOT = Path(env.str("MEDIA_ROOT", default=str(BASE_DIR / "media")))
# Media are served by the app itself while they live on the local disk (the
# embedded default); in production they live on S3/R2 and this is off.
SERVE_MEDIA = errors.get(env.bool, "SERVE_MEDIA", default=True)
# Cloudflare R2 / S3: setting R2_BUCKET_NAME moves media (uploads, thumbnails) there.
R2_BUCKET_NAME = env.str("R2_BUCKET_NAME", default="")
if R2_BUCKET_NAME:
    for _name in ("R2_ACCESS_KEY_ID", "R2_SECRET_ACCESS_KEY", "R2_ENDPOINT_URL"):
        if not env.str(_name, default=""):
            errors.require(_name, "is required when R2_BUCKET_NAME is set")
    R2_CUSTOM_DOMAIN = env.str("R2_CUSTOM_DOMAIN", default="")
    _r2_connection = {
        "access_key": env.str("R2_ACCESS_KEY_ID", default=""),
        "secret_key": env.str("R2_SECRET_ACCESS_KEY", default=""),
        "endpoint_url": env.str("R2_ENDPOINT_URL", default="") or None,
        "region_name": env.str("R2_REGION", default="auto"),
        "file_overwrite": False,
        "default_acl": None,
        "signature_version": "s3v4",
        "addressing_style": "path",
    }
    _media_storage = {
        "BACKEND": "storages.backends.s3.S3Storage",
        "OPTIONS": {
            **_r2_connection,
            "bucket_name": R2_BUCKET_NAME,
            "custom_domain": R2_CUSTOM_DOMAIN or None,
            # A public custom domain serves plain URLs; otherwise URLs are presigned.
            "querystring_auth": not R2_CUSTOM_DOMAIN,
            "querystring_expire": errors.get(env.int, "R2_URL_EXPIRE_SECONDS", default=3600),
        },
    }
    SERVE_MEDIA = False
else:
    _media_storage = {"BACKEND": "django.core.files.storage.FileSystemStorage"}

# The local video provider's files are private: no public URL may reach them (paid videos
# must only play through a viewer's short-lived playback token). On the local disk they live
# in their own folder outside MEDIA_ROOT, a storage without URLs; on S3/R2 in a private bucket
# (or, with no public custom domain, under a private prefix of the media bucket), handed out
# only as presigned URLs that live VIDEO_OTP_TTL_SECONDS. See videos/storage.py.
VIDEO_PRIVATE_ROOT = Path(env.str("VIDEO_PRIVATE_ROOT", default=str(BASE_DIR / "private" / "videos")))
VIDEO_PRIVATE_PREFIX = "private"  # the videos' prefix when they share the media bucket
# Behind nginx: the app authorises each stream request and hands the bytes to nginx with
# `X-Accel-Redirect: <prefix><file key>`, an `internal` location aliasing VIDEO_PRIVATE_ROOT
# (deploy/nginx.conf). Empty: the app streams the bytes itself.
VIDEO_ACCEL_REDIRECT_PREFIX = env.str("VIDEO_ACCEL_REDIRECT_PREFIX", default="")
if VIDEO_ACCEL_REDIRECT_PREFIX and not re.fullmatch(r"/[-\w/]*/", VIDEO_ACCEL_REDIRECT_PREFIX):
    errors.add(
        "VIDEO_ACCEL_REDIRECT_PREFIX", "must be a URL path starting and ending with / (e.g. /_protected_videos/)"
    )
if R2_BUCKET_NAME:
    R2_VIDEO_BUCKET_NAME = env.str("R2_VIDEO_BUCKET_NAME", default="")
    if R2_CUSTOM_DOMAIN and R2_VIDEO_BUCKET_NAME in ("", R2_BUCKET_NAME):
        # A custom domain serves every object of its bucket to anyone.
        errors.require("R2_VIDEO_BUCKET_NAME", "is required when R2_CUSTOM_DOMAIN is set: a separate, private bucket")
    _video_storage = {
        "BACKEND": "videos.storage_s3.PrivateS3VideoStorage",
        "OPTIONS": {
            **_r2_connection,
            "bucket_name": R2_VIDEO_BUCKET_NAME or R2_BUCKET_NAME,
            "location": "" if R2_VIDEO_BUCKET_NAME not in ("", R2_BUCKET_NAME) else VIDEO_PRIVATE_PREFIX,
        },
    }
else:
    _public_roots = {"MEDIA_ROOT": MEDIA_ROOT.resolve(), "STATIC_ROOT": STATIC_ROOT.resolve()}
    _private_root = VIDEO_PRIVATE_ROOT.resolve()
    for _name, _public in _public_roots.items():
        if _private_root == _public or _public in _private_root.parents or _private_root in _public.parents:
            errors.add("VIDEO_PRIVATE_ROOT", f"must be a folder apart from {_name}, whose files are public")
    _video_storage = {"BACKEND": "videos.storage.PrivateVideoStorage"}

STORAGES = {
    "default": _media_storage,
    "videos": _video_storage,
    "staticfiles": {
        "BACKEND": (
            "django.contrib.staticfiles.storage.StaticFilesStorage"
            if DEBUG
            else "whitenoise.storage.CompressedManifestStaticFilesStorage"
        )
    },
}

# --- Uploaded images ----------------------------------------------------------------------
MAX_IMAGE_UPLOAD_BYTES = 5 * 1024 * 1024
# Largest width and height (pixels) of an uploaded avatar / course thumbnail, read from the
# image's header before anything decodes it: a few-kilobyte PNG can claim 12,000 x 12,000.
MAX_AVATAR_PIXELS_SIDE = errors.get(env.int, "MAX_AVATAR_PIXELS_SIDE", default=4096)
MAX_THUMBNAIL_PIXELS_SIDE = errors.get(env.int, "MAX_THUMBNAIL_PIXELS_SIDE", default=8000)
for _name, _side in (
    ("MAX_AVATAR_PIXELS_SIDE", MAX_AVATAR_PIXELS_SIDE),
    ("MAX_THUMBNAIL_PIXELS_SIDE", MAX_THUMBNAIL_PIXELS_SIDE),
):
    if _side < 1:
        errors.add(_name, "must be a positive number of pixels")
