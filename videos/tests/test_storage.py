"""Where settings.py puts the local provider's videos (``STORAGES["videos"]``), from the environment:
a private folder apart from the media on the local disk; on S3/R2 a private prefix of the media
bucket, or a bucket of their own when the media have a public custom domain."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

ACCESS_KEY = "test-access-key"
SECRET_KEY = "test-secret-key"

ROOT = Path(__file__).resolve().parents[2]
R2 = {
    "R2_BUCKET_NAME": "media",
    "R2_ACCESS_KEY_ID": ACCESS_KEY,
    "R2_SECRET_ACCESS_KEY": SECRET_KEY,
    "R2_ENDPOINT_URL": "http://127.0.0.1:9",
}


def video_storage_setting(**env: str) -> tuple[dict | None, str]:
    """``STORAGES["videos"]`` as settings.py builds it from exactly these variables (a fresh
    interpreter), or None and the start-up error."""
    code = (
        "import django, json; django.setup(); from django.conf import settings; "
        "print(json.dumps(settings.STORAGES['videos'], default=str))"
    )
    clean = {"PATH": os.environ.get("PATH", ""), "DJANGO_SETTINGS_MODULE": "eleven_tutors.settings", **env}
    result = subprocess.run(
        [sys.executable, "-c", code], cwd=ROOT, env=clean, capture_output=True, text=True, timeout=60, check=False
    )
    return (json.loads(result.stdout) if result.returncode == 0 else None), result.stderr


def test_local_videos_live_in_their_own_folder_outside_the_media():
    storage, error = video_storage_setting()
    assert storage == {"BACKEND": "videos.storage.PrivateVideoStorage"}, error
    storage, error = video_storage_setting(MEDIA_ROOT="/srv/media", VIDEO_PRIVATE_ROOT="/srv/videos")
    assert storage is not None, error
    for inside in ("/srv/media", "/srv/media/videos", "/srv"):
        storage, error = video_storage_setting(MEDIA_ROOT="/srv/media", VIDEO_PRIVATE_ROOT=inside)
        assert storage is None
        assert "VIDEO_PRIVATE_ROOT must be a folder apart from MEDIA_ROOT" in error, error[-600:]


def test_on_r2_without_a_custom_domain_videos_use_a_private_prefix_of_the_bucket():
    storage, error = video_storage_setting(**R2)
    assert storage is not None, error
    assert storage["BACKEND"] == "videos.storage_s3.PrivateS3VideoStorage"
    assert (storage["OPTIONS"]["bucket_name"], storage["OPTIONS"]["location"]) == ("media", "private")


def test_on_r2_with_a_custom_domain_videos_need_a_bucket_of_their_own():
    for video_bucket in ("", "media"):
        storage, error = video_storage_setting(
            **R2, R2_CUSTOM_DOMAIN="media.11tutors.example", R2_VIDEO_BUCKET_NAME=video_bucket
        )
        assert storage is None
        assert "R2_VIDEO_BUCKET_NAME is required when R2_CUSTOM_DOMAIN is set" in error, error[-600:]

    storage, error = video_storage_setting(
        **R2, R2_CUSTOM_DOMAIN="media.11tutors.example", R2_VIDEO_BUCKET_NAME="private-videos"
    )
    assert storage is not None, error
    assert storage["BACKEND"] == "videos.storage_s3.PrivateS3VideoStorage"
    assert (storage["OPTIONS"]["bucket_name"], storage["OPTIONS"]["location"]) == ("private-videos", "")
    assert "custom_domain" not in storage["OPTIONS"]
