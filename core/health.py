"""Readiness checks: can this process reach what it needs? Reads only, no writes to the database."""

from __future__ import annotations

import logging
import uuid

from django.conf import settings
from django.core.cache import cache
from django.db import connections

logger = logging.getLogger(__name__)


def check_database() -> None:
    with connections["default"].cursor() as cursor:
        cursor.execute("SELECT 1")
        cursor.fetchone()


def check_cache() -> None:
    key = f"ready:{uuid.uuid4().hex}"
    cache.set(key, "1", timeout=5)
    if cache.get(key) != "1":
        raise RuntimeError("the cache did not return what was stored")
    cache.delete(key)


def check_broker() -> None:
    """The Celery broker answers (skipped when tasks run in-process: there is no broker)."""
    from celery import current_app as app  # the project's Celery app (core does not import the project)

    with app.connection_for_write() as connection:
        connection.ensure_connection(max_retries=1, timeout=settings.CELERY_BROKER_CONNECTION_TIMEOUT)


CHECKS = {"database": check_database, "cache": check_cache, "broker": check_broker}


def readiness() -> dict[str, str]:
    """``{name: "ok" | "error: ..."}`` for every dependency."""
    results = {}
    for name, check in CHECKS.items():
        if name == "broker" and settings.CELERY_TASK_ALWAYS_EAGER:
            continue
        try:
            check()
            results[name] = "ok"
        except Exception as exc:  # any failure means "not ready", never a 500
            logger.warning("Readiness check %s failed: %s", name, exc)
            results[name] = f"error: {type(exc).__name__}"
    return results
