"""Background work: how services hand a task to Celery."""

from __future__ import annotations

import logging

from django.db import transaction
from django.utils.module_loading import import_string

logger = logging.getLogger(__name__)


def enqueue_on_commit(task: str, *args, what: str, **kwargs) -> None:
    """After the surrounding transaction commits, send the task (dotted path) to the workers,
    or run it in-process when tasks are eager (the embedded default, tests).

    The request that asked for the work has already succeeded: a broker outage, or an eager
    task failing, is logged, never turned into a 500. Tasks retry on their own on a worker.
    The task is named by its path so that task modules may import the services that call this.
    """

    def enqueue() -> None:
        try:
            import_string(task).delay(*args, **kwargs)
        except Exception:
            logger.exception("Could not run the background task for %s", what)

    transaction.on_commit(enqueue)
