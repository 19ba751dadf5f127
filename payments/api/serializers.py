"""Input validation and output shapes of the payments API."""

from __future__ import annotations

import re
import uuid
from decimal import Decimal

from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from core.api.fields import SafePrimaryKeyRelatedField, StrictCharField
from core.currency import Currency
from courses.api.serializers import CourseRefSerializer
from courses.models import Course
from payments.models import Coupon, CouponScope, EarningEntry, Payment
from users.models import Role, User

SLUG_RE = re.compile(r"^[-a-zA-Z0-9_]{1,220}$")


class CheckoutRequestSerializer(serializers.Serializer):
    course_id = StrictCharField(max_length=220, help_text="The course's UUID (a slug is accepted too).")

    def validate_course_id(self, value: str) -> dict:
        value = value.strip()
        try:
            return {"pk": uuid.UUID(value)}
        except ValueError:
            pass
        if not SLUG_RE.match(value):
            raise serializers.ValidationError(_("Enter a course id (UUID) or slug."))
        return {"slug": value}


class CheckoutResponseSerializer(serializers.Serializer):
    enrolled = serializers.BooleanField()
    course_slug = serializers.CharField()
    checkout_session_id = serializers.CharField(allow_null=True)
    checkout_url = serializers.URLField(allow_null=True, required=False)


class PaymentSerializer(serializers.ModelSerializer):
    status_display = serializers.CharField(source="get_status_display", read_only=True)
    course = serializers.SerializerMethodField()

    class Meta:
        model = Payment
        fields = [
            "id",
            "amount",
            "currency",
            "status",
            "status_display",
            "method",
            "course",
            "created_at",
            "completed_at",
        ]
        read_only_fields = fields

    @staticmethod
    def _first_course(payment: Payment):
        items = list(payment.order.items.all())  # prefetched by the selector
        return items[0].course if items else None

    @extend_schema_field(CourseRefSerializer(allow_null=True))
    def get_course(self, payment: Payment) -> dict | None:
        course = self._first_course(payment)
        return CourseRefSerializer(course).data if course is not None else None


COUPON_CODE_RE = re.compile(r"^[A-Za-z0-9][-A-Za-z0-9_]{2,39}$")
MONEY = {"max_digits": 12, "decimal_places": 2}


class CouponCodeField(StrictCharField):
    def __init__(self, **kwargs):
        kwargs.setdefault("max_length", 40)
        kwargs.setdefault("help_text", "A coupon code (case-insensitive).")
        super().__init__(**kwargs)


class CheckoutWithCouponRequestSerializer(CheckoutRequestSerializer):
    coupon = CouponCodeField(required=False, allow_blank=True)


class CourseIdsField(serializers.ListField):
    def __init__(self, **kwargs):
        super().__init__(child=serializers.UUIDField(), min_length=1, max_length=50, **kwargs)


class CartCourseSerializer(serializers.ModelSerializer):
    class Meta:
        model = Course
        fields = ["id", "slug", "title", "price", "currency"]


class CartItemOutSerializer(serializers.Serializer):
    course = CartCourseSerializer()


class CartSerializer(serializers.Serializer):
    items = CartItemOutSerializer(many=True)
    total = serializers.DecimalField(**MONEY, allow_null=True, help_text="null when the cart mixes currencies")
    currency = serializers.CharField(allow_null=True)


class CartItemInSerializer(serializers.Serializer):
    course_id = serializers.UUIDField()


class CartCheckoutInSerializer(serializers.Serializer):
    coupon = CouponCodeField(required=False, allow_blank=True)


class CartCheckoutOutSerializer(serializers.Serializer):
    enrolled = serializers.BooleanField(help_text="true when nothing was left to pay (free courses, a 100 % coupon)")
    checkout_session_id = serializers.CharField(allow_null=True)
    checkout_url = serializers.URLField(allow_null=True)


class QuoteInSerializer(serializers.Serializer):
    course_ids = CourseIdsField()
    coupon = CouponCodeField(required=False, allow_blank=True)


class QuoteLineSerializer(serializers.Serializer):
    course_id = serializers.UUIDField()
    price = serializers.DecimalField(**MONEY)
    discount = serializers.DecimalField(**MONEY)
    amount = serializers.DecimalField(**MONEY)


class QuoteOutSerializer(serializers.Serializer):
    lines = QuoteLineSerializer(many=True)
    discount = serializers.DecimalField(**MONEY)
    total = serializers.DecimalField(**MONEY)
    currency = serializers.CharField()
    coupon = serializers.CharField(allow_null=True)


class RefundInSerializer(serializers.Serializer):
    course_ids = CourseIdsField(required=False, help_text="Refund only these courses (default: the whole payment).")


