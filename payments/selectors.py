"""Reads of the payments app: querysets with a fixed query cost."""

from __future__ import annotations

import uuid

from django.db.models import Count, Prefetch, QuerySet

from courses.models import Course
from payments import pricing
from payments.models import CartItem, Coupon, EarningEntry, OrderItem, Payment


def checkout_course(*, pk: uuid.UUID | None = None, slug: str | None = None) -> Course | None:
    """The published course a checkout names, by id or by slug, or None."""
    lookup = {"pk": pk} if pk is not None else {"slug": slug}
    return Course.objects.filter(is_published=True, **lookup).first()


def payment_list(*, user) -> QuerySet[Payment]:
    """The user's payments (admins: everyone's), with the bought course, in a fixed number of queries."""
    queryset = Payment.objects.select_related("order").prefetch_related(
        Prefetch("order__items", queryset=OrderItem.objects.select_related("course").order_by("pk"))
    )
    if not (user.is_authenticated and user.is_admin):
        queryset = queryset.filter(user_id=user.pk)
    return queryset.order_by("-created_at")


def cart_items(*, user) -> QuerySet[CartItem]:
    """The user's cart, oldest first, with each course (1 query)."""
    return CartItem.objects.filter(user=user).select_related("course").order_by("added_at", "pk")


def quote_courses(*, course_ids: list[uuid.UUID]) -> list[Course]:
    """The published courses a quote names, in the order given, with their tutors (2 queries)."""
    found = {c.pk: c for c in Course.objects.filter(is_published=True, pk__in=course_ids).prefetch_related("tutors")}
    return [found[pk] for pk in course_ids if pk in found]


def coupon_list(*, user) -> QuerySet[Coupon]:
    """The coupons the user manages (``pricing.coupons_managed_by``), with their redemption
    counts and course ids (2 queries)."""
    return (
        pricing.coupons_managed_by(user)
        .annotate(redemptions_count=Count("redemptions", distinct=True))
        .prefetch_related(Prefetch("courses", queryset=Course.objects.only("id")))
        .order_by("-created_at", "pk")
    )


def earning_entries(*, tutor) -> QuerySet[EarningEntry]:
    """A tutor's ledger, newest first, with the course of each line."""
    return (
        EarningEntry.objects.filter(tutor=tutor)
        .select_related("course")
        .only(
            "id",
            "kind",
            "amount",
            "currency",
            "created_at",
            "payment_id",
            "payout_id",
            "course__id",
            "course__slug",
            "course__title",
        )
        .order_by("-created_at", "-pk")
    )
