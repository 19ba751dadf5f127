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
from courses.models import Enrollment
from courses.tests.factories import CourseFactory, EnrollmentFactory, LessonFactory, PartFactory
from courses.tests.test_catalog_cache import LIST as COURSES
from courses.tests.test_catalog_cache import queries
from courses.tests.urls import LESSONS
from learning.models import LessonProgress, LessonView
from users.models import Role
from users.tests.factories import person
from videos.models import VideoUpload

pytestmark = pytest.mark.django_db(transaction=True)  # the cache is invalidated on commit


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
    Enrollment.objects.filter(pk=enrollment.pk).update(is_active=False)
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
