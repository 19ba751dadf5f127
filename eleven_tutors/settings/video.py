"""Video (section 3 of the contract): VdoCipher with ``VIDEO_SERVICE_SECRET_KEY``, else the
``local`` provider (its private storage: storage.py)."""

from __future__ import annotations

from eleven_tutors.settings.base import env, errors

VIDEO_SERVICE_SECRET_KEY = env.str("VIDEO_SERVICE_SECRET_KEY", default="")
VIDEO_PROVIDER = env.str("VIDEO_PROVIDER", default="vdocipher" if VIDEO_SERVICE_SECRET_KEY else "local")
if VIDEO_PROVIDER not in ("vdocipher", "local"):
    errors.add("VIDEO_PROVIDER", "must be vdocipher or local")
elif VIDEO_PROVIDER == "vdocipher" and not VIDEO_SERVICE_SECRET_KEY:
    errors.require("VIDEO_SERVICE_SECRET_KEY", "is required when VIDEO_PROVIDER=vdocipher")
VDOCIPHER_API_BASE = env.str("VDOCIPHER_API_BASE", default="https://dev.vdocipher.com/api").rstrip("/")
VIDEO_OTP_TTL_SECONDS = errors.get(env.int, "VIDEO_OTP_TTL_SECONDS", default=300)
# Viewer watermark (their e-mail, low opacity) on VdoCipher playback.
VIDEO_WATERMARK = errors.get(env.bool, "VIDEO_WATERMARK", default=True)
VIDEO_HTTP_CONNECT_TIMEOUT = errors.get(env.float, "VIDEO_HTTP_CONNECT_TIMEOUT", default=3.0)
VIDEO_HTTP_READ_TIMEOUT = errors.get(env.float, "VIDEO_HTTP_READ_TIMEOUT", default=10.0)
VIDEO_UPLOAD_MAX_BYTES = errors.get(env.int, "VIDEO_UPLOAD_MAX_BYTES", default=1024**3)
# How long the local provider's upload policies and playback URLs stay valid.
VIDEO_LOCAL_UPLOAD_TTL_SECONDS = errors.get(env.int, "VIDEO_LOCAL_UPLOAD_TTL_SECONDS", default=3600)
