"""Payment use cases: checkout, the payment state machine, webhooks, refunds, reconciliation.

State transitions (anything else is refused and logged):

    PENDING   -> COMPLETED | FAILED | REFUNDED
    FAILED    -> COMPLETED            (Stripe took the money after all: a retried card, a late async success)
    COMPLETED -> REFUNDED
    REFUNDED  is final

Webhook deliveries and the reconciliation command go through the same functions, under
a row lock on the payment, so they can run concurrently and in any order.
"""

from __future__ import annotations

import logging
import time
import uuid
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from core.exceptions import Conflict, ServiceError
from courses import services as course_services
from courses.models import Course, Enrollment, EnrollmentSource
from notifications import kinds as notification_kinds
from notifications.services import notify
from payments import stripe_gateway
from payments.models import Order, OrderItem, Payment, PaymentMethod, PaymentReason, PaymentStatus, WebhookEvent
from users.emails import frontend_url, send_templated_email
from users.models import User

logger = logging.getLogger(__name__)

ALLOWED = {
    PaymentStatus.PENDING: {PaymentStatus.COMPLETED, PaymentStatus.FAILED, PaymentStatus.REFUNDED},
    PaymentStatus.FAILED: {PaymentStatus.COMPLETED},
    PaymentStatus.COMPLETED: {PaymentStatus.REFUNDED},
    PaymentStatus.REFUNDED: set(),
}
# A checkout is reused while it has at least this long left, so the student can finish paying.
REUSE_MARGIN = timedelta(minutes=5)


class TransitionRefused(Exception):
    """A state change the payment state machine does not allow."""


def can_transition(current: int, new: int) -> bool:
    return new in ALLOWED[PaymentStatus(current)]


# --- Checkout ------------------------------------------------------------------------------------


@dataclass(frozen=True)
class CheckoutResult:
    enrolled: bool
    course_slug: str
    checkout_session_id: str | None = None
    checkout_url: str | None = None


def checkout_creation_deadline() -> timedelta:
    """How long creating a Checkout Session can take at most (timeouts, retries, their backoff).

    A PENDING payment still without a session after this long belongs to a request that died
    between saving the payment and storing the session: it is stale and no longer blocks.
    """
    attempts = settings.STRIPE_MAX_NETWORK_RETRIES + 1
    per_attempt = settings.STRIPE_CONNECT_TIMEOUT + settings.STRIPE_READ_TIMEOUT
    return timedelta(seconds=attempts * per_attempt + settings.STRIPE_MAX_NETWORK_RETRIES * 5 + 10)


# A caller that finds the same checkout being created by a concurrent request waits this long
# for its session (polling every CHECKOUT_POLL_SECONDS), then answers 409 rather than create another.
CHECKOUT_WAIT_SECONDS = 5.0
CHECKOUT_POLL_SECONDS = 0.1


def checkout_start(*, user: User, course: Course) -> CheckoutResult:
    """Start paying for a published course (free ones enrol at once).

    Refuses a second purchase (409). One user and one course have at most one open checkout:
    under a lock on the user row, an open session is reused, and a payment whose session is
    still being created by a concurrent request is waited for (then 409), so concurrent
    requests never create a second Stripe session. No transaction is held open across the
    Stripe call. When Stripe fails nothing is left PENDING (the rows become FAILED, 502).
    """
    if Enrollment.objects.filter(student=user, course=course, is_active=True).exists():
        raise Conflict("You are already enrolled in this course.")
    if course.is_free:
        course_services.enrollment_create_free(student=user, course=course)
        return CheckoutResult(enrolled=True, course_slug=course.slug)
    if not settings.STRIPE_SECRET_KEY:
        raise stripe_gateway.NotConfigured("payments are not configured")

    with transaction.atomic():
        User.objects.select_for_update().filter(pk=user.pk).first()  # one checkout at a time per user
        now = timezone.now()
        # One query, so one snapshot: the request creating a session stores its id without this
        # lock, and two queries could see the payment neither without a session nor with one.
        pending = list(
            Payment.objects.filter(user=user, status=PaymentStatus.PENDING, order__items__course=course).order_by(
                "-created_at"
            )
        )
        for candidate in pending:
            expires = candidate.checkout_expires_at
            if candidate.checkout_session_id and expires is not None and expires > now + REUSE_MARGIN:
                return _checkout_result(course, candidate.checkout_session_id, candidate.checkout_url)
        in_flight = None
        for candidate in (payment for payment in pending if not payment.checkout_session_id):
            if candidate.created_at < now - checkout_creation_deadline():
                _mark_failed(
                    payment_id=candidate.pk, reason=PaymentReason.OTHER, message="The checkout was never created."
                )
            elif in_flight is None:
                in_flight = candidate
        if in_flight is None:
            order = Order.objects.create(user=user, total=course.price, currency=course.currency)
            OrderItem.objects.create(order=order, course=course, price=course.price)
            payment = Payment.objects.create(
                user=user, order=order, amount=course.price, currency=course.currency, method=PaymentMethod.STRIPE
            )
            expires_at = now + timedelta(minutes=settings.STRIPE_CHECKOUT_EXPIRES_MINUTES)

    if in_flight is not None:
        return _checkout_wait(in_flight.pk, course)

    request = stripe_gateway.CheckoutRequest(
        payment_id=str(payment.pk),
        order_id=str(order.pk),
        user_id=str(user.pk),
        course_id=str(course.pk),
        course_slug=course.slug,
        product_name=course.title,
        amount=course.price,
        currency=course.currency,
        customer_email=user.email,
        expires_at=int(expires_at.timestamp()),
    )
    try:
        session = stripe_gateway.checkout_session_create(request)
    except Exception as exc:  # a PENDING payment without a session must not block later checkouts
        _mark_failed(payment_id=payment.pk, reason=PaymentReason.OTHER, message=str(exc) or type(exc).__name__)
        raise
    Payment.objects.filter(pk=payment.pk).update(
        checkout_session_id=session["id"],
        checkout_url=session.get("url") or "",
        checkout_expires_at=expires_at,
        updated_at=timezone.now(),
    )
    return _checkout_result(course, session["id"], session.get("url"))


