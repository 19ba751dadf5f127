"""A tutor's dashboard figures (``quick_statistics``) from the cache, fast and without a stampede.

Computing the figures of a busy tutor (94 courses, 10,000 students, 40,000 payments) takes
about a second, so they are kept in the cache with the tutor's *statistics version* and the
time they were computed. Writes that change a tutor's figures (enrolments, payments, reviews,
certificates, their courses and who teaches them; ``analytics.apps``) bump the version of each
tutor concerned once they commit.

A read, for one tutor:

- fresh figures (same version, younger than TUTOR_STATISTICS_CACHE_SECONDS): served;
- stale figures (a write since, or older): served at once, while one request recomputes them in
  a background thread, at most once every TUTOR_STATISTICS_REFRESH_SECONDS per tutor (a key in
  the cache that expires: a tutor whose figures change every second costs one computation per
  interval, not one per change); the requests after it get the new figures;
- no figures (a first visit, or figures older than twice the lifetime, which the cache drops):
  one request computes them while the others wait for its result (at most WAIT_SECONDS, then
  they compute their own).

So a served figure is at most TUTOR_STATISTICS_REFRESH_SECONDS plus one computation behind a
write that changed it, and never older than twice TUTOR_STATISTICS_CACHE_SECONDS.
Writes that bypass the signals (bulk ``update()``) and the passage of time (active students,
the current month) are caught by the lifetime. TUTOR_STATISTICS_CACHE_SECONDS = 0 computes on
every request.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable, Iterable

from django.conf import settings
from django.core.cache import cache
from django.db import close_old_connections, connection, transaction

from core.cache import cache_or

logger = logging.getLogger(__name__)

# How long a recomputation may hold the lock before another request may try again.
LOCK_SECONDS = 120
# How long a request waits for another one computing the first figures of the same tutor.
WAIT_SECONDS = 15
POLL_SECONDS = 0.05


def enabled() -> bool:
    return settings.TUTOR_STATISTICS_CACHE_SECONDS > 0


def _keys(user_id) -> tuple[str, str, str, str]:
    return (
        f"statistics:v:{user_id}",
        f"statistics:quick:{user_id}",
        f"statistics:lock:{user_id}",
        f"statistics:refreshed:{user_id}",
    )


def quick_statistics(user, compute: Callable[[], dict]) -> dict:
    """The figures of ``user`` (computed by ``compute()``), as the module docstring says."""
    ttl = settings.TUTOR_STATISTICS_CACHE_SECONDS
    if ttl <= 0:
        return compute()
    version_key, entry_key, lock_key, refreshed_key = _keys(user.pk)
    found = cache_or(lambda: cache.get_many([version_key, entry_key]), None)
    if found is None:  # no cache: computed now
        return compute()
    version, entry = found.get(version_key, 0), found.get(entry_key)
    if entry is not None:
        stale = entry["version"] != version or time.time() - entry["at"] >= ttl
        # One recomputation per interval (the key expires), and never two at once (the lock).
        if (
            stale
            and cache.add(refreshed_key, 1, timeout=settings.TUTOR_STATISTICS_REFRESH_SECONDS)
            and cache.add(lock_key, 1, timeout=LOCK_SECONDS)
        ):
            _start(lambda: _store(compute, version_key, entry_key, ttl), lock_key)
        return entry["data"]
    if cache.add(lock_key, 1, timeout=LOCK_SECONDS):
        try:
            return _store(compute, version_key, entry_key, ttl)
        finally:
            cache.delete(lock_key)
    deadline = time.monotonic() + WAIT_SECONDS
    while time.monotonic() < deadline:
        time.sleep(POLL_SECONDS)
        entry = cache.get(entry_key)
        if entry is not None:
            return entry["data"]
    return compute()


def _store(compute: Callable[[], dict], version_key: str, entry_key: str, ttl: int) -> dict:
    # The version is read before computing: a write committed meanwhile leaves the entry stale.
    version = cache.get(version_key, 0)
    data = compute()
    cache.set(entry_key, {"version": version, "at": time.time(), "data": data}, timeout=2 * ttl)
    return data


def _start(work: Callable[[], object], lock_key: str) -> None:
    """Run ``work`` in a thread of its own (its own database connection, closed at the end)."""

    def run() -> None:
        try:
            work()
        except Exception:  # the stale figures stay; the next stale read tries again
            logger.exception("Recomputing tutor statistics failed")
        finally:
            cache.delete(lock_key)
            close_old_connections()
            connection.close()

    background(run)


def background(run: Callable[[], None]) -> None:
    """How background work starts: a daemon thread (tests may run it inline instead)."""
    threading.Thread(target=run, name="tutor-statistics", daemon=True).start()


def tutors_changed(user_ids: Iterable) -> None:
    """Once the current transaction commits, the figures of these tutors are stale."""
    keys = [_keys(user_id)[0] for user_id in set(user_ids)]
    if not keys:
        return

    def bump() -> None:
        for key in keys:
            try:
                cache.incr(key)
            except ValueError:  # no version yet: figures cached before it were version 0
                cache.set(key, 1, timeout=None)

    transaction.on_commit(bump)
