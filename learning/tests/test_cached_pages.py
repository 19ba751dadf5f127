"""Course and lesson pages served from the shared catalog cache: the viewer's progress is their
own, who may watch is decided per request (refunds revoke at once), and every player page that
issues playback records one view."""

from __future__ import annotations

import pytest
from django.core.cache import cache
from django.db import connection
from rest_framework.test import APIClient

from conftest import bearer
from core.tests.helpers import run_together
from courses import services as course_services
from courses.tests.factories import CourseFactory, EnrollmentFactory, LessonFactory, PartFactory
from courses.tests.test_catalog_cache import LIST as COURSES
from courses.tests.test_catalog_cache import queries
from courses.tests.urls import LESSONS
from learning.models import LessonProgress, LessonView
from users.models import Role
from users.tests.factories import person
from videos.models import VideoUpload

pytestmark = [
    pytest.mark.django_db(transaction=True),  # the caches are invalidated on commit
    pytest.mark.usefixtures("viewer_cache_on"),
]


@pytest.fixture
def paid_lesson(settings):
    settings.VIDEO_PROVIDER = "local"
    settings.CATALOG_CACHE_SECONDS = 30
    cache.clear()
    tutor = person(Role.TUTOR)
    course = CourseFactory(tutors=[tutor], price="25.00")
    VideoUpload.objects.create(
        video_id="vidplayercache0001", uploader=tutor, title="clip", provider="local", file_key="videos/p/original"
    )
    lesson = LessonFactory(part=PartFactory(course=course), video_service_id="vidplayercache0001")
    APIClient().get(f"{LESSONS}{lesson.slug}/")  # an anonymous visitor fills the shared outline
    return lesson


def player(user, lesson) -> dict:
    response = bearer(APIClient(), user).get(f"{LESSONS}{lesson.slug}/")
    assert response.status_code == 200, response.content
    return response.json()


def test_course_page_progress_is_the_viewers_own(settings, api_client, client_for, make_user):
    settings.CATALOG_CACHE_SECONDS = 30
    cache.clear()
    course = CourseFactory()
    lesson = LessonFactory(part=PartFactory(course=course))
    tutor = course.tutors.get()
    follower, outsider = make_user(Role.STUDENT), make_user(Role.STUDENT)
    EnrollmentFactory(course=course, student=follower)
    LessonProgress.objects.create(student=follower, lesson=lesson, position_seconds=7, completed=True)
    detail = f"{COURSES}{course.slug}/"
    queries(api_client, detail)  # fills the cache
    count, mine = queries(client_for(follower), detail)
    assert count == 4, "auth, enrolment, progress rows, certificate"
    assert mine["is_enrolled"] is True
    assert mine["progress"]["completed_lessons"] == 1 and mine["progress"]["percent"] == 100
    assert mine["progress"]["last_lesson"] == {"slug": lesson.slug, "title": lesson.title, "position_seconds": 7}
    count, theirs = queries(client_for(outsider), detail)
    assert count == 2 and theirs["is_enrolled"] is False and theirs["progress"] is None
    _, teaching = queries(client_for(tutor), detail)
    assert teaching["is_enrolled"] is False and teaching["progress"]["completed_lessons"] == 0
    assert queries(api_client, detail)[1]["progress"] is None


def test_a_refund_locks_the_player_at_once(paid_lesson):
    student = person(Role.STUDENT)
    enrollment = EnrollmentFactory(course=paid_lesson.part.course, student=student)
    page = player(student, paid_lesson)
    assert page["locked"] is False and page["otp"]
    # A refund deactivates the enrolment; even without any signal, the next page is locked.
    # A refund takes back the access its payment gave (a bulk update, no signal).
    course_services.enrollments_deactivate(
        student_id=student.pk, course_ids=[paid_lesson.part.course_id], source=enrollment.source
    )
    page = player(student, paid_lesson)
    assert (page["locked"], page["otp"], page["playbackInfo"]) == (True, None, None)


