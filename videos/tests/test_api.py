"""Video delivery through the API (contract 2.4 and 3), with VdoCipher faked over real HTTP.

- Who gets playable secrets: the lesson player and the OTP endpoint, for every kind of
  caller, free preview vs paid, published vs draft. A caller who may not watch never sees
  the fake service's OTP anywhere in a response, and causes no call to the service at all.
- Provider failures on the player: 200 with the outline and a ``video_error``, never a 500.
- Upload credentials: who may ask, throttling, what is recorded.
- Attaching videos to lessons (only by their uploader, co-tutors not; admins any) and the
  background sync that fills ``video_status`` and ``duration``.
"""

from __future__ import annotations

import json
import logging
from datetime import timedelta
from types import SimpleNamespace

import pytest
from django.core.cache import cache
from django.db import connection
from django.test.utils import CaptureQueriesContext

from courses.models import Lesson, VideoStatus
from courses.tests.factories import CourseFactory, EnrollmentFactory, LessonFactory, PartFactory
from courses.tests.urls import LESSONS
from users.models import Role
from users.tests.factories import person
from videos import tasks
from videos.models import VideoUpload
from videos.providers import VideoInfo, vdocipher
from videos.tests.fake_vdocipher import CLIENT_PAYLOAD, OTP, PLAYBACK_INFO
from videos.tests.urls import CREDENTIALS

pytestmark = pytest.mark.django_db

ROLES = ("anonymous", "user", "enrolled", "other_tutor", "owner", "admin")
UPSTREAM_BODY = "UPSTREAM-INTERNALS-do-not-show"


def otp_url(video_id: str) -> str:
    return f"/api/courses/vdocipher/video/{video_id}/otp/"


def upload(video_id: str, uploader, title: str = "clip") -> VideoUpload:
    return VideoUpload.objects.create(video_id=video_id, uploader=uploader, title=title, provider="vdocipher")


@pytest.fixture
def world(db):
    """A published paid course and a draft course by ``owner``, each with a free preview and a
    paid lesson, every lesson with its own recorded video; one caller of each kind."""
    users = {
        "anonymous": None,
        "user": person(Role.USER),
        "enrolled": person(Role.STUDENT),
        "other_tutor": person(Role.TUTOR),
        "owner": person(Role.TUTOR),
        "admin": person(Role.ADMIN, is_staff=True, is_superuser=True),
    }
    owner = users["owner"]
    lessons = {}
    for published in (True, False):
        course = CourseFactory(tutors=[owner], is_published=published, price="30.00")
        part = PartFactory(course=course)
        # The student stays enrolled in the course even while it is a draft: no access then.
        EnrollmentFactory(student=users["enrolled"], course=course)
        for free in (True, False):
            kind = f"{'published' if published else 'draft'}-{'free' if free else 'paid'}"
            video_id = f"vid{kind.replace('-', '')}0123456789"
            upload(video_id, owner)
            lessons[kind] = LessonFactory(part=part, is_free_preview=free, video_service_id=video_id)
    return SimpleNamespace(users=users, lessons=lessons)


def may_watch(kind: str, role: str) -> bool | None:
    """The contract's rule: True (secrets), False (locked outline), None (404: a draft)."""
    published, price = kind.split("-")
    if published == "draft":
        return True if role in ("owner", "admin") else None
    return price == "free" or role in ("enrolled", "owner", "admin")


MATRIX = [(kind, role) for kind in ("published-free", "published-paid", "draft-free", "draft-paid") for role in ROLES]


def assert_no_secret(response, who: str) -> None:
    body = response.content.decode()
    assert OTP not in body and PLAYBACK_INFO not in body, f"{who}: a playable secret leaked: {body[:300]}"


def warm_catalog_cache(settings, client, url: str, vdo) -> None:
    """The catalog cache on, holding the lesson's public outline (filled by a viewer who may not
    watch, so that no secret was ever made); the provider's log emptied."""
    settings.CATALOG_CACHE_SECONDS = 30
    cache.clear()
    client.get(url)
    vdo.server.clear_log()


