"""The Stripe webhook: signatures, idempotency, the event table and the state machine."""

import time

import pytest
from django.core import mail
from django.db import connection
from django.test import Client

from core.tests.helpers import run_together
from courses.models import Enrollment, EnrollmentSource
from payments import services
from payments.models import Payment, PaymentReason, PaymentStatus, WebhookEvent
from payments.tests.conftest import event, sign
from payments.tests.urls import PAYMENTS

pytestmark = pytest.mark.django_db


@pytest.fixture
def checkout(fake_stripe, client_for, student, paid_course):
    """A student with an open checkout for the paid course: returns (payment, stripe session)."""
    response = client_for(student).post(PAYMENTS, {"course_id": str(paid_course.pk)})
    assert response.status_code == 200, response.content
    payment = Payment.objects.get()
    return payment, fake_stripe.sessions[payment.checkout_session_id]


def completed(fake_stripe, payment, **overrides) -> bytes:
    session = fake_stripe.pay(payment.checkout_session_id)
    return event("checkout.session.completed", {**session, **overrides})


def enrolled(student, course) -> bool:
    return Enrollment.objects.filter(student=student, course=course, is_active=True).exists()


# --- Signatures -------------------------------------------------------------------------------------


def test_missing_signature_is_400(deliver, checkout, fake_stripe):
    payment, _ = checkout
    response = deliver(completed(fake_stripe, payment), signature="")
    assert response.status_code == 400
    assert Payment.objects.get().status == PaymentStatus.PENDING


def test_wrong_secret_is_400(deliver, checkout, fake_stripe):
    payment, _ = checkout
    payload = completed(fake_stripe, payment)
    response = deliver(payload, signature=sign(payload, secret="whsec_wrong"))
    assert response.status_code == 400
    assert response.json() == {"detail": "Invalid Stripe signature."}
    assert not WebhookEvent.objects.exists()


def test_stale_timestamp_is_400(deliver, checkout, fake_stripe):
    payment, _ = checkout
    payload = completed(fake_stripe, payment)
    response = deliver(payload, signature=sign(payload, timestamp=int(time.time()) - 3600))
    assert response.status_code == 400
    assert Payment.objects.get().status == PaymentStatus.PENDING


def test_tampered_payload_is_400(deliver, checkout, fake_stripe):
    payment, _ = checkout
    payload = completed(fake_stripe, payment)
    response = deliver(payload.replace(b"1999", b"0001"), signature=sign(payload))
    assert response.status_code == 400


def test_garbage_body_with_valid_signature_is_400(deliver, fake_stripe):
    assert deliver(b"not json").status_code == 400


DEEP = 100_000


@pytest.mark.parametrize("path", ["/api/payments/stripe/webhook/", "/webhook/"])
@pytest.mark.parametrize(
    "payload",
    [
        b"[" * DEEP + b"]" * DEEP,
        b'{"a":' * DEEP + b"1" + b"}" * DEEP,
        # A real-looking event whose object nests too deep to be parsed or converted.
        b'{"id": "evt_deep", "type": "checkout.session.completed", "data": {"object": '
        + b'{"a":' * 900
        + b"1"
        + b"}" * 900
        + b"}}",
    ],
    ids=["arrays", "objects", "event"],
)
def test_deeply_nested_json_with_a_valid_signature_is_400(deliver, fake_stripe, path, payload, caplog):
    """The signature is checked first, then the event is parsed: a hostile body that a leaked
    secret (or Stripe itself) could sign must still be a 400, never a 500."""
    with caplog.at_level("WARNING"):
        response = deliver(payload, path=path)

    assert response.status_code == 400, response.content[:300]
    assert "malformed json" in response.json()["detail"].lower()
    assert not WebhookEvent.objects.exists()
    assert not [r for r in caplog.records if r.levelname == "ERROR"], "a hostile body is not our bug"