def test_the_course_tutor_and_admins_watch_others_see_the_outline(paid_lesson):
    tutor = paid_lesson.part.course.tutors.get()
    assert player(tutor, paid_lesson)["locked"] is False
    assert player(person(Role.ADMIN, is_staff=True), paid_lesson)["locked"] is False
    outsider = player(person(Role.TUTOR), paid_lesson)
    assert outsider["locked"] is True and outsider["otp"] is None
    assert outsider["title"] == paid_lesson.title and outsider["course"]["slug"] == paid_lesson.part.course.slug


def test_an_edit_of_the_lesson_shows_on_the_next_page(paid_lesson):
    student = person(Role.STUDENT)
    EnrollmentFactory(course=paid_lesson.part.course, student=student)
    assert player(student, paid_lesson)["title"] == paid_lesson.title
    paid_lesson.title = "Renamed lesson"
    paid_lesson.save()
    assert player(student, paid_lesson)["title"] == "Renamed lesson"


def test_unpublishing_hides_the_lesson_from_students_at_once(paid_lesson):
    student = person(Role.STUDENT)
    EnrollmentFactory(course=paid_lesson.part.course, student=student)
    course = paid_lesson.part.course
    course.is_published = False
    course.save()
    assert bearer(APIClient(), student).get(f"{LESSONS}{paid_lesson.slug}/").status_code == 404
    assert player(course.tutors.get(), paid_lesson)["locked"] is False, "its tutors still work on it"


def test_every_player_page_is_one_view_and_one_token_of_its_own(paid_lesson):
    students = [person(Role.STUDENT) for _ in range(8)]
    for student in students:
        EnrollmentFactory(course=paid_lesson.part.course, student=student)
    calls = [lambda s=s: player(s, paid_lesson) for s in students for _ in range(2)]
    # At once on PostgreSQL. The suite's in-memory SQLite database is one shared connection that
    # cannot take concurrent writers (the embedded server's file database can): one after another.
    pages = run_together(calls) if connection.vendor == "postgresql" else [call() for call in calls]
    assert all(page["locked"] is False for page in pages)
    assert len({page["otp"] for page in pages}) == len(pages), "each viewer gets their own short-lived token"
    views = LessonView.objects.filter(lesson=paid_lesson)
    assert views.count() == 16
    assert {v.viewer_id for v in views} == {s.pk for s in students}


def test_progress_and_a_certificate_show_on_the_next_course_page(settings, client_for, make_user):
    settings.CATALOG_CACHE_SECONDS = 30
    cache.clear()
    course = CourseFactory()
    part = PartFactory(course=course)
    first, second = LessonFactory(part=part, order=0), LessonFactory(part=part, order=1)
    student = make_user(Role.STUDENT)
    EnrollmentFactory(course=course, student=student)
    client = client_for(student)
    page = f"{COURSES}{course.slug}/"
    assert client.get(page).json()["progress"]["completed_lessons"] == 0
    progress = f"{LESSONS}{first.slug}/progress/"
    assert client.post(progress, {"position_seconds": 5}, format="json").status_code == 200
    mine = client.get(page).json()["progress"]
    assert mine["last_lesson"] == {"slug": first.slug, "title": first.title, "position_seconds": 5}
    assert mine["completed_lessons"] == 0
    for lesson in (first, second):
        url = f"{LESSONS}{lesson.slug}/progress/"
        assert client.post(url, {"position_seconds": 1, "completed": True}, format="json").status_code == 200
    mine = client.get(page).json()["progress"]
    assert (mine["completed_lessons"], mine["percent"]) == (2, 100)
    assert mine["completed_at"] is not None, "the certificate issued on completion shows at once"
    assert mine == client.get(f"{COURSES}{course.slug}/progress/").json(), "the progress endpoint's shape"
    assert client.post(progress, {"position_seconds": 9}, format="json").status_code == 200
    first.title = "Renamed"
    first.save()  # the student's progress is unchanged (still cached); the outline is not
    assert client.get(page).json()["progress"]["last_lesson"] == {
        "slug": first.slug,
        "title": "Renamed",
        "position_seconds": 9,
    }
