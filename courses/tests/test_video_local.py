"""The ``local`` video provider (the embedded default) end to end, through the real API.

A tutor gets upload credentials, posts the multipart form to the returned ``uploadLink``,
attaches the video to a lesson; an enrolled student opens the lesson and streams the
exact bytes back, whole or by HTTP Range. Forged, expired and oversized uploads and
forged or expired playback links are refused. With media on S3 (a local moto server)
playback uses the bucket's presigned URLs instead of our streaming endpoint.
"""

from __future__ import annotations

import base64
import json
import urllib.request
import uuid
from datetime import timedelta
from types import SimpleNamespace
from urllib.parse import urlsplit

import boto3
import pytest
from django.core import signing
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage, storages
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils.functional import empty
from moto.server import ThreadedMotoServer

from courses.models import Lesson, VideoStatus, VideoUpload
from courses.tests.factories import CourseFactory, EnrollmentFactory, LessonFactory, PartFactory
from courses.video import VideoProviderError, local
from courses.video.local import LocalProvider
from courses.video.streaming import CHUNK_BYTES, file_chunks
from users.models import Role
from users.tests.factories import UserFactory

pytestmark = pytest.mark.django_db

LESSONS = "/api/courses/lessons/"
CREDENTIALS = "/api/courses/vdocipher/upload-credentials/"
UPLOAD = "/api/courses/vdocipher/local/upload/"
# Several streaming chunks long, and every byte value present: a shifted range shows.
VIDEO = bytes(range(256)) * (2 * CHUNK_BYTES // 256 + 3)
PAYLOAD_KEYS = {"policy", "key", "x-amz-signature", "x-amz-algorithm", "x-amz-date", "x-amz-credential", "uploadLink"}


def person(role: int, **fields):
    return UserFactory(role=role, password=None, **fields)


@pytest.fixture(autouse=True)
def _local_provider(settings):
    settings.VIDEO_PROVIDER = "local"
    settings.VIDEO_UPLOAD_MAX_BYTES = 1024**3
    settings.VIDEO_LOCAL_UPLOAD_TTL_SECONDS = 3600


@pytest.fixture
def world(db):
    owner, student = person(Role.TUTOR), person(Role.STUDENT)
    course = CourseFactory(tutors=[owner], price="25.00")
    lesson = LessonFactory(part=PartFactory(course=course), duration=timedelta(0))
    EnrollmentFactory(student=student, course=course)
    return SimpleNamespace(
        owner=owner, student=student, outsider=person(Role.STUDENT), stranger=person(Role.TUTOR), lesson=lesson
    )


def credentials(client, title: str = "Lesson video") -> dict:
    response = client.post(CREDENTIALS, {"title": title}, format="json")
    assert response.status_code == 200, response.content[:300]
    return response.json()


def form(payload: dict, content: bytes = VIDEO, *, content_type: str = "video/mp4", **changes) -> dict:
    fields = {key: value for key, value in payload["clientPayload"].items() if key != "uploadLink"}
    fields["file"] = SimpleUploadedFile("clip.mp4", content, content_type=content_type)
    fields.update(changes)
    return {key: value for key, value in fields.items() if value is not None}


def post_upload(client, payload: dict, body: dict):
    path = urlsplit(payload["clientPayload"]["uploadLink"]).path
    return client.post(path, body, format="multipart")


def upload_video(client_for, world, content: bytes = VIDEO) -> str:
    payload = credentials(client_for(world.owner))
    response = post_upload(client_for(None), payload, form(payload, content))
    assert response.status_code == 201, response.content[:300]
    return payload["videoId"]


def attach(client, lesson, video_id, capture):
    with capture(execute=True):
        response = client.patch(f"{LESSONS}{lesson.slug}/", {"video_service_id": video_id}, format="json")
    assert response.status_code == 200, response.content[:300]


def playback_url(client, lesson) -> tuple[str, dict]:
    data = client.get(f"{LESSONS}{lesson.slug}/").json()
    assert data["otp"] and data["playbackInfo"], data
    info = json.loads(base64.b64decode(data["playbackInfo"]))
    return info["url"], data


def body_of(response) -> bytes:
    return b"".join(response.streaming_content) if response.streaming else response.content


# --- The whole flow --------------------------------------------------------------------------------


def test_upload_attach_and_stream_the_exact_bytes(world, client_for, django_capture_on_commit_callbacks):
    owner = client_for(world.owner)

    payload = credentials(owner)
    assert set(payload) == {"clientPayload", "videoId"}
    assert set(payload["clientPayload"]) == PAYLOAD_KEYS
    assert payload["clientPayload"]["uploadLink"] == f"http://testserver{UPLOAD}"
    record = VideoUpload.objects.get(video_id=payload["videoId"])
    assert (record.uploader, record.provider, record.file_key) == (world.owner, "local", "")

    uploaded = post_upload(client_for(None), payload, form(payload))  # no JWT: the policy authorises
    assert uploaded.status_code == 201, uploaded.content[:300]
    key = uploaded.json()["key"]
    assert key == payload["clientPayload"]["key"] == f"videos/{payload['videoId']}/original"
    with default_storage.open(key, "rb") as stored:
        assert stored.read() == VIDEO

    attach(owner, world.lesson, payload["videoId"], django_capture_on_commit_callbacks)
    world.lesson.refresh_from_db()
    assert world.lesson.video_status == VideoStatus.READY

    url, data = playback_url(client_for(world.student), world.lesson)
    assert (data["locked"], data["video_error"]) == (False, None)
    assert url.startswith("http://testserver/api/courses/vdocipher/local/stream/")
    assert data["otp"] in url, "the otp is the signed token of the playback URL"

    ranged = client_for(None).get(url, HTTP_RANGE="bytes=1000-70999")
    assert ranged.status_code == 206
    assert ranged["Content-Range"] == f"bytes 1000-70999/{len(VIDEO)}"
    assert ranged["Content-Length"] == "70000"
    assert ranged["Content-Type"] == "video/mp4"
    assert body_of(ranged) == VIDEO[1000:71000]

    whole = client_for(None).get(url)
    assert whole.status_code == 200
    assert (whole["Accept-Ranges"], whole["Content-Length"]) == ("bytes", str(len(VIDEO)))
    assert whole.streaming, "videos are streamed, not loaded into memory"
    assert body_of(whole) == VIDEO


def test_a_student_who_is_not_enrolled_gets_no_playback(world, client_for, django_capture_on_commit_callbacks):
    video_id = upload_video(client_for, world)
    attach(client_for(world.owner), world.lesson, video_id, django_capture_on_commit_callbacks)

    response = client_for(world.outsider).get(f"{LESSONS}{world.lesson.slug}/")

    data = response.json()
    assert (data["locked"], data["otp"], data["playbackInfo"]) == (True, None, None)
    assert "stream" not in response.content.decode()
    assert client_for(world.outsider).get(f"/api/courses/vdocipher/video/{video_id}/otp/").status_code == 404


def test_the_otp_endpoint_gives_the_same_kind_of_playback(world, client_for, django_capture_on_commit_callbacks):
    video_id = upload_video(client_for, world)
    attach(client_for(world.owner), world.lesson, video_id, django_capture_on_commit_callbacks)

    data = client_for(world.student).get(f"/api/courses/vdocipher/video/{video_id}/otp/").json()

    url = json.loads(base64.b64decode(data["playbackInfo"]))["url"]
    assert body_of(client_for(None).get(url)) == VIDEO


def test_a_lesson_attached_before_its_upload_arrives(world, client_for, django_capture_on_commit_callbacks):
    payload = credentials(client_for(world.owner))
    attach(client_for(world.owner), world.lesson, payload["videoId"], django_capture_on_commit_callbacks)
    world.lesson.refresh_from_db()
    assert world.lesson.video_status == VideoStatus.PENDING

    data = client_for(world.student).get(f"{LESSONS}{world.lesson.slug}/").json()
    assert (data["otp"], data["video_error"]) == (None, "This video has not been uploaded yet.")

    assert post_upload(client_for(None), payload, form(payload)).status_code == 201
    world.lesson.refresh_from_db()
    assert world.lesson.video_status == VideoStatus.READY
    url, _ = playback_url(client_for(world.student), world.lesson)
    assert body_of(client_for(None).get(url)) == VIDEO


def test_another_tutors_upload_cannot_be_attached(world, client_for, django_capture_on_commit_callbacks):
    payload = credentials(client_for(world.stranger))
    assert post_upload(client_for(None), payload, form(payload)).status_code == 201

    with django_capture_on_commit_callbacks(execute=True):
        response = client_for(world.owner).patch(
            f"{LESSONS}{world.lesson.slug}/", {"video_service_id": payload["videoId"]}, format="json"
        )

    assert response.status_code == 400
    assert "video_service_id" in response.json()
    assert Lesson.objects.get(pk=world.lesson.pk).video_service_id is None


# --- Refused uploads ----------------------------------------------------------------------------------


def sign_policy(document: dict, salt: str = local.UPLOAD_POLICY_SALT) -> tuple[str, str]:
    policy = base64.b64encode(json.dumps(document).encode()).decode()
    return policy, signing.Signer(salt=salt).signature(policy)


def decoded_policy(payload: dict) -> dict:
    return json.loads(base64.b64decode(payload["clientPayload"]["policy"]))


def test_an_expired_policy_is_refused(world, client_for, settings):
    settings.VIDEO_LOCAL_UPLOAD_TTL_SECONDS = -1
    payload = credentials(client_for(world.owner))

    response = post_upload(client_for(None), payload, form(payload))

    assert response.status_code == 403
    assert "expired" in response.json()["detail"]
    assert not default_storage.exists(payload["clientPayload"]["key"])


def forged_signature(payload):
    return {"x-amz-signature": "A" * len(payload["clientPayload"]["x-amz-signature"])}


def forged_key(payload):
    return {"key": f"videos/{uuid.uuid4().hex}/original"}


def other_salt(payload):
    policy, signature = sign_policy(decoded_policy(payload), salt="another-purpose")
    return {"policy": policy, "x-amz-signature": signature}


def widened_policy(payload):
    """The policy rewritten to allow more, keeping the original signature."""
    document = decoded_policy(payload)
    document["conditions"][2] = ["content-length-range", 1, 10**15]
    policy, _ = sign_policy(document)
    return {"policy": policy}


def extended_policy(payload):
    document = decoded_policy(payload)
    document["expiration"] = "2999-01-01T00:00:00+00:00"
    return {"policy": sign_policy(document)[0]}


def garbled_policy(payload):
    policy = "bm90IGpzb24="  # "not json", correctly signed: still refused
    return {"policy": policy, "x-amz-signature": signing.Signer(salt=local.UPLOAD_POLICY_SALT).signature(policy)}


@pytest.mark.parametrize(
    "forge", [forged_signature, forged_key, other_salt, widened_policy, extended_policy, garbled_policy]
)
def test_forged_policies_are_refused(world, client_for, forge):
    payload = credentials(client_for(world.owner))

    response = post_upload(client_for(None), payload, form(payload, **forge(payload)))

    assert response.status_code == 403, f"{forge.__name__}: {response.status_code} {response.content[:200]}"
    assert not VideoUpload.objects.exclude(file_key="").exists()


def test_a_policy_for_a_video_nobody_requested_is_refused(world, client_for):
    payload = credentials(client_for(world.owner))
    VideoUpload.objects.all().delete()
    assert post_upload(client_for(None), payload, form(payload)).status_code == 403


def test_an_oversized_file_is_refused(world, client_for, settings):
    settings.VIDEO_UPLOAD_MAX_BYTES = 1000
    payload = credentials(client_for(world.owner))

    too_big = post_upload(client_for(None), payload, form(payload, b"v" * 1001))
    just_right = post_upload(client_for(None), payload, form(payload, b"v" * 1000))

    assert too_big.status_code == 413
    assert "1000-byte limit" in too_big.json()["detail"]
    assert just_right.status_code == 201


def test_a_body_announced_too_large_is_refused_before_it_is_read(world, client_for, settings):
    settings.VIDEO_UPLOAD_MAX_BYTES = 10
    payload = credentials(client_for(world.owner))

    response = post_upload(client_for(None), payload, form(payload, b"v" * (local.MULTIPART_OVERHEAD_BYTES + 100)))

    assert response.status_code == 413
    assert response.json() == {"detail": "The upload exceeds the size limit."}


def test_the_size_limit_of_the_policy_holds_even_if_the_setting_grows(world, client_for, settings):
    settings.VIDEO_UPLOAD_MAX_BYTES = 1000
    payload = credentials(client_for(world.owner))
    settings.VIDEO_UPLOAD_MAX_BYTES = 10**9
    assert post_upload(client_for(None), payload, form(payload, b"v" * 1001)).status_code == 413


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"content_type": "text/html"}, "file"),
        ({"content_type": "application/octet-stream"}, "file"),
        ({"content_type": "video/"}, "file"),
        ({"content": b""}, "file"),
        ({"file": None}, "file"),
        ({"policy": None}, "policy"),
        ({"key": None}, "key"),
        ({"x-amz-signature": None}, "x-amz-signature"),
    ],
)
def test_incomplete_or_non_video_uploads_are_400(world, client_for, change, field):
    payload = credentials(client_for(world.owner))
    kwargs = {k: v for k, v in change.items() if k in ("content", "content_type")}
    fields = {k: v for k, v in change.items() if k not in kwargs}

    response = post_upload(client_for(None), payload, form(payload, **kwargs, **fields))

    assert response.status_code == 400, response.content[:300]
    assert field in response.json()


