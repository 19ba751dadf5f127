"""Query-string filters of the catalog lists. Malformed values are 400s, never 500s."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

from django.conf import settings
from django.db.models import DurationField, OuterRef, Q, Subquery, Sum, Value
from django.db.models.functions import Coalesce
from django.utils.translation import gettext_lazy as _
from django_filters import rest_framework as filters
from rest_framework.exceptions import ValidationError

from courses import selectors
from courses.models import (
    MAX_PRICE,
    Comment,
    Course,
    CourseLevel,
    CoursePart,
    Enrollment,
    Lesson,
    TutorInvitation,
    TutorInvitationStatus,
)

MAX_VALUES = 20  # values of one multi-valued parameter (``category=a,b`` or repeated)
MAX_COURSE_MINUTES = 1_000_000
PRICE_TYPES = [("free", "Free courses"), ("paid", "Paid courses")]


def _values(data, name: str, *, max_length: int) -> list[str]:
    """The values of a parameter given repeatedly and/or comma-separated; 400 on a NUL, an
    overlong value or too many values."""
    values = [v.strip() for raw in data.getlist(name) for v in raw.split(",") if v.strip()]
    if len(values) > MAX_VALUES:
        raise ValidationError({name: [_("At most %(limit)s values.") % {"limit": MAX_VALUES}]})
    for value in values:
        if "\x00" in value:
            raise ValidationError({name: [_("Null characters are not allowed.")]})
        if len(value) > max_length:
            raise ValidationError(
                {name: [_("Ensure each value has at most %(limit)s characters.") % {"limit": max_length}]}
            )
    return values


class CourseFilter(filters.FilterSet):
    """The course list's filters (README "Finding courses"). Multi-valued ones take repeated
    parameters or commas. Each facet (courses/api/facets.py) counts with every filter but its
    own: ``FACETS`` there names the parameters of each. A new filter goes here, and in the
    ``params`` of the facet it belongs to (a ``language`` filter: a ``filter_choices`` like
    ``level``'s, on ``Course.language``)."""

    search = filters.CharFilter(method="filter_search", max_length=200, help_text="Typo-tolerant ranked search.")
    category = filters.CharFilter(
        method="filter_category", max_length=120, help_text="Category ids or slugs (repeat or comma-separate)."
    )
    level = filters.CharFilter(
        method="filter_level",
        max_length=200,
        help_text=f"Levels (repeat or comma-separate): {', '.join(CourseLevel.values)}.",
    )
    tutor = filters.CharFilter(method="filter_tutor", max_length=12, help_text="Tutor user id.")
    is_free = filters.BooleanFilter(method="filter_is_free")
    price_type = filters.ChoiceFilter(
        method="filter_price_type", choices=PRICE_TYPES, help_text="`free` or `paid` (as `is_free`)."
    )
    min_price = filters.NumberFilter(field_name="price", lookup_expr="gte", min_value=Decimal(0), max_value=MAX_PRICE)
    max_price = filters.NumberFilter(field_name="price", lookup_expr="lte", min_value=Decimal(0), max_value=MAX_PRICE)
    price_min = filters.NumberFilter(
        field_name="price", lookup_expr="gte", min_value=Decimal(0), max_value=MAX_PRICE, help_text="As `min_price`."
    )
    price_max = filters.NumberFilter(
        field_name="price", lookup_expr="lte", min_value=Decimal(0), max_value=MAX_PRICE, help_text="As `max_price`."
    )
    rating_min = filters.NumberFilter(
        field_name="rating", lookup_expr="gte", min_value=Decimal(0), max_value=Decimal(5), help_text="0 to 5."
    )
    duration_min = filters.NumberFilter(
        method="filter_duration",
        min_value=Decimal(0),
        max_value=MAX_COURSE_MINUTES,
        help_text="Total lesson time, in minutes, at least.",
    )
    duration_max = filters.NumberFilter(
        method="filter_duration",
        min_value=Decimal(0),
        max_value=MAX_COURSE_MINUTES,
        help_text="Total lesson time, in minutes, at most.",
    )

    language = filters.ChoiceFilter(choices=settings.LANGUAGES, help_text="The language the course is taught in.")

    class Meta:
        model = Course
        fields = [
            "search", "category", "level", "tutor", "is_free", "price_type", "min_price", "max_price",
            "price_min", "price_max", "rating_min", "duration_min", "duration_max", "language",
        ]  # fmt: skip

    def filter_search(self, queryset, name, value):
        return selectors.course_search(queryset, value)

    def filter_category(self, queryset, name, value):
        values = _values(self.data, name, max_length=120)
        if not values:
            return queryset
        ids = [int(v) for v in values if v.isdigit() and len(v) <= 18]
        return queryset.filter(Q(category_id__in=ids) | Q(category__slug__in=values))

    def filter_choices(self, queryset, name, value, *, choices: list[str], field: str):
        values = _values(self.data, name, max_length=50)
        wrong = [v for v in values if v not in choices]
        if wrong:
            message = _("Select a valid choice: “%(value)s” is not one of %(choices)s.")
            raise ValidationError({name: [message % {"value": wrong[0], "choices": ", ".join(choices)}]})
        return queryset.filter(**{f"{field}__in": values}) if values else queryset

    def filter_level(self, queryset, name, value):
        return self.filter_choices(queryset, name, value, choices=CourseLevel.values, field="level")

    def filter_tutor(self, queryset, name, value):
        return queryset.filter(pk__in=Course.tutors.through.objects.filter(user_id=value).values("course_id"))

    def filter_is_free(self, queryset, name, value):
        if value is None:
            return queryset
        return queryset.filter(price=0) if value else queryset.filter(price__gt=0)

    def filter_price_type(self, queryset, name, value):
        return self.filter_is_free(queryset, name, {"free": True, "paid": False}.get(value))

    def filter_duration(self, queryset, name, value):
        if value is None:
            return queryset
        total = Coalesce(
            Subquery(
                Lesson.objects.filter(part__course=OuterRef("pk"))
                .order_by()
                .values("part__course")
                .annotate(d=Sum("duration"))
                .values("d"),
                output_field=DurationField(),
            ),
            Value(timedelta(0), output_field=DurationField()),
        )
        bound = timedelta(minutes=float(value))
        alias = f"_{name}_total"
        lookup = "gte" if name == "duration_min" else "lte"
        return queryset.alias(**{alias: total}).filter(**{f"{alias}__{lookup}": bound})


class CourseFacetFilter(CourseFilter):
    """The same filters, for facet counts: the search filters without ranking."""

    def filter_search(self, queryset, name, value):
        return selectors.course_search_filter(queryset, value)


class PartFilter(filters.FilterSet):
    course = filters.UUIDFilter(field_name="course_id")

    class Meta:
        model = CoursePart
        fields = ["course"]


class LessonFilter(filters.FilterSet):
    part = filters.UUIDFilter(field_name="part_id")

    class Meta:
        model = Lesson
        fields = ["part"]


class CommentFilter(filters.FilterSet):
    parent = filters.CharFilter(method="filter_parent", help_text='A comment id, or "null" for top-level comments.')

    class Meta:
        model = Comment
        fields = ["parent"]

    def filter_parent(self, queryset, name, value):
        if value.lower() in ("null", "none", ""):
            return queryset.filter(parent__isnull=True)
        field = filters.UUIDFilter().field
        return queryset.filter(parent_id=field.clean(value))


class EnrollmentFilter(filters.FilterSet):
    student = filters.CharFilter(field_name="student_id", max_length=12)
    course = filters.UUIDFilter(field_name="course_id")

    class Meta:
        model = Enrollment
        fields = ["student", "course"]


class TutorInvitationFilter(filters.FilterSet):
    status = filters.ChoiceFilter(choices=TutorInvitationStatus.choices)

    class Meta:
        model = TutorInvitation
        fields = ["status"]
