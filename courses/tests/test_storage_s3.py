"""Media on S3 / Cloudflare R2, against a local S3 server (moto in server mode).

The storage is configured exactly as settings.py builds it when R2_BUCKET_NAME is set;
only the endpoint points at the local server. Uploads go through the real API, the real
django-storages backend and boto3, over HTTP on the loopback interface.
"""

from __future__ import annotations

import re
import urllib.request
import uuid
from urllib.parse import parse_qs, urlsplit

import boto3
import pytest
from django.core.files.storage import default_storage, storages
from django.utils.functional import empty

from core.tests.factories import image_bytes, image_upload
from courses.models import Course
from courses.placeholders import ASSET, PLACEHOLDER_THUMBNAIL, ensure_placeholders
from courses.tests.factories import CourseFactory
from courses.tests.urls import COURSES
from users.models import Role

pytestmark = pytest.mark.django_db

ACCESS_KEY = "test-access-key"
SECRET_KEY = "test-secret-key"
UNIQUE_THUMBNAIL = re.compile(r"^thumbnails/[0-9a-f]{32}\.png$")


@pytest.fixture
def s3(s3_server):
    """A boto3 client on the local server, and a fresh bucket for this test."""
    client = boto3.client(
        "s3",
        endpoint_url=s3_server,
        aws_access_key_id=ACCESS_KEY,
        aws_secret_access_key=SECRET_KEY,
        region_name="us-east-1",
    )
    bucket = f"media-{uuid.uuid4().hex[:12]}"
    client.create_bucket(Bucket=bucket)
    client.bucket = bucket
    client.endpoint = s3_server
    return client


def r2_storage(*, endpoint: str, bucket: str, custom_domain: str = "") -> dict:
    """The ``STORAGES["default"]`` entry settings.py builds from the R2_* variables."""
    return {
        "BACKEND": "storages.backends.s3.S3Storage",
        "OPTIONS": {
            "bucket_name": bucket,
            "access_key": ACCESS_KEY,
            "secret_key": SECRET_KEY,
            "endpoint_url": endpoint,
            "region_name": "auto",
            "custom_domain": custom_domain or None,
            "querystring_auth": not custom_domain,
            "querystring_expire": 3600,
            "file_overwrite": False,
            "default_acl": None,
            "signature_version": "s3v4",
            "addressing_style": "path",
        },
    }


def reset_storages() -> None:
    """django caches the storage objects: forget them so the next use reads STORAGES again."""
    storages._storages = {}
    default_storage._wrapped = empty


@pytest.fixture
def use_s3(settings, s3):
    """Switch media to the test bucket (``use_s3(custom_domain=...)`` to change options)."""

    def switch(*, custom_domain: str = "", bucket: str | None = None) -> None:
        settings.STORAGES = {
            **settings.STORAGES,
            "default": r2_storage(endpoint=s3.endpoint, bucket=bucket or s3.bucket, custom_domain=custom_domain),
        }
        reset_storages()

    switch()
    yield switch
    reset_storages()  # the settings fixture restores STORAGES after this; drop the S3 objects now


@pytest.fixture
def tutor_client(make_user, client_for):
    tutor = make_user(Role.TUTOR)
    return client_for(tutor)


def keys(s3, prefix: str = "") -> list[str]:
    listing = s3.list_objects_v2(Bucket=s3.bucket, Prefix=prefix)
    return sorted(item["Key"] for item in listing.get("Contents", []))


def body_of(s3, key: str) -> bytes:
    return s3.get_object(Bucket=s3.bucket, Key=key)["Body"].read()


def fetch(url: str) -> tuple[int, bytes]:
    """GET a URL on the loopback S3 server (no proxy)."""
    assert urlsplit(url).hostname == "127.0.0.1", f"only loopback URLs are fetched, got {url}"
    opener = urllib.request.build_opener(urllib.request.ProxyHandler({}))
    with opener.open(url, timeout=10) as response:
        return response.status, response.read()


def create_course(client, title: str, image: bytes, filename: str = "cover.png") -> dict:
    thumbnail = image_upload(filename, image)
    response = client.post(COURSES, {"title": title, "thumbnail": thumbnail}, format="multipart")
    assert response.status_code == 201, (
        f"POST course with a thumbnail: expected 201, got {response.status_code}: {response.data}"
    )
    return response.json()


def test_uploaded_thumbnail_is_stored_in_the_bucket(use_s3, s3, tutor_client):
    image = image_bytes(color=(10, 200, 30))
    data = create_course(tutor_client, "Cloud course", image)

    stored = keys(s3, "thumbnails/")
    assert len(stored) == 1, f"expected one object under thumbnails/, got {stored}"
    assert UNIQUE_THUMBNAIL.match(stored[0]), f"expected thumbnails/<uuid hex>.png, got {stored[0]!r}"
    assert body_of(s3, stored[0]) == image, "the object must hold the uploaded bytes"
    course = Course.objects.get(slug=data["slug"])
    assert course.thumbnail.name == stored[0], (
        f"expected the model to name {stored[0]!r}, got {course.thumbnail.name!r}"
    )


