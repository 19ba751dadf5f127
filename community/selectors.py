"""Reads of the community: querysets whose cost does not depend on the number of rows.

Who takes part in a course's community is the catalog's question
(``courses.selectors.user_takes_part_in``): its active students, its tutors and admins, on a
published course. The views ask, in this order: can the caller see the course at all (else
404), is it published (drafts have no community: 404), do they take part in it (else 403),
and for a hidden post, do they moderate the course (else 404).
"""

from __future__ import annotations

import re

from django.contrib.postgres.search import SearchQuery, SearchVector
from django.db import connection
from django.db.models import Count, Exists, IntegerField, OuterRef, Q, QuerySet, Subquery, Value
from django.db.models.functions import Coalesce

from community.models import Announcement, Reply, Report, ReportStatus, Thread, ThreadKind, Vote
from courses import selectors as course_selectors
from courses.models import Course, Enrollment
from users.models import User

SLUG_RE = re.compile(r"[-a-zA-Z0-9_]{1,220}")
SEARCH_MAX_LENGTH = 200
SEARCH_MAX_WORDS = 10

# --- Courses ------------------------------------------------------------------------------


def community_course_get(*, user, slug: str) -> Course | None:
    """A course by slug that the user can see and that has a community (published), or None
    (also for what cannot be a slug, e.g. a NUL byte, which PostgreSQL cannot even compare)."""
    if not SLUG_RE.fullmatch(slug):
        return None
    return Course.objects.filter(course_selectors.course_visible_filter(user), slug=slug, is_published=True).first()


# --- Annotations -----------------------------------------------------------------------------


def _is_course_tutor(course_ref: str) -> Exists:
    """Whether the post's author teaches the post's course (one correlated subquery)."""
    return Exists(Course.tutors.through.objects.filter(course_id=OuterRef(course_ref), user_id=OuterRef("author_id")))


def _my_vote(user, post: str) -> Coalesce | Value:
    if not (user and user.is_authenticated):
        return Value(0, output_field=IntegerField())
    mine = Vote.objects.filter(user_id=user.pk, **{post: OuterRef("pk")}).values("value")[:1]
    return Coalesce(Subquery(mine, output_field=IntegerField()), Value(0))


def _visible_replies(*, moderator: bool) -> Q:
    """The replies members see: not hidden, and not under a hidden reply. Moderators see all."""
    if moderator:
        return Q()
    return Q(is_hidden=False) & (Q(parent__isnull=True) | Q(parent__is_hidden=False))


def with_thread_figures(queryset: QuerySet[Thread], *, user, moderator: bool) -> QuerySet[Thread]:
    replies = (
        Reply.objects.filter(_visible_replies(moderator=moderator), thread=OuterRef("pk"))
        .order_by()
        .values("thread")
        .annotate(n=Count("pk"))
        .values("n")
    )
    return queryset.select_related("course", "lesson", "author").annotate(
        replies_count=Coalesce(Subquery(replies, output_field=IntegerField()), Value(0)),
        my_vote=_my_vote(user, "thread"),
        author_is_course_tutor=_is_course_tutor("course_id"),
    )


def with_reply_figures(queryset: QuerySet[Reply], *, user) -> QuerySet[Reply]:
    return queryset.select_related("thread", "author").annotate(
        my_vote=_my_vote(user, "reply"),
        author_is_course_tutor=_is_course_tutor("thread__course_id"),
    )


# --- Threads -------------------------------------------------------------------------------------


def thread_list(*, user, course: Course, moderator: bool) -> QuerySet[Thread]:
    """A course's threads: hidden ones only for its moderators; pinned first, then the latest activity."""
    queryset = Thread.objects.filter(course=course)
    if not moderator:
        queryset = queryset.filter(is_hidden=False)
    return with_thread_figures(queryset, user=user, moderator=moderator).order_by(
        "-is_pinned", "-last_activity_at", "-id"
    )


def thread_filter_status(queryset: QuerySet[Thread], status: str) -> QuerySet[Thread]:
    """``unanswered``: questions without an accepted answer; ``answered``: questions with one."""
    questions = queryset.filter(kind=ThreadKind.QUESTION)
    if status == "answered":
        return questions.filter(accepted_reply__isnull=False)
    return questions.filter(accepted_reply__isnull=True)


def thread_search(queryset: QuerySet[Thread], text: str) -> QuerySet[Thread]:
    """PostgreSQL full-text search over title and body (plus a title substring); on other
    databases every word must appear in the title or the body. Deleted threads never match."""
    text = text.strip()[:SEARCH_MAX_LENGTH]
    if not text:
        return queryset
    queryset = queryset.filter(deleted_at__isnull=True)
    if connection.vendor == "postgresql":
        query = SearchQuery(text, search_type="websearch", config="english")
        vector = SearchVector("title", weight="A", config="english") + SearchVector(
            "body", weight="B", config="english"
        )
        return queryset.annotate(search=vector).filter(Q(search=query) | Q(title__icontains=text))
    for word in text.split()[:SEARCH_MAX_WORDS]:
        queryset = queryset.filter(Q(title__icontains=word) | Q(body__icontains=word))
    return queryset


