"""Small helpers for thin views."""

from __future__ import annotations

from typing import TypeVar

from django.http import Http404

T = TypeVar("T")


def or_404(found: T | None) -> T:
    """What a selector found, or a 404: the selectors answer None for what the caller may not see."""
    if found is None:
        raise Http404
    return found