@pytest.mark.parametrize("cached", [False, True], ids=["cache off", "outline cached"])
@pytest.mark.parametrize(("kind", "role"), MATRIX)
def test_lesson_player_gives_secrets_only_to_those_who_may_watch(world, vdo, client_for, settings, kind, role, cached):
    vdo.serve_otp()
    lesson = world.lessons[kind]
    expected = may_watch(kind, role)
    if cached:
        warm_catalog_cache(settings, client_for(world.users["user"]), f"{LESSONS}{lesson.slug}/", vdo)

    response = client_for(world.users[role]).get(f"{LESSONS}{lesson.slug}/")

    who = f"{role} on a {kind} lesson"
    if expected is None:
        assert response.status_code == 404, f"{who}: expected 404, got {response.status_code}"
        assert_no_secret(response, who)
        assert vdo.requests() == [], f"{who}: the video service was called"
        return
    assert response.status_code == 200, f"{who}: expected 200, got {response.status_code}: {response.content[:300]}"
    data = response.json()
    assert data["locked"] is (not expected), f"{who}: locked={data['locked']}"
    assert data["video_error"] is None
    if expected:
        assert (data["otp"], data["playbackInfo"]) == (OTP, PLAYBACK_INFO), f"{who}: no playback"
        [request] = vdo.otp_requests()
        assert request.path == f"/api/videos/{lesson.video_service_id}/otp"
    else:
        assert (data["otp"], data["playbackInfo"]) == (None, None)
        assert_no_secret(response, who)
        assert vdo.requests() == [], f"{who}: the video service was called"


@pytest.mark.parametrize(("kind", "role"), MATRIX)
def test_otp_endpoint_answers_only_those_who_may_watch_a_lesson_using_the_video(world, vdo, client_for, kind, role):
    vdo.serve_otp()
    lesson = world.lessons[kind]

    response = client_for(world.users[role]).get(otp_url(lesson.video_service_id))

    who = f"{role} on a {kind} lesson's video"
    if may_watch(kind, role):
        assert response.status_code == 200, f"{who}: expected 200, got {response.status_code}"
        assert response.json() == {"otp": OTP, "playbackInfo": PLAYBACK_INFO}
    else:
        assert response.status_code == 404, f"{who}: expected 404, got {response.status_code}"
        assert_no_secret(response, who)
        assert vdo.requests() == [], f"{who}: the video service was called"


def test_otp_endpoint_for_an_unknown_or_unattached_video_is_404(world, vdo, client_for):
    vdo.serve_otp()
    upload("recordedbutunused", world.users["owner"])
    admin = client_for(world.users["admin"])
    for video_id in ("recordedbutunused", "nosuchvideo", "x" * 101):
        assert admin.get(otp_url(video_id)).status_code == 404, video_id
    assert vdo.requests() == []


def test_otp_endpoint_looks_at_every_lesson_using_the_video(world, vdo, client_for):
    vdo.serve_otp()
    paid = world.lessons["published-paid"]
    LessonFactory(part=paid.part, is_free_preview=True, video_service_id=paid.video_service_id)
    response = client_for(world.users["user"]).get(otp_url(paid.video_service_id))
    assert response.status_code == 200, "the free preview using the same video entitles the caller"


def test_the_watermark_carries_the_viewers_email(world, vdo, client_for):
    vdo.serve_otp()
    student = world.users["enrolled"]
    client_for(student).get(f"{LESSONS}{world.lessons['published-paid'].slug}/")
    client_for(None).get(f"{LESSONS}{world.lessons['published-free'].slug}/")

    signed_in, anonymous = (request.get_json() for request in vdo.otp_requests())
    assert json.loads(signed_in["annotate"])[0]["text"] == student.email
    assert "annotate" not in anonymous, "an anonymous viewer has no e-mail to show"


def test_a_lesson_without_video_asks_the_provider_nothing(world, vdo, client_for):
    lesson = LessonFactory(part=world.lessons["published-paid"].part, video_service_id=None)
    data = client_for(world.users["owner"]).get(f"{LESSONS}{lesson.slug}/").json()
    assert (data["otp"], data["playbackInfo"], data["video_error"], data["locked"]) == (None, None, None, False)
    assert vdo.requests() == []


# --- Provider failures on the player ---------------------------------------------------------


