"""Who may review a course is the service's rule, whatever calls it (the API answers 403)."""

from __future__ import annotations

import pytest

from core.exceptions import Forbidden
from courses.tests.factories import CourseFactory, EnrollmentFactory
from learning import services
from learning.models import Review
from users.models import Role
from users.tests.factories import person

pytestmark = pytest.mark.django_db

MESSAGE = "Only students enrolled in this course can review it."


def test_only_actively_enrolled_students_may_review():
    course = CourseFactory()
    outsider, former, student = person(Role.STUDENT), person(Role.STUDENT), person(Role.STUDENT)
    EnrollmentFactory(student=former, course=course, is_active=False)
    EnrollmentFactory(student=student, course=course)
    for who in (outsider, former, course.tutors.get()):
        with pytest.raises(Forbidden) as refused:
            services.review_create(user=who, course=course, rating=5)
        assert (refused.value.status, refused.value.message) == (403, MESSAGE)
    assert not Review.objects.exists(), "a refused review writes nothing"
    review = services.review_create(user=student, course=course, rating=4)
    assert review.rating == 4
