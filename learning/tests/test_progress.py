"""Lesson progress, course progress, and progress in the enrolment list and course detail."""

from datetime import timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from courses.tests.factories import CourseFactory, EnrollmentFactory, LessonFactory, PartFactory
from learning.models import LessonProgress
from users.models import Role

pytestmark = pytest.mark.django_db


@pytest.fixture
def course(tutor):
    """A published paid course: 2 parts x 2 lessons of 100 s; the first lesson is a free preview."""
    course = CourseFactory(tutors=[tutor])
    for p in range(2):
        part = PartFactory(course=course, order=p)
        for n in range(2):
            LessonFactory(part=part, order=n, duration=timedelta(seconds=100), is_free_preview=(p == 0 and n == 0))
    return course


def lessons(course):
    return list(course.parts.order_by("order").first().lessons.order_by("order")) + list(
        course.parts.order_by("order").last().lessons.order_by("order")
    )


def progress_url(lesson) -> str:
    return f"/api/courses/lessons/{lesson.slug}/progress/"


def post(client, lesson, **body):
    return client.post(progress_url(lesson), body, format="json")


def test_position_is_recorded_and_90_percent_completes(client_for, student, course):
    EnrollmentFactory(student=student, course=course)
    client = client_for(student)
    first = lessons(course)[0]

    response = post(client, first, position_seconds=50)
    assert response.status_code == 200, response.content
    body = response.json()
    assert (body["lesson"]["position_seconds"], body["lesson"]["completed"]) == (50, False)
    assert body["course"]["completed_lessons"] == 0
    assert body["course"]["last_lesson"] == {"slug": first.slug, "title": first.title, "position_seconds": 50}

    body = post(client, first, position_seconds=89).json()
    assert body["lesson"]["completed"] is False, "89 % is not yet complete"
    body = post(client, first, position_seconds=90).json()
    assert body["lesson"]["completed"] is True
    assert (body["course"]["completed_lessons"], body["course"]["total_lessons"], body["course"]["percent"]) == (
        1,
        4,
        25,
    )


def test_completed_flag_completes_and_completion_is_sticky(client_for, student, course):
    EnrollmentFactory(student=student, course=course)
    client = client_for(student)
    lesson = lessons(course)[1]
    assert post(client, lesson, position_seconds=3, completed=True).json()["lesson"]["completed"] is True
    body = post(client, lesson, position_seconds=0).json()
    assert body["lesson"]["completed"] is True, "rewinding does not un-complete a lesson"
    assert LessonProgress.objects.get().position_seconds == 0


def test_updates_are_idempotent(client_for, student, course):
    EnrollmentFactory(student=student, course=course)
    client = client_for(student)
    lesson = lessons(course)[0]
    for _ in range(3):
        assert post(client, lesson, position_seconds=95).status_code == 200
    assert LessonProgress.objects.count() == 1
    assert client.get(f"/api/courses/courses/{course.slug}/progress/").json()["completed_lessons"] == 1


def test_positions_beyond_the_duration_are_clamped(client_for, student, course):
    EnrollmentFactory(student=student, course=course)
    lesson = lessons(course)[0]
    body = post(client_for(student), lesson, position_seconds=5000).json()
    assert (body["lesson"]["position_seconds"], body["lesson"]["completed"]) == (100, True)


@pytest.mark.parametrize(
    "body", [{}, {"position_seconds": -1}, {"position_seconds": "abc"}, {"position_seconds": 10**12}]
)
def test_bad_input_is_400(client_for, student, course, body):
    EnrollmentFactory(student=student, course=course)
    response = client_for(student).post(progress_url(lessons(course)[0]), body, format="json")
    assert response.status_code == 400
    assert not LessonProgress.objects.exists()


def test_unentitled_callers_record_no_progress(client_for, api_client, make_user, course):
    paid_lesson = lessons(course)[1]
    outsider = make_user(Role.STUDENT)
    assert post(api_client, paid_lesson, position_seconds=10).status_code == 401
    assert post(client_for(outsider), paid_lesson, position_seconds=10).status_code == 403
    assert post(client_for(outsider), lessons(course)[0], position_seconds=10).status_code == 200, (
        "a free preview may be watched, and followed, by anyone logged in"
    )
    assert client_for(outsider).get(f"/api/courses/courses/{course.slug}/progress/").status_code == 403
    assert api_client.get(f"/api/courses/courses/{course.slug}/progress/").status_code == 401
    assert LessonProgress.objects.filter(lesson=paid_lesson).count() == 0


def test_draft_lessons_are_404(client_for, student, tutor):
    draft = CourseFactory(tutors=[tutor], is_published=False)
    lesson = LessonFactory(part=PartFactory(course=draft))
    EnrollmentFactory(student=student, course=draft)
    assert post(client_for(student), lesson, position_seconds=1).status_code == 404
    assert client_for(student).get(f"/api/courses/courses/{draft.slug}/progress/").status_code == 404
    assert post(client_for(tutor), lesson, position_seconds=1).status_code == 200, "tutors may preview their drafts"


def test_progress_stops_counting_after_a_refund(client_for, student, course):
    enrollment = EnrollmentFactory(student=student, course=course)
    client = client_for(student)
    post(client, lessons(course)[1], position_seconds=100)
    enrollment.is_active = False
    enrollment.save()
    assert post(client, lessons(course)[2], position_seconds=100).status_code == 403
    assert client.get(f"/api/courses/courses/{course.slug}/progress/").status_code == 403
    assert client.get("/api/courses/enrollments/").json()["count"] == 0


def test_course_detail_and_enrolment_list_carry_the_progress(client_for, student, course):
    EnrollmentFactory(student=student, course=course)
    client = client_for(student)
    first, second = lessons(course)[:2]
    post(client, first, position_seconds=100)
    post(client, second, position_seconds=30)

    detail = client.get(f"/api/courses/courses/{course.slug}/").json()["progress"]
    assert detail["completed_lessons"] == 1
    assert detail["last_lesson"] == {"slug": second.slug, "title": second.title, "position_seconds": 30}
    assert detail["completed_at"] is None

    item = client.get("/api/courses/enrollments/").json()["results"][0]
    assert item["progress"] == {
        "completed_lessons": 1,
        "total_lessons": 4,
        "percent": 25,
        "last_lesson": {"slug": second.slug, "title": second.title, "position_seconds": 30},
    }


def test_course_progress_reports_completion_time(client_for, student, course):
    EnrollmentFactory(student=student, course=course)
    client = client_for(student)
    for lesson in lessons(course):
        post(client, lesson, position_seconds=100)
    progress = client.get(f"/api/courses/courses/{course.slug}/progress/").json()
    assert (progress["percent"], progress["completed_lessons"]) == (100, 4)
    assert progress["completed_at"] is not None


def test_enrolment_list_progress_costs_no_query_per_row(client_for, student, tutor):
    def count() -> int:
        with CaptureQueriesContext(connection) as ctx:
            assert client_for(student).get("/api/courses/enrollments/").status_code == 200
        return len(ctx.captured_queries)

    def enrol_with_progress():
        course = CourseFactory(tutors=[tutor])
        lesson = LessonFactory(part=PartFactory(course=course), duration=timedelta(seconds=10))
        EnrollmentFactory(student=student, course=course)
        post(client_for(student), lesson, position_seconds=10)

    enrol_with_progress()
    small = count()
    for _ in range(6):
        enrol_with_progress()
    assert count() == small
