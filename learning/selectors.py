"""Reads of the learning app: querysets with a fixed query cost, and the names and links a
certificate carries (the student's *name*, never their e-mail: the verification page is public)."""

from __future__ import annotations

import re

from django.conf import settings
from django.db.models import Count, IntegerField, OuterRef, QuerySet, Subquery, Value
from django.db.models.functions import Coalesce
from django.urls import reverse

from courses.models import Course, Enrollment
from learning.models import Certificate, LessonProgress, Review
from users.models import User

ANONYMOUS_STUDENT_NAME = "11Tutors student"  # a student without a name: never their e-mail
VERIFICATION_CODE_RE = re.compile(r"^[A-Za-z0-9]{1,32}$")


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
