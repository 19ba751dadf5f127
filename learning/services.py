"""Learning use cases: recording views and progress, completing courses, reviews, certificates.

A certificate is issued once per student and course (a database constraint), when an
enrolled student completes every lesson. Its PDF is rendered in the background (Celery,
queued on commit) and rendered again when the student's name changes. The certificate
carries the student's *name*, never their e-mail address: the verification page is public.
"""

from __future__ import annotations

import logging
from typing import Any

from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.db import IntegrityError, connection, transaction
from django.db.models import Avg, Count
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from core.cache import Stamped
from core.exceptions import Conflict, Forbidden
from core.i18n import recipient_language
from core.services import model_update
from core.tasks import enqueue_on_commit
from courses import cache as catalog_cache
from courses import selectors as course_selectors
from courses.models import Course, Enrollment, Lesson
from courses.selectors import progress_percent
from learning import selectors
from learning.models import COMPLETION_THRESHOLD, Certificate, LessonProgress, LessonView, Review
from learning.pdf import certificate_pdf_render
from learning.selectors import certificate_student_name, certificate_verify_api_path, certificate_verify_url
from notifications import kinds as notification_kinds
from notifications.services import notify
from users.models import User

logger = logging.getLogger(__name__)


# --- Views and progress ----------------------------------------------------------------------------


def lesson_view_record(*, lesson: Lesson, viewer: User | None) -> None:
    """Called when a player secret is issued to someone who may watch the lesson: one row. Every
    player page writes one, so the INSERT is written out (a model's save() machinery costs more
    than the insert itself; LessonView has no signal receivers). Names come from the model and
    values, prepared by their fields, are parameters."""
    meta, q = LessonView._meta, connection.ops.quote_name
    fields = [meta.get_field(name) for name in ("lesson", "viewer", "viewed_at")]
    viewer_id = viewer.pk if viewer is not None and viewer.is_authenticated else None
    values = [
        field.get_db_prep_value(value, connection)
        for field, value in zip(fields, (lesson.pk, viewer_id, timezone.now()), strict=True)
    ]
    columns = ", ".join(q(field.column) for field in fields)
    with connection.cursor() as cursor:
        cursor.execute(f"INSERT INTO {q(meta.db_table)} ({columns}) VALUES (%s, %s, %s)", values)  # noqa: S608


@transaction.atomic
def lesson_progress_record(
    *, student: User, lesson: Lesson, position_seconds: int, completed: bool = False
) -> LessonProgress:
    """Store the last position; the lesson becomes complete when asked, or at 90 % of its
    duration. Completion is sticky, and finishing the last lesson completes the course."""
    progress, _unused = LessonProgress.objects.select_for_update().get_or_create(student=student, lesson=lesson)
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
        progress_pages.changed(student.pk)  # update() sends no signal; the last lesson may change
    if newly_completed:
        course_completion_check(student=student, course=lesson.part.course)
    return progress


def course_progress(*, student: User, course: Course, total_lessons: int | None = None) -> dict[str, Any]:
    """``{completed_lessons, total_lessons, percent, last_lesson, completed_at}`` (two queries,
    three without ``total_lessons``: ``selectors.course_progress_figures``)."""
    row = selectors.course_progress_figures(student=student, course=course, total_lessons=total_lessons)
    completed, total = row["completed_lessons"], row["total_lessons"]
    return {
        "completed_lessons": completed,
        "total_lessons": total,
        "percent": progress_percent(completed, total),
        "last_lesson": (
            {
                "slug": row["last_lesson_slug"],
                "title": row["last_lesson_title"],
                "position_seconds": row["last_lesson_position"],
            }
            if row["last_lesson_slug"]
            else None
        ),
        "completed_at": row["completed_at"],
    }


# Each student's course progress as the catalog's course page shows it (core.cache): replaced
# by every progress row or certificate of the student saved or deleted (learning.apps) and by
# lesson_progress_record.
progress_pages = Stamped("progress")


def course_progress_cached(*, student: User, course: Course, total_lessons: int | None = None) -> dict[str, Any]:
    """:func:`course_progress` for the catalog's course page (``courses.hooks.course_progress``),
    from the cache while the student's progress is unchanged. The page takes lesson titles from
    its own outline, so a renamed lesson never shows its old title there."""
    return progress_pages.get(
        student.pk,
        lambda: course_progress(student=student, course=course, total_lessons=total_lessons),
        part=f"{course.pk}:{total_lessons}",
    )


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
    return certificate_issue(student=student, course=course)


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
        raise Forbidden(_("Only students enrolled in this course can review it."))
    try:
        with transaction.atomic():
            review = Review.objects.create(user=user, course=course, rating=rating, text=text)
    except IntegrityError:
        raise Conflict(_("You have already reviewed this course: edit your review instead.")) from None
    _course_rating_refresh(course.pk)
    notify(
        recipients=course.tutors.exclude(pk=user.pk).values_list("pk", flat=True),
        kind=notification_kinds.NEW_REVIEW,
        title=_("New review of “%(course)s”: %(rating)s/5"),
        params={"rating": rating, "course": course.title},
        body=text[:300],
        url=f"/courses/{course.slug}/reviews",
        data={"review_id": str(review.pk), "course_title": course.title, "rating": rating},
        dedupe_key=f"review:{review.pk}",
    )
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


