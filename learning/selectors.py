"""Reads of the learning app: querysets with a fixed query cost."""

from __future__ import annotations

from django.db.models import Count, IntegerField, OuterRef, QuerySet, Subquery, Value
from django.db.models.functions import Coalesce

from courses.models import Course, Enrollment
from learning.models import LessonProgress, Review


def review_list(*, course: Course) -> QuerySet[Review]:
    """A course's reviews with their authors, newest first."""
    return Review.objects.filter(course=course).select_related("user").order_by("-created_at")


def enrollment_progress_annotate(*, queryset: QuerySet[Enrollment]) -> QuerySet[Enrollment]:
    """Each enrolment's progress (completed lessons, the last lesson touched) as subqueries: the
    catalog's enrolment list asks for it through ``courses.hooks.enrollment_progress``."""
    mine = LessonProgress.objects.filter(
        student_id=OuterRef("student_id"), lesson__part__course_id=OuterRef("course_id")
    ).order_by()
    last = mine.order_by("-updated_at")
    return queryset.annotate(
        completed_lessons=Coalesce(
            Subquery(
                mine.filter(completed=True).values("student_id").annotate(n=Count("pk")).values("n"),
                output_field=IntegerField(),
            ),
            Value(0),
        ),
        last_lesson_slug=Subquery(last.values("lesson__slug")[:1]),
        last_lesson_title=Subquery(last.values("lesson__title")[:1]),
        last_lesson_position=Subquery(last.values("position_seconds")[:1]),
    )