def test_a_video_is_uploaded_once(world, client_for):
    payload = credentials(client_for(world.owner))
    assert post_upload(client_for(None), payload, form(payload)).status_code == 201
    again = post_upload(client_for(None), payload, form(payload, b"other bytes"))
    assert again.status_code == 409
    with default_storage.open(payload["clientPayload"]["key"], "rb") as stored:
        assert stored.read() == VIDEO


def test_a_concurrent_upload_that_won_the_race_keeps_its_file(world, client_for, monkeypatch):
    payload = credentials(client_for(world.owner))
    check = local.check_upload_file

    def check_while_another_upload_lands(file, grant):
        check(file, grant)
        VideoUpload.objects.filter(video_id=grant.video_id).update(file_key="videos/winner/original")

    monkeypatch.setattr(local, "check_upload_file", check_while_another_upload_lands)

    response = post_upload(client_for(None), payload, form(payload))

    assert response.status_code == 409
    assert VideoUpload.objects.get(video_id=payload["videoId"]).file_key == "videos/winner/original"
    assert not default_storage.exists(payload["clientPayload"]["key"]), "the losing copy is removed"


def test_the_upload_endpoint_ignores_a_bearer_header(world, client_for):
    payload = credentials(client_for(world.owner))
    client = client_for(None)
    client.credentials(HTTP_AUTHORIZATION="Bearer not-a-token")
    assert post_upload(client, payload, form(payload)).status_code == 201


