from celery import shared_task
from django.conf import settings

from payments import services


@shared_task
def reconcile_payments() -> list[str]:
    """Periodic (beat): apply what Stripe knows about stale PENDING payments."""
    return services.payments_reconcile(older_than_minutes=settings.PAYMENT_RECONCILE_AFTER_MINUTES)
