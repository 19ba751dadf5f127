"""Fixtures shared by the catalog's tests (and imported by videos/tests/conftest.py)."""

from __future__ import annotations

from datetime import timedelta

import pytest

from courses.tests.factories import CourseFactory, LessonFactory, PartFactory
from users.models import Role
from users.tests.factories import person


@pytest.fixture
def b_course(db):
    """Tutor B's published course with a free-preview lesson without video; tutor A elsewhere."""
    a = person(Role.TUTOR, first_name="Alice", last_name="Uploader")
    b = person(Role.TUTOR, first_name="Bob", last_name="Owner")
    course = CourseFactory(tutors=[b], title="B's course", is_published=True)
    lesson = LessonFactory(part=PartFactory(course=course), is_free_preview=True, duration=timedelta(0))
    return a, b, course, lesson