def _checkout_result(course: Course, session_id: str, url: str | None) -> CheckoutResult:
    return CheckoutResult(enrolled=False, course_slug=course.slug, checkout_session_id=session_id, checkout_url=url)


def _checkout_wait(payment_id, course: Course) -> CheckoutResult:
    """The session of a checkout a concurrent request is creating: polled briefly, else 409."""
    deadline = time.monotonic() + CHECKOUT_WAIT_SECONDS
    while True:
        row = Payment.objects.filter(pk=payment_id).values("status", "checkout_session_id", "checkout_url").first()
        if row is None or row["status"] != PaymentStatus.PENDING:
            raise Conflict("The checkout for this course could not be started; please try again.")
        if row["checkout_session_id"]:
            return _checkout_result(course, row["checkout_session_id"], row["checkout_url"])
        if time.monotonic() >= deadline:
            raise Conflict("A checkout for this course is already being started; please try again in a moment.")
        time.sleep(CHECKOUT_POLL_SECONDS)


# --- Transitions ---------------------------------------------------------------------------------------


def _locked(payment_id) -> Payment:
    return Payment.objects.select_for_update(of=("self",)).select_related("order", "user").get(pk=payment_id)


def _transition(payment: Payment, new: int) -> None:
    if not can_transition(payment.status, new):
        raise TransitionRefused(
            f"payment {payment.pk}: {PaymentStatus(payment.status).label} -> {PaymentStatus(new).label} refused"
        )
    payment.status = new


def _order_courses(payment: Payment) -> list[Course]:
    return [item.course for item in payment.order.items.select_related("course")]


@transaction.atomic
def _mark_failed(*, payment_id, reason: int, message: str) -> str:
    payment = _locked(payment_id)
    try:
        _transition(payment, PaymentStatus.FAILED)
    except TransitionRefused as exc:
        return str(exc)
    payment.reason = reason
    payment.failure_message = message[:500]
    payment.cancelled_at = timezone.now()
    payment.save(update_fields=["status", "reason", "failure_message", "cancelled_at", "updated_at"])
    return f"payment {payment.pk} failed: {message}"


@transaction.atomic
def payment_complete(*, payment_id, session: dict[str, Any]) -> str:
    """Apply a paid Checkout Session: check it against the payment, then enrol.

    The session's amount, currency and metadata must match what we asked Stripe for;
    a mismatch is logged and leaves the student without access.
    """
    payment = _locked(payment_id)
    if payment.status == PaymentStatus.COMPLETED:
        return f"payment {payment.pk} already completed"
    problems = _session_mismatches(payment, session)
    if problems:
        logger.error("Checkout session %s does not match payment %s: %s", session.get("id"), payment.pk, problems)
        return _mark_failed(payment_id=payment.pk, reason=PaymentReason.MISMATCH, message="; ".join(problems))
    try:
        _transition(payment, PaymentStatus.COMPLETED)
    except TransitionRefused as exc:
        logger.warning("%s", exc)
        return str(exc)
    payment.transaction_id = session["id"]
    payment.stripe_payment_intent = _id(session.get("payment_intent")) or payment.stripe_payment_intent
    payment.completed_at = timezone.now()
    payment.reason = None
    payment.save(
        update_fields=["status", "transaction_id", "stripe_payment_intent", "completed_at", "reason", "updated_at"]
    )
    courses = _order_courses(payment)
    for course in courses:
        course_services.enrollment_activate(student=payment.user, course=course, source=EnrollmentSource.PAYMENT)
    _send_receipt(payment, courses)
    return f"payment {payment.pk} completed"


