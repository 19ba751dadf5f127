"""Reads on a PostgreSQL read replica (``DATABASE_REPLICA_URL``), everything else on the primary.

A read goes to the replica unless it could miss a write of the same unit of work: inside a
transaction on the primary, and after any write of the same request (or Celery task), reads stay
on the primary. Replication lag between two requests is not hidden: a client that writes and
reads back in its *next* request may, for a moment, read the replica's older copy
(docs/deployment.md, Scaling). Migrations run on the primary only; the replica follows by
replication.
"""

from __future__ import annotations

from contextvars import ContextVar

from django.db import connections

PRIMARY = "default"
REPLICA = "replica"

_wrote: ContextVar[bool] = ContextVar("wrote_to_primary", default=False)


def reset() -> object:
    """A new unit of work (a request, a task) reads from the replica again; returns a token."""
    return _wrote.set(False)


class PrimaryReplicaRouter:
    def db_for_read(self, model, **hints) -> str:
        if _wrote.get() or connections[PRIMARY].in_atomic_block:
            return PRIMARY
        return REPLICA

    def db_for_write(self, model, **hints) -> str:
        _wrote.set(True)
        return PRIMARY

    def allow_relation(self, obj1, obj2, **hints) -> bool:
        return True  # the same data on both

    def allow_migrate(self, db, app_label, model_name=None, **hints) -> bool:
        return db == PRIMARY


class ReplicaRequestMiddleware:
    """Each request starts reading from the replica (installed only with DATABASE_REPLICA_URL)."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        token = _wrote.set(False)
        try:
            return self.get_response(request)
        finally:
            _wrote.reset(token)


def reset_for_task(**kwargs) -> None:
    """Celery's task_prerun: each task starts reading from the replica."""
    _wrote.set(False)
