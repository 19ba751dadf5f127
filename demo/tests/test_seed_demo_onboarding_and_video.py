"""``seed_demo`` completes the demo (issue 11): every demo student but one has onboarding answers
(logging in lands on the dashboard; one account still shows onboarding), and the first lesson of
each course carries a sample video of the ``local`` provider that really streams."""

from __future__ import annotations

import base64
import io
import json

import pytest
from django.core.files.storage import default_storage
from django.core.management import call_command

from courses.models import Course, Lesson, VideoStatus
from demo import sample_video
from demo.management.commands.seed_demo import NOT_ONBOARDED
from users.models import OnboardingAnswer, Role, User

pytestmark = pytest.mark.django_db

ONBOARDING = "/api/auth/onboarding-answers/"


def seed(*args: str) -> str:
    out = io.StringIO()
    call_command("seed_demo", *args, stdout=out, stderr=io.StringIO())
    return out.getvalue()


@pytest.fixture
def seeded(settings) -> str:
    settings.DEBUG = True  # the command refuses without it
    settings.VIDEO_PROVIDER = "local"
    return seed()


def first_lesson(course: Course) -> Lesson:
    return Lesson.objects.filter(part__course=course).order_by("part__order", "order").first()


def video_storage():
    from videos.storage import video_storage

    return video_storage()


def video_upload(video_id: str):
    from videos.models import VideoUpload

    return VideoUpload.objects.get(video_id=video_id)


# --- Onboarding ------------------------------------------------------------------------------------


def test_every_demo_student_but_one_is_onboarded(seeded, client_for):
    students = list(User.objects.filter(role=Role.STUDENT).order_by("email"))
    assert len(students) == 5, f"expected the 5 demo students, got {[s.email for s in students]}"
    for student in students:
        answers = client_for(student).get(ONBOARDING).json()
        if student.email == NOT_ONBOARDED:
            assert answers["count"] == 0, f"{student.email} must still see onboarding, got {answers['results']}"
        else:
            assert answers["count"] == 1, f"{student.email}: expected one onboarding answer, got {answers['count']}"
            answer = answers["results"][0]
            assert answer["user"] == student.pk
            assert answer["degree"] and answer["interests"], answer
            assert 2024 <= answer["graduation_year"] <= 2032, answer
    assert NOT_ONBOARDED == "student5@example.com"
    assert "all onboarded except student5@example.com" in seeded, f"the summary names it, got:\n{seeded}"


def test_onboarding_answers_point_to_the_starter_universities_when_loaded(settings, client_for):
    settings.DEBUG = True
    call_command("load_universities", stdout=io.StringIO(), stderr=io.StringIO())
    seed()
    answers = OnboardingAnswer.objects.select_related("university")
    assert answers.count() == 4
    assert all(answer.university is not None for answer in answers), [a.university_id for a in answers]


# --- The sample video --------------------------------------------------------------------------------


def test_the_first_lesson_of_each_course_has_a_ready_sample_video(seeded):
    content = sample_video.sample_video()
    courses = list(Course.objects.all())
    assert len(courses) >= 8
    for course in courses:
        lesson = first_lesson(course)
        assert lesson.video_status == VideoStatus.READY and lesson.video_service_id, (
            f"{course.title}: expected a READY video on {lesson.title!r}, got "
            f"{lesson.video_status!r}/{lesson.video_service_id!r}"
        )
        assert lesson.duration.total_seconds() == sample_video.SECONDS, "the lesson lasts as long as its video"
        upload = video_upload(lesson.video_service_id)
        assert upload.provider == "local" and upload.uploader in course.tutors.all(), (
            f"{course.title}: uploaded with the local provider by the course's tutor, got "
            f"{upload.provider!r} by {upload.uploader}"
        )
        assert (upload.content_type, upload.size) == ("video/mp4", len(content))
        assert upload.uploaded_at is not None
        with video_storage().open(upload.file_key, "rb") as stored:
            assert stored.read() == content
        assert not default_storage.exists(upload.file_key), "the file lives in the private storage, not the media"
        others = Lesson.objects.filter(part__course=course).exclude(pk=lesson.pk)
        assert not others.exclude(video_service_id__isnull=True).exclude(video_service_id="").exists()
    assert len(content) < 200_000, f"the sample video must stay small, it is {len(content)} bytes"
    assert "Videos:" in seeded and "sample" in seeded


