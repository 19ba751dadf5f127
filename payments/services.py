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
from decimal import Decimal
from typing import Any

from django.conf import settings
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from core.exceptions import Conflict, Forbidden, ServiceError
from core.i18n import format_date, format_money, format_money_lazy
from courses import services as course_services
from courses.models import Course, Enrollment, EnrollmentSource
from notifications import kinds as notification_kinds
from notifications.services import notify
from payments import ledger, pricing, signals, stripe_gateway
from payments.models import (
    CartItem,
    Coupon,
    CouponRedemption,
    CouponScope,
    EarningEntry,
    Order,
    OrderItem,
    Payment,
    PaymentMethod,
    PaymentReason,
    PaymentStatus,
    Payout,
    PayoutAccount,
    Refund,
    WebhookEvent,
)
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


def checkout_start(*, user: User, course: Course, coupon_code: str | None = None) -> CheckoutResult:
    """Start paying for a published course (free ones enrol at once), with an optional coupon.

    Refuses a second purchase (409). See ``order_checkout`` for the rest.
    """
    if Enrollment.objects.filter(student=user, course=course, is_active=True).exists():
        raise Conflict(_("You are already enrolled in this course."))
    if course.is_free:
        course_services.enrollment_create_free(student=user, course=course)
        return CheckoutResult(enrolled=True, course_slug=course.slug)
    return order_checkout(user=user, courses=[course], coupon_code=coupon_code)


