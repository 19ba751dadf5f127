"""Small helpers for thin views."""

from __future__ import annotations

from typing import TypeVar

from django.http import Http404, HttpResponse, HttpResponseNotModified
from django.utils.cache import patch_vary_headers
from django.utils.http import parse_etags

T = TypeVar("T")


def or_404(found: T | None) -> T:
    """What a selector found, or a 404: the selectors answer None for what the caller may not see."""
    if found is None:
        raise Http404
    return found


def conditional_json(request, content: bytes, etag: str) -> HttpResponse:
    """A rendered JSON body with its entity tag; ``304 Not Modified`` (no body) when the client's
    ``If-None-Match`` names that tag. Clients may keep the body (``no-cache``: always revalidate);
    a body computed for a signed-in viewer is ``private`` (never kept by shared caches), and the
    ``Vary`` header tells shared caches the answer depends on who asks."""
    if etag in parse_etags(request.headers.get("If-None-Match", "")) or request.headers.get("If-None-Match") == "*":
        response = HttpResponseNotModified()
    else:
        response = HttpResponse(content, content_type="application/json")
    response["ETag"] = etag
    response["Cache-Control"] = "private, no-cache" if request.user.is_authenticated else "no-cache"
    patch_vary_headers(response, ["Authorization"])
    return response
