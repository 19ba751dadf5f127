"""Reviews and ratings: one per enrolled student and course; the course's rating stays exact."""

import functools
from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from rest_framework.test import APIClient
from rest_framework_simplejwt.tokens import RefreshToken

from core.tests.helpers import run_together
from courses.models import Course
from courses.tests.factories import CourseFactory, EnrollmentFactory
from learning.models import Review
from users.models import Role

pytestmark = pytest.mark.django_db


def url(course) -> str:
    return f"/api/courses/courses/{course.slug}/reviews/"


@pytest.fixture
def course(tutor):
    return CourseFactory(tutors=[tutor])


def enrolled(make_user, course, **fields):
    student = make_user(Role.STUDENT, **fields)
    EnrollmentFactory(student=student, course=course)
    return student


def test_enrolled_student_reviews_once_and_the_rating_follows(client_for, make_user, course):
    alice = enrolled(make_user, course, first_name="Alice", last_name="A")
    bob = enrolled(make_user, course)
    response = client_for(alice).post(url(course), {"rating": 5, "text": "Great"}, format="json")
    assert response.status_code == 201, response.content
    body = response.json()
    assert set(body) == {"id", "user", "rating", "text", "created_at", "updated_at"}
    assert body["user"] == {"first_name": "Alice", "last_name": "A", "avatar": None}
    assert "email" not in str(body)
    assert client_for(bob).post(url(course), {"rating": 2}, format="json").status_code == 201

    course.refresh_from_db()
    assert (course.rating, course.reviews_count) == (Decimal("3.50"), 2)
    listed = client_for(None).get(f"/api/courses/courses/{course.slug}/").json()
    assert (listed["rating"], listed["reviews_count"]) == (3.5, 2)

    second = client_for(alice).post(url(course), {"rating": 1}, format="json")
    assert second.status_code == 409
    assert Review.objects.count() == 2


def test_not_enrolled_cannot_review(client_for, make_user, course, tutor, api_client):
    outsider = make_user(Role.STUDENT)
    assert client_for(outsider).post(url(course), {"rating": 5}, format="json").status_code == 403
    assert client_for(tutor).post(url(course), {"rating": 5}, format="json").status_code == 403
    assert api_client.post(url(course), {"rating": 5}, format="json").status_code == 401
    assert not Review.objects.exists()


@pytest.mark.parametrize("rating", [0, 6, -1, "five", None, 4.5])
def test_rating_bounds(client_for, make_user, course, rating):
    student = enrolled(make_user, course)
    response = client_for(student).post(url(course), {"rating": rating}, format="json")
    assert response.status_code == 400
    assert "rating" in response.json()


def test_only_the_author_edits_and_admins_may_delete(client_for, make_user, course, admin_user):
    author = enrolled(make_user, course)
    other = enrolled(make_user, course)
    review_id = client_for(author).post(url(course), {"rating": 4}, format="json").json()["id"]
    detail = f"{url(course)}{review_id}/"

    assert client_for(other).patch(detail, {"rating": 1}, format="json").status_code == 403
    assert client_for(author).patch(detail, {}, format="json").status_code == 200
    assert client_for(author).patch(detail, {"rating": 2}, format="json").json()["rating"] == 2
    course.refresh_from_db()
    assert course.rating == Decimal("2.00")
    assert client_for(other).delete(detail).status_code == 403
    assert client_for(admin_user).delete(detail).status_code == 204
    course.refresh_from_db()
    assert (course.rating, course.reviews_count) == (Decimal("0.00"), 0)


def test_list_is_public_newest_first_filtered_and_paginated(client_for, make_user, course):
    for rating in (5, 3, 5):
        student = enrolled(make_user, course)
        client_for(student).post(url(course), {"rating": rating}, format="json")
    body = client_for(None).get(url(course)).json()
    assert body["count"] == 3
    assert [r["rating"] for r in body["results"]] == [5, 3, 5]
    created = [r["created_at"] for r in body["results"]]
    assert created == sorted(created, reverse=True)
    assert client_for(None).get(url(course), {"rating": 5}).json()["count"] == 2
    assert client_for(None).get(url(course), {"rating": "x"}).status_code == 400


def test_draft_course_reviews_are_404(client_for, tutor):
    draft = CourseFactory(tutors=[tutor], is_published=False)
    assert client_for(None).get(url(draft)).status_code == 404
    assert client_for(tutor).get(url(draft)).status_code == 200


def test_list_query_count_is_fixed(client_for, make_user, course):
    def count() -> int:
        with CaptureQueriesContext(connection) as ctx:
            assert client_for(None).get(url(course)).status_code == 200
        return len(ctx.captured_queries)

    client_for(enrolled(make_user, course)).post(url(course), {"rating": 4}, format="json")
    small = count()
    for _ in range(8):
        client_for(enrolled(make_user, course)).post(url(course), {"rating": 3}, format="json")
    assert count() == small


@pytest.mark.django_db(transaction=True)
def test_average_is_exact_after_many_concurrent_creates(make_user):
    course = CourseFactory()
    students = [enrolled(make_user, course) for _ in range(8)]
    ratings = [1, 2, 3, 4, 5, 5, 4, 3]

    tokens = {student.pk: str(RefreshToken.for_user(student).access_token) for student in students}

    def review(student, rating) -> int:
        client = APIClient()
        client.credentials(HTTP_AUTHORIZATION=f"Bearer {tokens[student.pk]}")
        return client.post(url(course), {"rating": rating}, format="json").status_code

    statuses = run_together(
        [functools.partial(review, student, rating) for student, rating in zip(students, ratings, strict=True)]
    )

    course = Course.objects.get(pk=course.pk)
    written = list(Review.objects.filter(course=course).values_list("rating", flat=True))
    # Every review that was written is reflected exactly (SQLite may refuse some with "locked").
    assert course.reviews_count == len(written)
    expected = Decimal(sum(written)) / len(written) if written else Decimal(0)
    assert course.rating == expected.quantize(Decimal("0.01"))
    if connection.vendor == "postgresql":
        assert statuses == [201] * 8 and len(written) == 8, statuses
