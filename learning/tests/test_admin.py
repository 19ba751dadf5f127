"""The learning admin: every changelist works, and review moderation keeps ratings exact."""

from decimal import Decimal

import pytest
from django.urls import reverse

from courses.tests.factories import CourseFactory, EnrollmentFactory, LessonFactory, PartFactory
from learning import services
from learning.models import Review
from users.models import Role

pytestmark = pytest.mark.django_db


@pytest.fixture
def review(make_user):
    course = CourseFactory()
    for rating in (5, 1):
        student = make_user(Role.STUDENT)
        EnrollmentFactory(student=student, course=course)
        last = services.review_create(user=student, course=course, rating=rating, text="ok")
    lesson = LessonFactory(part=PartFactory(course=course))
    services.lesson_progress_record(student=student, lesson=lesson, position_seconds=1)
    services.lesson_view_record(lesson=lesson, viewer=student)
    return last


@pytest.mark.parametrize("model", ["review", "lessonprogress", "lessonview", "certificate"])
def test_changelists_search_and_filters(admin_client, review, model):
    url = reverse(f"admin:learning_{model}_changelist")
    for query in ({}, {"q": "test"}, {"q": review.user.email}):
        assert admin_client.get(url, query).status_code == 200


def test_moderating_a_review_keeps_the_course_rating_exact(admin_client, review):
    course = review.course
    course.refresh_from_db()
    assert course.rating == Decimal("3.00")
    change = reverse("admin:learning_review_change", args=[review.pk])
    assert admin_client.post(change, {"rating": 3, "text": "edited"}).status_code == 302
    course.refresh_from_db()
    assert course.rating == Decimal("4.00")
    delete = reverse("admin:learning_review_delete", args=[review.pk])
    assert admin_client.post(delete, {"post": "yes"}).status_code == 302
    course.refresh_from_db()
    assert (course.rating, course.reviews_count) == (Decimal("5.00"), 1)
    assert Review.objects.count() == 1
