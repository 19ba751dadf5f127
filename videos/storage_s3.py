"""The private video storage on S3/R2 (``STORAGES["videos"]`` when ``R2_BUCKET_NAME`` is set)."""

from __future__ import annotations

from django.conf import settings
from storages.backends.s3 import S3Storage


class PrivateS3VideoStorage(S3Storage):
    """S3 storage that only hands out presigned URLs living ``VIDEO_OTP_TTL_SECONDS``.

    Whatever the options say, it never uses a custom (public) domain and always signs: a
    video object must not be reachable without a fresh, short-lived signature."""

    def __init__(self, **options) -> None:
        options.update(custom_domain=None, querystring_auth=True)
        super().__init__(**options)

    def url(self, name, parameters=None, expire=None, http_method=None) -> str:
        if expire is None:
            expire = settings.VIDEO_OTP_TTL_SECONDS
        return super().url(name, parameters=parameters, expire=expire, http_method=http_method)