def test_webhook_body_over_the_upload_limit_is_413(deliver, fake_stripe, settings):
    settings.DATA_UPLOAD_MAX_MEMORY_SIZE = 1000
    payload = event("checkout.session.completed", {"id": "cs_test_big", "padding": "x" * 2000})

    response = deliver(payload)

    assert response.status_code == 413, response.content[:300]
    assert "too large" in response.json()["detail"].lower()
    assert not WebhookEvent.objects.exists()


def test_webhook_accepts_post_only_and_needs_no_csrf_or_login(fake_stripe, checkout):
    payment, _ = checkout
    client = Client(enforce_csrf_checks=True)
    payload = completed(fake_stripe, payment)
    response = client.post(
        "/webhook/", data=payload, content_type="application/json", HTTP_STRIPE_SIGNATURE=sign(payload)
    )
    assert response.status_code == 200
    assert client.get("/webhook/").status_code == 405
    assert client.get("/api/payments/stripe/webhook/").status_code == 405


# --- Event table -------------------------------------------------------------------------------------


def test_completed_marks_completed_enrols_and_sends_a_receipt(
    deliver, checkout, fake_stripe, student, paid_course, django_capture_on_commit_callbacks
):
    payment, _ = checkout
    with django_capture_on_commit_callbacks(execute=True):
        response = deliver(completed(fake_stripe, payment))
    assert response.status_code == 200
    payment.refresh_from_db()
    assert payment.status == PaymentStatus.COMPLETED
    assert payment.transaction_id == payment.checkout_session_id
    assert payment.stripe_payment_intent == "pi_test_1"
    assert payment.completed_at is not None
    assert enrolled(student, paid_course)
    assert Enrollment.objects.get(student=student, course=paid_course).source == EnrollmentSource.PAYMENT
    assert len(mail.outbox) == 1
    receipt = mail.outbox[0]
    assert receipt.to == [student.email]
    assert "$19.99" in receipt.body, "money is written the way the language writes it (core.i18n.format_money)"
    assert f"/courses/{paid_course.slug}" in receipt.body
    assert receipt.alternatives and receipt.alternatives[0][1] == "text/html"


def test_completed_but_unpaid_waits_for_the_async_result(deliver, checkout, fake_stripe, student, paid_course):
    payment, session = checkout
    response = deliver(event("checkout.session.completed", {**session, "status": "complete"}))
    assert response.status_code == 200
    assert Payment.objects.get().status == PaymentStatus.PENDING
    session = fake_stripe.pay(payment.checkout_session_id)
    assert deliver(event("checkout.session.async_payment_succeeded", session)).status_code == 200
    assert Payment.objects.get().status == PaymentStatus.COMPLETED
    assert enrolled(student, paid_course)


@pytest.mark.parametrize(
    ("event_type", "reason"),
    [
        ("checkout.session.expired", PaymentReason.EXPIRED),
        ("checkout.session.async_payment_failed", PaymentReason.DECLINED),
    ],
)
def test_expired_and_failed_sessions_mark_failed(deliver, checkout, event_type, reason, student, paid_course):
    payment, session = checkout
    assert deliver(event(event_type, session)).status_code == 200
    payment.refresh_from_db()
    assert (payment.status, payment.reason) == (PaymentStatus.FAILED, reason)
    assert payment.failure_message
    assert not enrolled(student, paid_course)


def test_payment_intent_failed_marks_failed_with_stripes_message(deliver, checkout):
    payment, _ = checkout
    intent = {
        "id": "pi_test_9",
        "object": "payment_intent",
        "metadata": {"payment_id": str(payment.pk)},
        "last_payment_error": {"message": "Your card was declined."},
    }
    assert deliver(event("payment_intent.payment_failed", intent)).status_code == 200
    payment.refresh_from_db()
    assert (payment.status, payment.failure_message) == (PaymentStatus.FAILED, "Your card was declined.")


def test_a_retried_card_after_a_failure_still_completes(deliver, checkout, fake_stripe, student, paid_course):
    payment, _ = checkout
    intent = {"id": "pi_test_1", "object": "payment_intent", "metadata": {"payment_id": str(payment.pk)}}
    deliver(event("payment_intent.payment_failed", intent))
    assert deliver(completed(fake_stripe, payment)).status_code == 200
    assert Payment.objects.get().status == PaymentStatus.COMPLETED
    assert enrolled(student, paid_course)


