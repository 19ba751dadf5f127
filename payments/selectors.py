"""Reads of the payments app: querysets with a fixed query cost."""

from __future__ import annotations

import uuid

from django.db.models import Prefetch, QuerySet

from courses.models import Course
from payments.models import OrderItem, Payment


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
