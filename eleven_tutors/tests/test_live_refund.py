"""A refunded student's live-session registrations are dropped: the real refund path (checkout,
Stripe's webhooks, the admin's refund) against the fake Stripe. It lives here, at the top of the
layering, because it drives payments and reads live, two siblings that import neither."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone

from courses.tests.factories import CourseFactory
from live import services as live_services
from live.models import LiveSession, Registration
from payments.models import Payment
from payments.tests.conftest import deliver, event, fake_stripe  # noqa: F401  (pytest fixtures)
from payments.tests.urls import PAYMENTS

pytestmark = pytest.mark.django_db


def test_refund_drops_the_registration(fake_stripe, deliver, client_for, student, admin_user):  # noqa: F811
    course = CourseFactory(price="19.99")
    tutor = course.tutors.get()
    session = live_services.session_create(
        by=tutor, course=course, title="Q&A", starts_at=timezone.now() + timedelta(days=1), duration_minutes=30
    )
    past = LiveSession.objects.create(  # held yesterday (the service schedules only the future)
        course=course,
        title="Done",
        starts_at=timezone.now() - timedelta(days=1),
        duration_minutes=30,
        provider="public_room",
    )
    client = client_for(student)
    checkout = client.post(PAYMENTS, {"course_id": str(course.pk)}).json()
    paid = fake_stripe.pay(checkout["checkout_session_id"], payment_intent="pi_live")
    assert deliver(event("checkout.session.completed", paid)).status_code == 200

    register = client.post(f"/api/live/sessions/{session.pk}/register/")
    assert register.status_code == 201, register.content
    Registration.objects.create(session=past, student=student)

    payment = Payment.objects.get()
    assert client_for(admin_user).post(f"{PAYMENTS}{payment.pk}/refund/").status_code == 202
    charge = {"id": "ch_live", "object": "charge", "payment_intent": "pi_live", "refunded": True}
    assert deliver(event("charge.refunded", charge)).status_code == 200

    assert not Registration.objects.filter(session=session).exists(), "the refunded student's place is freed"
    assert Registration.objects.filter(session=past).exists(), "past sessions keep their history"
    assert client.get(f"/api/live/sessions/{session.pk}/").status_code == 404
    assert client.post(f"/api/live/sessions/{session.pk}/register/").status_code == 404
