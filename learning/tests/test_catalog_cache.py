"""Reviews show at once on the anonymous catalog pages: learning connects its Review signals to
the catalog cache (courses.cache) in LearningConfig.ready()."""

import pytest

from courses.tests.factories import CourseFactory, EnrollmentFactory
from courses.tests.test_catalog_cache import LIST, queries
from learning import services as learning_services
from users.models import Role

pytestmark = [
    pytest.mark.django_db(transaction=True),  # invalidation runs on commit
    pytest.mark.usefixtures("catalog_cache_on"),
]


def test_reviews_update_the_anonymous_figures(api_client, make_user):
    course = CourseFactory()
    student = make_user(Role.STUDENT)
    EnrollmentFactory(student=student, course=course, source="payment")
    url = f"{LIST}{course.slug}/"
    assert queries(api_client, url)[1]["students_count"] == 1
    learning_services.review_create(user=student, course=course, rating=4)
    assert queries(api_client, url)[1]["rating"] == 4.0
