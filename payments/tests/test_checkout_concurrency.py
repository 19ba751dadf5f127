"""One checkout, one Stripe session: concurrent and repeated checkouts of one course by one user.

The bursts go through a threaded server (20 clients at once) to the fake Stripe server; the rest
drives the states a concurrent request leaves behind (a payment whose session is still being
created, or whose creator died) through the API.
"""

from __future__ import annotations

import uuid
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass
from datetime import timedelta
from decimal import Decimal

import pytest
import requests
from django.db import connection
from django.utils import timezone
from rest_framework_simplejwt.tokens import RefreshToken

from core.tests.helpers import run_together
from courses.tests.factories import CourseFactory
from payments import services
from payments.models import Order, OrderItem, Payment, PaymentReason, PaymentStatus
from payments.tests.urls import PAYMENTS
from users.models import Role
from users.tests.factories import UserFactory

HTTP_TIMEOUT = 30


def _in_flight(user, course, **fields) -> Payment:
    """A PENDING payment whose Checkout Session another request is still creating."""
    order = Order.objects.create(user=user, total=course.price, currency=course.currency)
    OrderItem.objects.create(order=order, course=course, price=course.price)
    return Payment.objects.create(user=user, order=order, amount=course.price, currency=course.currency, **fields)


@dataclass
class CheckoutTarget:
    """A threaded server, a student's token and a paid course of theirs; ``payments()`` lists
    that student's payments for the course as (id, status, checkout session id, reason)."""

    base_url: str
    token: str
    course_id: str
    payments: Callable[[], list[tuple[uuid.UUID, int, str | None, int | None]]]

    def burst(self, n: int) -> list[requests.Response]:
        headers = {"Authorization": f"Bearer {self.token}"}

        def checkout():
            with requests.Session() as session:
                return session.post(
                    f"{self.base_url}{PAYMENTS}",
                    json={"course_id": self.course_id},
                    headers=headers,
                    timeout=HTTP_TIMEOUT,
                )

        return run_together([checkout] * n, timeout=HTTP_TIMEOUT * 2)


@pytest.fixture
def checkout_target(request, fake_stripe) -> CheckoutTarget:
    """PostgreSQL: the live server on the test database. SQLite: the in-memory test database is
    one connection shared by the live server's threads, which would hide SQLite's locking, so
    the burst goes to a real `runserver` on an SQLite file (``sqlite_server``) instead."""
    if connection.vendor == "sqlite":
        server = request.getfixturevalue("sqlite_server")
        buyer = server.data["buyers"].pop()

        def sqlite_payments():
            rows = server.query(
                "SELECT p.id, p.status, p.checkout_session_id, p.reason FROM payments_payment p"
                " JOIN payments_orderitem i ON i.order_id = p.order_id WHERE p.user_id = ? AND i.course_id = ?",
                buyer["id"],
                uuid.UUID(buyer["course"]).hex,
            )
            return [(uuid.UUID(row[0]), *row[1:]) for row in rows]

        return CheckoutTarget(server.base_url, buyer["token"], buyer["course"], sqlite_payments)
    live_server = request.getfixturevalue("live_server")  # the test is django_db(transaction=True)
    student = UserFactory(role=Role.STUDENT)
    course = CourseFactory(price=Decimal("19.99"), currency="USD")
    return CheckoutTarget(
        live_server.url,
        str(RefreshToken.for_user(student).access_token),
        str(course.pk),
        lambda: list(
            Payment.objects.filter(user=student, order__items__course=course).values_list(
                "pk", "status", "checkout_session_id", "reason"
            )
        ),
    )


def _sessions_created(fake_stripe) -> list[dict]:
    return [r for r in fake_stripe.requests if r["method"] == "POST" and r["path"] == "/v1/checkout/sessions"]


