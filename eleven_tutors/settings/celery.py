"""Background tasks (Celery): with a broker (``REDIS_URL`` or ``CELERY_BROKER_URL``) a worker runs
them (``celery -A eleven_tutors worker --beat``); on the embedded default they run eagerly,
in-process. The Celery app itself is ``eleven_tutors/celery.py``.
"""

from __future__ import annotations

from eleven_tutors.settings.base import env, errors
from eleven_tutors.settings.cache import REDIS_URL

CELERY_BROKER_URL = env.str("CELERY_BROKER_URL", default=REDIS_URL or "memory://")
CELERY_TASK_ALWAYS_EAGER = errors.get(env.bool, "CELERY_TASK_ALWAYS_EAGER", default=CELERY_BROKER_URL == "memory://")
CELERY_TASK_EAGER_PROPAGATES = True
CELERY_TASK_ACKS_LATE = True
CELERY_TASK_TIME_LIMIT = 300
CELERY_BROKER_CONNECTION_TIMEOUT = 3
CELERY_BROKER_TRANSPORT_OPTIONS = {"socket_connect_timeout": 3, "socket_timeout": 5}
CELERY_TIMEZONE = "UTC"
CELERY_BEAT_SCHEDULE = {
    "reconcile-payments": {"task": "payments.tasks.reconcile_payments", "schedule": 600.0},
}
