"""Query-string filters of the catalog lists. Malformed values are 400s, never 500s."""

from __future__ import annotations

from decimal import Decimal

from django.conf import settings
from django.db.models import Q
from django_filters import rest_framework as filters

from courses import selectors
from courses.models import (
    MAX_PRICE,
    Comment,
    Course,
    CoursePart,
    Enrollment,
    Lesson,
    TutorInvitation,
    TutorInvitationStatus,
)


class CourseFilter(filters.FilterSet):
    search = filters.CharFilter(method="filter_search", max_length=200, help_text="Full-text search.")
    category = filters.CharFilter(method="filter_category", max_length=120, help_text="Category id or slug.")
    tutor = filters.CharFilter(method="filter_tutor", max_length=12, help_text="Tutor user id.")
    is_free = filters.BooleanFilter(method="filter_is_free")
    min_price = filters.NumberFilter(field_name="price", lookup_expr="gte", min_value=Decimal(0), max_value=MAX_PRICE)
    max_price = filters.NumberFilter(field_name="price", lookup_expr="lte", min_value=Decimal(0), max_value=MAX_PRICE)
    language = filters.ChoiceFilter(choices=settings.LANGUAGES, help_text="The language the course is taught in.")

    class Meta:
        model = Course
        fields = ["search", "category", "tutor", "is_free", "min_price", "max_price", "language"]

    def filter_search(self, queryset, name, value):
        return selectors.course_search(queryset, value)

    def filter_category(self, queryset, name, value):
        value = value.strip()
        if value.isdigit() and len(value) <= 18:
            return queryset.filter(Q(category_id=int(value)) | Q(category__slug=value))
        return queryset.filter(category__slug=value)

    def filter_tutor(self, queryset, name, value):
        return queryset.filter(pk__in=Course.tutors.through.objects.filter(user_id=value).values("course_id"))

    def filter_is_free(self, queryset, name, value):
        if value is None:
            return queryset
        return queryset.filter(price=0) if value else queryset.filter(price__gt=0)


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