@pytest.mark.django_db(transaction=True)
def test_20_concurrent_checkouts_create_one_session_and_one_pending_payment(checkout_target, fake_stripe):
    fake_stripe.delay_seconds = 0.3  # the others arrive while the session is being created

    responses = checkout_target.burst(20)

    assert [r.text[:200] for r in responses if r.status_code >= 500] == [], "no 5xx"
    statuses = Counter(r.status_code for r in responses)
    assert set(statuses) <= {200, 409}, [(r.status_code, r.text[:200]) for r in responses]
    created = _sessions_created(fake_stripe)
    assert len(created) == 1, (
        f"expected 1 Stripe checkout session, the fake received {len(created)}: "
        f"{[(r['headers'].get('Idempotency-Key'), r['form'].get('metadata[payment_id]')) for r in created]}, "
        f"payments {checkout_target.payments()}, answers {sorted(statuses.items())}"
    )
    (session_id,) = fake_stripe.sessions
    payments = checkout_target.payments()
    assert len(payments) == 1, payments
    payment_id, status, stored_session, _ = payments[0]
    assert (status, stored_session) == (PaymentStatus.PENDING, session_id)
    assert created[0]["headers"]["Idempotency-Key"] == f"checkout-{payment_id}"
    for response in responses:
        body = response.json()
        if response.status_code == 200:
            assert body["checkout_session_id"] == session_id
            assert body["checkout_url"] == fake_stripe.sessions[session_id]["url"]
        else:
            assert "checkout" in body["detail"]
    assert statuses[200] >= 1


@pytest.mark.django_db(transaction=True)
def test_concurrent_checkouts_when_stripe_fails_create_one_session_and_leave_nothing_pending(
    checkout_target, fake_stripe
):
    fake_stripe.delay_seconds = 0.3
    fake_stripe.fail_with = (500, {"error": {"type": "api_error", "message": "boom"}})

    responses = checkout_target.burst(5)

    assert sorted(r.status_code for r in responses) == [409, 409, 409, 409, 502], [r.text for r in responses]
    assert len(_sessions_created(fake_stripe)) == 1
    assert [(status, reason) for _, status, _, reason in checkout_target.payments()] == [
        (PaymentStatus.FAILED, PaymentReason.OTHER)
    ]


@pytest.mark.django_db
def test_checkout_being_created_elsewhere_is_waited_for_then_409_without_a_second_session(
    fake_stripe, client_for, student, paid_course, monkeypatch
):
    monkeypatch.setattr(services, "CHECKOUT_WAIT_SECONDS", 0.2)
    in_flight = _in_flight(student, paid_course)

    response = client_for(student).post(PAYMENTS, {"course_id": str(paid_course.pk)})

    assert response.status_code == 409, response.content
    assert response.json() == {
        "detail": "A checkout for this course is already being started; please try again in a moment."
    }
    assert _sessions_created(fake_stripe) == []
    assert list(Payment.objects.values_list("pk", "status")) == [(in_flight.pk, PaymentStatus.PENDING)]


@pytest.mark.django_db
def test_payment_stuck_without_session_past_the_stripe_timeouts_is_stale_and_does_not_block(
    fake_stripe, client_for, student, paid_course
):
    stuck = _in_flight(student, paid_course)
    long_ago = timezone.now() - services.checkout_creation_deadline() - timedelta(seconds=1)
    Payment.objects.filter(pk=stuck.pk).update(created_at=long_ago)

    response = client_for(student).post(PAYMENTS, {"course_id": str(paid_course.pk)})

    assert response.status_code == 200, response.content
    assert len(_sessions_created(fake_stripe)) == 1
    stuck.refresh_from_db()
    assert (stuck.status, stuck.reason) == (PaymentStatus.FAILED, PaymentReason.OTHER)
    fresh = Payment.objects.get(status=PaymentStatus.PENDING)
    assert response.json()["checkout_session_id"] == fresh.checkout_session_id


def test_stale_deadline_covers_every_stripe_attempt(settings):
    settings.STRIPE_CONNECT_TIMEOUT, settings.STRIPE_READ_TIMEOUT, settings.STRIPE_MAX_NETWORK_RETRIES = 3, 10, 2
    assert services.checkout_creation_deadline() > timedelta(seconds=3 * (3 + 10))


@pytest.mark.django_db
def test_unexpected_error_creating_the_session_fails_the_payment(
    fake_stripe, client_for, student, paid_course, monkeypatch
):
    def broken(request):
        raise RuntimeError("unexpected")

    monkeypatch.setattr(services.stripe_gateway, "checkout_session_create", broken)

    response = client_for(student).post(PAYMENTS, {"course_id": str(paid_course.pk)})

    assert response.status_code == 500
    assert response.json() == {"detail": "Internal server error"}
    assert Payment.objects.get().status == PaymentStatus.FAILED
