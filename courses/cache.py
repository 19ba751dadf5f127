"""Response cache of the public catalog (anonymous course list and course pages).

Anonymous visitors all see the same catalog, so its rendered JSON is kept in the cache
(Redis in production) for CATALOG_CACHE_SECONDS. Every write to catalog content bumps a
version number that is part of the key, so an edit, a publication, a new lesson, an
enrolment or a review shows at once; a figure may lag by at
most CATALOG_CACHE_SECONDS only where a write bypasses the signals and the services.
Signed-in users are never served from it (is_enrolled, drafts).
"""

from __future__ import annotations

import hashlib

from django.conf import settings
from django.core.cache import cache
from django.db import transaction

VERSION_KEY = "catalog:version"


def enabled() -> bool:
    return settings.CATALOG_CACHE_SECONDS > 0


def _version() -> int:
    version = cache.get(VERSION_KEY)
    if version is None:
        cache.add(VERSION_KEY, 1, timeout=None)
        version = cache.get(VERSION_KEY, 1)
    return version


def key_for(request) -> str:
    """Scheme, host and full path: absolute links in the body depend on all three."""
    url = request.build_absolute_uri()
    return f"catalog:{_version()}:{hashlib.sha256(url.encode()).hexdigest()}"


def get(request) -> bytes | None:
    return cache.get(key_for(request))


def put(request, content: bytes) -> None:
    cache.set(key_for(request), content, timeout=settings.CATALOG_CACHE_SECONDS)


def catalog_changed(**kwargs) -> None:
    """Signal receiver: once the write commits, cached catalog pages stop being served."""

    def bump() -> None:
        try:
            cache.incr(VERSION_KEY)
        except ValueError:  # no version yet (or the cache was flushed): start a new one
            cache.set(VERSION_KEY, 2, timeout=None)

    transaction.on_commit(bump)