def thread_get(*, user, pk: int) -> Thread | None:
    """A thread of a course the user can see and that has a community, or None. Hidden
    threads are the view's question (it knows whether the caller moderates the course)."""
    return (
        Thread.objects.filter(course__in=Course.objects.filter(course_selectors.course_visible_filter(user)))
        .filter(course__is_published=True, pk=pk)
        .select_related("course")
        .first()
    )


def thread_detail(*, user, thread: Thread, moderator: bool) -> Thread:
    """The thread again, with what its page shows."""
    return with_thread_figures(Thread.objects.filter(pk=thread.pk), user=user, moderator=moderator).get()


def unanswered_count(*, course: Course) -> int:
    """Questions of the course, not hidden and not deleted, without an accepted answer."""
    return thread_filter_status(
        Thread.objects.filter(course=course, is_hidden=False, deleted_at__isnull=True), "unanswered"
    ).count()


# --- Replies --------------------------------------------------------------------------------------


def reply_list(*, user, thread: Thread, moderator: bool) -> QuerySet[Reply]:
    """A thread's replies, oldest first (``parent`` nests them one level)."""
    queryset = Reply.objects.filter(_visible_replies(moderator=moderator), thread=thread)
    return with_reply_figures(queryset, user=user).order_by("created_at", "id")


def reply_get(*, user, pk: int) -> Reply | None:
    """A reply in a course the user can see and that has a community, or None."""
    return (
        Reply.objects.filter(
            thread__course__in=Course.objects.filter(course_selectors.course_visible_filter(user)),
            thread__course__is_published=True,
            pk=pk,
        )
        .select_related("thread__course", "parent")
        .first()
    )


def reply_detail(*, user, reply: Reply) -> Reply:
    return with_reply_figures(Reply.objects.filter(pk=reply.pk), user=user).get()


def reply_is_visible(*, reply: Reply, moderator: bool) -> bool:
    """Whether a member sees the reply (moderators see every one). ``parent`` must be loaded."""
    if moderator:
        return True
    return not reply.is_hidden and not (reply.parent is not None and reply.parent.is_hidden)


# --- Reports ---------------------------------------------------------------------------------------


def report_list(*, user, status: str | None = ReportStatus.OPEN) -> QuerySet[Report]:
    """The moderation queue: reports on the posts of the courses the user manages (admins: all)."""
    queryset = Report.objects.filter(course__in=Course.objects.filter(course_selectors.course_manageable_filter(user)))
    if status:
        queryset = queryset.filter(status=status)
    return queryset.select_related(
        "course", "reporter", "resolved_by", "thread__author", "reply__author", "reply__thread"
    ).order_by("-created_at", "-id")


def report_get(*, user, pk: int) -> Report | None:
    return report_list(user=user, status=None).filter(pk=pk).first()


# --- Announcements ---------------------------------------------------------------------------------


def announcement_list(*, user, course: Course | None = None) -> QuerySet[Announcement]:
    """Announcements of one course, or of every course whose community the user takes part in."""
    if course is not None:
        queryset = Announcement.objects.filter(course=course)
    else:
        taking_part = Course.objects.filter(course_selectors.course_taking_part_filter(user))
        queryset = Announcement.objects.filter(course__in=taking_part)
    return (
        queryset.select_related("course", "author")
        .annotate(author_is_course_tutor=_is_course_tutor("course_id"))
        .order_by("-created_at", "-id")
    )


def announcement_get(*, user, pk: int) -> Announcement | None:
    """An announcement of a course the user can see and that has a community, or None."""
    return (
        Announcement.objects.filter(
            course__in=Course.objects.filter(course_selectors.course_visible_filter(user)),
            course__is_published=True,
            pk=pk,
        )
        .select_related("course")
        .first()
    )


def announcement_detail(*, announcement: Announcement) -> Announcement:
    return announcement_list(user=None, course=announcement.course).get(pk=announcement.pk)


def announcement_recipient_ids(*, course: Course) -> QuerySet:
    """Ids of the students an announcement is e-mailed to: active enrolments, active accounts,
    in id order (the fan-out pages through them). Each batch notifies them all in-app
    (``notifications``); the e-mail skips those who switched it off."""
    return (
        Enrollment.objects.filter(course=course, is_active=True, student__is_active=True)
        .order_by("student_id")
        .values_list("student_id", flat=True)
    )


def announcement_recipients(*, student_ids: list[str], course: Course) -> QuerySet[User]:
    """The students of one batch that still take part in the course when the batch runs."""
    still_enrolled = Enrollment.objects.filter(course=course, is_active=True).values("student_id")
    return (
        User.objects.filter(pk__in=student_ids, is_active=True)
        .filter(pk__in=still_enrolled)
        .only("id", "email", "first_name", "language")
        .order_by("pk")
    )