@pytest.mark.parametrize(
    ("answer", "detail"),
    [
        ({"code": 500, "raw": UPSTREAM_BODY}, vdocipher.FAILED),
        ({"code": 503, "raw": UPSTREAM_BODY}, vdocipher.UNAVAILABLE),
        ({"code": 404, "raw": UPSTREAM_BODY}, vdocipher.UNKNOWN_VIDEO),
        ({"code": 200, "raw": "<html>" + UPSTREAM_BODY}, vdocipher.GARBLED),
    ],
)
def test_a_failing_provider_leaves_the_outline_and_a_video_error(world, vdo, client_for, caplog, answer, detail):
    vdo.serve_otp(**answer)

    with caplog.at_level(logging.WARNING):
        response = client_for(world.users["enrolled"]).get(f"{LESSONS}{world.lessons['published-paid'].slug}/")

    assert response.status_code == 200
    data = response.json()
    assert (data["otp"], data["playbackInfo"], data["locked"]) == (None, None, False)
    assert data["video_error"] == detail
    assert data["title"] == world.lessons["published-paid"].title
    assert UPSTREAM_BODY not in response.content.decode()
    assert "No playback for lesson" in caplog.text


def test_a_slow_provider_times_out_into_a_video_error(world, vdo, client_for, settings):
    settings.VIDEO_HTTP_READ_TIMEOUT = 0.05
    vdo.serve_otp(sleep=0.2)

    response = client_for(world.users["admin"]).get(f"{LESSONS}{world.lessons['draft-paid'].slug}/")

    assert response.status_code == 200
    assert (response.json()["otp"], response.json()["video_error"]) == (None, vdocipher.TIMED_OUT)


@pytest.mark.parametrize(("upstream", "status"), [(500, 502), (400, 502), (503, 503), (429, 503)])
def test_the_otp_endpoint_maps_provider_failures(world, vdo, client_for, upstream, status):
    vdo.serve_otp(code=upstream, raw=UPSTREAM_BODY)
    response = client_for(world.users["owner"]).get(otp_url(world.lessons["published-paid"].video_service_id))
    assert response.status_code == status
    assert response.json()["detail"] and UPSTREAM_BODY not in response.content.decode()


def test_lesson_player_query_budget(world, vdo, client_for):
    vdo.serve_otp()
    client = client_for(world.users["enrolled"])
    url = f"{LESSONS}{world.lessons['published-paid'].slug}/"
    with CaptureQueriesContext(connection) as queries:
        assert client.get(url).status_code == 200
    # auth, lesson (course joined), manages?, enrolled?, the view recorded for statistics -
    # the video itself adds no query
    assert len(queries) <= 5, [q["sql"] for q in queries]


def test_lesson_player_query_budget_with_the_outline_cached(world, vdo, client_for, settings):
    vdo.serve_otp()
    client = client_for(world.users["enrolled"])
    url = f"{LESSONS}{world.lessons['published-paid'].slug}/"
    warm_catalog_cache(settings, client_for(world.users["user"]), url, vdo)
    with CaptureQueriesContext(connection) as queries:
        assert client.get(url).json()["otp"] == OTP
    # auth, enrolled?, the view recorded (one per player page with secrets: learning's statistics)
    sql = [q["sql"] for q in queries]
    assert len(sql) == 3, sql
    assert sum(s.startswith("INSERT") for s in sql) == 1, sql


# --- Upload credentials ------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("role", "status"),
    [("anonymous", 401), ("user", 403), ("student", 403), ("tutor", 200), ("admin", 200)],
)
def test_upload_credentials_are_for_tutors_and_admins(vdo, client_for, role, status):
    vdo.serve_upload("a1b2c3d4e5f6")
    caller = {
        "anonymous": None,
        "user": person(Role.USER),
        "student": person(Role.STUDENT),
        "tutor": person(Role.TUTOR),
        "admin": person(Role.ADMIN, is_staff=True),
    }[role]

    response = client_for(caller).post(CREDENTIALS, {"title": "Week 1", "folderId": "f01"}, format="json")

    assert response.status_code == status, response.content[:300]
    if status == 401:
        assert "WWW-Authenticate" in response
    if status != 200:
        assert vdo.requests() == [] and not VideoUpload.objects.exists()
        return
    assert response.json() == {"clientPayload": CLIENT_PAYLOAD, "videoId": "a1b2c3d4e5f6"}
    [request] = vdo.requests()
    assert request.args.to_dict() == {"title": "Week 1", "folderId": "f01"}
    record = VideoUpload.objects.get()
    assert (record.video_id, record.uploader, record.title, record.provider) == (
        "a1b2c3d4e5f6",
        caller,
        "Week 1",
        "vdocipher",
    )