def refund_event(payment, *, amount_refunded=1999):
    charge = {
        "id": "ch_test_1",
        "object": "charge",
        "payment_intent": "pi_test_1",
        "amount": 1999,
        "amount_refunded": amount_refunded,
        "refunded": amount_refunded == 1999,
        "metadata": {"payment_id": str(payment.pk)},
    }
    return event("charge.refunded", charge)


def test_full_refund_marks_refunded_and_revokes_access(deliver, checkout, fake_stripe, student, paid_course):
    payment, _ = checkout
    deliver(completed(fake_stripe, payment))
    assert enrolled(student, paid_course)
    assert deliver(refund_event(payment)).status_code == 200
    payment.refresh_from_db()
    assert (payment.status, payment.reason) == (PaymentStatus.REFUNDED, PaymentReason.REFUNDED)
    assert not enrolled(student, paid_course)
    assert Enrollment.objects.filter(student=student, course=paid_course, is_active=False).exists(), "kept on record"


def test_partial_refund_changes_nothing(deliver, checkout, fake_stripe, student, paid_course):
    payment, _ = checkout
    deliver(completed(fake_stripe, payment))
    assert deliver(refund_event(payment, amount_refunded=500)).status_code == 200
    assert Payment.objects.get().status == PaymentStatus.COMPLETED
    assert enrolled(student, paid_course)


def test_refund_found_by_payment_intent_when_the_charge_has_no_metadata(
    deliver, checkout, fake_stripe, student, paid_course
):
    payment, _ = checkout
    deliver(completed(fake_stripe, payment))
    charge = {"id": "ch_2", "object": "charge", "payment_intent": "pi_test_1", "amount": 1999, "refunded": True}
    assert deliver(event("charge.refunded", charge)).status_code == 200
    assert Payment.objects.get().status == PaymentStatus.REFUNDED


# --- Order, duplicates, mismatches ----------------------------------------------------------------------


def test_expired_after_completed_keeps_it_completed(deliver, checkout, fake_stripe, student, paid_course):
    payment, session = checkout
    deliver(completed(fake_stripe, payment))
    assert deliver(event("checkout.session.expired", session)).status_code == 200
    assert Payment.objects.get().status == PaymentStatus.COMPLETED
    assert enrolled(student, paid_course)


def test_refunded_before_completed_never_grants_access(deliver, checkout, fake_stripe, student, paid_course):
    payment, _ = checkout
    deliver(refund_event(payment))
    assert deliver(completed(fake_stripe, payment)).status_code == 200
    assert Payment.objects.get().status == PaymentStatus.REFUNDED
    assert not enrolled(student, paid_course)


def test_same_event_ten_times_has_one_effect(deliver, checkout, fake_stripe, student, paid_course):
    payment, _ = checkout
    payload = completed(fake_stripe, payment)
    responses = [deliver(payload) for _ in range(10)]
    assert {r.status_code for r in responses} == {200}
    assert [r.json()["outcome"] for r in responses].count("duplicate") == 9
    assert WebhookEvent.objects.count() == 1
    assert Enrollment.objects.filter(student=student, course=paid_course).count() == 1


@pytest.mark.parametrize(
    "override",
    [
        {"amount_total": 1},
        {"currency": "eur"},
        {"metadata": {"payment_id": "x", "order_id": "y", "user_id": "z"}},
    ],
    ids=["amount", "currency", "metadata"],
)
def test_mismatching_session_is_not_completed_and_logged(
    deliver, checkout, fake_stripe, student, paid_course, override, caplog
):
    payment, _ = checkout
    session = fake_stripe.pay(payment.checkout_session_id)
    payload = event("checkout.session.completed", {**session, **override, "client_reference_id": str(payment.pk)})
    assert deliver(payload).status_code == 200
    payment.refresh_from_db()
    assert (payment.status, payment.reason) == (PaymentStatus.FAILED, PaymentReason.MISMATCH)
    assert not enrolled(student, paid_course)
    assert any("does not match" in record.getMessage() for record in caplog.records)