def test_thumbnail_url_is_a_presigned_url_on_the_endpoint(use_s3, s3, tutor_client):
    image = image_bytes(color=(200, 10, 30))
    data = create_course(tutor_client, "Signed course", image)
    url = data["thumbnail"]
    parts = urlsplit(url)
    assert f"{parts.scheme}://{parts.netloc}" == s3.endpoint, f"expected a URL on {s3.endpoint}, got {url}"
    assert re.match(rf"^/{s3.bucket}/thumbnails/[0-9a-f]{{32}}\.png$", parts.path), f"unexpected path in {url}"
    query = parse_qs(parts.query)
    assert "X-Amz-Signature" in query, f"expected a presigned URL (X-Amz-Signature), got {url}"
    assert query.get("X-Amz-Expires") == ["3600"], f"expected a 1-hour signature, got {query.get('X-Amz-Expires')}"
    status, content = fetch(url)
    assert (status, content) == (200, image), "the presigned URL must serve the uploaded image"

    detail = tutor_client.get(f"{COURSES}{data['slug']}/").json()
    assert urlsplit(detail["thumbnail"]).path == parts.path, "the detail shows the same object"
    listing = tutor_client.get(f"{COURSES}?mine=true").json()
    assert urlsplit(listing["results"][0]["thumbnail"]).path == parts.path, "the list shows the same object"


def test_same_filename_twice_does_not_overwrite(use_s3, s3, tutor_client):
    first_image, second_image = image_bytes(color=(1, 2, 3)), image_bytes(color=(250, 250, 250))
    first = create_course(tutor_client, "First", first_image, filename="cover.png")
    second = create_course(tutor_client, "Second", second_image, filename="cover.png")

    stored = keys(s3, "thumbnails/")
    assert len(stored) == 2, f"expected two distinct objects, got {stored}"
    first_key = Course.objects.get(slug=first["slug"]).thumbnail.name
    second_key = Course.objects.get(slug=second["slug"]).thumbnail.name
    assert first_key != second_key, f"both courses point at {first_key!r}"
    assert body_of(s3, first_key) == first_image, "the first course's image was overwritten"
    assert body_of(s3, second_key) == second_image


def test_replacing_a_thumbnail_uploads_a_new_object(use_s3, s3, tutor_client):
    data = create_course(tutor_client, "Replace me", image_bytes(color=(5, 5, 5)))
    old_key = Course.objects.get(slug=data["slug"]).thumbnail.name
    new_image = image_bytes(color=(9, 99, 199))
    response = tutor_client.patch(
        f"{COURSES}{data['slug']}/",
        {"thumbnail": image_upload("cover.png", new_image)},
        format="multipart",
    )
    assert response.status_code == 200, response.data
    new_key = Course.objects.get(slug=data["slug"]).thumbnail.name
    assert new_key != old_key and UNIQUE_THUMBNAIL.match(new_key), f"expected a new unique key, got {new_key!r}"
    assert body_of(s3, new_key) == new_image
    assert new_key in response.json()["thumbnail"]


def test_custom_domain_gives_plain_https_urls(use_s3, s3, tutor_client):
    use_s3(custom_domain="media.11tutors.example")
    image = image_bytes(color=(0, 0, 255))
    data = create_course(tutor_client, "Public course", image)
    url = data["thumbnail"]
    parts = urlsplit(url)
    assert (parts.scheme, parts.netloc) == ("https", "media.11tutors.example"), f"expected the custom domain, got {url}"
    assert UNIQUE_THUMBNAIL.match(parts.path.lstrip("/")), f"expected https://<domain>/thumbnails/<name>.png, got {url}"
    assert parts.query == "", f"expected no signature on a public custom domain, got {url}"
    assert keys(s3, "thumbnails/") == [parts.path.lstrip("/")], "the object is still in the bucket"


def test_placeholder_is_stored_in_the_bucket_and_used_without_thumbnail(use_s3, s3, client_for):
    assert keys(s3, "placeholders/") == []
    ensure_placeholders()
    assert keys(s3, "placeholders/") == [PLACEHOLDER_THUMBNAIL], f"got {keys(s3)}"
    assert body_of(s3, PLACEHOLDER_THUMBNAIL) == ASSET.read_bytes()
    ensure_placeholders()  # idempotent: still one object
    assert keys(s3, "placeholders/") == [PLACEHOLDER_THUMBNAIL]

    course = CourseFactory(title="No picture")
    for url in (f"{COURSES}{course.slug}/", COURSES):
        data = client_for(None).get(url).json()
        thumbnail = data["thumbnail"] if "thumbnail" in data else data["results"][0]["thumbnail"]
        parts = urlsplit(thumbnail)
        assert f"{parts.scheme}://{parts.netloc}" == s3.endpoint, f"{url}: expected the bucket's URL, got {thumbnail}"
        assert parts.path == f"/{s3.bucket}/{PLACEHOLDER_THUMBNAIL}", (
            f"{url}: expected the placeholder, got {thumbnail}"
        )
        assert "X-Amz-Signature" in parse_qs(parts.query), f"{url}: expected a presigned URL, got {thumbnail}"
    status, content = fetch(thumbnail)
    assert (status, content) == (200, ASSET.read_bytes()), "the placeholder URL must serve the placeholder image"


def test_placeholder_with_custom_domain(use_s3, s3, client_for):
    use_s3(custom_domain="media.11tutors.example")
    ensure_placeholders()
    course = CourseFactory(title="No picture either")
    thumbnail = client_for(None).get(f"{COURSES}{course.slug}/").json()["thumbnail"]
    assert thumbnail == f"https://media.11tutors.example/{PLACEHOLDER_THUMBNAIL}", thumbnail


def test_unreachable_bucket_does_not_break_ensure_placeholders(use_s3, s3, caplog):
    """During migrate the storage may be unreachable: log it, never crash."""
    use_s3(bucket="no-such-bucket-here")
    ensure_placeholders()
    assert "Could not store the course placeholder image" in caplog.text