@pytest.mark.parametrize(
    "body",
    [
        {},
        {"title": ""},
        {"title": "   "},
        {"title": "t" * 256},
        {"title": ["a"]},
        {"title": "ok", "folderId": "f" * 101},
        {"title": "nul\x00byte"},
        {"title": "ok", "folderId": "nul\x00byte"},
        ["title"],
    ],
)
def test_upload_credentials_bad_input_is_400(vdo, client_for, body):
    response = client_for(person(Role.TUTOR)).post(CREDENTIALS, body, format="json")
    assert response.status_code == 400, response.content[:300]
    assert vdo.requests() == []


def test_upload_credentials_without_folder_sends_no_folder(vdo, client_for):
    vdo.serve_upload()
    response = client_for(person(Role.TUTOR)).post(CREDENTIALS, {"title": " Intro ", "folderId": ""}, format="json")
    assert response.status_code == 200
    assert vdo.requests()[0].args.to_dict() == {"title": "Intro"}


def test_upload_credentials_are_throttled_per_user(vdo, client_for, settings):
    settings.THROTTLE_RATES = {**settings.THROTTLE_RATES, "video_upload": "2/min"}
    vdo.serve_upload(None)
    tutor, other = client_for(person(Role.TUTOR)), client_for(person(Role.TUTOR))

    statuses = [tutor.post(CREDENTIALS, {"title": "t"}, format="json").status_code for _ in range(3)]

    assert statuses == [200, 200, 429]
    assert other.post(CREDENTIALS, {"title": "t"}, format="json").status_code == 200
    assert VideoUpload.objects.count() == 3


@pytest.mark.parametrize(("upstream", "status"), [(500, 502), (403, 502), (503, 503)])
def test_upload_credentials_provider_failure_records_nothing(vdo, client_for, upstream, status):
    vdo.serve_upload(code=upstream, raw=UPSTREAM_BODY)
    response = client_for(person(Role.TUTOR)).post(CREDENTIALS, {"title": "t"}, format="json")
    assert response.status_code == status
    assert UPSTREAM_BODY not in response.content.decode()
    assert not VideoUpload.objects.exists()


def test_a_video_id_returned_twice_is_refused(vdo, client_for):
    vdo.serve_upload("sameid")
    upload("sameid", person(Role.TUTOR))
    response = client_for(person(Role.TUTOR)).post(CREDENTIALS, {"title": "t"}, format="json")
    assert response.status_code == 502
    assert VideoUpload.objects.get().title == "clip"


# --- Attaching videos to lessons ---------------------------------------------------------------


@pytest.fixture
def course(db):
    owner, co_tutor = person(Role.TUTOR), person(Role.TUTOR)
    course = CourseFactory(tutors=[owner, co_tutor])
    lesson = LessonFactory(part=PartFactory(course=course), duration=timedelta(0))
    return SimpleNamespace(owner=owner, co_tutor=co_tutor, stranger=person(Role.TUTOR), lesson=lesson, course=course)


def patch_video(client, lesson, video_id, capture):
    with capture(execute=True):
        return client.patch(f"{LESSONS}{lesson.slug}/", {"video_service_id": video_id}, format="json")


def test_a_tutor_attaches_their_own_video_and_the_sync_fills_status_and_duration(
    course, vdo, client_for, django_capture_on_commit_callbacks
):
    upload("ownvideo01", course.owner)
    vdo.serve_video("ownvideo01", status="ready", length=754)

    response = patch_video(client_for(course.owner), course.lesson, "ownvideo01", django_capture_on_commit_callbacks)

    assert response.status_code == 200, response.content[:300]
    assert response.json()["video_service_id"] == "ownvideo01"
    course.lesson.refresh_from_db()
    assert (course.lesson.video_status, course.lesson.duration) == (VideoStatus.READY, timedelta(seconds=754))
    [request] = vdo.requests()
    assert (request.method, request.path) == ("GET", "/api/videos/ownvideo01")


def test_the_sync_keeps_a_duration_the_tutor_set(course, vdo, client_for, django_capture_on_commit_callbacks):
    Lesson.objects.filter(pk=course.lesson.pk).update(duration=timedelta(minutes=3))
    upload("ownvideo01", course.owner)
    vdo.serve_video("ownvideo01", status="ready", length=754)

    patch_video(client_for(course.owner), course.lesson, "ownvideo01", django_capture_on_commit_callbacks)

    course.lesson.refresh_from_db()
    assert (course.lesson.video_status, course.lesson.duration) == (VideoStatus.READY, timedelta(minutes=3))


