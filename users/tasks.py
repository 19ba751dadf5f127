"""Celery tasks of the accounts app."""

from __future__ import annotations

from celery import shared_task
from django.core.mail import EmailMultiAlternatives

EMAIL_RETRY_SECONDS = 60
EMAIL_MAX_RETRIES = 5


@shared_task(bind=True, max_retries=EMAIL_MAX_RETRIES, ignore_result=True)
def send_email(self, *, to: str, subject: str, text: str, html: str, deliver: bool = True) -> None:
    """Send one e-mail with a plain-text and an HTML part; a failing mail server is retried on
    a worker (run eagerly, the failure is raised to the caller, which logs it).

    ``deliver=False`` builds and serialises the message, as the mail backends do before they
    hand it over, and stops there (see ``users.emails.send_templated_email``)."""
    message = EmailMultiAlternatives(subject=subject, body=text, to=[to])
    message.attach_alternative(html, "text/html")
    if not deliver:
        message.message().as_bytes()
        return
    try:
        message.send()
    except Exception as exc:
        if self.request.is_eager or self.request.retries >= self.max_retries:
            raise
        raise self.retry(exc=exc, countdown=EMAIL_RETRY_SECONDS) from exc