class CouponSerializer(serializers.ModelSerializer):
    """Input of ``POST coupons/`` and the output of every coupon endpoint."""

    code = CouponCodeField()
    percent_off = serializers.DecimalField(
        max_digits=5,
        decimal_places=2,
        min_value=Decimal("0.01"),
        max_value=Decimal("100"),
        required=False,
        allow_null=True,  # null on an amount_off coupon
    )
    amount_off = serializers.DecimalField(  # null on a percent_off coupon
        max_digits=10, decimal_places=2, min_value=Decimal("0.01"), required=False, allow_null=True
    )
    currency = serializers.ChoiceField(
        choices=Currency.choices,
        required=False,
        allow_blank=True,  # a percent coupon has none ("" in every answer)
        help_text="The currency of `amount_off`; blank for a `percent_off` coupon (any currency).",
    )
    courses = SafePrimaryKeyRelatedField(many=True, required=False, queryset=Course.objects.all())
    tutor_wide = serializers.BooleanField(write_only=True, required=False, default=False)
    site_wide = serializers.BooleanField(write_only=True, required=False, default=False)
    tutor = SafePrimaryKeyRelatedField(
        required=False, allow_null=True, queryset=User.objects.filter(role__in=[Role.TUTOR, Role.ADMIN])
    )
    redemptions_count = serializers.IntegerField(read_only=True, default=0)

    class Meta:
        model = Coupon
        fields = [
            "id",
            "code",
            "percent_off",
            "amount_off",
            "currency",
            "scope",
            "courses",
            "tutor",
            "tutor_wide",
            "site_wide",
            "valid_from",
            "valid_until",
            "max_redemptions",
            "per_user_limit",
            "active",
            "redemptions_count",
            "created_at",
        ]
        read_only_fields = ["id", "scope", "active", "redemptions_count", "created_at"]
        extra_kwargs = {"max_redemptions": {"min_value": 1}, "per_user_limit": {"min_value": 1}}

    def validate_code(self, value: str) -> str:
        value = value.strip()
        if not COUPON_CODE_RE.match(value):
            raise serializers.ValidationError(_("3-40 letters, digits, '-' or '_', starting with a letter or digit."))
        return value

    def validate(self, attrs):
        percent, amount = attrs.get("percent_off"), attrs.get("amount_off")
        if (percent is None) == (amount is None):
            raise serializers.ValidationError({"percent_off": "Give percent_off or amount_off (with currency)."})
        if amount is not None and not attrs.get("currency"):
            raise serializers.ValidationError({"currency": "amount_off needs a currency."})
        if percent is not None:
            attrs["currency"] = ""
        scopes = [bool(attrs.get("courses")), attrs.pop("tutor_wide", False), attrs.pop("site_wide", False)]
        if sum(scopes) != 1:
            raise serializers.ValidationError(
                {"courses": "Choose one scope: courses: [ids], tutor_wide: true or site_wide: true."}
            )
        attrs["scope"] = (CouponScope.COURSES, CouponScope.TUTOR, CouponScope.SITE)[scopes.index(True)]
        if attrs["scope"] != CouponScope.TUTOR and attrs.get("tutor") is not None:
            raise serializers.ValidationError({"tutor": "Only tutor-wide coupons name a tutor."})
        start, end = attrs.get("valid_from"), attrs.get("valid_until")
        if start and end and end <= start:
            raise serializers.ValidationError({"valid_until": "Must be after valid_from."})
        return attrs


class CouponUpdateSerializer(serializers.ModelSerializer):
    class Meta:
        model = Coupon
        fields = ["valid_from", "valid_until", "max_redemptions", "per_user_limit", "active"]
        extra_kwargs = {"max_redemptions": {"min_value": 1}, "per_user_limit": {"min_value": 1}}


class EarningsSerializer(serializers.Serializer):
    currency = serializers.CharField()
    balance = serializers.DecimalField(**MONEY)
    pending = serializers.DecimalField(**MONEY)
    available = serializers.DecimalField(**MONEY)
    paid_out = serializers.DecimalField(**MONEY)


class EarningsOutSerializer(serializers.Serializer):
    currencies = EarningsSerializer(many=True)
    payout_hold_days = serializers.IntegerField()
    revenue_share = serializers.DecimalField(max_digits=5, decimal_places=4)


class EarningEntrySerializer(serializers.ModelSerializer):
    course = CourseRefSerializer(allow_null=True)

    class Meta:
        model = EarningEntry
        fields = ["id", "kind", "amount", "currency", "course", "payment", "payout", "created_at"]
        read_only_fields = fields
