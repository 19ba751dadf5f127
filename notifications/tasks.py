"""Celery tasks of notifications: thin wrappers around services. E-mail and push are retried
with exponential backoff (with jitter) on a worker; run eagerly, a failure is raised to the
caller, which logs it. Each works on one Delivery row, claimed once: a repeated task sends
nothing twice."""

from __future__ import annotations

import random

from celery import shared_task

from notifications import services

MAX_RETRIES = 6


def backoff(retries: int) -> int:
    """30 s, 1 min, 2 min, … at most an hour; with jitter so retries do not arrive together."""
    base = min(3600, 30 * 2**retries)
    return base + random.randint(0, base // 4)  # noqa: S311 (not cryptographic)


@shared_task(ignore_result=True)
def deliver(notification_ids: list[int]) -> None:
    """Fan one batch of new notifications out to their channels."""
    services.notifications_deliver(notification_ids=notification_ids)


def _retry(task, delivery_id: int, exc: Exception):
    final = task.request.is_eager or task.request.retries >= task.max_retries
    if final:
        services.delivery_release(delivery_id=delivery_id, error=f"{exc.__class__.__name__}: {exc}", final=True)
        raise exc
    raise task.retry(exc=exc, countdown=backoff(task.request.retries)) from exc


@shared_task(bind=True, max_retries=MAX_RETRIES, ignore_result=True)
def deliver_email(self, delivery_id: int) -> None:
    try:
        services.delivery_email_send(delivery_id=delivery_id)
    except Exception as exc:
        _retry(self, delivery_id, exc)


@shared_task(bind=True, max_retries=MAX_RETRIES, ignore_result=True)
def deliver_push(self, delivery_id: int) -> None:
    try:
        services.delivery_push_send(delivery_id=delivery_id)
    except Exception as exc:
        _retry(self, delivery_id, exc)
