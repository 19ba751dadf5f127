"""A cache outage makes signed-in and public pages slower, never an error: the database answers."""

from __future__ import annotations

import pytest
from django.core.cache import cache

from courses.tests.factories import CourseFactory, EnrollmentFactory, LessonFactory, PartFactory
from courses.tests.urls import LESSONS
from users.models import Role

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("catalog_cache_on", "viewer_cache_on")]


@pytest.fixture
def cache_down(monkeypatch, settings):
    settings.TUTOR_STATISTICS_CACHE_SECONDS = 60

    def refuse(*args, **kwargs):
        raise ConnectionError("the cache is down")

    for name in ("get", "get_many", "set", "set_many", "add", "incr", "delete"):
        monkeypatch.setattr(cache, name, refuse)


def test_pages_answer_from_the_database_while_the_cache_is_down(client_for, make_user, cache_down):
    tutor, student = make_user(Role.TUTOR), make_user(Role.STUDENT)
    course = CourseFactory(tutors=[tutor])
    lesson = LessonFactory(part=PartFactory(course=course), is_free_preview=True)
    EnrollmentFactory(course=course, student=student)
    reader = client_for(student)
    listing = reader.get("/api/courses/courses/")
    assert listing.status_code == 200 and listing.json()["results"][0]["is_enrolled"] is True
    page = reader.get(f"/api/courses/courses/{course.slug}/")
    assert page.status_code == 200 and page.json()["progress"]["total_lessons"] == 1
    assert reader.get(f"{LESSONS}{lesson.slug}/").status_code == 200
    assert client_for(None).get("/api/courses/courses/").status_code == 200
    assert client_for(tutor).get("/api/auth/tutors/me/quick_statistics/").json()["total_students"] == 1
