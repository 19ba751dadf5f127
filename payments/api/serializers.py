"""Input validation and output shapes of the payments API."""

from __future__ import annotations

import re
import uuid

from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from core.api.fields import StrictCharField
from courses.api.serializers import CourseRefSerializer
from payments.models import Payment

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