def test_provider_details_without_a_request(settings):
    assert LocalProvider().upload_credentials(title="t")["clientPayload"]["uploadLink"] == UPLOAD
    with pytest.raises(VideoProviderError) as info:
        LocalProvider().video_info("never-requested")
    assert info.value.status == 502
    assert local.request_too_large("not a number") is False
    assert local.request_too_large(str(settings.VIDEO_UPLOAD_MAX_BYTES + local.MULTIPART_OVERHEAD_BYTES + 1)) is True


def test_a_file_shorter_than_asked_streams_what_there_is():
    name = default_storage.save("videos/short/original", ContentFile(b"0123456789"))
    assert b"".join(file_chunks(default_storage, name, start=4, length=100)) == b"456789"


# --- Playback links -------------------------------------------------------------------------------------


@pytest.fixture
def stream(world, client_for, django_capture_on_commit_callbacks):
    video_id = upload_video(client_for, world)
    attach(client_for(world.owner), world.lesson, video_id, django_capture_on_commit_callbacks)
    url, data = playback_url(client_for(world.student), world.lesson)
    return SimpleNamespace(url=url, token=data["otp"], video_id=video_id, get=client_for(None).get)


@pytest.mark.parametrize(
    ("header", "first", "last"),
    [
        ("bytes=0-0", 0, 0),
        ("bytes=10-99", 10, 99),
        ("bytes=100-", 100, len(VIDEO) - 1),
        ("bytes=-16", len(VIDEO) - 16, len(VIDEO) - 1),
        ("bytes=5-999999999", 5, len(VIDEO) - 1),
        ("bytes=-999999999", 0, len(VIDEO) - 1),
        (f"bytes={len(VIDEO) - 1}-", len(VIDEO) - 1, len(VIDEO) - 1),
        ("Bytes=7-8", 7, 8),
    ],
)
def test_ranges_are_served_exactly(stream, header, first, last):
    response = stream.get(stream.url, HTTP_RANGE=header)
    assert response.status_code == 206, f"{header}: {response.status_code}"
    assert response["Content-Range"] == f"bytes {first}-{last}/{len(VIDEO)}"
    assert response["Content-Length"] == str(last - first + 1)
    assert body_of(response) == VIDEO[first : last + 1]


