"""The ``local`` video provider (the embedded default) end to end, through the real API.

A tutor gets upload credentials, posts the multipart form to the returned ``uploadLink``,
attaches the video to a lesson; an enrolled student opens the lesson and streams the
exact bytes back, whole or by HTTP Range. Forged, expired and oversized uploads and
forged or expired playback links are refused. Paid videos never leak: files live in a private
storage that no /media/ URL reaches, playback tokens are opaque, bound to their viewer, live
VIDEO_OTP_TTL_SECONDS and stop working as soon as the viewer's access is revoked. With videos
on S3 (a local moto server) playback uses presigned URLs of the private bucket or prefix.
"""

from __future__ import annotations

import base64
import binascii
import contextlib
import importlib.util
import json
import logging
import re
import subprocess
import sys
import urllib.error
import urllib.request
import uuid
from datetime import timedelta
from pathlib import Path
from types import SimpleNamespace
from urllib.parse import parse_qs, urlsplit

import boto3
import pytest
from django.core import signing
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage, storages
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import call_command
from django.utils.functional import empty

import eleven_tutors.urls
from courses.models import Enrollment, Lesson, VideoStatus
from courses.placeholders import ASSET, PLACEHOLDER_THUMBNAIL, ensure_placeholders
from courses.tests.factories import CourseFactory, EnrollmentFactory, LessonFactory, PartFactory
from courses.tests.urls import LESSONS
from users.models import Role
from users.tests.factories import person
from videos.models import VideoUpload
from videos.providers import VideoProviderError, local
from videos.providers.local import LocalProvider
from videos.storage import PrivateVideoStorage, move_public_videos, video_storage
from videos.streaming import CHUNK_BYTES, file_chunks
from videos.tests.urls import CREDENTIALS

pytestmark = pytest.mark.django_db

