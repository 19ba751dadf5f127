"""Learning use cases: recording views and progress, completing courses, reviews."""

from __future__ import annotations

import logging
from typing import Any

from django.db import IntegrityError, transaction
from django.db.models import Avg, Count
from django.utils import timezone

from core.exceptions import Conflict, Forbidden
from core.services import model_update
from courses import cache as catalog_cache
from courses import selectors as course_selectors
from courses.models import Course, Enrollment, Lesson
from courses.selectors import progress_percent
from learning import certificates
from learning.models import COMPLETION_THRESHOLD, Certificate, LessonProgress, LessonView, Review
from users.models import User

logger = logging.getLogger(__name__)


# --- Views and progress ----------------------------------------------------------------------------


def lesson_view_record(*, lesson: Lesson, viewer: User | None) -> None:
    """Called when a player secret is issued to someone who may watch the lesson."""
    LessonView.objects.create(lesson=lesson, viewer=viewer if viewer and viewer.is_authenticated else None)


@transaction.atomic
def lesson_progress_record(
    *, student: User, lesson: Lesson, position_seconds: int, completed: bool = False
) -> LessonProgress:
    """Store the last position; the lesson becomes complete when asked, or at 90 % of its
    duration. Completion is sticky, and finishing the last lesson completes the course."""
    progress, _ = LessonProgress.objects.select_for_update().get_or_create(student=student, lesson=lesson)
    duration = int(lesson.duration.total_seconds())
    position = min(position_seconds, duration) if duration else position_seconds
    reached = duration > 0 and position >= COMPLETION_THRESHOLD * duration
    newly_completed = (completed or reached) and not progress.completed
    data: dict[str, Any] = {"position_seconds": position}
    if newly_completed:
        data.update(completed=True, completed_at=timezone.now())
    progress, updated = model_update(
        instance=progress, fields=("position_seconds", "completed", "completed_at"), data=data
    )
    if not updated:
        # The same position again still counts as activity ("active students").
        LessonProgress.objects.filter(pk=progress.pk).update(updated_at=timezone.now())
    if newly_completed:
        course_completion_check(student=student, course=lesson.part.course)
    return progress


def course_progress(*, student: User, course: Course, total_lessons: int | None = None) -> dict[str, Any]:
    """``{completed_lessons, total_lessons, percent, last_lesson, completed_at}`` in 3 queries
    (4 when the caller does not already know how many lessons the course has)."""
    total = Lesson.objects.filter(part__course=course).count() if total_lessons is None else total_lessons
    rows = LessonProgress.objects.filter(student=student, lesson__part__course=course)
    completed = rows.filter(completed=True).count()
    last = rows.select_related("lesson").order_by("-updated_at").first()
    certificate = Certificate.objects.filter(student=student, course=course).only("issued_at").first()
    return {
        "completed_lessons": completed,
        "total_lessons": total,
        "percent": progress_percent(completed, total),
        "last_lesson": (
            {"slug": last.lesson.slug, "title": last.lesson.title, "position_seconds": last.position_seconds}
            if last
            else None
        ),
        "completed_at": certificate.issued_at if certificate else None,
    }


def course_completion_check(*, student: User, course: Course) -> Certificate | None:
    """Issue the certificate (exactly once) when an enrolled student has completed every lesson."""
    # Locking the enrolment serialises two lessons completed at the same moment: the second
    # transaction waits for the first and then counts both, so the last completion always sees 100 %.
    enrolled = (
        Enrollment.objects.select_for_update()
        .filter(student=student, course=course, is_active=True)
        .values_list("pk", flat=True)
        .first()
    )
    if enrolled is None:
        return None  # tutors and admins previewing a course earn nothing
    total = Lesson.objects.filter(part__course=course).count()
    done = LessonProgress.objects.filter(student=student, lesson__part__course=course, completed=True).count()
    if total == 0 or done < total:
        return None
    return certificates.certificate_issue(student=student, course=course)


# --- Reviews ------------------------------------------------------------------------------------------------


def _course_rating_refresh(course_id) -> None:
    """Recompute the course's rating under a row lock: exact under concurrent writes."""
    Course.objects.select_for_update().filter(pk=course_id).values_list("pk", flat=True).first()
    figures = Review.objects.filter(course_id=course_id).aggregate(avg=Avg("rating"), n=Count("pk"))
    catalog_cache.catalog_changed()  # rating and reviews_count of anonymous catalog pages
    Course.objects.filter(pk=course_id).update(rating=round(figures["avg"] or 0, 2), reviews_count=figures["n"] or 0)


@transaction.atomic
def review_create(*, user: User, course: Course, rating: int, text: str = "") -> Review:
    """One review per enrolled student and course: only students actively enrolled in the
    course may review it (403), and only once (409 on a second)."""
    if not course_selectors.user_is_enrolled(user, course):
        raise Forbidden("Only students enrolled in this course can review it.")
    try:
        with transaction.atomic():
            review = Review.objects.create(user=user, course=course, rating=rating, text=text)
    except IntegrityError:
        raise Conflict("You have already reviewed this course: edit your review instead.") from None
    _course_rating_refresh(course.pk)
    return review


@transaction.atomic
def review_update(*, review: Review, data: dict[str, Any]) -> Review:
    review, updated = model_update(instance=review, fields=("rating", "text"), data=data)
    if updated and "rating" in data:
        _course_rating_refresh(review.course_id)
    return review


@transaction.atomic
def review_delete(*, review: Review) -> None:
    course_id = review.course_id
    review.delete()
    _course_rating_refresh(course_id)
