"""Orders, payments and the Stripe webhook log."""

from __future__ import annotations

import uuid
from decimal import Decimal

from django.conf import settings
from django.db import models
from django.db.models.functions import Lower
from django.utils import timezone

from core.currency import Currency
from core.models import TimeStampedModel
from courses.models import Course


class PaymentStatus(models.IntegerChoices):
    PENDING = 1, "Pending"
    COMPLETED = 2, "Completed"
    FAILED = -1, "Failed"
    REFUNDED = -2, "Refunded"


class PaymentMethod(models.TextChoices):
    CARD = "CARD", "Card"
    STRIPE = "STRIPE", "Stripe"
    BANK = "BANK", "Bank transfer"
    CASH = "CASH", "Cash"
    COUPON = "COUPON", "Coupon (nothing to pay)"


class PaymentReason(models.IntegerChoices):
    """Why a payment left the happy path (codes of the documentation)."""

    DECLINED = 1, "Payment failed or declined"
    EXPIRED = 2, "Checkout expired"
    CANCELLED = 3, "Cancelled"
    MISMATCH = 4, "Amount, currency or metadata did not match"
    REFUNDED = 5, "Refunded"
    OTHER = 10, "Other (provider error, checkout never created)"


class Order(TimeStampedModel):
    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="orders")
    courses = models.ManyToManyField(Course, through="OrderItem", related_name="orders")
    total = models.DecimalField(max_digits=12, decimal_places=2)
    currency = models.CharField(max_length=3, choices=Currency.choices)
    # The coupon applied at checkout and what it took off the order (0 without one).
    coupon = models.ForeignKey("Coupon", on_delete=models.PROTECT, null=True, blank=True, related_name="orders")
    discount = models.DecimalField(max_digits=12, decimal_places=2, default=Decimal("0"))

    class Meta:
        ordering = ["-created_at"]
        constraints = [
            models.CheckConstraint(condition=models.Q(total__gte=0), name="order_total_non_negative"),
            models.CheckConstraint(condition=models.Q(discount__gte=0), name="order_discount_non_negative"),
        ]

    def __str__(self) -> str:
        return f"Order {self.pk} ({self.total} {self.currency})"


class OrderItem(models.Model):
    """A course in an order, at the price it was bought for."""

    order = models.ForeignKey(Order, on_delete=models.CASCADE, related_name="items")
    course = models.ForeignKey(Course, on_delete=models.PROTECT, related_name="order_items")
    price = models.DecimalField(max_digits=10, decimal_places=2)
    # The coupon's part of this line and what the student pays for it (price - discount).
    discount = models.DecimalField(max_digits=10, decimal_places=2, default=Decimal("0"))
    amount = models.DecimalField(max_digits=10, decimal_places=2)
    # Set when this course's money was given back (a partial refund, or the full one).
    refunded_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["order", "course"], name="orderitem_order_course_unique"),
            models.CheckConstraint(condition=models.Q(price__gte=0), name="orderitem_price_non_negative"),
            models.CheckConstraint(
                # amount = price - discount is kept by the code: SQLite would compare it in floats.
                condition=models.Q(discount__gte=0, amount__gte=0, amount__lte=models.F("price")),
                name="orderitem_amount_within_price",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.course_id} at {self.price}"

    def save(self, *args, **kwargs):
        if self.amount is None:  # no coupon: the student pays the price
            self.amount = self.price - (self.discount or 0)
        super().save(*args, **kwargs)


class Payment(TimeStampedModel):
    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    # Deleting a user keeps their payments (for the books).
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="payments")
    order = models.ForeignKey(Order, on_delete=models.PROTECT, related_name="payments")
    amount = models.DecimalField(max_digits=12, decimal_places=2)
    currency = models.CharField(max_length=3, choices=Currency.choices)
    method = models.CharField(max_length=10, choices=PaymentMethod.choices, default=PaymentMethod.STRIPE)
    status = models.SmallIntegerField(choices=PaymentStatus.choices, default=PaymentStatus.PENDING, db_index=True)
    reason = models.SmallIntegerField(choices=PaymentReason.choices, null=True, blank=True)
    failure_message = models.CharField(max_length=500, blank=True)
    checkout_session_id = models.CharField(max_length=255, unique=True, null=True, blank=True)
    checkout_url = models.URLField(max_length=2000, blank=True)
    checkout_expires_at = models.DateTimeField(null=True, blank=True)
    transaction_id = models.CharField(max_length=255, unique=True, null=True, blank=True)
    stripe_payment_intent = models.CharField(max_length=255, blank=True, db_index=True)
    completed_at = models.DateTimeField(null=True, blank=True)
    cancelled_at = models.DateTimeField(null=True, blank=True)
    refunded_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at"]
        constraints = [
            models.CheckConstraint(condition=models.Q(amount__gte=Decimal("0")), name="payment_amount_non_negative"),
            models.CheckConstraint(condition=models.Q(status__in=PaymentStatus.values), name="payment_status_valid"),
        ]
        indexes = [models.Index(fields=["user", "status"], name="payment_user_status_idx")]

    def __str__(self) -> str:
        return f"Payment {self.pk} ({self.amount} {self.currency}, {self.get_status_display()})"