# --- Certificates: issuing ------------------------------------------------------------------------


def certificate_issue(*, student: User, course: Course) -> Certificate:
    """Issue the student's certificate for the course, once (idempotent, safe under concurrency).

    The PDF is rendered in the background once the surrounding transaction commits.
    """
    existing = Certificate.objects.filter(student=student, course=course).first()
    if existing is not None:
        return existing
    try:
        with transaction.atomic():  # a savepoint: a lost race leaves the outer transaction usable
            certificate = Certificate.objects.create(
                student=student, course=course, student_name=certificate_student_name(student)
            )
    except IntegrityError:
        # A concurrent completion issued it first (or, in theory, the code collided: raise then).
        existing = Certificate.objects.filter(student=student, course=course).first()
        if existing is None:
            raise
        return existing
    logger.info("Certificate %s issued to %s for course %s", certificate.pk, student.pk, course.pk)
    certificate_render_schedule(certificate_id=certificate.pk)
    notify(
        recipients=[student.pk],
        kind=notification_kinds.CERTIFICATE_ISSUED,
        title=_("Your certificate for “%(course)s” is ready"),
        body=_("Congratulations on completing the course."),
        params={"course": course.title},
        url=f"/courses/{course.slug}/certificate",
        data={"certificate_id": str(certificate.pk), "course_title": course.title},
        dedupe_key=f"certificate:{certificate.pk}",
    )
    return certificate


def certificate_regenerate_for_user(*, user: User) -> int:
    """The student's name changed: correct it on their certificates and render them again.

    Returns how many certificates changed. Call it inside the rename's transaction: the
    renders are queued when it commits.
    """
    name = certificate_student_name(user)
    stale = list(Certificate.objects.filter(student=user).exclude(student_name=name).values_list("pk", flat=True))
    if not stale:
        return 0
    Certificate.objects.filter(pk__in=stale).update(student_name=name)
    for certificate_id in stale:
        certificate_render_schedule(certificate_id=certificate_id)
    return len(stale)


def certificate_rerender_for_user(*, user: User) -> int:
    """The student chose another language: render each of their certificates again (queued
    when the surrounding transaction commits). Returns how many."""
    ids = list(Certificate.objects.filter(student=user).values_list("pk", flat=True))
    for certificate_id in ids:
        certificate_render_schedule(certificate_id=certificate_id)
    return len(ids)


def certificate_regenerate(*, certificate: Certificate) -> None:
    """Render one certificate again (the admin's action), with the student's current name."""
    name = certificate_student_name(certificate.student)
    if name != certificate.student_name:
        Certificate.objects.filter(pk=certificate.pk).update(student_name=name)
        certificate.student_name = name
    certificate_render_schedule(certificate_id=certificate.pk)


def certificate_render_schedule(*, certificate_id) -> None:
    """After the transaction commits, render the certificate's PDF in the background."""

    enqueue_on_commit(
        "learning.tasks.certificate_render", str(certificate_id), what=f"the PDF of certificate {certificate_id}"
    )


# --- Certificates: rendering ----------------------------------------------------------------------


def certificate_render(*, certificate_id) -> Certificate | None:
    """Render the certificate's PDF, store it and set ``pdf_generated_at``.

    A render that lost a race with a rename (the name it printed is no longer the
    certificate's) is thrown away: the rename queued a render of its own. The previous
    file is deleted once the new one is in place.
    """
    certificate = Certificate.objects.select_related("course", "student").filter(pk=certificate_id).first()
    if certificate is None:
        return None  # deleted meanwhile
    tutors = [
        name
        for name in (
            " ".join(tutor.full_name.split())
            for tutor in certificate.course.tutors.only("first_name", "last_name").order_by("first_name", "last_name")
        )
        if name  # a tutor without a name is left out rather than shown by e-mail
    ]
    content = certificate_pdf_render(
        student_name=certificate.student_name,
        course_title=certificate.course.title,
        tutors=tutors,
        issued_at=certificate.issued_at,
        verification_code=certificate.verification_code,
        verify_url=certificate_verify_url(certificate),
        verify_api_path=certificate_verify_api_path(certificate),
        # In the student's language (their choice, else the default), like every e-mail.
        language=recipient_language(certificate.student) if certificate.student_id else None,
    )
    printed_name = certificate.student_name
    certificate.pdf.save("certificate.pdf", ContentFile(content), save=False)
    new_name = certificate.pdf.name
    with transaction.atomic():
        current = (
            Certificate.objects.select_for_update().filter(pk=certificate.pk).values("student_name", "pdf").first()
        )
        if current is None or current["student_name"] != printed_name:
            _delete_file_on_commit(new_name)
            return None
        certificate.pdf_generated_at = timezone.now()
        Certificate.objects.filter(pk=certificate.pk).update(
            pdf=new_name, pdf_generated_at=certificate.pdf_generated_at
        )
        if current["pdf"] and current["pdf"] != new_name:
            _delete_file_on_commit(current["pdf"])
    return certificate


def _delete_file_on_commit(name: str) -> None:
    def delete() -> None:
        try:
            default_storage.delete(name)
        except Exception:  # an orphaned file is harmless; a failed render would not be
            logger.warning("Could not delete the old certificate file %s", name, exc_info=True)

    transaction.on_commit(delete)
