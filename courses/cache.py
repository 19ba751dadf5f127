"""Shared cache of the public catalog: course lists, course pages and lesson outlines.

Everyone sees the same public catalog, so each page is rendered once *as an anonymous visitor
would see it* and its JSON kept in the cache (Redis in production) for CATALOG_CACHE_SECONDS.
Signed-in viewers get the same body with their own fields laid over it by
``courses.api.viewer`` (``is_enrolled``, ``progress``): laid over per request from the viewer's
own cached facts (``core.cache``), never stored, so nobody is ever served somebody else's fields.

Every write to catalog content replaces the catalog's token (``core.cache.Stamped``), so an edit,
a publication, a new lesson, an enrolment or a review shows on the next read; a figure may lag
by at most CATALOG_CACHE_SECONDS only where a write bypasses the signals and the services.
With CATALOG_CACHE_SECONDS = 0 nothing is stored and every page is rendered afresh (same code
path, same bodies).
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from dataclasses import dataclass
from typing import TypeVar

from django.utils import translation

from core.cache import Stamped

T = TypeVar("T")


@dataclass(frozen=True)
class Body:
    """A rendered JSON body, its strong entity tag (quoted, as sent in ``ETag``) and, for a
    list, where each course's ``"is_enrolled":false`` sits (``(course id, byte offset)``) so
    that a viewer's overlay can set it without parsing the body again."""

    content: bytes
    etag: str
    slots: tuple[tuple[str, int], ...] = ()

    @classmethod
    def of(cls, content: bytes, slots: tuple[tuple[str, int], ...] = ()) -> Body:
        return cls(content, f'"{hashlib.blake2b(content, digest_size=12).hexdigest()}"', slots)


# The catalog's shared pages, all under one token that every catalog write replaces.
pages = Stamped("catalog", lifetime="CATALOG_CACHE_SECONDS")
CATALOG = "all"


def remembered(name: str, compute: Callable[[], T | None]) -> T | None:
    """``compute()``, kept under ``name`` until the next catalog write (None is not kept: "not
    public" is asked again each time). One cache round trip when the value is there."""
    return pages.get(CATALOG, compute, part=hashlib.sha256(name.encode()).hexdigest())


def public_body(request, render: Callable[[], Body | None]) -> Body | None:
    """The public JSON body of this URL (scheme, host and full path: absolute links in the body
    depend on all three) in the request's language (category names are translated): cached, or
    rendered by ``render`` as an anonymous visitor in that language sees it.
    None when ``render`` says the page is not public (a draft, or nothing at that address)."""
    return remembered(f"page:{translation.get_language()}:{request.build_absolute_uri()}", render)


def catalog_changed(**kwargs) -> None:
    """Signal receiver (and a call after bulk updates): cached catalog pages stop being served."""
    pages.changed(CATALOG)