@transaction.atomic
def payment_refunded(*, payment_id) -> str:
    """A full refund: REFUNDED, and the access bought with it is revoked."""
    payment = _locked(payment_id)
    try:
        _transition(payment, PaymentStatus.REFUNDED)
    except TransitionRefused as exc:
        return str(exc)
    payment.reason = PaymentReason.REFUNDED
    payment.refunded_at = timezone.now()
    payment.save(update_fields=["status", "reason", "refunded_at", "updated_at"])
    if payment.user_id:
        course_services.enrollments_deactivate(
            student_id=payment.user_id,
            course_ids=[item.course_id for item in payment.order.items.all()],
            source=EnrollmentSource.PAYMENT,
        )
        notify(
            recipients=[payment.user_id],
            kind=notification_kinds.REFUND_PROCESSED,
            title="Your refund was processed",
            body=f"{payment.amount} {payment.currency} will be back on your card within a few days.",
            url="/account/payments",
            data={"payment_id": str(payment.pk), "amount": str(payment.amount), "currency": payment.currency},
            dedupe_key=f"refund:{payment.pk}",
        )
    return f"payment {payment.pk} refunded"


def _id(value: Any) -> str:
    """Stripe fields are an id or an expanded object."""
    if isinstance(value, dict):
        return str(value.get("id") or "")
    return str(value or "")


def _session_mismatches(payment: Payment, session: dict[str, Any]) -> list[str]:
    problems = []
    expected_amount = stripe_gateway.to_minor_units(payment.amount, payment.currency)
    if session.get("amount_total") != expected_amount:
        problems.append(f"amount {session.get('amount_total')} != {expected_amount}")
    if str(session.get("currency", "")).upper() != payment.currency:
        problems.append(f"currency {session.get('currency')} != {payment.currency.lower()}")
    metadata = session.get("metadata") or {}
    expected = {"payment_id": str(payment.pk), "order_id": str(payment.order_id), "user_id": str(payment.user_id)}
    for key, value in expected.items():
        if str(metadata.get(key)) != value:
            problems.append(f"metadata {key} {metadata.get(key)!r} != {value!r}")
    return problems


def _send_receipt(payment: Payment, courses: list[Course]) -> None:
    if payment.user is None:
        return
    send_templated_email(
        to=payment.user.email,
        subject="Your 11Tutors receipt",
        template="payment_receipt",
        context={
            "name": payment.user.first_name or payment.user.email,
            "amount": payment.amount,
            "currency": payment.currency,
            "payment_id": payment.pk,
            "courses": [{"title": c.title, "link": frontend_url(f"/courses/{c.slug}")} for c in courses],
        },
    )


# --- Webhooks ---------------------------------------------------------------------------------------------


def _payment_for(obj: dict[str, Any]) -> Payment | None:
    """Our payment for a Stripe object: by its metadata/client reference, else by its ids."""
    metadata = obj.get("metadata") or {}
    for candidate in (metadata.get("payment_id"), obj.get("client_reference_id")):
        try:
            return Payment.objects.get(pk=uuid.UUID(str(candidate)))
        except (ValueError, TypeError, Payment.DoesNotExist):
            continue
    if obj.get("object") == "checkout.session" and obj.get("id"):
        return Payment.objects.filter(checkout_session_id=obj["id"]).first()
    intent = obj.get("payment_intent") if obj.get("object") == "charge" else obj.get("id")
    if intent:
        return Payment.objects.filter(stripe_payment_intent=_id(intent)).exclude(stripe_payment_intent="").first()
    return None


