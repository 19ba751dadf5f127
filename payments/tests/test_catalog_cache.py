"""A refund's revoked access shows at once on the anonymous catalog pages (the enrolment is
deactivated through courses.services, which invalidates the catalog cache)."""

import pytest

from courses.tests.factories import CourseFactory, EnrollmentFactory
from courses.tests.test_catalog_cache import LIST, queries
from payments import services as payment_services
from payments.tests.test_payments_api import make_payment
from users.models import Role

pytestmark = [
    pytest.mark.django_db(transaction=True),  # invalidation runs on commit
    pytest.mark.usefixtures("catalog_cache_on"),
]


def test_refund_revocations_update_the_anonymous_figures(api_client, make_user):
    course = CourseFactory()
    student = make_user(Role.STUDENT)
    EnrollmentFactory(student=student, course=course, source="payment")
    url = f"{LIST}{course.slug}/"
    assert queries(api_client, url)[1]["students_count"] == 1
    payment = make_payment(student, course)
    payment_services.payment_refunded(payment_id=payment.pk)
    assert queries(api_client, url)[1]["students_count"] == 0