def test_an_enrolled_demo_student_streams_the_sample_through_the_lesson_page(seeded, client_for):
    content = sample_video.sample_video()
    student = User.objects.get(email="student2@example.com")
    course = Course.objects.get(title="Django REST APIs in Practice")  # paid, student2 bought it
    assert course.price > 0 and course.enrollments.filter(student=student, is_active=True).exists()
    lesson = first_lesson(course)

    page = client_for(student).get(f"/api/courses/lessons/{lesson.slug}/")

    assert page.status_code == 200, page.content[:300]
    data = page.json()
    assert (data["locked"], data["video_error"]) == (False, None), data
    assert data["otp"] and data["playbackInfo"], data
    url = json.loads(base64.b64decode(data["playbackInfo"]))["url"]
    assert "/local/stream/" in url, url

    ranged = client_for(student).get(url, HTTP_RANGE="bytes=0-1023")
    assert ranged.status_code == 206, f"expected 206, got {ranged.status_code}: {ranged.content[:200]!r}"
    assert ranged["Content-Type"] == "video/mp4"
    assert ranged["Content-Range"] == f"bytes 0-1023/{len(content)}"
    assert b"".join(ranged.streaming_content) == content[:1024]
    assert content[4:8] == b"ftyp"

    tail = client_for(student).get(url, HTTP_RANGE=f"bytes={len(content) - 5000}-")
    assert tail.status_code == 206
    assert b"".join(tail.streaming_content) == content[-5000:]


# --- Idempotence --------------------------------------------------------------------------------------


def snapshot() -> dict:
    from videos.models import VideoUpload

    storage = video_storage()
    folders = storage.listdir("videos")[0] if storage.exists("videos") else []
    return {
        "answers": sorted(
            OnboardingAnswer.objects.values_list("pk", "user_id", "university_id", "degree", "graduation_year")
        ),
        "uploads": sorted(
            VideoUpload.objects.values_list("pk", "video_id", "uploader_id", "file_key", "size", "uploaded_at")
        ),
        "lessons": sorted(
            Lesson.objects.values_list("pk", "video_service_id", "video_status", "duration", "updated_at"),
            key=str,
        ),
        "files": sorted((folder, tuple(sorted(storage.listdir(f"videos/{folder}")[1]))) for folder in folders),
    }


def test_rerunning_changes_nothing(seeded):
    before = snapshot()
    assert len(before["answers"]) == 4 and len(before["uploads"]) == Course.objects.count()
    assert len(before["files"]) == Course.objects.count()
    assert all(files == ("original",) for _, files in before["files"]), before["files"]

    seed()

    assert snapshot() == before, "a second run must not add or rewrite answers, uploads, lessons or files"


def test_a_rerun_restores_a_lost_sample_file_and_keeps_a_tutors_own_video(seeded):
    course = Course.objects.get(title="Python for Absolute Beginners")
    lesson = first_lesson(course)
    upload = video_upload(lesson.video_service_id)
    video_storage().delete(upload.file_key)
    other = Course.objects.get(title="Calculus I: Limits and Derivatives")
    replaced = first_lesson(other)
    Lesson.objects.filter(pk=replaced.pk).update(video_service_id="the-tutors-own-video")

    seed()

    with video_storage().open(upload.file_key, "rb") as stored:
        assert stored.read() == sample_video.sample_video()
    replaced.refresh_from_db()
    assert replaced.video_service_id == "the-tutors-own-video", "a tutor's own video is never replaced"
