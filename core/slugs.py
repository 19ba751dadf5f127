"""Slugs: generated once, unique with a numeric suffix on collision, never empty."""

from __future__ import annotations

import re

from django.db import IntegrityError, models, transaction
from slugify import slugify

_OUTSIDE_SLUG = re.compile(r"[^a-z0-9]+")
SLUG_SUFFIX_ROOM = 8  # "-" plus up to 7 digits


def client_slug(title: str, *, fallback: str) -> str:
    """The web client's rule (it computes lesson links from titles):

    lower-case, every run of characters outside ``a-z0-9`` becomes ``-``, trim ``-``;
    if that is empty (say, a Cyrillic title) transliterate first; if still empty, ``fallback``.
    """
    slug = _OUTSIDE_SLUG.sub("-", title.lower()).strip("-")
    if not slug:
        slug = _OUTSIDE_SLUG.sub("-", slugify(title).lower()).strip("-")
    return slug or fallback


def _next_free(model: type[models.Model], base: str) -> str:
    taken = set(
        model._default_manager.filter(models.Q(slug=base) | models.Q(slug__startswith=f"{base}-")).values_list(
            "slug", flat=True
        )
    )
    if base not in taken:
        return base
    suffixes = {int(s[len(base) + 1 :]) for s in taken if s[len(base) + 1 :].isdigit()}
    number = 2
    while number in suffixes:
        number += 1
    return f"{base}-{number}"


def save_with_unique_slug(instance: models.Model, title: str, *, fallback: str | None = None) -> None:
    """Give ``instance`` a unique slug from ``title`` (else its model's ``slug_fallback``) and insert it.

    ``title-2``, ``title-3``… on collision; a concurrent insert that takes the same slug
    first makes us retry with the next free one instead of failing.
    """
    fallback = fallback or instance.slug_fallback
    max_length = instance._meta.get_field("slug").max_length
    base = client_slug(title, fallback=fallback)[: max_length - SLUG_SUFFIX_ROOM].strip("-") or fallback
    model = type(instance)
    for _attempt in range(5):
        instance.slug = _next_free(model, base)
        try:
            with transaction.atomic():
                instance.save(force_insert=True)
            return
        except IntegrityError:
            if not model._default_manager.filter(slug=instance.slug).exists():
                raise  # another constraint failed, not the slug
    raise IntegrityError(f"could not find a free slug for {base!r}")
