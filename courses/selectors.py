"""Reads of the catalog: querysets whose cost does not depend on the data size.

Access rules live here too, as queryset filters and small predicates, so that every
endpoint asks the same questions the same way:

- a course is *visible* to everyone when published, and to its tutors and admins always;
- a user *manages* a course when they are one of its tutors or an admin;
- a user *may watch* a lesson when it is a free preview of a published course, or they
  are actively enrolled in its course, or they manage the course;
- a user *takes part in* a course (its community: discussions, announcements) when it is
  published and they manage it or are actively enrolled in it (a refund ends it).
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta

from django.db.models import (
    BooleanField,
    Count,
    DurationField,
    Exists,
    IntegerField,
    OuterRef,
    Prefetch,
    Q,
    QuerySet,
    Subquery,
    Sum,
    Value,
)
from django.db.models.functions import Coalesce

from core.cache import Stamped
from courses import hooks, search
from courses.models import Category, Comment, Course, CoursePart, Enrollment, Lesson, TutorInvitation
from users.models import User
from users.selectors import viewer_facts

# --- Access predicates ------------------------------------------------------------------


def is_admin(user) -> bool:
    return bool(user and user.is_authenticated and user.is_admin)


def taught_course_ids(user) -> QuerySet:
    return Course.tutors.through.objects.filter(user_id=user.pk).values("course_id")


def course_manageable_filter(user) -> Q:
    """Courses the user may edit: all for admins, taught ones for tutors, none otherwise."""
    if is_admin(user):
        return Q()
    if not (user and user.is_authenticated):
        return Q(pk__in=[])
    return Q(pk__in=taught_course_ids(user))


def course_visible_filter(user) -> Q:
    if is_admin(user):
        return Q()
    if not (user and user.is_authenticated):
        return Q(is_published=True)
    return Q(is_published=True) | Q(pk__in=taught_course_ids(user))


def user_manages_course(user, course: Course) -> bool:
    if is_admin(user):
        return True
    if not (user and user.is_authenticated):
        return False
    return Course.tutors.through.objects.filter(course_id=course.pk, user_id=user.pk).exists()


def user_is_enrolled(user, course: Course) -> bool:
    if not (user and user.is_authenticated):
        return False
    return Enrollment.objects.filter(course_id=course.pk, student_id=user.pk, is_active=True).exists()


def course_tutor_ids(*, course: Course) -> list[str]:
    """The ids of the course's tutors, as strings (like the ids of a JSON body)."""
    return [
        str(pk) for pk in Course.tutors.through.objects.filter(course_id=course.pk).values_list("user_id", flat=True)
    ]


# Each student's active enrolments (core.cache): replaced by every enrolment saved or deleted
# (courses.apps) and by enrollments_deactivate.
enrolments = Stamped("enrolments")
viewer_facts.append(enrolments)  # fetched along with the account of every signed-in request


def enrolled_course_ids(*, user, course_ids: list) -> set[str]:
    """Which of ``course_ids`` the user is actively enrolled in (as strings, like the ids of a
    JSON body). Every signed-in catalog page asks this: the student's enrolments come from the
    cache while they are unchanged, else from one query."""
    if not (user and user.is_authenticated) or not course_ids:
        return set()
    active = enrolments.get(user.pk, lambda: active_enrolment_ids(student_id=user.pk))
    return active.intersection(str(pk) for pk in course_ids)


def active_enrolment_ids(*, student_id) -> frozenset[str]:
    """The ids (strings) of the courses the student is actively enrolled in."""
    rows = Enrollment.objects.filter(student_id=student_id, is_active=True).order_by()
    return frozenset(str(pk) for pk in rows.values_list("course_id", flat=True))


def user_has_progress_in(user, course: Course) -> bool:
    """Progress belongs to active students; the course's tutors and admins may look at their own."""
    return user_manages_course(user, course) or (course.is_published and user_is_enrolled(user, course))


def user_takes_part_in(user, course: Course) -> bool:
    """The course's community: published courses only; their tutors, admins and active students."""
    if not course.is_published:
        return False
    return user_manages_course(user, course) or user_is_enrolled(user, course)


def course_taking_part_filter(user) -> Q:
    """Courses whose community the user takes part in (see ``user_takes_part_in``)."""
    if not (user and user.is_authenticated):
        return Q(pk__in=[])
    published = Q(is_published=True)
    if is_admin(user):
        return published
    enrolled = Enrollment.objects.filter(student_id=user.pk, is_active=True).values("course_id")
    return published & (Q(pk__in=taught_course_ids(user)) | Q(pk__in=enrolled))


