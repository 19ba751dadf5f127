"""The coupon redemption rule under real concurrency.

A coupon with ``max_redemptions: 1``: twenty students check out at once with it, each gets a
Checkout Session at the discounted price, and all twenty pay. Their twenty webhooks arrive at
once: the coupon's row is locked while its redemptions are counted, so exactly one payment
completes with the discount; the other nineteen are refused as a mismatch (FAILED, reason 4)
and their money is given back (a refund each, sent to Stripe once the refusal commits).

PostgreSQL: the live server on the test database. SQLite: a real `runserver` on an SQLite file
(``sqlite_server``), as in ``test_checkout_concurrency``.
"""

from __future__ import annotations

import uuid
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass
from decimal import Decimal

import pytest
import requests
from django.db import connection
from rest_framework_simplejwt.tokens import RefreshToken

from core.tests.helpers import run_together
from courses.tests.factories import CourseFactory
from payments.models import Coupon, CouponRedemption, CouponScope, Payment, PaymentReason, PaymentStatus
from payments.tests.conftest import event, sign
from payments.tests.urls import PAYMENTS
from users.models import Role
from users.tests.factories import UserFactory

HTTP_TIMEOUT = 60
N = 20


@dataclass
class RaceTarget:
    base_url: str
    tokens: list[str]
    course_id: str
    code: str
    payments: Callable[[], list[tuple[uuid.UUID, int, int | None, str | None]]]
    redemptions: Callable[[], int]
    enrolled: Callable[[], int]


@pytest.fixture
def race(request, fake_stripe) -> RaceTarget:
    if connection.vendor == "sqlite":
        server = request.getfixturevalue("sqlite_server")
        data = server.data["coupon_race"]
        course_hex = uuid.UUID(data["course"]).hex

        def sqlite_payments():
            rows = server.query(
                "SELECT p.id, p.status, p.reason, p.checkout_session_id FROM payments_payment p"
                " JOIN payments_orderitem i ON i.order_id = p.order_id WHERE i.course_id = ?",
                course_hex,
            )
            return [(uuid.UUID(row[0]), *row[1:]) for row in rows]

        return RaceTarget(
            server.base_url,
            [student["token"] for student in data["students"]],
            data["course"],
            data["coupon"],
            sqlite_payments,
            lambda: server.query("SELECT COUNT(*) FROM payments_couponredemption")[0][0],
            lambda: server.query(
                "SELECT COUNT(*) FROM courses_enrollment WHERE course_id = ? AND is_active", course_hex
            )[0][0],
        )
    live_server = request.getfixturevalue("live_server")  # the test is django_db(transaction=True)
    course = CourseFactory(price=Decimal("20.00"), currency="USD")
    Coupon.objects.create(code="RACE-ONE", percent_off=Decimal("50"), scope=CouponScope.SITE, max_redemptions=1)
    students = [UserFactory(role=Role.STUDENT, password=None) for _ in range(N)]
    return RaceTarget(
        live_server.url,
        [str(RefreshToken.for_user(student).access_token) for student in students],
        str(course.pk),
        "RACE-ONE",
        lambda: list(
            Payment.objects.filter(order__items__course=course).values_list(
                "pk", "status", "reason", "checkout_session_id"
            )
        ),
        lambda: CouponRedemption.objects.count(),
        lambda: course.enrollments.filter(is_active=True).count(),
    )


def _post(url: str, **kwargs) -> Callable[[], requests.Response]:
    def call():
        with requests.Session() as session:
            return session.post(url, timeout=HTTP_TIMEOUT, **kwargs)

    return call


@pytest.mark.django_db(transaction=True)
def test_a_coupon_with_one_redemption_completes_once_under_20_concurrent_payments(race, fake_stripe):
    checkouts = run_together(
        [
            _post(
                f"{race.base_url}{PAYMENTS}",
                json={"course_id": race.course_id, "coupon": race.code.lower()},
                headers={"Authorization": f"Bearer {token}"},
            )
            for token in race.tokens
        ],
        timeout=HTTP_TIMEOUT * 2,
    )
    assert [r.status_code for r in checkouts] == [200] * N, [r.text[:200] for r in checkouts if r.status_code != 200]
    sessions = {r.json()["checkout_session_id"] for r in checkouts}
    assert len(sessions) == N, "every student gets a session at the discounted price"
    assert {fake_stripe.sessions[s]["amount_total"] for s in sessions} == {1000}

    payloads = [
        event("checkout.session.completed", fake_stripe.pay(session_id, payment_intent=f"pi_race_{n}"))
        for n, session_id in enumerate(sorted(sessions))
    ]
    webhooks = run_together(
        [
            _post(
                f"{race.base_url}/api/payments/stripe/webhook/",
                data=payload,
                headers={"Content-Type": "application/json", "Stripe-Signature": sign(payload)},
            )
            for payload in payloads
        ],
        timeout=HTTP_TIMEOUT * 2,
    )

    assert [r.status_code for r in webhooks] == [200] * N, [r.text[:200] for r in webhooks if r.status_code != 200]
    payments = race.payments()
    outcomes = Counter((status, reason) for _, status, reason, _ in payments)
    assert outcomes == {(PaymentStatus.COMPLETED, None): 1, (PaymentStatus.FAILED, PaymentReason.MISMATCH): N - 1}, (
        outcomes
    )
    assert race.redemptions() == 1
    assert race.enrolled() == 1
    # Every refused payment's money goes back, once, for what was charged.
    refused = {str(pk) for pk, status, _, _ in payments if status == PaymentStatus.FAILED}
    refund_calls = [r for r in fake_stripe.requests if r["path"] == "/v1/refunds"]
    assert sorted(r["form"]["metadata[payment_id]"] for r in refund_calls) == sorted(refused)
    assert {r["form"]["amount"] for r in refund_calls} == {"1000"}
    assert len({r["headers"]["Idempotency-Key"] for r in refund_calls}) == N - 1
