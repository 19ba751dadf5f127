from django.db.models import Prefetch, QuerySet

from payments.models import OrderItem, Payment


def payment_list(*, user) -> QuerySet[Payment]:
    """The user's payments (admins: everyone's), with the bought course, in a fixed number of queries."""
    queryset = Payment.objects.select_related("order").prefetch_related(
        Prefetch("order__items", queryset=OrderItem.objects.select_related("course").order_by("pk"))
    )
    if not (user.is_authenticated and user.is_admin):
        queryset = queryset.filter(user_id=user.pk)
    return queryset.order_by("-created_at")
