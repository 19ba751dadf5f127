"""Orders, payments and the Stripe webhook log."""

from __future__ import annotations

import uuid
from decimal import Decimal

from django.conf import settings
from django.db import models

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

    class Meta:
        ordering = ["-created_at"]
        constraints = [models.CheckConstraint(condition=models.Q(total__gte=0), name="order_total_non_negative")]

    def __str__(self) -> str:
        return f"Order {self.pk} ({self.total} {self.currency})"


class OrderItem(models.Model):
    """A course in an order, at the price it was bought for."""

    order = models.ForeignKey(Order, on_delete=models.CASCADE, related_name="items")
    course = models.ForeignKey(Course, on_delete=models.PROTECT, related_name="order_items")
    price = models.DecimalField(max_digits=10, decimal_places=2)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["order", "course"], name="orderitem_order_course_unique"),
            models.CheckConstraint(condition=models.Q(price__gte=0), name="orderitem_price_non_negative"),
        ]

    def __str__(self) -> str:
        return f"{self.course_id} at {self.price}"


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