@pytest.mark.parametrize(
    "header", [f"bytes={len(VIDEO)}-", "bytes=9-3", "bytes=abc", "bytes=-0", "bytes=-", "bytes=1-2-3", "bytes=٣-٤"]
)
def test_unsatisfiable_ranges_are_416(stream, header):
    response = stream.get(stream.url, HTTP_RANGE=header)
    assert response.status_code == 416, f"{header}: {response.status_code}"
    assert response["Content-Range"] == f"bytes */{len(VIDEO)}"


@pytest.mark.parametrize("header", ["items=0-5", "bytes=0-1,4-5", "bytes"])
def test_ranges_we_do_not_serve_get_the_whole_file(stream, header):
    response = stream.get(stream.url, HTTP_RANGE=header)
    assert response.status_code == 200
    assert body_of(response) == VIDEO


def test_head_gives_the_headers_only(stream, client_for):
    answer = client_for(None).head(stream.url, HTTP_RANGE="bytes=0-9")
    assert answer.status_code == 206
    assert (answer["Content-Range"], answer["Content-Length"]) == (f"bytes 0-9/{len(VIDEO)}", "10")
    assert answer.content == b""


def test_players_accept_headers_do_not_matter(stream):
    response = stream.get(stream.url, HTTP_ACCEPT="video/webm,video/ogg,video/*;q=0.9")
    assert response.status_code == 200
    forged = stream.get(stream.url.replace(stream.token, stream.token[:-2] + "xx"), HTTP_ACCEPT="video/*")
    assert forged.status_code == 404
    assert forged.json() == {"detail": "Not found."}


