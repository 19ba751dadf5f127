"""Celery tasks of live sessions: thin wrappers around services."""

from __future__ import annotations

from celery import shared_task

from live import services


@shared_task(ignore_result=True)
def send_reminders() -> int:
    """Run by beat every ``LIVE_REMINDER_INTERVAL_SECONDS``: the 24-hour and 15-minute reminders
    that are due, each sent once."""
    return services.reminders_send()