def test_a_co_tutors_video_is_attached_by_the_co_tutor_not_by_the_others(
    course, vdo, client_for, django_capture_on_commit_callbacks
):
    upload("covideo", course.co_tutor)
    vdo.serve_video("covideo", status="Queued", length=0)

    refused = patch_video(client_for(course.owner), course.lesson, "covideo", django_capture_on_commit_callbacks)
    response = patch_video(client_for(course.co_tutor), course.lesson, "covideo", django_capture_on_commit_callbacks)

    assert refused.status_code == 400 and set(refused.json()) == {"video_service_id"}, refused.content[:300]
    assert response.status_code == 200
    course.lesson.refresh_from_db()
    assert (course.lesson.video_status, course.lesson.duration) == (VideoStatus.PROCESSING, timedelta(0))
    assert len(vdo.requests()) == 1, "run eagerly, the sync checks once instead of looping in the request"


@pytest.mark.parametrize("video_id", ["strangervideo", "neverrecorded"])
def test_another_tutors_or_an_unknown_video_is_refused(
    course, vdo, client_for, django_capture_on_commit_callbacks, video_id
):
    upload("strangervideo", course.stranger)

    response = patch_video(client_for(course.owner), course.lesson, video_id, django_capture_on_commit_callbacks)

    assert response.status_code == 400
    assert set(response.json()) == {"video_service_id"}
    course.lesson.refresh_from_db()
    assert course.lesson.video_service_id is None
    assert vdo.requests() == []


def test_creating_a_lesson_applies_the_same_rule(course, vdo, client_for, django_capture_on_commit_callbacks):
    upload("strangervideo", course.stranger)
    upload("ownvideo01", course.owner)
    vdo.serve_video("ownvideo01", status="ready", length=90)
    client = client_for(course.owner)
    body = {"part": str(course.lesson.part_id), "title": "With video"}

    refused = client.post(LESSONS, {**body, "video_service_id": "strangervideo"}, format="json")
    with django_capture_on_commit_callbacks(execute=True):
        created = client.post(LESSONS, {**body, "video_service_id": "ownvideo01", "duration": 0}, format="json")

    assert refused.status_code == 400 and set(refused.json()) == {"video_service_id"}
    assert created.status_code == 201, created.content[:300]
    lesson = Lesson.objects.get(pk=created.json()["id"])
    assert (lesson.video_status, lesson.duration) == (VideoStatus.READY, timedelta(seconds=90))


def test_an_admin_may_attach_any_recorded_video(course, vdo, client_for, django_capture_on_commit_callbacks):
    upload("strangervideo", course.stranger)
    vdo.serve_video("strangervideo")
    admin = person(Role.ADMIN, is_staff=True)

    response = patch_video(client_for(admin), course.lesson, "strangervideo", django_capture_on_commit_callbacks)
    unknown = patch_video(client_for(admin), course.lesson, "neverrecorded", django_capture_on_commit_callbacks)

    assert response.status_code == 200
    assert unknown.status_code == 400, "even admins attach only recorded videos"


def test_a_video_whose_uploader_left_is_for_admins_only(course, vdo, client_for, django_capture_on_commit_callbacks):
    upload("orphan", course.co_tutor)
    VideoUpload.objects.filter(video_id="orphan").update(uploader=None)
    response = patch_video(client_for(course.owner), course.lesson, "orphan", django_capture_on_commit_callbacks)
    assert response.status_code == 400


def test_clearing_the_video_resets_the_status_without_a_sync(
    course, vdo, client_for, django_capture_on_commit_callbacks
):
    Lesson.objects.filter(pk=course.lesson.pk).update(video_service_id="old", video_status=VideoStatus.READY)

    response = patch_video(client_for(course.owner), course.lesson, None, django_capture_on_commit_callbacks)

    assert response.status_code == 200
    course.lesson.refresh_from_db()
    assert (course.lesson.video_service_id, course.lesson.video_status) == (None, VideoStatus.NONE)
    assert vdo.requests() == []


def test_an_unchanged_video_is_not_checked_or_synced_again(course, vdo, client_for, django_capture_on_commit_callbacks):
    upload("ownvideo01", course.owner)
    Lesson.objects.filter(pk=course.lesson.pk).update(video_service_id="ownvideo01", video_status=VideoStatus.READY)
    VideoUpload.objects.filter(video_id="ownvideo01").update(uploader=course.stranger)  # would now be refused

    response = patch_video(client_for(course.owner), course.lesson, "ownvideo01", django_capture_on_commit_callbacks)

    assert response.status_code == 200
    assert vdo.requests() == []