def stream_url(token: str) -> str:
    return f"/api/courses/vdocipher/local/stream/{token}/"


def test_forged_tokens_are_404(stream):
    expires = 2**40
    forged = [
        stream.token[:-3] + ("aaa" if not stream.token.endswith("aaa") else "bbb"),
        "not-a-token",
        signing.dumps({"v": stream.video_id, "e": expires}, salt="another-purpose"),
        signing.dumps({"v": stream.video_id, "e": expires}, salt=local.UPLOAD_POLICY_SALT),
        signing.dumps({"v": stream.video_id}, salt=local.STREAM_TOKEN_SALT),
        signing.dumps(["not", "a", "dict"], salt=local.STREAM_TOKEN_SALT),
    ]
    for token in forged:
        response = stream.get(stream_url(token))
        assert response.status_code == 404, f"{token}: {response.status_code}"


def test_expired_tokens_are_403(stream, world, client_for, settings):
    settings.VIDEO_LOCAL_UPLOAD_TTL_SECONDS = -1
    url, _ = playback_url(client_for(world.student), world.lesson)

    response = stream.get(url)

    assert response.status_code == 403
    assert "expired" in response.json()["detail"]


def test_a_token_for_a_video_whose_file_is_gone_is_404(stream):
    default_storage.delete(VideoUpload.objects.get(video_id=stream.video_id).file_key)
    assert stream.get(stream.url).status_code == 404
    token = local.stream_token("neverUploaded", ttl=60)
    assert stream.get(stream_url(token)).status_code == 404


