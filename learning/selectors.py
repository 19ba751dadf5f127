"""Reads of the learning app: querysets with a fixed query cost, and the names and links a
certificate carries (the student's *name*, never their e-mail: the verification page is public)."""

from __future__ import annotations

import re
import uuid

from django.conf import settings
from django.db import connection
from django.db.models import Count, IntegerField, OuterRef, QuerySet, Subquery, Value
from django.db.models.functions import Coalesce
from django.urls import reverse

from courses.models import Course, CoursePart, Enrollment, Lesson
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
    unless the caller knows it). The course page of every follower asks this, so its two reads
    are written out (the ORM spends longer building them than the database running them): the
    student's progress rows in the course (one per lesson at most), and the certificate."""
    q = connection.ops.quote_name
    progress, lesson, part = (m._meta for m in (LessonProgress, Lesson, CoursePart))
    certificate = Certificate._meta
    course_id = uuid.UUID(str(course.pk))
    course_id = course_id.hex if connection.vendor == "sqlite" else course_id  # SQLite: 32 hex digits
    # Names come from the models, values are parameters.
    rows_sql = (
        f"SELECT p.{q('completed')}, p.{q('position_seconds')}, l.{q('slug')}, l.{q('title')}"  # noqa: S608
        f" FROM {q(progress.db_table)} p JOIN {q(lesson.db_table)} l ON l.{q('id')} = p.{q('lesson_id')}"
        f" JOIN {q(part.db_table)} c ON c.{q('id')} = l.{q('part_id')}"
        f" WHERE p.{q('student_id')} = %s AND c.{q('course_id')} = %s ORDER BY p.{q('updated_at')} DESC"
    )
    certificate_sql = (
        f"SELECT {q('issued_at')} FROM {q(certificate.db_table)}"  # noqa: S608
        f" WHERE {q('student_id')} = %s AND {q('course_id')} = %s"
    )
    with connection.cursor() as cursor:
        cursor.execute(rows_sql, [str(student.pk), course_id])
        rows = cursor.fetchall()
        cursor.execute(certificate_sql, [str(student.pk), course_id])
        issued = cursor.fetchone()
    completed_at = None
    if issued is not None:
        field = Certificate._meta.get_field("issued_at")
        completed_at = issued[0]
        for converter in connection.ops.get_db_converters(field.get_col(certificate.db_table)):
            completed_at = converter(completed_at, field.get_col(certificate.db_table), connection)
    last = rows[0] if rows else None
    return {
        "completed_lessons": sum(1 for row in rows if row[0]),
        "last_lesson_slug": last[2] if last else None,
        "last_lesson_title": last[3] if last else None,
        "last_lesson_position": last[1] if last else None,
        "completed_at": completed_at,
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
