"""The Celery application: configured from Django settings (CELERY_* names)."""

import os

from celery import Celery, signals

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "eleven_tutors.settings")

app = Celery("eleven_tutors")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()


@signals.worker_init.connect
def _observe_and_route(**kwargs) -> None:
    """In each worker: count the tasks' outcomes (/metrics), and start every task reading from
    the read replica (when there is one: core/db_router.py)."""
    from core.db_router import reset_for_task
    from core.observability import count_celery_tasks

    count_celery_tasks()
    signals.task_prerun.connect(reset_for_task, weak=False, dispatch_uid="core.db_router.reset_for_task")