def test_unknown_event_types_and_unknown_payments_are_acknowledged(deliver, fake_stripe):
    assert deliver(event("customer.created", {"id": "cus_1", "object": "customer"})).json()["outcome"] == "ignored"
    ghost = {"id": "cs_ghost", "object": "checkout.session", "payment_status": "paid", "metadata": {}}
    response = deliver(event("checkout.session.completed", ghost))
    assert response.status_code == 200
    assert response.json()["outcome"] == "unknown payment"


def test_our_own_failure_is_a_500_and_the_event_can_be_retried(deliver, checkout, fake_stripe, monkeypatch):
    payment, _ = checkout
    payload = completed(fake_stripe, payment)

    def broken(**kwargs):
        raise RuntimeError("database hiccup")

    monkeypatch.setattr(services, "payment_complete", broken)
    assert deliver(payload).status_code == 500
    assert not WebhookEvent.objects.exists(), "the event must not be marked as processed"
    monkeypatch.undo()
    assert deliver(payload).status_code == 200
    assert Payment.objects.get().status == PaymentStatus.COMPLETED


# --- State machine -------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("current", "new", "allowed"),
    [
        (PaymentStatus.PENDING, PaymentStatus.COMPLETED, True),
        (PaymentStatus.PENDING, PaymentStatus.FAILED, True),
        (PaymentStatus.PENDING, PaymentStatus.REFUNDED, True),
        (PaymentStatus.FAILED, PaymentStatus.COMPLETED, True),
        (PaymentStatus.COMPLETED, PaymentStatus.REFUNDED, True),
        (PaymentStatus.COMPLETED, PaymentStatus.PENDING, False),
        (PaymentStatus.COMPLETED, PaymentStatus.FAILED, False),
        (PaymentStatus.REFUNDED, PaymentStatus.COMPLETED, False),
        (PaymentStatus.REFUNDED, PaymentStatus.FAILED, False),
        (PaymentStatus.REFUNDED, PaymentStatus.PENDING, False),
        (PaymentStatus.FAILED, PaymentStatus.PENDING, False),
    ],
)
def test_state_transitions(current, new, allowed):
    assert services.can_transition(current, new) is allowed


# --- Concurrency ---------------------------------------------------------------------------------------------


@pytest.mark.django_db(transaction=True)
def test_ten_concurrent_deliveries_of_one_event_have_exactly_one_effect(fake_stripe, client_for, make_user):
    from courses.tests.factories import CourseFactory
    from users.models import Role

    student = make_user(Role.STUDENT)
    course = CourseFactory()
    assert client_for(student).post(PAYMENTS, {"course_id": str(course.pk)}).status_code == 200
    payment = Payment.objects.get()
    payload = completed(fake_stripe, payment)
    header = sign(payload)
    first_answers: list[int] = []

    def deliver() -> int:
        # Like Stripe, a delivery answered 5xx is delivered again (SQLite's in-memory test
        # database answers "locked" instead of waiting: a 503); a bounded number of times.
        for attempt in range(50):
            response = Client().post(
                "/api/payments/stripe/webhook/", data=payload, content_type="application/json",
                HTTP_STRIPE_SIGNATURE=header,
            )  # fmt: skip
            if attempt == 0:
                first_answers.append(response.status_code)
            if response.status_code < 500:
                break
        return response.status_code

    results = run_together([deliver] * 10)

    assert results == [200] * 10, f"every delivery is acknowledged in the end, got {results}"
    assert WebhookEvent.objects.filter(processed_at__isnull=False).count() == 1
    assert Enrollment.objects.filter(student=student, course=course).count() == 1
    assert Payment.objects.get().status == PaymentStatus.COMPLETED
    if connection.vendor == "postgresql":
        assert first_answers == [200] * 10, f"PostgreSQL serialises duplicates without errors, got {first_answers}"