UPLOAD = "/api/courses/vdocipher/local/upload/"
# Several streaming chunks long, and every byte value present: a shifted range shows.
VIDEO = bytes(range(256)) * (2 * CHUNK_BYTES // 256 + 3)
PAYLOAD_KEYS = {"policy", "key", "x-amz-signature", "x-amz-algorithm", "x-amz-date", "x-amz-credential", "uploadLink"}


@pytest.fixture(autouse=True)
def _local_provider(settings):
    settings.VIDEO_PROVIDER = "local"
    settings.VIDEO_UPLOAD_MAX_BYTES = 1024**3
    settings.VIDEO_LOCAL_UPLOAD_TTL_SECONDS = 3600
    settings.VIDEO_OTP_TTL_SECONDS = 300


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
    with video_storage().open(key, "rb") as stored:
        assert stored.read() == VIDEO
    assert not default_storage.exists(key), "videos never land in the public media storage"

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
    assert not video_storage().exists(payload["clientPayload"]["key"])


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
    with video_storage().open(payload["clientPayload"]["key"], "rb") as stored:
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
    assert not video_storage().exists(payload["clientPayload"]["key"]), "the losing copy is removed"


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
    name = video_storage().save("videos/short/original", ContentFile(b"0123456789"))
    assert b"".join(file_chunks(video_storage(), name, start=4, length=100)) == b"456789"


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


def sealed(secret: str, data) -> str:
    """A token sealed with the real key around arbitrary content (what only we could make)."""
    nonce = b"\0" * local.NONCE_BYTES
    box = local._cipher(secret).encrypt(nonce, json.dumps(data).encode(), None)
    return base64.urlsafe_b64encode(nonce + box).rstrip(b"=").decode()


def test_forged_tokens_are_404(stream, settings):
    expires = 2**40
    middle = len(stream.token) // 2
    flipped = stream.token[:middle] + ("A" if stream.token[middle] != "A" else "B") + stream.token[middle + 1 :]
    secret = settings.SECRET_KEY
    settings.SECRET_KEY = "another-secret-key-" + "x" * 40
    other_key = local.stream_token(stream.video_id, viewer_id=None, ttl=600)
    settings.SECRET_KEY = secret
    forged = [
        stream.token[:-3] + ("aaa" if not stream.token.endswith("aaa") else "bbb"),
        flipped,
        stream.token[:-1],
        stream.token[:20],
        "not-a-token",
        "A" * 200,
        other_key,
        sealed(secret, {"v": stream.video_id, "u": None}),
        sealed(secret, {"v": stream.video_id, "u": None, "e": "never"}),
        sealed(secret, {"v": 12, "u": None, "e": expires}),
        sealed(secret, {"v": stream.video_id, "u": 12, "e": expires}),
        sealed(secret, ["not", "a", "dict"]),
    ]
    for token in forged:
        response = stream.get(stream_url(token))
        assert response.status_code == 404, f"{token}: {response.status_code}"
        assert response.json() == {"detail": "Not found."}
    # Tokens of the old signed format (readable, with ':') do not even match the URL.
    old = signing.dumps({"v": stream.video_id, "e": expires}, salt="courses.video.local.stream-token")
    assert stream.get(stream_url(old)).status_code == 404


def test_tokens_survive_a_secret_key_rotation_only_through_the_fallbacks(stream, settings):
    """Rotating SECRET_KEY with the old one in SECRET_KEY_FALLBACKS keeps issued tokens valid."""
    old_secret = settings.SECRET_KEY
    settings.SECRET_KEY = "rotated-secret-key-" + "y" * 40
    settings.SECRET_KEY_FALLBACKS = [old_secret]
    assert stream.get(stream.url).status_code == 200
    settings.SECRET_KEY_FALLBACKS = []
    assert stream.get(stream.url).status_code == 404


class Clock:
    """Stands in for the ``time`` module of videos.providers.local: the token clock, moved by hand."""

    def __init__(self, now: float) -> None:
        self.now = now

    def time(self) -> float:
        return self.now


@pytest.fixture
def clock(monkeypatch):
    clock = Clock(1_900_000_000.0)
    monkeypatch.setattr(local, "time", clock)
    return clock


def test_expired_tokens_are_403(world, client_for, settings, clock, django_capture_on_commit_callbacks):
    settings.VIDEO_OTP_TTL_SECONDS = 1
    video_id = upload_video(client_for, world)
    attach(client_for(world.owner), world.lesson, video_id, django_capture_on_commit_callbacks)
    url, _ = playback_url(client_for(world.student), world.lesson)
    assert client_for(None).head(url).status_code == 200

    clock.now += 1
    response = client_for(None).get(url)

    assert response.status_code == 403
    assert "expired" in response.json()["detail"]


def test_tokens_live_the_playback_lifetime_not_the_upload_lifetime(
    world, client_for, settings, clock, django_capture_on_commit_callbacks
):
    settings.VIDEO_LOCAL_UPLOAD_TTL_SECONDS = 3600  # upload policies only
    video_id = upload_video(client_for, world)
    attach(client_for(world.owner), world.lesson, video_id, django_capture_on_commit_callbacks)
    url, _ = playback_url(client_for(world.student), world.lesson)

    clock.now += settings.VIDEO_OTP_TTL_SECONDS - 1
    assert client_for(None).get(url, HTTP_RANGE="bytes=0-0").status_code == 206
    clock.now += 1
    assert client_for(None).get(url, HTTP_RANGE="bytes=0-0").status_code == 403


def test_the_default_playback_lifetime_is_300_seconds():
    code = "import django; django.setup(); from django.conf import settings; print(settings.VIDEO_OTP_TTL_SECONDS)"
    env = {"PATH": "", "DJANGO_SETTINGS_MODULE": "eleven_tutors.settings"}
    result = subprocess.run(
        [sys.executable, "-c", code],
        cwd=Path(eleven_tutors.urls.__file__).resolve().parents[1],
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "300"


def decodings(text: str) -> list[bytes]:
    """Every way a piece of ``text`` might decode as base64 or base64url, at every alignment."""
    found = [text.encode()]
    for part in {text, *re.split(r"[^A-Za-z0-9+/_-]+", text)}:
        for start in range(4):
            chunk = part[start:]
            chunk = chunk[: len(chunk) - len(chunk) % 4] if len(chunk) % 4 == 1 else chunk
            padded = chunk + "=" * (-len(chunk) % 4)
            for decode in (base64.urlsafe_b64decode, base64.b64decode):
                with contextlib.suppress(binascii.Error, ValueError):
                    found.append(decode(padded))
    return found


def test_the_token_is_opaque(stream, world):
    upload = VideoUpload.objects.get(video_id=stream.video_id)
    secrets = [stream.video_id, str(world.student.pk), upload.file_key, "videos/"]

    assert re.fullmatch(r"[-A-Za-z0-9_]+", stream.token), "URL-safe base64, nothing else"
    for decoded in decodings(stream.token):
        for secret in secrets:
            assert secret.encode() not in decoded, f"{secret!r} readable in the token"
    assert stream.video_id not in stream.url
    assert local.read_stream_token(stream.token) == (stream.video_id, str(world.student.pk))


def test_tokens_are_bound_to_their_viewer(stream, world, client_for):
    someone_else = client_for(world.outsider)
    refused = someone_else.get(stream.url)
    assert refused.status_code == 403
    assert "someone else" in refused.json()["detail"]
    assert client_for(world.owner).head(stream.url).status_code == 403, "even a tutor of the course"

    assert client_for(world.student).get(stream.url, HTTP_RANGE="bytes=0-3").status_code == 206
    assert client_for(None).get(stream.url, HTTP_RANGE="bytes=0-3").status_code == 206, "players send no header"
    unverifiable = client_for(None)
    unverifiable.credentials(HTTP_AUTHORIZATION="Bearer not-a-token")
    assert unverifiable.get(stream.url, HTTP_RANGE="bytes=0-3").status_code == 206


def test_an_anonymous_preview_token_is_bound_to_anonymous(world, client_for, django_capture_on_commit_callbacks):
    video_id = upload_video(client_for, world)
    attach(client_for(world.owner), world.lesson, video_id, django_capture_on_commit_callbacks)
    Lesson.objects.filter(pk=world.lesson.pk).update(is_free_preview=True)

    url, _ = playback_url(client_for(None), world.lesson)

    assert local.read_stream_token(url.rstrip("/").rsplit("/", 1)[1]).viewer_id is None
    assert body_of(client_for(None).get(url)) == VIDEO
    assert client_for(world.outsider).get(url).status_code == 403


def revoke_enrolment(world) -> None:
    """What a refund does to the access it bought (payments.services.payment_refunded)."""
    assert Enrollment.objects.filter(student=world.student).update(is_active=False) == 1


def test_an_issued_token_stops_when_the_enrolment_is_revoked(stream, world, client_for):
    assert stream.get(stream.url, HTTP_RANGE="bytes=0-9").status_code == 206

    revoke_enrolment(world)

    for response in (stream.get(stream.url), client_for(world.student).get(stream.url, HTTP_RANGE="bytes=0-9")):
        assert response.status_code == 403
        assert response.json() == {"detail": "You may no longer watch this video."}
    assert client_for(world.student).head(stream.url).status_code == 403
    assert client_for(world.student).get(f"/api/courses/vdocipher/video/{stream.video_id}/otp/").status_code == 404


@pytest.mark.parametrize("change", ["viewer disabled", "viewer deleted", "video detached", "course unpublished"])
def test_an_issued_token_stops_when_the_viewer_may_no_longer_watch(stream, world, change):
    if change == "viewer disabled":
        type(world.student).objects.filter(pk=world.student.pk).update(is_active=False)
    elif change == "viewer deleted":
        world.student.delete()
    elif change == "video detached":
        Lesson.objects.filter(pk=world.lesson.pk).update(video_service_id=None)
    else:
        type(world.lesson.part.course).objects.filter(pk=world.lesson.part.course_id).update(is_published=False)

    assert stream.get(stream.url).status_code == 403


def test_a_token_for_a_video_whose_file_is_gone_is_404(stream, world):
    video_storage().delete(VideoUpload.objects.get(video_id=stream.video_id).file_key)
    assert stream.get(stream.url).status_code == 404
    Lesson.objects.filter(pk=world.lesson.pk).update(video_service_id="neverUploaded")
    token = local.stream_token("neverUploaded", viewer_id=str(world.student.pk), ttl=60)
    assert stream.get(stream_url(token)).status_code == 404


def test_the_player_query_budget_with_a_local_video(stream, world, client_for, django_assert_max_num_queries):
    client = client_for(world.student)
    # auth, lesson (course joined), manages?, enrolled?, the stored video
    with django_assert_max_num_queries(6):  # the last: the view recorded for statistics
        assert client.get(f"{LESSONS}{world.lesson.slug}/").status_code == 200


# --- No public URL reaches a video --------------------------------------------------------------------


def test_uploaded_videos_are_stored_outside_the_media(stream, settings):
    key = VideoUpload.objects.get(video_id=stream.video_id).file_key
    private = Path(video_storage().path(key)).resolve()
    media = Path(settings.MEDIA_ROOT).resolve()

    assert private.read_bytes() == VIDEO
    assert media not in private.parents
    assert not default_storage.exists(key)
    leaked = [path for path in media.rglob("*") if path.is_file() and path.read_bytes() == VIDEO]
    assert leaked == [], "no copy of the video anywhere under MEDIA_ROOT"
    assert isinstance(video_storage(), PrivateVideoStorage)
    with pytest.raises(ValueError):
        video_storage().url(key)


@pytest.fixture
def fresh_urlconf(settings):
    """``load(debug=...)``: the real eleven_tutors/urls.py imported afresh under the current
    settings (it decides at import time whether /media/ is served), used as the URLconf."""
    loaded: list[str] = []

    def load(*, debug: bool) -> None:
        settings.DEBUG = debug
        settings.SERVE_MEDIA = True  # the default, in production too
        name = f"eleven_tutors.urls_under_test_{uuid.uuid4().hex}"
        spec = importlib.util.spec_from_file_location(name, eleven_tutors.urls.__file__)
        module = importlib.util.module_from_spec(spec)
        sys.modules[name] = module
        loaded.append(name)
        spec.loader.exec_module(module)
        settings.ROOT_URLCONF = name

    yield load
    for name in loaded:
        sys.modules.pop(name, None)


@pytest.mark.parametrize("debug", [True, False], ids=["debug", "production"])
def test_no_media_url_reaches_an_uploaded_video(stream, settings, fresh_urlconf, debug):
    fresh_urlconf(debug=debug)
    ensure_placeholders()
    anonymous = stream.get
    served = anonymous(f"/media/{PLACEHOLDER_THUMBNAIL}")
    assert served.status_code == 200, "this URLconf does serve the media"
    assert body_of(served) == ASSET.read_bytes()

    key = VideoUpload.objects.get(video_id=stream.video_id).file_key
    private_name = Path(settings.VIDEO_PRIVATE_ROOT).name
    for path in (
        f"/media/{key}",
        "/media/videos/",
        f"/media/videos/{stream.video_id}/",
        f"/media/{private_name}/{key}",
        f"/media/private/{key}",
        f"/{private_name}/{key}",
        f"/private/videos/{stream.video_id}/original",
        f"/media/../{private_name}/{key}",
        f"/media/%2E%2E/{private_name}/{key}",
    ):
        response = anonymous(path)
        assert response.status_code in (400, 404), f"{path}: {response.status_code}"
        assert VIDEO[:4096] not in body_of(response), path
    assert body_of(anonymous(stream.url)) == VIDEO, "the token-checked stream still plays"


def test_private_storage_has_no_url_even_when_asked_for_one(settings):
    storage = PrivateVideoStorage()
    name = storage.save("videos/x/original", ContentFile(b"data"))
    assert Path(storage.path(name)).is_relative_to(Path(settings.VIDEO_PRIVATE_ROOT).resolve())
    with pytest.raises(ValueError, match="no URL"):
        storage.url(name)
    assert PrivateVideoStorage(base_url="/media/").base_url == settings.MEDIA_URL  # ignored, and url() refuses
    with pytest.raises(ValueError):
        PrivateVideoStorage(base_url="/media/").url(name)


# --- Moving videos uploaded before they were private ---------------------------------------------------


def legacy_upload(world, video_id: str = "legacy0001", content: bytes = VIDEO) -> str:
    """A video as the old code stored it: in the public media, at videos/<id>/original."""
    key = default_storage.save(local.object_key(video_id), ContentFile(content))
    VideoUpload.objects.create(
        video_id=video_id, uploader=world.owner, title="Old", provider="local", file_key=key, size=len(content)
    )
    Lesson.objects.filter(pk=world.lesson.pk).update(video_service_id=video_id, video_status=VideoStatus.READY)
    return key


def test_migrate_moves_public_videos_to_the_private_storage(world, client_for, settings, caplog):
    key = legacy_upload(world)
    public_path = Path(settings.MEDIA_ROOT) / key
    assert public_path.read_bytes() == VIDEO

    with caplog.at_level(logging.INFO, logger="videos.storage"):
        call_command("migrate", verbosity=0)

    assert not public_path.exists() and not default_storage.exists(key), "the public copy is gone"
    with video_storage().open(key, "rb") as stored:
        assert stored.read() == VIDEO
    assert f"Video legacy0001: moved {key} ({len(VIDEO)} bytes)" in caplog.text
    url, _ = playback_url(client_for(world.student), world.lesson)
    assert body_of(client_for(None).get(url)) == VIDEO

    caplog.clear()
    assert move_public_videos() == 0, "idempotent: nothing left to move"
    with video_storage().open(key, "rb") as stored:
        assert stored.read() == VIDEO


def test_moving_finishes_an_interrupted_run(world):
    key = legacy_upload(world)
    video_storage().save(key, ContentFile(VIDEO[:1000]))  # a partial copy

    assert move_public_videos() == 1

    assert not default_storage.exists(key)
    with video_storage().open(key, "rb") as stored:
        assert stored.read() == VIDEO


def test_moving_removes_a_public_copy_already_copied(world):
    key = legacy_upload(world)
    video_storage().save(key, ContentFile(VIDEO))

    assert move_public_videos() == 1
    assert not default_storage.exists(key)
    assert video_storage().size(key) == len(VIDEO)


def test_moving_never_loses_a_file(world, monkeypatch, caplog):
    key = legacy_upload(world)
    second = legacy_upload(world, "legacy0002", b"second video")
    storage = video_storage()
    save = storage.save

    def save_truncated(name, content, max_length=None):
        if name == key:
            return save(name, ContentFile(b"truncated"))
        return save(name, content, max_length=max_length)

    monkeypatch.setattr(storage, "save", save_truncated)
    assert move_public_videos() == 1
    with default_storage.open(key, "rb") as kept:
        assert kept.read() == VIDEO, "a bad copy never costs the original"
    assert not storage.exists(key), "the bad copy is removed"
    assert "wrong size" in caplog.text
    assert storage.exists(second) and not default_storage.exists(second), "the others still move"

    def save_failing(name, content, max_length=None):
        raise OSError("disk full")

    monkeypatch.setattr(storage, "save", save_failing)
    assert move_public_videos() == 0
    assert default_storage.exists(key)
    assert "Could not move video legacy0001" in caplog.text


def test_moving_leaves_a_storage_alone_that_is_the_media_itself(world, settings):
    key = legacy_upload(world)
    settings.VIDEO_PRIVATE_ROOT = settings.MEDIA_ROOT  # refused by settings.py; never delete the only copy
    assert move_public_videos() == 0
    assert default_storage.exists(key)


# --- Videos on S3 ----------------------------------------------------------------------------------------

S3_KEYS = {"access_key": "test-access-key", "secret_key": "test-secret-key"}


def reset_storages() -> None:
    storages._storages = {}
    default_storage._wrapped = empty


def s3_options(endpoint: str, bucket: str, **options) -> dict:
    """The S3 options settings.py builds from the R2_* variables."""
    return {
        "bucket_name": bucket,
        **S3_KEYS,
        "endpoint_url": endpoint,
        "region_name": "auto",
        "file_overwrite": False,
        "default_acl": None,
        "signature_version": "s3v4",
        "addressing_style": "path",
        **options,
    }


@pytest.fixture
def s3_videos(s3_server, settings):
    """``switch(custom_domain=...)``: media and videos on S3 as settings.py configures them:
    with a public custom domain the videos get a bucket of their own, else a private prefix."""
    client = boto3.client(
        "s3",
        endpoint_url=s3_server,
        aws_access_key_id=S3_KEYS["access_key"],
        aws_secret_access_key=S3_KEYS["secret_key"],
        region_name="us-east-1",
    )

    def switch(*, custom_domain: str = "") -> SimpleNamespace:
        media, videos = f"media-{uuid.uuid4().hex[:12]}", f"videos-{uuid.uuid4().hex[:12]}"
        client.create_bucket(Bucket=media)
        client.create_bucket(Bucket=videos)
        settings.STORAGES = {
            **settings.STORAGES,
            "default": {
                "BACKEND": "storages.backends.s3.S3Storage",
                "OPTIONS": s3_options(
                    s3_server,
                    media,
                    custom_domain=custom_domain or None,
                    querystring_auth=not custom_domain,
                    querystring_expire=3600,
                ),
            },
            "videos": {
                "BACKEND": "videos.storage_s3.PrivateS3VideoStorage",
                # Even options that would make it public are overridden.
                "OPTIONS": s3_options(
                    s3_server,
                    videos if custom_domain else media,
                    location="" if custom_domain else "private",
                    custom_domain=custom_domain or None,
                    querystring_auth=False,
                ),
            },
        }
        reset_storages()
        return SimpleNamespace(media=media, videos=videos if custom_domain else media, client=client)

    yield switch
    reset_storages()


def fetch(url: str, *, byte_range: str | None = None) -> tuple[int, str | None, bytes]:
    """GET a loopback URL (no proxy): status, Content-Range, body."""
    assert urlsplit(url).hostname == "127.0.0.1", f"only loopback URLs are fetched, got {url}"
    request = urllib.request.Request(url, headers={"Range": byte_range} if byte_range else {})
    opener = urllib.request.build_opener(urllib.request.ProxyHandler({}))
    with opener.open(request, timeout=10) as response:
        return response.status, response.headers.get("Content-Range"), response.read()


@pytest.mark.parametrize("custom_domain", ["", "media.11tutors.example"], ids=["private-prefix", "own-bucket"])
def test_with_videos_on_s3_playback_uses_short_presigned_urls_of_the_private_place(
    s3_videos, s3_server, world, client_for, settings, django_capture_on_commit_callbacks, custom_domain
):
    settings.VIDEO_OTP_TTL_SECONDS = 240
    buckets = s3_videos(custom_domain=custom_domain)
    video_id = upload_video(client_for, world)
    record = VideoUpload.objects.get(video_id=video_id)
    assert record.file_key == f"videos/{video_id}/original"
    object_key = f"{'' if custom_domain else 'private/'}videos/{video_id}/original"
    assert buckets.client.get_object(Bucket=buckets.videos, Key=object_key)["Body"].read() == VIDEO
    if custom_domain:
        assert "Contents" not in buckets.client.list_objects_v2(Bucket=buckets.media), "nothing in the public bucket"
    attach(client_for(world.owner), world.lesson, video_id, django_capture_on_commit_callbacks)

    url, data = playback_url(client_for(world.student), world.lesson)

    parts = urlsplit(url)
    assert f"{parts.scheme}://{parts.netloc}" == s3_server, f"never the custom domain: {url}"
    assert parts.path == f"/{buckets.videos}/{object_key}"
    query = parse_qs(parts.query)
    assert "X-Amz-Signature" in query
    assert query["X-Amz-Expires"] == ["240"], "presigned for the playback lifetime"
    assert stream_url(data["otp"]) not in url
    assert fetch(url, byte_range="bytes=100-299") == (206, f"bytes 100-299/{len(VIDEO)}", VIDEO[100:300])
    assert fetch(url)[2] == VIDEO
    with pytest.raises(urllib.error.HTTPError) as unsigned:
        fetch(f"{s3_server}/{buckets.videos}/{object_key}")
    assert unsigned.value.code == 403, "the object itself is private"


def test_migrate_moves_public_videos_into_the_private_prefix_on_s3(s3_videos, world):
    buckets = s3_videos()
    key = legacy_upload(world)
    assert buckets.client.get_object(Bucket=buckets.media, Key=key)["Body"].read() == VIDEO

    call_command("migrate", verbosity=0)

    listing = buckets.client.list_objects_v2(Bucket=buckets.media, Prefix="videos/")
    assert "Contents" not in listing, "gone from the public place"
    assert buckets.client.get_object(Bucket=buckets.media, Key=f"private/{key}")["Body"].read() == VIDEO
    assert move_public_videos() == 0


def test_an_unreachable_media_bucket_does_not_break_migrate(s3_videos, settings, world, caplog):
    s3_videos()
    VideoUpload.objects.create(
        video_id="legacy0003",
        uploader=world.owner,
        title="Old",
        provider="local",
        file_key="videos/legacy0003/original",
    )
    media = settings.STORAGES["default"]
    settings.STORAGES = {
        **settings.STORAGES,
        "default": {**media, "OPTIONS": {**media["OPTIONS"], "bucket_name": "no-such-bucket-here"}},
    }
    reset_storages()

    call_command("migrate", verbosity=0)

    assert "Could not look for videos in the public media storage" in caplog.text


def test_behind_nginx_an_authorised_stream_is_handed_over_with_x_accel_redirect(stream, settings):
    settings.VIDEO_ACCEL_REDIRECT_PREFIX = "/_protected_videos/"
    key = VideoUpload.objects.get(video_id=stream.video_id).file_key
    response = stream.get(stream.url, HTTP_RANGE="bytes=0-9")
    assert response.status_code == 200 and response.content == b""
    assert response["X-Accel-Redirect"] == f"/_protected_videos/{key}"
    assert response["Cache-Control"] == "private, no-transform"
    forged = stream.get(stream.url.replace(stream.token, stream.token[:-2] + "xx"))
    assert forged.status_code == 404 and "X-Accel-Redirect" not in forged, "nothing handed over unchecked"
