"""Per-owner cache entries that writes replace at once, without races.

Signed-in requests need a few small facts about their viewer on every request (the account row
behind the token, the courses they are enrolled in, their progress in a course). Reading them
from the database costs more than everything else such a request does, so they are kept in the
cache, each owner's entries under a *token* (a random string) that every write concerning the
owner replaces (``Stamped.changed``): at once, and again when the write's transaction commits.
An entry is served only while it carries the current token, so

- a write is seen by the next read (the token changed, the entry is recomputed);
- a read racing a write cannot keep a stale value: it stored the value under the token it read
  before reading the database, which the write's commit replaces;
- an evicted token (memory pressure) invalidates its owner's entries instead of reviving them.

A setting bounds how long an entry lives even without writes (0: no caching):
``VIEWER_CACHE_SECONDS`` for the viewers' facts, ``CATALOG_CACHE_SECONDS`` for the catalog's
shared pages (``courses.cache``, one owner for the whole catalog).
When the cache cannot be reached, the database answers (``cache_or``): slower, never an error.
"""

from __future__ import annotations

import logging
import uuid
from collections.abc import Callable, Sequence
from contextvars import ContextVar
from typing import TypeVar

from django.conf import settings
from django.core.cache import cache
from django.core.signals import request_finished, request_started
from django.db import transaction

T = TypeVar("T")
logger = logging.getLogger(__name__)


def cache_or(operation: Callable[[], T], default: T) -> T:
    """``operation()`` on the cache, or ``default`` when the cache cannot be reached (logged):
    caches here only make answers faster, so an outage must not turn them into errors."""
    try:
        return operation()
    except Exception:
        logger.warning("The cache did not answer; going on without it", exc_info=True)
        return default


# What ``Stamped.get(..., along=...)`` fetched for the entries asked along, for the rest of the
# current request (a request runs in one thread or task); dropped by any ``changed()``.
_fetched: ContextVar[dict | None] = ContextVar("stamped_fetched", default=None)


def _forget(**kwargs) -> None:
    _fetched.set(None)


# Nothing fetched ahead outlives its request.
request_started.connect(_forget, dispatch_uid="core-cache-forget-start")
request_finished.connect(_forget, dispatch_uid="core-cache-forget-finish")


class Stamped:
    """Entries named ``name``, grouped per owner (e.g. a user id) under the owner's token."""

    def __init__(self, name: str, *, lifetime: str = "VIEWER_CACHE_SECONDS") -> None:
        self.name = name
        self.lifetime = lifetime  # the setting that bounds how long an entry lives (0: off)

    def _token_key(self, owner) -> str:
        return f"{self.name}:token:{owner}"

    def _keys(self, owner, part: str) -> tuple[str, str]:
        return self._token_key(owner), f"{self.name}:entry:{owner}:{part}"

    def get(self, owner, compute: Callable[[], T], part: str = "", along: Sequence[Stamped] = ()) -> T:
        """The owner's entry ``part``: cached while the owner's token is unchanged, else
        ``compute()`` (stored under the token read before computing; None is not stored, so
        "nothing there" is asked again each time). ``along``: other caches
        whose entry (part "") of the same owner this request will ask for next; they come in
        the same round trip to the cache (every signed-in request asks for its account with the
        viewer's enrolments along)."""
        timeout = getattr(settings, self.lifetime)
        if timeout <= 0:
            return compute()
        token_key, entry_key = self._keys(owner, part)
        fetched = _fetched.get()
        if not along and fetched is not None and token_key in fetched:
            found = {key: fetched[key] for key in (token_key, entry_key) if fetched.get(key) is not None}
        else:
            extra = [key for other in along for key in other._keys(owner, "")]
            found = cache_or(lambda: cache.get_many([token_key, entry_key, *extra]), None)
            if found is None:  # no cache: the database answers
                return compute()
            if along:
                _fetched.set({key: found.get(key) for key in extra})
        token, entry = found.get(token_key), found.get(entry_key)
        if token is None:
            cache_or(lambda: cache.add(token_key, uuid.uuid4().hex, timeout=None), False)
            token = cache_or(lambda: cache.get(token_key), None)
            if token is None:  # a cache that keeps nothing, or went away
                return compute()
        if entry is not None and entry[0] == token:
            return entry[1]
        value = compute()
        if value is not None:
            cache_or(lambda: cache.set(entry_key, (token, value), timeout=timeout), None)
        return value

    def changed(self, *owners) -> None:
        """Something these owners' entries were computed from changed: replace their tokens
        now (the writer's own reads see it) and once the transaction commits (reads that
        raced the write see it)."""
        keys = [self._token_key(owner) for owner in owners if owner is not None]
        if not keys or getattr(settings, self.lifetime) <= 0:
            return
        _fetched.set(None)  # what this request fetched ahead may be what changed

        def replace() -> None:
            cache_or(lambda: cache.set_many({key: uuid.uuid4().hex for key in keys}, timeout=None), None)

        replace()
        transaction.on_commit(replace)
