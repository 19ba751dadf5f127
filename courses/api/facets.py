"""Facets of the course list: ``?facets=category,level,price,rating``.

Each facet counts the courses of the *current* list (the search and every other filter), as a
shop does: without its own filter, so that picking "beginner" still shows how many intermediate
courses there are. One query per facet asked for (grouping or conditional aggregation), however
many courses and values: at most ``len(FACETS)`` queries.

To add a facet: one entry in ``FACETS`` naming the query parameters it ignores and the function
that counts. Category names are given in the request's language (``Category.localized``).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from django.conf import settings
from django.db.models import Count, Q, QuerySet
from django.utils.translation import gettext_lazy as _
from rest_framework.exceptions import ValidationError

from courses.api.filters import CourseFacetFilter
from courses.models import Category, Course, CourseLevel

RATING_STEPS = (4, 3, 2, 1)
MAX_FACETS_PARAM = 200


def category_counts(queryset: QuerySet[Course]) -> list[dict]:
    rows = (
        queryset.filter(category__isnull=False)
        .values("category__slug", "category__name", "category__translations")
        .annotate(count=Count("pk", distinct=True))
        .order_by("-count", "category__name")
    )
    return [
        {
            "slug": row["category__slug"],
            "name": Category(name=row["category__name"], translations=row["category__translations"]).localized("name"),
            "count": row["count"],
        }
        for row in rows
    ]


def choices_counter(field: str, values: list[str]) -> Callable[[QuerySet[Course]], list[dict]]:
    """Counts of every value of a choice field (zeros included), in the choices' order."""

    def count(queryset: QuerySet[Course]) -> list[dict]:
        counts = queryset.aggregate(**{f"n{i}": Count("pk", filter=Q(**{field: v})) for i, v in enumerate(values)})
        return [{"value": v, "count": counts[f"n{i}"]} for i, v in enumerate(values)]

    return count


def price_counts(queryset: QuerySet[Course]) -> list[dict]:
    counts = queryset.aggregate(free=Count("pk", filter=Q(price=0)), paid=Count("pk", filter=Q(price__gt=0)))
    return [{"key": "free", "count": counts["free"]}, {"key": "paid", "count": counts["paid"]}]


def rating_counts(queryset: QuerySet[Course]) -> list[dict]:
    counts = queryset.aggregate(**{f"r{step}": Count("pk", filter=Q(rating__gte=step)) for step in RATING_STEPS})
    return [{"min": step, "count": counts[f"r{step}"]} for step in RATING_STEPS]


@dataclass(frozen=True)
class Facet:
    params: tuple[str, ...]  # the query parameters of its own filter, left out when counting
    count: Callable[[QuerySet[Course]], list[dict]]


FACETS: dict[str, Facet] = {
    "category": Facet(("category",), category_counts),
    "level": Facet(("level",), choices_counter("level", CourseLevel.values)),
    "price": Facet(("is_free", "price_type", "min_price", "max_price", "price_min", "price_max"), price_counts),
    "rating": Facet(("rating_min",), rating_counts),
    "language": Facet(("language",), choices_counter("language", [code for code, _name in settings.LANGUAGES])),
}


def requested(query_params) -> list[str]:
    """The facets named by ``?facets=`` (repeated or comma-separated); 400 on an unknown one."""
    raw = ",".join(query_params.getlist("facets"))
    if len(raw) > MAX_FACETS_PARAM:
        raise ValidationError(
            {"facets": [_("Ensure this value has at most %(limit)s characters.") % {"limit": MAX_FACETS_PARAM}]}
        )
    names = list(dict.fromkeys(name.strip() for name in raw.split(",") if name.strip()))
    unknown = [name for name in names if name not in FACETS]
    if unknown:
        raise ValidationError(
            {
                "facets": [
                    _("Unknown facet “%(facet)s”: choose among %(choices)s.")
                    % {"facet": unknown[0], "choices": ", ".join(FACETS)}
                ]
            }
        )
    return names


def compute(names: list[str], *, base: QuerySet[Course], query_params, request) -> dict[str, list[dict]]:
    """``{facet: counts}`` for the list ``base`` filtered by ``query_params``, each facet without
    its own parameters. The parameters were validated by the list itself."""
    result = {}
    for name in names:
        facet = FACETS[name]
        data = query_params.copy()
        for param in facet.params:
            data.pop(param, None)
        filterset = CourseFacetFilter(data=data, queryset=base, request=request)
        if not filterset.is_valid():
            raise ValidationError(filterset.errors)
        result[name] = facet.count(filterset.qs.order_by())
    return result