def user_may_watch(user, lesson: Lesson) -> bool:
    """The entitlement rule of the player (spec 2.4). ``lesson.part.course`` must be loaded."""
    course = lesson.part.course
    return may_watch(
        user,
        published=course.is_published,
        free_preview=lesson.is_free_preview,
        manages=lambda: user_manages_course(user, course),
        enrolled=lambda: user_is_enrolled(user, course),
    )


def may_watch(
    user, *, published: bool, free_preview: bool, manages: Callable[[], bool], enrolled: Callable[[], bool]
) -> bool:
    """The player's rule on facts the caller knows however it knows them (``manages`` and
    ``enrolled`` are asked only when needed): a free preview of a published course, else a
    signed-in user who manages the course or, when it is published, is actively enrolled."""
    if published and free_preview:
        return True
    if not (user and user.is_authenticated):
        return False
    return manages() or (published and enrolled())


# --- Annotations --------------------------------------------------------------------------


def with_course_figures(queryset: QuerySet[Course], *, user) -> QuerySet[Course]:
    """Per-course figures as correlated subqueries: one query, however many rows."""
    students = (
        Enrollment.objects.filter(course=OuterRef("pk"), is_active=True)
        .order_by()
        .values("course")
        .annotate(n=Count("student", distinct=True))
        .values("n")
    )
    lessons = Lesson.objects.filter(part__course=OuterRef("pk")).order_by().values("part__course")
    queryset = queryset.annotate(
        students_count=Coalesce(Subquery(students, output_field=IntegerField()), Value(0)),
        lessons_count=Coalesce(
            Subquery(lessons.annotate(n=Count("pk")).values("n"), output_field=IntegerField()), Value(0)
        ),
        total_duration=Coalesce(
            Subquery(lessons.annotate(d=Sum("duration")).values("d"), output_field=DurationField()),
            Value(timedelta(0), output_field=DurationField()),
        ),
    )
    if user and user.is_authenticated:
        enrolled = Enrollment.objects.filter(course=OuterRef("pk"), student_id=user.pk, is_active=True)
        return queryset.annotate(is_enrolled=Exists(enrolled))
    return queryset.annotate(is_enrolled=Value(False, output_field=BooleanField()))


def _tutors_prefetch() -> Prefetch:
    return Prefetch(
        "tutors",
        queryset=User.objects.only("id", "first_name", "last_name", "avatar").order_by("first_name", "last_name"),
    )


# --- Courses --------------------------------------------------------------------------------


def course_list(*, user, mine: bool = False, search: str | None = None) -> QuerySet[Course]:
    """Published courses; with ``mine``, the courses the user teaches (drafts included)."""
    queryset = Course.objects.all()
    if mine and user and user.is_authenticated:
        queryset = queryset.filter(pk__in=taught_course_ids(user))
    else:
        queryset = queryset.filter(is_published=True)
    queryset = with_course_figures(queryset, user=user)
    queryset = queryset.select_related("category").prefetch_related(
        _tutors_prefetch(),
        Prefetch("parts", queryset=CoursePart.objects.only("id", "title", "slug", "order", "course_id")),
    )
    if search:
        queryset = course_search(queryset, search)
    return queryset


def course_search(queryset: QuerySet[Course], text: str) -> QuerySet[Course]:
    """Ranked, typo-tolerant search (PostgreSQL; a simpler fallback elsewhere): courses/search.py."""
    return search.course_search(queryset, text)


def course_search_filter(queryset: QuerySet[Course], text: str) -> QuerySet[Course]:
    """The courses ``course_search`` finds, unranked (facet counts)."""
    return search.course_search_filter(queryset, text)


def course_facet_base(*, user, mine: bool = False) -> QuerySet[Course]:
    """The courses a list's facets count before its filters: as ``course_list``, unannotated."""
    if mine and user and user.is_authenticated:
        return Course.objects.filter(pk__in=taught_course_ids(user)).order_by()
    return Course.objects.filter(is_published=True).order_by()