def test_the_player_query_budget_with_a_local_video(stream, world, client_for, django_assert_max_num_queries):
    client = client_for(world.student)
    # auth, lesson (course joined), manages?, enrolled?, the stored video
    with django_assert_max_num_queries(6):  # the last: the view recorded for statistics
        assert client.get(f"{LESSONS}{world.lesson.slug}/").status_code == 200


# --- Media on S3 -------------------------------------------------------------------------------------------

S3_KEYS = {"access_key": "test-access-key", "secret_key": "test-secret-key"}


@pytest.fixture(scope="module")
def s3_server():
    server = ThreadedMotoServer(ip_address="127.0.0.1", port=0, verbose=False)
    server.start()
    host, port = server.get_host_and_port()
    try:
        yield f"http://{host}:{port}"
    finally:
        server.stop()


def reset_storages() -> None:
    storages._storages = {}
    default_storage._wrapped = empty


@pytest.fixture
def s3_media(s3_server, settings):
    bucket = f"media-{uuid.uuid4().hex[:12]}"
    boto3.client(
        "s3",
        endpoint_url=s3_server,
        aws_access_key_id=S3_KEYS["access_key"],
        aws_secret_access_key=S3_KEYS["secret_key"],
        region_name="us-east-1",
    ).create_bucket(Bucket=bucket)
    settings.STORAGES = {
        **settings.STORAGES,
        "default": {
            "BACKEND": "storages.backends.s3.S3Storage",
            "OPTIONS": {
                "bucket_name": bucket,
                **S3_KEYS,
                "endpoint_url": s3_server,
                "region_name": "auto",
                "querystring_auth": True,
                "querystring_expire": 3600,
                "file_overwrite": False,
                "default_acl": None,
                "signature_version": "s3v4",
                "addressing_style": "path",
            },
        },
    }
    reset_storages()
    yield bucket
    reset_storages()


def fetch(url: str, *, byte_range: str | None = None) -> tuple[int, str | None, bytes]:
    """GET a loopback URL (no proxy): status, Content-Range, body."""
    assert urlsplit(url).hostname == "127.0.0.1", f"only loopback URLs are fetched, got {url}"
    request = urllib.request.Request(url, headers={"Range": byte_range} if byte_range else {})
    opener = urllib.request.build_opener(urllib.request.ProxyHandler({}))
    with opener.open(request, timeout=10) as response:
        return response.status, response.headers.get("Content-Range"), response.read()


def test_with_media_on_s3_playback_uses_presigned_urls(s3_media, world, client_for, django_capture_on_commit_callbacks):
    video_id = upload_video(client_for, world)
    record = VideoUpload.objects.get(video_id=video_id)
    assert record.file_key == f"videos/{video_id}/original"
    attach(client_for(world.owner), world.lesson, video_id, django_capture_on_commit_callbacks)

    url, _ = playback_url(client_for(world.student), world.lesson)

    assert f"/{s3_media}/videos/{video_id}/original" in url
    assert "X-Amz-Signature=" in url and "X-Amz-Expires=3600" in url
    assert fetch(url, byte_range="bytes=100-299") == (206, f"bytes 100-299/{len(VIDEO)}", VIDEO[100:300])
    assert fetch(url)[2] == VIDEO
