"""Celery tasks of learning: thin wrappers around services."""

from __future__ import annotations

from celery import shared_task

from learning import services

# A render that fails on a worker (storage briefly down) is tried again a few times.
CERTIFICATE_RENDER_RETRY_SECONDS = 60
CERTIFICATE_RENDER_MAX_RETRIES = 5


@shared_task(bind=True, max_retries=CERTIFICATE_RENDER_MAX_RETRIES, ignore_result=True)
def certificate_render(self, certificate_id: str) -> None:
    """Render a certificate's PDF and store it. Run eagerly (the embedded default, tests),
    a failure is raised to the caller, which logs it; on a worker it is retried later."""
    try:
        services.certificate_render(certificate_id=certificate_id)
    except Exception as exc:
        if self.request.is_eager or self.request.retries >= self.max_retries:
            raise
        raise self.retry(exc=exc, countdown=CERTIFICATE_RENDER_RETRY_SECONDS) from exc