def order_checkout(*, user: User, courses: list[Course], coupon_code: str | None = None) -> CheckoutResult:
    """One order, one payment, one Stripe Checkout Session for these courses (priced by ``quote``).

    Free courses are enrolled directly; an order the coupon makes free completes without Stripe.
    One user and one order (the same courses, coupon and total) have at most one open checkout:
    under a lock on the user row, an open session is reused, and a payment whose session is
    still being created by a concurrent request is waited for (then 409), so concurrent
    requests never create a second Stripe session. No transaction is held open across the
    Stripe call. When Stripe fails nothing is left PENDING (the rows become FAILED, 502).
    """
    owned = set(
        Enrollment.objects.filter(student=user, course__in=courses, is_active=True).values_list("course_id", flat=True)
    )
    if owned:
        titles = ", ".join(sorted(course.title for course in courses if course.pk in owned))
        raise Conflict(_("You are already enrolled in: %(titles)s.") % {"titles": titles})
    priced = pricing.quote(user=user, courses=courses, coupon_code=coupon_code)
    first = (priced.lines or priced.free_lines)[0].course
    for line in priced.free_lines:
        course_services.enrollment_create_free(student=user, course=line.course)
    if priced.free_lines:
        CartItem.objects.filter(user=user, course__in=[line.course for line in priced.free_lines]).delete()
    if not priced.lines:
        return CheckoutResult(enrolled=True, course_slug=first.slug)
    if priced.total == 0:  # a coupon took everything off: no Stripe
        with transaction.atomic():
            payment = _order_create(user=user, priced=priced, method=PaymentMethod.COUPON)
            outcome = _complete(payment=_locked(payment.pk), transaction_id=None, payment_intent="")
            if outcome is not None:
                raise pricing.CouponInvalid(outcome)
        return CheckoutResult(enrolled=True, course_slug=first.slug)
    if not settings.STRIPE_SECRET_KEY:
        raise stripe_gateway.NotConfigured(stripe_gateway.NOT_CONFIGURED)

    wanted = _order_key(
        [line.course.pk for line in priced.lines], priced.coupon.pk if priced.coupon else None, priced.total
    )
    with transaction.atomic():
        User.objects.select_for_update().filter(pk=user.pk).first()  # one checkout at a time per user
        now = timezone.now()
        # One query, so one snapshot: the request creating a session stores its id without this
        # lock, and two queries could see the payment neither without a session nor with one.
        pending = [
            candidate
            for candidate in Payment.objects.filter(user=user, status=PaymentStatus.PENDING)
            .select_related("order")
            .prefetch_related("order__items")
            .order_by("-created_at")
            if _order_key(
                [item.course_id for item in candidate.order.items.all()], candidate.order.coupon_id, candidate.amount
            )
            == wanted
        ]
        for candidate in pending:
            expires = candidate.checkout_expires_at
            if candidate.checkout_session_id and expires is not None and expires > now + REUSE_MARGIN:
                return _checkout_result(first, candidate.checkout_session_id, candidate.checkout_url)
        in_flight = None
        for candidate in (payment for payment in pending if not payment.checkout_session_id):
            if candidate.created_at < now - checkout_creation_deadline():
                _mark_failed(
                    payment_id=candidate.pk, reason=PaymentReason.OTHER, message="The checkout was never created."
                )
            elif in_flight is None:
                in_flight = candidate
        if in_flight is None:
            payment = _order_create(user=user, priced=priced, method=PaymentMethod.STRIPE)
            expires_at = now + timedelta(minutes=settings.STRIPE_CHECKOUT_EXPIRES_MINUTES)

    if in_flight is not None:
        return _checkout_wait(in_flight.pk, first)

    request = stripe_gateway.CheckoutRequest(
        payment_id=str(payment.pk),
        order_id=str(payment.order_id),
        user_id=str(user.pk),
        course_id=str(first.pk) if len(priced.lines) == 1 else "",
        course_slug=first.slug,
        lines=tuple(stripe_gateway.CheckoutLine(name=line.course.title, amount=line.amount) for line in priced.lines),
        currency=priced.currency,
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
    return _checkout_result(first, session["id"], session.get("url"))


def cart_checkout(*, user: User, coupon_code: str | None = None) -> CheckoutResult:
    """Check out the user's cart: one order with every course. The cart is emptied of a course
    only when its payment completes (free courses: at once)."""
    courses = [item.course for item in CartItem.objects.filter(user=user).select_related("course").order_by("pk")]
    if not courses:
        raise ServiceError(_("Your cart is empty."))
    unavailable = [course.title for course in courses if not course.is_published]
    if unavailable:
        raise ServiceError(
            _("No longer available; remove from your cart: %(titles)s.") % {"titles": ", ".join(unavailable)}
        )
    return order_checkout(user=user, courses=courses, coupon_code=coupon_code)


def _order_key(course_ids, coupon_id, amount) -> tuple:
    return (frozenset(str(course_id) for course_id in course_ids), coupon_id, Decimal(amount))


def _order_create(*, user: User, priced: pricing.Quote, method: str) -> Payment:
    order = Order.objects.create(
        user=user, total=priced.total, currency=priced.currency, coupon=priced.coupon, discount=priced.discount
    )
    OrderItem.objects.bulk_create(
        [
            OrderItem(order=order, course=line.course, price=line.price, discount=line.discount, amount=line.amount)
            for line in priced.lines
        ]
    )
    return Payment.objects.create(user=user, order=order, amount=priced.total, currency=priced.currency, method=method)


def _checkout_result(course: Course, session_id: str, url: str | None) -> CheckoutResult:
    return CheckoutResult(enrolled=False, course_slug=course.slug, checkout_session_id=session_id, checkout_url=url)


def _checkout_wait(payment_id, course: Course) -> CheckoutResult:
    """The session of a checkout a concurrent request is creating: polled briefly, else 409."""
    deadline = time.monotonic() + CHECKOUT_WAIT_SECONDS
    while True:
        row = Payment.objects.filter(pk=payment_id).values("status", "checkout_session_id", "checkout_url").first()
        if row is None or row["status"] != PaymentStatus.PENDING:
            raise Conflict(_("The checkout for this course could not be started; please try again."))
        if row["checkout_session_id"]:
            return _checkout_result(course, row["checkout_session_id"], row["checkout_url"])
        if time.monotonic() >= deadline:
            raise Conflict(_("A checkout for this course is already being started; please try again in a moment."))
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
    if not can_transition(payment.status, PaymentStatus.COMPLETED):
        message = f"payment {payment.pk}: {PaymentStatus(payment.status).label} -> Completed refused"
        logger.warning("%s", message)
        return message
    intent = _id(session.get("payment_intent"))
    refused = _complete(payment=payment, transaction_id=session["id"], payment_intent=intent)
    if refused is None:
        return f"payment {payment.pk} completed"
    # The coupon was used up by a payment that completed first: the discount is refused as a
    # mismatch and the money goes back (a refund requested once this commits; reconciliation
    # retries it if Stripe cannot be reached).
    if intent:
        Payment.objects.filter(pk=payment.pk).update(stripe_payment_intent=intent)
    outcome = _mark_failed(payment_id=payment.pk, reason=PaymentReason.MISMATCH, message=refused)
    if intent:
        refund = Refund.objects.create(
            payment=payment, amount=payment.amount, currency=payment.currency, reason=refused[:200]
        )
        transaction.on_commit(lambda: refund_send(refund_id=refund.pk))
    return outcome


def _complete(*, payment: Payment, transaction_id: str | None, payment_intent: str) -> str | None:
    """COMPLETED (payment locked by the caller): the coupon's redemption, the enrolments, the
    ledger's credits, the cart. Returns why it was refused (the coupon is used up), else None.

    The coupon's row is locked while its redemptions are counted, so with ``max_redemptions``
    N only the first N payments to complete get the discount, however many checkouts opened.
    """
    order = payment.order
    if order.coupon_id is not None:
        coupon = Coupon.objects.select_for_update().get(pk=order.coupon_id)
        try:
            pricing.coupon_check_limits(coupon, user=payment.user)
        except pricing.CouponInvalid as exc:
            return f"coupon {coupon.code}: {exc.message}"
        CouponRedemption.objects.create(
            coupon=coupon, user=payment.user, payment=payment, discount=order.discount, currency=order.currency
        )
    _transition(payment, PaymentStatus.COMPLETED)
    payment.transaction_id = transaction_id
    payment.stripe_payment_intent = payment_intent or payment.stripe_payment_intent
    payment.completed_at = timezone.now()
    payment.reason = None
    payment.save(
        update_fields=["status", "transaction_id", "stripe_payment_intent", "completed_at", "reason", "updated_at"]
    )
    items = list(order.items.select_related("course").order_by("pk"))
    courses = [item.course for item in items]
    for course in courses:
        course_services.enrollment_activate(student=payment.user, course=course, source=EnrollmentSource.PAYMENT)
    tutors_by_course: dict = {}
    for course_id, tutor_id in Course.tutors.through.objects.filter(course__in=courses).values_list(
        "course_id", "user_id"
    ):
        tutors_by_course.setdefault(course_id, []).append(tutor_id)
    entries = ledger.credit_payment(payment=payment, items=items, tutors_by_course=tutors_by_course)
    _ledger_changed(entries)
    if payment.user_id:
        CartItem.objects.filter(user_id=payment.user_id, course__in=courses).delete()
    _send_receipt(payment, courses)
    return None


def _ledger_changed(entries) -> None:
    tutor_ids = {entry.tutor_id for entry in entries}
    if tutor_ids:
        transaction.on_commit(lambda: signals.ledger_changed.send(sender=EarningEntry, tutor_ids=tutor_ids))


@transaction.atomic
def payment_refunded(*, payment_id) -> str:
    """A full refund: REFUNDED, the access bought with it revoked, the tutors' credits debited."""
    payment = _locked(payment_id)
    try:
        _transition(payment, PaymentStatus.REFUNDED)
    except TransitionRefused as exc:
        return str(exc)
    payment.reason = PaymentReason.REFUNDED
    payment.refunded_at = timezone.now()
    payment.save(update_fields=["status", "reason", "refunded_at", "updated_at"])
    items = list(payment.order.items.all())
    _items_refunded(payment, items)
    payment.refunds.filter(applied_at__isnull=True).update(applied_at=payment.refunded_at, updated_at=timezone.now())
    return f"payment {payment.pk} refunded"


@transaction.atomic
def payment_partially_refunded(*, payment_id, amount_refunded: int) -> str:
    """``charge.refunded`` below the total: apply the refunds an admin requested (their courses'
    access revoked, their credits debited), oldest first, as far as ``amount_refunded`` (minor
    units, the charge's running total) covers them. Replays apply nothing twice."""
    payment = _locked(payment_id)
    if payment.status != PaymentStatus.COMPLETED:
        return f"payment {payment.pk}: partial refund of a {PaymentStatus(payment.status).label} payment ignored"
    refunds = list(payment.refunds.order_by("created_at", "pk").prefetch_related("items"))
    covered = sum(
        stripe_gateway.to_minor_units(refund.amount, refund.currency) for refund in refunds if refund.applied_at
    )
    applied = []
    for refund in (refund for refund in refunds if refund.applied_at is None):
        minor = stripe_gateway.to_minor_units(refund.amount, refund.currency)
        if covered + minor > amount_refunded:
            break
        covered += minor
        _items_refunded(payment, [item for item in refund.items.all() if item.refunded_at is None])
        refund.applied_at = timezone.now()
        refund.save(update_fields=["applied_at", "updated_at"])
        applied.append(str(refund.pk))
    if not applied:
        return f"payment {payment.pk}: partial refund with nothing to apply"
    payment.save(update_fields=["updated_at"])  # the tutors' figures are stale
    return f"payment {payment.pk}: partial refunds {', '.join(applied)} applied"


def _items_refunded(payment: Payment, items: list[OrderItem]) -> None:
    items = [item for item in items if item.refunded_at is None]
    if not items:
        return
    OrderItem.objects.filter(pk__in=[item.pk for item in items]).update(refunded_at=timezone.now())
    if payment.user_id:
        course_services.enrollments_deactivate(
            student_id=payment.user_id,
            course_ids=[item.course_id for item in items],
            source=EnrollmentSource.PAYMENT,
        )
        amount = sum((item.amount for item in items), Decimal("0"))
        notify(
            recipients=[payment.user_id],
            kind=notification_kinds.REFUND_PROCESSED,
            title=_("Your refund was processed"),
            body=_("%(amount)s will be back on your card within a few days."),
            params={"amount": format_money_lazy(amount, payment.currency)},
            url="/account/payments",
            data={
                "payment_id": str(payment.pk),
                "amount": str(amount),
                "currency": payment.currency,
                "course_ids": [str(item.course_id) for item in items],
            },
            dedupe_key=f"refund:{payment.pk}:{','.join(sorted(str(item.pk) for item in items))}",
        )
    _ledger_changed(ledger.debit_items(payment=payment, items=items))


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
        recipient=payment.user,
        subject=_("Your 11Tutors receipt"),
        template="payment_receipt",
        # Called in the recipient's language: the amount and the date are written its way.
        context=lambda: {
            "name": payment.user.first_name or payment.user.email,
            "amount": format_money(payment.amount, payment.currency),
            "paid_on": format_date(payment.completed_at or timezone.now()),
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
            refunded = obj.get("amount_refunded")
            if not isinstance(refunded, int) or isinstance(refunded, bool) or refunded <= 0:
                return f"payment {payment.pk}: partial refund without an amount ignored"
            return payment_partially_refunded(payment_id=payment.pk, amount_refunded=refunded)
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
        record, _unused = WebhookEvent.objects.get_or_create(event_id=event_id, defaults={"type": event_type[:100]})
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


def payment_refund_request(
    *, payment: Payment, course_ids: list | None = None, by: User | None = None
) -> Refund | None:
    """Ask Stripe for a refund; the ``charge.refunded`` webhook then revokes access.

    Without ``course_ids``: the whole payment. With them: those courses of the order, for what
    was paid for them (``OrderItem.amount``); the webhook revokes exactly those courses.
    """
    if payment.status != PaymentStatus.COMPLETED:
        raise Conflict(_("Only completed payments can be refunded."))
    if not payment.stripe_payment_intent:
        raise Conflict(_("This payment has no Stripe payment to refund."))
    if course_ids is None:
        stripe_gateway.refund_create(payment_intent=payment.stripe_payment_intent, payment_id=str(payment.pk))
        return None
    items = {str(item.course_id): item for item in payment.order.items.all()}
    wanted = list(dict.fromkeys(str(course_id) for course_id in course_ids))
    unknown = [course_id for course_id in wanted if course_id not in items]
    if not wanted or unknown:
        raise ServiceError(
            _("Not courses of this payment's order: %(ids)s.") % {"ids": ", ".join(unknown)}
            if unknown
            else _("Name the courses of this payment's order to refund."),
            field="course_ids",
        )
    open_refunds = set(
        Refund.items.through.objects.filter(refund__payment=payment, refund__applied_at__isnull=True).values_list(
            "orderitem_id", flat=True
        )
    )
    chosen = [items[course_id] for course_id in wanted]
    done = [str(item.course_id) for item in chosen if item.refunded_at is not None or item.pk in open_refunds]
    if done:
        raise Conflict(_("Already refunded or being refunded: %(ids)s.") % {"ids": ", ".join(done)})
    amount = sum((item.amount for item in chosen), Decimal("0"))
    if amount <= 0:
        raise ServiceError(_("Nothing was paid for these courses."), field="course_ids")
    with transaction.atomic():
        refund = Refund.objects.create(
            payment=payment, amount=amount, currency=payment.currency, requested_by=by, reason="chosen courses"
        )
        refund.items.set(chosen)
    try:
        refund_send(refund_id=refund.pk, raise_errors=True)
    except ServiceError:
        refund.items.clear()
        refund.delete()
        raise
    return refund


def refund_send(*, refund_id, raise_errors: bool = False) -> str:
    """Send one of our Refund rows to Stripe (idempotent per row) and store Stripe's id."""
    refund = Refund.objects.select_related("payment").get(pk=refund_id)
    if refund.stripe_refund_id:
        return f"refund {refund.pk} already sent"
    try:
        answer = stripe_gateway.refund_create(
            payment_intent=refund.payment.stripe_payment_intent,
            payment_id=str(refund.payment_id),
            amount=stripe_gateway.to_minor_units(refund.amount, refund.currency),
            idempotency_key=f"refund-{refund.pk}",
        )
    except ServiceError as exc:
        if raise_errors:
            raise
        logger.error("Refund %s of payment %s could not be sent: %s", refund.pk, refund.payment_id, exc)
        return f"refund {refund.pk}: {exc}"
    Refund.objects.filter(pk=refund.pk).update(stripe_refund_id=answer.get("id") or None, updated_at=timezone.now())
    return f"refund {refund.pk} sent"


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
    # Refunds we owe that Stripe did not hear of (unreachable when they were made).
    outcomes = [
        refund_send(refund_id=refund_id)
        for refund_id in Refund.objects.filter(stripe_refund_id__isnull=True, created_at__lt=cutoff).values_list(
            "pk", flat=True
        )
    ]
    for payment_id in Payment.objects.filter(status=PaymentStatus.PENDING, created_at__lt=cutoff).values_list(
        "pk", flat=True
    ):
        try:
            outcomes.append(payment_reconcile(payment_id=payment_id))
        except ServiceError as exc:  # Stripe down: try again next run
            outcomes.append(f"payment {payment_id}: {exc}")
    return outcomes


# --- Cart ----------------------------------------------------------------------------------------------


def cart_item_add(*, user: User, course: Course) -> tuple[CartItem, bool]:
    """Put a published course in the user's cart (idempotent: ``created`` False when it is there)."""
    if Enrollment.objects.filter(student=user, course=course, is_active=True).exists():
        raise Conflict(_("You are already enrolled in this course."))
    if course.tutors.filter(pk=user.pk).exists():
        raise ServiceError(_("You teach this course; it cannot go in your cart."), field="course_id")
    try:
        with transaction.atomic():
            return CartItem.objects.get_or_create(user=user, course=course)
    except IntegrityError:  # a concurrent request added it first
        return CartItem.objects.get(user=user, course=course), False


def cart_item_remove(*, user: User, course_id) -> bool:
    deleted, _ = CartItem.objects.filter(user=user, course_id=course_id).delete()
    return bool(deleted)


# --- Coupons -------------------------------------------------------------------------------------------


def coupon_create(*, by: User, data: dict[str, Any]) -> Coupon:
    """A coupon (validated by the serializer). Tutors: for courses they teach, or tutor-wide for
    their own courses; admins: any scope. ``code`` is unique whatever its case (409)."""
    courses = data.pop("courses", None) or []
    scope = data["scope"]
    if scope == CouponScope.SITE and not by.is_admin:
        raise Forbidden(_("Only administrators may create site-wide coupons."))
    if scope == CouponScope.TUTOR:
        tutor = data.get("tutor") or by
        if not by.is_admin and tutor.pk != by.pk:
            raise Forbidden(_("Tutors create coupons for their own courses only."))
        data["tutor"] = tutor
    else:
        data["tutor"] = None
    if scope == CouponScope.COURSES and not by.is_admin:
        taught = set(Course.tutors.through.objects.filter(user=by).values_list("course_id", flat=True))
        foreign = [course.title for course in courses if course.pk not in taught]
        if foreign:
            raise Forbidden(
                _("You can only create coupons for courses you teach (not: %(titles)s).")
                % {"titles": ", ".join(foreign)}
            )
    if Coupon.objects.filter(code__iexact=data["code"]).exists():
        raise Conflict(_("A coupon with this code already exists."))
    try:
        with transaction.atomic():
            coupon = Coupon.objects.create(created_by=by, **data)
            if courses:
                coupon.courses.set(courses)
    except IntegrityError:  # the same code created concurrently
        raise Conflict(_("A coupon with this code already exists.")) from None
    return coupon


def coupon_update(*, coupon: Coupon, data: dict[str, Any]) -> Coupon:
    """Change a coupon's validity and limits (its discount and scope are fixed once created)."""
    changed = [name for name, value in data.items() if getattr(coupon, name) != value]
    for name in changed:
        setattr(coupon, name, data[name])
    if changed:
        coupon.save(update_fields=[*changed, "updated_at"])
    return coupon


# --- Payouts -------------------------------------------------------------------------------------------


@transaction.atomic
def payout_create(
    *, tutor: User, currency: str, amount: Decimal | None = None, by: User | None = None, note: str = ""
) -> Payout:
    """Pay a tutor (``amount``, default: their whole available balance in ``currency``).

    With STRIPE_CONNECT_ENABLED the money goes as a Stripe Connect transfer to the tutor's
    connected account (idempotent per payout); otherwise the payout records money paid outside.
    A paid payout debits the ledger. The tutor's row is locked, so two payouts cannot both
    spend the same balance.
    """
    User.objects.select_for_update().filter(pk=tutor.pk).first()
    available = ledger.available_balance(tutor_id=tutor.pk, currency=currency)
    amount = available if amount is None else amount
    if amount <= 0:
        raise ServiceError(_("Nothing available to pay out in %(currency)s.") % {"currency": currency}, field="amount")
    if amount > available:
        raise ServiceError(
            _("Only %(amount)s is available to pay out.") % {"amount": format_money(available, currency)},
            field="amount",
        )
    payout = Payout.objects.create(tutor=tutor, amount=amount, currency=currency, created_by=by, note=note)
    if settings.STRIPE_CONNECT_ENABLED:
        account = PayoutAccount.objects.filter(tutor=tutor).first()
        if account is None:
            raise ServiceError(_("This tutor has no Stripe connected account."), field="tutor")
        transfer = stripe_gateway.transfer_create(
            amount=amount, currency=currency, destination=account.stripe_account_id, payout_id=str(payout.pk)
        )
        payout.stripe_transfer_id = transfer.get("id") or ""
        payout.save(update_fields=["stripe_transfer_id", "updated_at"])
    _ledger_changed([ledger.payout_entry(payout=payout)])
    return payout
