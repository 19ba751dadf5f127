"""Reads of the learning app: querysets with a fixed query cost, and the names and links a
certificate carries (the student's *name*, never their e-mail: the verification page is public)."""

from __future__ import annotations

import re

from django.conf import settings
from django.db.models import Count, IntegerField, OuterRef, QuerySet, Subquery, Value
from django.db.models.functions import Coalesce
from django.urls import reverse

from courses.models import Course, Enrollment, Lesson
from learning.models import Certificate, LessonProgress, Review
from users.models import User

ANONYMOUS_STUDENT_NAME = "11Tutors student"  # a student without a name: never their e-mail
VERIFICATION_CODE_RE = re.compile(r"^[A-Za-z0-9]{1,32}$")


def review_list(*, course: Course) -> QuerySet[Review]:
    """A course's reviews with their authors, newest first."""
    return Review.objects.filter(course=course).select_related("user").order_by("-created_at")


def _progress_figures(*, student, course) -> dict:
    """A student's progress in a course as subquery expressions: ``completed_lessons`` and the
    last lesson touched (``last_lesson_slug``, ``_title``, ``_position``; None without one).
    ``student`` and ``course`` are ids or ``OuterRef``s."""
    mine = LessonProgress.objects.filter(student_id=student, lesson__part__course_id=course).order_by()
    last = mine.order_by("-updated_at")
    return {
        "completed_lessons": Coalesce(
            Subquery(
                mine.filter(completed=True).values("student_id").annotate(n=Count("pk")).values("n"),
                output_field=IntegerField(),
            ),
            Value(0),
        ),
        "last_lesson_slug": Subquery(last.values("lesson__slug")[:1]),
        "last_lesson_title": Subquery(last.values("lesson__title")[:1]),
        "last_lesson_position": Subquery(last.values("position_seconds")[:1]),
    }


def enrollment_progress_annotate(*, queryset: QuerySet[Enrollment]) -> QuerySet[Enrollment]:
    """Each enrolment's progress (completed lessons, the last lesson touched) as subqueries: the
    catalog's enrolment list asks for it through ``courses.hooks.enrollment_progress``."""
    return queryset.annotate(**_progress_figures(student=OuterRef("student_id"), course=OuterRef("course_id")))


def course_progress_figures(*, student: User, course: Course, total_lessons: int | None = None) -> dict:
    """One student's progress in one course: ``completed_lessons``, the last lesson touched,
    ``completed_at`` (the certificate's issue time, or None) and ``total_lessons`` (counted
    unless the caller knows it). Two plain queries (three without ``total_lessons``): the
    student's progress rows in the course (one per lesson at most) and the certificate; on the
    course page's hot path they cost a third of one query with a subquery per figure."""
    rows = list(
        LessonProgress.objects.filter(student_id=student.pk, lesson__part__course_id=course.pk)
        .order_by("-updated_at")
        .values_list("completed", "position_seconds", "lesson__slug", "lesson__title")
    )
    last = rows[0] if rows else None
    return {
        "completed_lessons": sum(1 for row in rows if row[0]),
        "last_lesson_slug": last[2] if last else None,
        "last_lesson_title": last[3] if last else None,
        "last_lesson_position": last[1] if last else None,
        "completed_at": Certificate.objects.filter(student_id=student.pk, course_id=course.pk)
        .values_list("issued_at", flat=True)
        .first(),
        "total_lessons": (
            Lesson.objects.filter(part__course_id=course.pk).count() if total_lessons is None else total_lessons
        ),
    }


# --- Certificates: names and links ------------------------------------------------------------


def certificate_student_name(user: User) -> str:
    """The name printed on the certificate: the user's full name, never their e-mail."""
    name = " ".join(user.full_name.split())  # no stray or repeated whitespace
    return name[: Certificate._meta.get_field("student_name").max_length] or ANONYMOUS_STUDENT_NAME


def certificate_verify_url(certificate: Certificate) -> str:
    """The public web page that confirms a certificate (on the web client)."""
    return f"{settings.FRONTEND_URL}/certificates/verify/{certificate.verification_code}"


def certificate_verify_api_path(certificate: Certificate) -> str:
    return reverse("certificate-verify", kwargs={"verification_code": certificate.verification_code})


# --- Certificates: reads --------------------------------------------------------------------------


def certificate_list(*, user: User) -> QuerySet[Certificate]:
    """The user's own certificates (admins: everyone's), course joined: one query per page."""
    queryset = Certificate.objects.select_related("course").order_by("-issued_at", "pk")
    if not (user and user.is_authenticated):
        return queryset.none()
    return queryset if user.is_admin else queryset.filter(student=user)


def certificate_by_code(*, code: str) -> Certificate | None:
    """The certificate with this verification code (case-insensitive, as people type it)."""
    code = code.strip()
    if not VERIFICATION_CODE_RE.match(code):
        return None
    return Certificate.objects.select_related("course").filter(verification_code=code.upper()).first()
