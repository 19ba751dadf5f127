"""Background tasks (Celery): with a broker (``REDIS_URL`` or ``CELERY_BROKER_URL``) a worker runs
them (``celery -A eleven_tutors worker --beat``; in production a worker and beat apart: deploy/serve_prod.py); on the embedded default they run eagerly,
in-process. The Celery app itself is ``eleven_tutors/celery.py``.
"""

from __future__ import annotations

from eleven_tutors.settings.base import env, errors
from eleven_tutors.settings.cache import REDIS_URL
from eleven_tutors.settings.live import LIVE_REMINDER_INTERVAL_SECONDS

CELERY_BROKER_URL = env.str("CELERY_BROKER_URL", default=REDIS_URL or "memory://")
CELERY_TASK_ALWAYS_EAGER = errors.get(env.bool, "CELERY_TASK_ALWAYS_EAGER", default=CELERY_BROKER_URL == "memory://")
CELERY_TASK_EAGER_PROPAGATES = True
CELERY_TASK_ACKS_LATE = True
CELERY_TASK_TIME_LIMIT = 300
CELERY_BROKER_CONNECTION_TIMEOUT = 3
CELERY_BROKER_TRANSPORT_OPTIONS = {"socket_connect_timeout": 3, "socket_timeout": 5}
CELERY_TIMEZONE = "UTC"
# The worker logs through Django's LOGGING (JSON lines in production), not a format of its own.
CELERY_WORKER_HIJACK_ROOT_LOGGER = False
# One queue per kind of work, so that a flood of one (a mailing, a batch of certificates) never
# holds up another, and each can get workers of its own (`celery worker -Q email`). A worker
# started with `-Q default,email,media,payments` (make serve-prod) takes them all.
CELERY_TASK_DEFAULT_QUEUE = "default"
CELERY_TASK_ROUTES = {
    "users.tasks.send_email": {"queue": "email"},
    "learning.tasks.certificate_render": {"queue": "media"},
    "courses.tasks.lesson_video_sync": {"queue": "media"},  # videos/tasks.py keeps this name
    "community.tasks.*": {"queue": "email"},  # announcements: fan-out and e-mail batches
    "live.tasks.*": {"queue": "email"},  # reminders: a scan that hands e-mails to users.tasks.send_email
    "payments.tasks.*": {"queue": "payments"},
    # Notifications: the fan-out, WebSocket and push on the default queue (they must be quick),
    # their e-mails with the others.
    "notifications.tasks.deliver_email": {"queue": "email"},
}
# Beat asks Stripe about stale PENDING payments this often (payments.tasks.reconcile_payments).
PAYMENT_RECONCILE_INTERVAL_SECONDS = errors.get(env.int, "PAYMENT_RECONCILE_INTERVAL_SECONDS", default=600)
if PAYMENT_RECONCILE_INTERVAL_SECONDS < 1:
    errors.add("PAYMENT_RECONCILE_INTERVAL_SECONDS", "must be a positive number of seconds")
CELERY_BEAT_SCHEDULE = {
    "reconcile-payments": {
        "task": "payments.tasks.reconcile_payments",
        "schedule": float(max(PAYMENT_RECONCILE_INTERVAL_SECONDS, 1)),
    },
    # Live-session reminders, 24 hours and 15 minutes before the start (live.tasks.send_reminders):
    # each is claimed by an atomic update before it is sent, so a second beat sends nothing again.
    "live-reminders": {
        "task": "live.tasks.send_reminders",
        "schedule": float(max(LIVE_REMINDER_INTERVAL_SECONDS, 1)),
    },
}