def course_detail_queryset(*, user) -> QuerySet[Course]:
    """Courses the user may open, with parts → lessons and tutors prefetched."""
    lessons = Lesson.objects.only(
        "id", "title", "slug", "description", "order", "duration", "is_free_preview", "created_at", "part_id"
    )
    return (
        with_course_figures(Course.objects.filter(course_visible_filter(user)), user=user)
        .select_related("category")
        .prefetch_related(
            _tutors_prefetch(),
            Prefetch("parts", queryset=CoursePart.objects.prefetch_related(Prefetch("lessons", queryset=lessons))),
        )
    )


def course_for_update(*, user, slug: str) -> Course:
    """A course by slug that the user may see (raises Course.DoesNotExist otherwise)."""
    return Course.objects.filter(course_visible_filter(user)).get(slug=slug)


def course_visible_get(*, user, slug: str) -> Course | None:
    """A course by slug that the user may see, or None (it does not exist for them)."""
    return Course.objects.filter(course_visible_filter(user), slug=slug).first()


def course_is_visible(*, user, course: Course) -> bool:
    """Whether the user may see ``course`` (e.g. one named in a request body)."""
    return Course.objects.filter(course_visible_filter(user), pk=course.pk).exists()


# --- Categories, parts, lessons, comments, enrolments ------------------------------------------


def category_list() -> QuerySet[Category]:
    return Category.objects.annotate(courses_count=Count("courses", filter=Q(courses__is_published=True))).order_by(
        "name"
    )


def part_list(*, user) -> QuerySet[CoursePart]:
    return CoursePart.objects.filter(course__in=Course.objects.filter(course_manageable_filter(user))).select_related(
        "course"
    )


def part_visible(*, user) -> QuerySet[CoursePart]:
    return CoursePart.objects.filter(course__in=Course.objects.filter(course_visible_filter(user))).select_related(
        "course"
    )


def lesson_list(*, user) -> QuerySet[Lesson]:
    return (
        Lesson.objects.filter(part__course__in=Course.objects.filter(course_manageable_filter(user)))
        .select_related("part__course")
        .order_by("part__course", "part__order", "part__created_at", "order", "created_at")
    )


def lesson_visible(*, user) -> QuerySet[Lesson]:
    return Lesson.objects.filter(part__course__in=Course.objects.filter(course_visible_filter(user))).select_related(
        "part__course"
    )


def lesson_visible_get(*, user, slug: str) -> Lesson | None:
    """A lesson by slug in a course the user may see, or None."""
    return lesson_visible(user=user).filter(slug=slug).first()


def lesson_is_visible(*, user, lesson: Lesson) -> bool:
    return lesson_visible(user=user).filter(pk=lesson.pk).exists()


def comment_list(*, lesson: Lesson | None) -> QuerySet[Comment]:
    queryset = Comment.objects.select_related("user").annotate(replies_count=Count("replies"))
    if lesson is not None:
        queryset = queryset.filter(lesson=lesson)
    return queryset.order_by("-created_at")


def comment_visible(*, user) -> QuerySet[Comment]:
    """Comments on lessons of courses the user may see, with their course loaded (whether the
    user may watch the lesson, and so see its comments, is asked of each one)."""
    return comment_list(lesson=None).filter(lesson__in=lesson_visible(user=user)).select_related("lesson__part__course")


def enrollment_list(*, user) -> QuerySet[Enrollment]:
    queryset = Enrollment.objects.filter(is_active=True)
    if not is_admin(user):
        queryset = queryset.filter(student_id=user.pk)
    courses = (
        with_course_figures(Course.objects.all(), user=user)
        .select_related("category")
        .prefetch_related(
            _tutors_prefetch(),
            Prefetch("parts", queryset=CoursePart.objects.only("id", "title", "slug", "order", "course_id")),
        )
    )
    # Each enrolment's progress as subqueries, from the learning app (courses/hooks.py).
    return hooks.enrollment_progress(queryset=queryset).prefetch_related(Prefetch("course", queryset=courses))


def tutor_invitation_list(*, user) -> QuerySet[TutorInvitation]:
    """Invitations to co-teach addressed to ``user`` (admins too: only their own), newest first."""
    return (
        TutorInvitation.objects.filter(invitee_id=user.pk)
        .select_related("course", "invited_by")
        .only(
            "id",
            "status",
            "created_at",
            "responded_at",
            "invitee_id",
            "course__id",
            "course__slug",
            "course__title",
            "invited_by__id",
            "invited_by__first_name",
            "invited_by__last_name",
        )
        .order_by("-created_at", "id")
    )


def progress_percent(completed: int, total: int) -> int:
    return int(100 * completed / total) if total else 0
