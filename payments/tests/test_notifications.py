"""Payments' events in the inboxes: enrolment confirmed (and, for the tutors, a new enrolment)
once per payment and refund processed once, however often Stripe delivers the webhook."""

from __future__ import annotations

import pytest
from django.core import mail

from courses.services import enrollment_create_free
from courses.tests.factories import CourseFactory
from notifications import kinds
from notifications.models import Notification
from payments.models import Payment
from payments.tests.conftest import event
from payments.tests.test_webhooks import refund_event
from payments.tests.urls import PAYMENTS

pytestmark = pytest.mark.django_db


def count(user, kind) -> int:
    return Notification.objects.filter(recipient=user, kind=kind).count()


@pytest.fixture
def paid(fake_stripe, client_for, student, paid_course, deliver, django_capture_on_commit_callbacks):
    response = client_for(student).post(PAYMENTS, {"course_id": str(paid_course.pk)})
    assert response.status_code == 200, response.content
    payment = Payment.objects.get()
    session = fake_stripe.pay(payment.checkout_session_id)
    with django_capture_on_commit_callbacks(execute=True):
        for _ in range(3):  # Stripe retries a delivery
            assert deliver(event("checkout.session.completed", session, event_id="evt_same")).status_code == 200
        # and sends the same outcome under another event
        assert deliver(event("checkout.session.async_payment_succeeded", session)).status_code == 200
    return payment


def test_a_paid_enrolment_notifies_the_student_and_the_tutors_once(paid, student, paid_course):
    assert count(student, kinds.ENROLMENT_CONFIRMED) == 1
    notification = Notification.objects.get(recipient=student, kind=kinds.ENROLMENT_CONFIRMED)
    assert notification.url == f"/courses/{paid_course.slug}"
    for tutor in paid_course.tutors.all():
        assert count(tutor, kinds.NEW_ENROLMENT) == 1
    receipts = [m for m in mail.outbox if m.subject == "Your 11Tutors receipt"]
    assert len(receipts) == 1, "the receipt is the enrolment's e-mail (payments sends it once)"


def test_a_refund_notifies_once_and_always_emails(paid, student, deliver, django_capture_on_commit_callbacks):
    mail.outbox.clear()
    payload = refund_event(paid)
    with django_capture_on_commit_callbacks(execute=True):
        for _ in range(3):
            assert deliver(payload).status_code == 200
        assert deliver(refund_event(paid)).status_code == 200  # another event id, same refund
    assert count(student, kinds.REFUND_PROCESSED) == 1
    assert [m.to for m in mail.outbox] == [[student.email]]
    assert "Your refund of $19.99 has been processed" in mail.outbox[0].body, "money written the language's way"


def test_a_free_enrolment_notifies_once(student, django_capture_on_commit_callbacks):
    course = CourseFactory(is_published=True, price=0)
    with django_capture_on_commit_callbacks(execute=True):
        enrollment_create_free(student=student, course=course)
        enrollment_create_free(student=student, course=course)
    assert count(student, kinds.ENROLMENT_CONFIRMED) == 1
    assert count(course.tutors.get(), kinds.NEW_ENROLMENT) == 1
