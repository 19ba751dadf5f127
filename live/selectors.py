"""Reads of live sessions, and who may see and do what.

- A session is *visible* to its course's tutors and admins, and to the course's active students
  (enrolled, not refunded) when the course is published; to anyone else it does not exist (404).
- The *public upcoming list* (``?course=<slug>&upcoming=true`` of a published course) is open to
  everyone, anonymous callers included, in a reduced shape without join data (the course page's
  "upcoming live sessions").
- *Joining* is for registered active students, and for the course's tutors and admins (as
  moderators), inside the join window.
"""

from __future__ import annotations

import hashlib
from datetime import timedelta

from django.db.models import BooleanField, Count, Exists, OuterRef, Q, QuerySet, Value
from django.utils import timezone

from courses import selectors as course_selectors
from courses.models import Course, Enrollment
from live.models import Attendance, CalendarFeedToken, LiveSession, Registration
from users.models import User


def session_visible_filter(user) -> Q:
    if course_selectors.is_admin(user):
        return Q()
    if not (user and user.is_authenticated):
        return Q(pk__in=[])
    enrolled = Enrollment.objects.filter(student_id=user.pk, is_active=True).values("course_id")
    return Q(course__in=course_selectors.taught_course_ids(user)) | Q(course__is_published=True, course__in=enrolled)


def with_figures(queryset: QuerySet[LiveSession], *, user) -> QuerySet[LiveSession]:
    """``registered_count`` and the caller's ``is_registered``: one query for the whole list."""
    queryset = queryset.annotate(registered_count=Count("registrations", distinct=True))
    if user and user.is_authenticated:
        mine = Registration.objects.filter(session=OuterRef("pk"), student_id=user.pk)
        return queryset.annotate(is_registered=Exists(mine))
    return queryset.annotate(is_registered=Value(False, output_field=BooleanField()))


def session_list(
    *, user, course: Course | None = None, upcoming: bool = False, registered: bool = False
) -> QuerySet[LiveSession]:
    queryset = LiveSession.objects.filter(session_visible_filter(user))
    if course is not None:
        queryset = queryset.filter(course=course)
    if upcoming:
        queryset = queryset.filter(cancelled_at__isnull=True, ends_at__gt=timezone.now())
    if registered:
        queryset = queryset.filter(registrations__student_id=user.pk)
    return with_figures(queryset.select_related("course"), user=user).order_by("starts_at", "id")


def public_upcoming_list(*, course: Course) -> QuerySet[LiveSession]:
    """A published course's sessions that have not ended and are not cancelled (no join data)."""
    queryset = LiveSession.objects.filter(course=course, cancelled_at__isnull=True, ends_at__gt=timezone.now())
    return with_figures(queryset.select_related("course"), user=None).order_by("starts_at", "id")


def session_get(*, user, pk) -> LiveSession | None:
    queryset = LiveSession.objects.filter(session_visible_filter(user), pk=pk)
    return with_figures(queryset.select_related("course", "recording_lesson"), user=user).first()


def user_manages_session(user, session: LiveSession) -> bool:
    return course_selectors.user_manages_course(user, session.course)


def user_is_active_student(user, session: LiveSession) -> bool:
    return session.course.is_published and course_selectors.user_is_enrolled(user, session.course)


def is_registered(user, session: LiveSession) -> bool:
    return Registration.objects.filter(session=session, student_id=user.pk).exists()


def attendance_list(*, session: LiveSession) -> QuerySet[Attendance]:
    return Attendance.objects.filter(session=session).select_related("user").order_by("first_joined_at", "id")


def registrants(*, session: LiveSession) -> QuerySet[User]:
    return User.objects.filter(live_registrations__session=session, is_active=True).order_by("pk")


def feed_token_hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def feed_owner(*, token: str) -> User | None:
    if not token:
        return None
    row = (
        CalendarFeedToken.objects.filter(token_hash=feed_token_hash(token), user__is_active=True)
        .select_related("user")
        .first()
    )
    return row.user if row else None


def feed_sessions(*, user: User) -> QuerySet[LiveSession]:
    """A user's calendar: the sessions they registered for and those of the courses they teach
    (cancelled ones included, so calendar apps remove them), from 30 days back."""
    since = timezone.now() - timedelta(days=30)
    taught = course_selectors.taught_course_ids(user)
    return (
        LiveSession.objects.filter(Q(registrations__student_id=user.pk) | Q(course__in=taught), ends_at__gte=since)
        .select_related("course")
        .distinct()
        .order_by("starts_at", "id")
    )