class WebhookEvent(models.Model):
    """Every Stripe event is stored once: replays and concurrent duplicates do nothing."""

    event_id = models.CharField(max_length=255, unique=True)
    type = models.CharField(max_length=100)
    received_at = models.DateTimeField(auto_now_add=True)
    processed_at = models.DateTimeField(null=True, blank=True)
    outcome = models.CharField(max_length=500, blank=True)

    class Meta:
        ordering = ["-received_at"]

    def __str__(self) -> str:
        return f"{self.type} {self.event_id}"


# --- Cart -------------------------------------------------------------------------------------------


class CartItem(models.Model):
    """A course in a user's cart. The cart is the user's rows: it survives logout and is emptied
    of a course only when a payment for it completes (or it is removed)."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="cart_items")
    course = models.ForeignKey(Course, on_delete=models.CASCADE, related_name="cart_items")
    added_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["added_at", "pk"]
        constraints = [models.UniqueConstraint(fields=["user", "course"], name="cartitem_user_course_unique")]

    def __str__(self) -> str:
        return f"{self.user_id}: {self.course_id}"


# --- Coupons ----------------------------------------------------------------------------------------


class CouponScope(models.TextChoices):
    COURSES = "courses", "Chosen courses"
    TUTOR = "tutor", "A tutor's courses"
    SITE = "site", "Every course"


class Coupon(TimeStampedModel):
    """A discount code. ``percent_off`` or ``amount_off`` (+ ``currency``), never both.

    Scope: the chosen ``courses``, every course ``tutor`` teaches, or the whole site. A
    redemption is counted when a payment using the coupon completes (``CouponRedemption``).
    """

    code = models.CharField(max_length=40, help_text="Case-insensitive and unique.")
    percent_off = models.DecimalField(max_digits=5, decimal_places=2, null=True, blank=True)
    amount_off = models.DecimalField(max_digits=10, decimal_places=2, null=True, blank=True)
    currency = models.CharField(max_length=3, choices=Currency.choices, blank=True)
    scope = models.CharField(max_length=10, choices=CouponScope.choices)
    courses = models.ManyToManyField(Course, blank=True, related_name="coupons")
    tutor = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, null=True, blank=True, related_name="tutor_coupons"
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="created_coupons"
    )
    valid_from = models.DateTimeField(null=True, blank=True)
    valid_until = models.DateTimeField(null=True, blank=True)
    max_redemptions = models.PositiveIntegerField(null=True, blank=True)
    per_user_limit = models.PositiveIntegerField(null=True, blank=True)
    active = models.BooleanField(default=True)

    class Meta:
        ordering = ["-created_at"]
        constraints = [
            models.UniqueConstraint(Lower("code"), name="coupon_code_ci_unique"),
            models.CheckConstraint(
                condition=(
                    models.Q(percent_off__gt=0, percent_off__lte=100, amount_off__isnull=True, currency="")
                    | models.Q(percent_off__isnull=True, amount_off__gt=0) & ~models.Q(currency="")
                ),
                name="coupon_percent_or_amount",
            ),
            models.CheckConstraint(
                condition=models.Q(scope="tutor", tutor__isnull=False) | ~models.Q(scope="tutor"),
                name="coupon_tutor_scope_has_tutor",
            ),
        ]

    def __str__(self) -> str:
        return self.code


class CouponRedemption(models.Model):
    """A completed payment that used a coupon: one per payment, counted against the limits."""

    coupon = models.ForeignKey(Coupon, on_delete=models.PROTECT, related_name="redemptions")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+")
    payment = models.OneToOneField(Payment, on_delete=models.PROTECT, related_name="redemption")
    discount = models.DecimalField(max_digits=12, decimal_places=2)
    currency = models.CharField(max_length=3, choices=Currency.choices)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return f"{self.coupon_id} by {self.user_id}"


# --- Refunds ------------------------------------------------------------------------------------------


class Refund(TimeStampedModel):
    """A refund we asked Stripe for: the whole payment, or the courses an admin chose.

    ``charge.refunded`` applies requested refunds (revokes their courses, debits the ledger) in
    the order they were made, as far as the charge's ``amount_refunded`` covers them.
    """

    payment = models.ForeignKey(Payment, on_delete=models.PROTECT, related_name="refunds")
    items = models.ManyToManyField(OrderItem, related_name="refunds")
    amount = models.DecimalField(max_digits=12, decimal_places=2)
    currency = models.CharField(max_length=3, choices=Currency.choices)
    reason = models.CharField(max_length=200, blank=True)
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    stripe_refund_id = models.CharField(max_length=255, unique=True, null=True, blank=True)
    applied_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["created_at", "pk"]
        constraints = [models.CheckConstraint(condition=models.Q(amount__gt=0), name="refund_amount_positive")]

    def __str__(self) -> str:
        return f"Refund {self.amount} {self.currency} of {self.payment_id}"


# --- Tutors' earnings ---------------------------------------------------------------------------------


class EntryKind(models.TextChoices):
    SALE = "sale", "Sale (credit)"
    REFUND = "refund", "Refund (debit)"
    PAYOUT = "payout", "Payout (debit)"


class ImmutableEntryError(Exception):
    pass


class EarningEntry(models.Model):
    """One line of a tutor's ledger. Immutable: corrections are new entries.

    ``amount`` is signed: a sale credits (> 0), a refund or a payout debits (< 0); a balance is
    the plain sum. Sale and refund entries name the order line (``order_item``) they come from.
    """

    tutor = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="earning_entries")
    kind = models.CharField(max_length=10, choices=EntryKind.choices)
    amount = models.DecimalField(max_digits=12, decimal_places=2)
    currency = models.CharField(max_length=3, choices=Currency.choices)
    payment = models.ForeignKey(
        Payment, on_delete=models.PROTECT, null=True, blank=True, related_name="earning_entries"
    )
    order_item = models.ForeignKey(
        OrderItem, on_delete=models.PROTECT, null=True, blank=True, related_name="earning_entries"
    )
    course = models.ForeignKey(Course, on_delete=models.PROTECT, null=True, blank=True, related_name="+")
    payout = models.ForeignKey("Payout", on_delete=models.PROTECT, null=True, blank=True, related_name="entries")
    created_at = models.DateTimeField(default=timezone.now, db_index=True)

    class Meta:
        ordering = ["-created_at", "-pk"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(kind="sale", amount__gt=0) | models.Q(kind__in=["refund", "payout"], amount__lt=0),
                name="earningentry_sign_matches_kind",
            ),
            # One credit and at most one debit per tutor and order line: replays cannot double them.
            models.UniqueConstraint(
                fields=["tutor", "order_item", "kind"],
                condition=models.Q(order_item__isnull=False),
                name="earningentry_once_per_line",
            ),
        ]
        indexes = [models.Index(fields=["tutor", "currency", "created_at"], name="earningentry_tutor_idx")]

    def __str__(self) -> str:
        return f"{self.kind} {self.amount} {self.currency} for {self.tutor_id}"

    def save(self, *args, **kwargs):
        if not self._state.adding:
            raise ImmutableEntryError("Ledger entries are immutable; record a new entry instead.")
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        raise ImmutableEntryError("Ledger entries are immutable; record a new entry instead.")


class PayoutAccount(models.Model):
    """A tutor's Stripe Connect account, for payouts as transfers (STRIPE_CONNECT_ENABLED)."""

    tutor = models.OneToOneField(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="payout_account")
    stripe_account_id = models.CharField(max_length=255, help_text="acct_…")

    def __str__(self) -> str:
        return f"{self.tutor_id}: {self.stripe_account_id}"


class PayoutStatus(models.TextChoices):
    PAID = "paid", "Paid"
    FAILED = "failed", "Failed"


class Payout(TimeStampedModel):
    """Money paid to a tutor (outside Stripe, or a Stripe Connect transfer); a PAID payout has
    its ledger debit."""

    tutor = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="payouts")
    amount = models.DecimalField(max_digits=12, decimal_places=2)
    currency = models.CharField(max_length=3, choices=Currency.choices)
    status = models.CharField(max_length=10, choices=PayoutStatus.choices, default=PayoutStatus.PAID)
    stripe_transfer_id = models.CharField(max_length=255, blank=True)
    failure_message = models.CharField(max_length=500, blank=True)
    note = models.CharField(max_length=255, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )

    class Meta:
        ordering = ["-created_at"]
        constraints = [models.CheckConstraint(condition=models.Q(amount__gt=0), name="payout_amount_positive")]

    def __str__(self) -> str:
        return f"Payout {self.amount} {self.currency} to {self.tutor_id}"