def _handle(event_type: str, obj: dict[str, Any]) -> str:
    payment = _payment_for(obj)
    if payment is None:
        logger.warning("Stripe %s for an unknown payment (object %s)", event_type, obj.get("id"))
        return "unknown payment"
    if event_type == "checkout.session.completed":
        if obj.get("payment_status") != "paid":
            return f"payment {payment.pk} awaits an asynchronous payment"
        return payment_complete(payment_id=payment.pk, session=obj)
    if event_type == "checkout.session.async_payment_succeeded":
        return payment_complete(payment_id=payment.pk, session=obj)
    if event_type == "checkout.session.expired":
        return _mark_failed(payment_id=payment.pk, reason=PaymentReason.EXPIRED, message="The checkout expired.")
    if event_type in ("checkout.session.async_payment_failed", "payment_intent.payment_failed"):
        error = obj.get("last_payment_error") or {}
        message = error.get("message") if isinstance(error, dict) else None
        return _mark_failed(payment_id=payment.pk, reason=PaymentReason.DECLINED, message=message or "Payment failed.")
    if event_type == "charge.refunded":
        if not obj.get("refunded") and obj.get("amount_refunded") != obj.get("amount"):
            return f"payment {payment.pk}: partial refund ignored"
        return payment_refunded(payment_id=payment.pk)
    return "ignored"


HANDLED_EVENTS = {
    "checkout.session.completed",
    "checkout.session.async_payment_succeeded",
    "checkout.session.expired",
    "checkout.session.async_payment_failed",
    "payment_intent.payment_failed",
    "charge.refunded",
}


def webhook_receive(*, payload: bytes, signature: str | None) -> str:
    """Verify and apply one Stripe event, exactly once.

    The event id is stored under a unique constraint and locked, in the same transaction as
    its effect: a replay, or a concurrent duplicate delivery, finds it processed and does
    nothing. If applying it fails, everything rolls back and Stripe retries later.
    """
    event = stripe_gateway.webhook_event_verify(payload, signature)
    event_id, event_type = str(event.get("id", "")), str(event.get("type", ""))
    if not event_id:
        raise stripe_gateway.InvalidWebhook("The event has no id.")
    with transaction.atomic():
        record, _ = WebhookEvent.objects.get_or_create(event_id=event_id, defaults={"type": event_type[:100]})
        record = WebhookEvent.objects.select_for_update().get(pk=record.pk)
        if record.processed_at is not None:
            return "duplicate"
        obj = (event.get("data") or {}).get("object") or {}
        outcome = _handle(event_type, obj) if event_type in HANDLED_EVENTS else "ignored"
        record.processed_at = timezone.now()
        record.outcome = outcome[:500]
        record.save(update_fields=["processed_at", "outcome"])
    logger.info("Stripe event %s (%s): %s", event_id, event_type, outcome)
    return outcome


# --- Refunds and reconciliation ------------------------------------------------------------------------


def payment_refund_request(*, payment: Payment) -> None:
    """Ask Stripe for a full refund; the charge.refunded webhook then revokes access."""
    if payment.status != PaymentStatus.COMPLETED:
        raise Conflict("Only completed payments can be refunded.")
    if not payment.stripe_payment_intent:
        raise Conflict("This payment has no Stripe payment to refund.")
    stripe_gateway.refund_create(payment_intent=payment.stripe_payment_intent, payment_id=str(payment.pk))


def payment_reconcile(*, payment_id) -> str:
    """Apply what Stripe knows about one PENDING payment (a missed webhook must not cost access)."""
    payment = Payment.objects.get(pk=payment_id)
    if payment.status != PaymentStatus.PENDING:
        return f"payment {payment.pk} is no longer pending"
    if not payment.checkout_session_id:
        return _mark_failed(
            payment_id=payment.pk, reason=PaymentReason.OTHER, message="The checkout was never created."
        )
    session = stripe_gateway.checkout_session_retrieve(payment.checkout_session_id)
    if session.get("status") == "complete" and session.get("payment_status") in ("paid", "no_payment_required"):
        return payment_complete(payment_id=payment.pk, session=session)
    if session.get("status") == "expired":
        return _mark_failed(payment_id=payment.pk, reason=PaymentReason.EXPIRED, message="The checkout expired.")
    return f"payment {payment.pk} still open at Stripe"


def payments_reconcile(*, older_than_minutes: int) -> list[str]:
    cutoff = timezone.now() - timedelta(minutes=older_than_minutes)
    outcomes = []
    for payment_id in Payment.objects.filter(status=PaymentStatus.PENDING, created_at__lt=cutoff).values_list(
        "pk", flat=True
    ):
        try:
            outcomes.append(payment_reconcile(payment_id=payment_id))
        except ServiceError as exc:  # Stripe down: try again next run
            outcomes.append(f"payment {payment_id}: {exc}")
    return outcomes
