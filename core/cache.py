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

``VIEWER_CACHE_SECONDS`` bounds how long an entry lives even without writes (0: no caching).
"""

from __future__ import annotations

import uuid
from collections.abc import Callable
from typing import TypeVar

from django.conf import settings
from django.core.cache import cache
from django.db import transaction

T = TypeVar("T")


class Stamped:
    """Entries named ``name``, grouped per owner (e.g. a user id) under the owner's token."""

    def __init__(self, name: str) -> None:
        self.name = name

    def _token_key(self, owner) -> str:
        return f"{self.name}:token:{owner}"

    def get(self, owner, compute: Callable[[], T], part: str = "") -> T:
        """The owner's entry ``part``: cached while the owner's token is unchanged, else
        ``compute()`` (stored under the token read before computing)."""
        timeout = settings.VIEWER_CACHE_SECONDS
        if timeout <= 0:
            return compute()
        token_key, entry_key = self._token_key(owner), f"{self.name}:entry:{owner}:{part}"
        found = cache.get_many([token_key, entry_key])
        token, entry = found.get(token_key), found.get(entry_key)
        if token is None:
            cache.add(token_key, uuid.uuid4().hex, timeout=None)
            token = cache.get(token_key)
            if token is None:  # a cache that keeps nothing
                return compute()
        if entry is not None and entry[0] == token:
            return entry[1]
        value = compute()
        cache.set(entry_key, (token, value), timeout=timeout)
        return value

    def changed(self, *owners) -> None:
        """Something these owners' entries were computed from changed: replace their tokens
        now (the writer's own reads see it) and once the transaction commits (reads that
        raced the write see it)."""
        keys = [self._token_key(owner) for owner in owners if owner is not None]
        if not keys or settings.VIEWER_CACHE_SECONDS <= 0:
            return

        def replace() -> None:
            cache.set_many({key: uuid.uuid4().hex for key in keys}, timeout=None)

        replace()
        transaction.on_commit(replace)
