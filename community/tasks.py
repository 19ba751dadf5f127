"""Celery tasks of the community: thin wrappers around services."""

from __future__ import annotations

from celery import shared_task

from community import services

EMAIL_RETRY_SECONDS = 60
EMAIL_MAX_RETRIES = 5


@shared_task(ignore_result=True)
def announcement_fan_out(announcement_id: int) -> None:
    """Split an announcement's students into batches, one ``announcement_send_batch`` task each."""
    services.announcement_fan_out(announcement_id=announcement_id)


@shared_task(bind=True, max_retries=EMAIL_MAX_RETRIES, ignore_result=True)
def announcement_send_batch(self, announcement_id: int, student_ids: list[str]) -> None:
    """E-mail one batch of students. A failing mail server is retried on a worker (the whole
    batch: a retry may repeat the messages the server took before it failed); run eagerly, the
    failure is raised to the caller, which logs it."""
    try:
        services.announcement_send_batch(announcement_id=announcement_id, student_ids=student_ids)
    except Exception as exc:
        if self.request.is_eager or self.request.retries >= self.max_retries:
            raise
        raise self.retry(exc=exc, countdown=EMAIL_RETRY_SECONDS) from exc