@pytest.mark.parametrize(
    ("answer", "status"),
    [
        ({"code": 404}, VideoStatus.ERROR),
        ({"code": 401}, VideoStatus.ERROR),
        ({"raw": "garbage"}, VideoStatus.ERROR),
        ({"code": 503}, VideoStatus.PENDING),
        ({"sleep": 0.2}, VideoStatus.PENDING),
    ],
)
def test_a_failing_sync_never_breaks_the_edit(
    course, vdo, client_for, django_capture_on_commit_callbacks, settings, caplog, answer, status
):
    settings.VIDEO_HTTP_READ_TIMEOUT = 0.05
    upload("ownvideo01", course.owner)
    vdo.serve_video("ownvideo01", **answer)

    with caplog.at_level(logging.WARNING):
        response = patch_video(
            client_for(course.owner), course.lesson, "ownvideo01", django_capture_on_commit_callbacks
        )

    assert response.status_code == 200
    course.lesson.refresh_from_db()
    assert (course.lesson.video_status, course.lesson.duration) == (status, timedelta(0))
    assert "Video sync of lesson" in caplog.text


def test_an_unavailable_task_queue_does_not_break_the_edit(
    course, vdo, client_for, django_capture_on_commit_callbacks, monkeypatch, caplog
):
    def broker_down(*args, **kwargs):
        raise ConnectionRefusedError("broker down")

    monkeypatch.setattr(tasks.lesson_video_sync, "delay", broker_down)
    upload("ownvideo01", course.owner)

    response = patch_video(client_for(course.owner), course.lesson, "ownvideo01", django_capture_on_commit_callbacks)

    assert response.status_code == 200
    assert "Could not run the background task for the video sync of lesson" in caplog.text
    course.lesson.refresh_from_db()
    assert course.lesson.video_status == VideoStatus.PENDING


def test_the_sync_of_a_lesson_whose_video_changed_meanwhile_writes_nothing(course, vdo, monkeypatch):
    from videos import services as video_services

    Lesson.objects.filter(pk=course.lesson.pk).update(video_service_id="first", video_status=VideoStatus.PENDING)

    class SwitchingProvider:
        name = "vdocipher"

        def video_info(self, video_id):
            Lesson.objects.filter(pk=course.lesson.pk).update(video_service_id="second")  # a concurrent edit
            return VideoInfo(VideoStatus.READY, 300)

    monkeypatch.setattr(video_services, "get_provider", SwitchingProvider)
    video_services.lesson_video_sync(lesson_id=course.lesson.pk)

    course.lesson.refresh_from_db()
    assert (course.lesson.video_status, course.lesson.duration) == (VideoStatus.PENDING, timedelta(0))


def test_the_sync_of_a_missing_or_videoless_lesson_is_a_no_op(course, vdo):
    from videos import services as video_services

    assert video_services.lesson_video_sync(lesson_id=course.lesson.pk) is None
    assert video_services.lesson_playback(lesson=course.lesson, viewer=course.owner) == (None, None)
    assert tasks.lesson_video_sync.apply(args=["00000000-0000-0000-0000-000000000000"]).get() is None
    assert vdo.requests() == []


class RetryRequested(Exception):
    """Stands in for Celery's Retry in the test below."""


@pytest.mark.parametrize(("upstream", "retried"), [("Queued", True), ("PRE-Upload", True), ("ready", False)])
def test_on_a_worker_a_video_still_processing_is_checked_again_later(course, vdo, monkeypatch, upstream, retried):
    Lesson.objects.filter(pk=course.lesson.pk).update(video_service_id="ownvideo01")
    vdo.serve_video("ownvideo01", status=upstream)
    asked: list = []

    def retry(**kwargs):
        asked.append(kwargs)
        return RetryRequested()

    monkeypatch.setattr(tasks.lesson_video_sync, "retry", retry)
    task = tasks.lesson_video_sync
    task.push_request(is_eager=False, retries=0)
    try:
        if retried:
            with pytest.raises(RetryRequested):
                task.run(str(course.lesson.pk))
        else:
            task.run(str(course.lesson.pk))
        # The last allowed attempt gives up quietly.
        task.request.retries = task.max_retries
        task.run(str(course.lesson.pk))
    finally:
        task.pop_request()

    assert asked == ([{"countdown": tasks.VIDEO_SYNC_RETRY_SECONDS}] if retried else [])
