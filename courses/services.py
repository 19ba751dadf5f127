"""Catalog use cases: one function per action; transactions and side effects live here."""

from __future__ import annotations

from contextlib import contextmanager
from decimal import Decimal
from typing import Any

from django.conf import settings
from django.contrib.postgres.search import SearchVector
from django.db import IntegrityError, connection, transaction
from django.db.models import ProtectedError, QuerySet
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from core.exceptions import Conflict, PaymentRequired, ServiceError
from core.services import model_update
from core.slugs import save_with_unique_slug
from courses import cache as catalog_cache
from courses import hooks, selectors
from courses.models import (
    Category,
    Comment,
    Course,
    CourseLevel,
    CoursePart,
    Enrollment,
    EnrollmentSource,
    Lesson,
    TutorInvitation,
    TutorInvitationStatus,
    VideoStatus,
)
from courses.signals import enrolments_deactivated
from notifications import kinds as notification_kinds
from notifications.services import notify
from users.emails import frontend_url, send_templated_email
from users.models import User

# --- Search index ---------------------------------------------------------------------------


def course_search_refresh(*, courses: QuerySet[Course]) -> None:
    """Recompute the denormalised search text (tutor and category names) and, on
    PostgreSQL, the weighted full-text vector of the given courses."""
    rows = list(courses.select_related("category").prefetch_related("tutors"))
    for course in rows:
        names = [f"{t.first_name} {t.last_name}".strip() for t in course.tutors.all()]
        if course.category is not None:
            names.append(course.category.name)
        course.search_extra = " ".join(name for name in names if name)
    Course.objects.bulk_update(rows, ["search_extra"])
    if connection.vendor == "postgresql" and rows:
        Course.objects.filter(pk__in=[course.pk for course in rows]).update(
            search_vector=SearchVector("title", weight="A", config="english")
            + SearchVector("description", weight="B", config="english")
            + SearchVector("search_extra", weight="C", config="english")
        )


def tutor_renamed(*, user: User) -> None:
    """A tutor's name is part of their courses' search text."""
    course_search_refresh(courses=Course.objects.filter(tutors=user))


# --- Categories -----------------------------------------------------------------------------

CATEGORY_FIELDS = ("name", "description")


@transaction.atomic
@contextmanager
def _category_name_unique(name: str | None):
    """The serializer checks that a name is free; a concurrent request can take it in between,
    and the database's constraint then refuses: the same 400, not a 500."""
    try:
        yield
    except IntegrityError:
        if name is not None and Category.objects.filter(name__iexact=name).exists():
            raise ServiceError(_("A category with this name already exists."), field="name") from None
        raise


def category_create(*, name: str, description: str = "") -> Category:
    category = Category(name=name, description=description)
    with _category_name_unique(name):
        save_with_unique_slug(category, name)
    return category


def category_update(*, category: Category, data: dict[str, Any]) -> Category:
    with _category_name_unique(data.get("name")), transaction.atomic():
        category, updated = model_update(instance=category, fields=CATEGORY_FIELDS, data=data)
        if updated and "name" in data:
            course_search_refresh(courses=Course.objects.filter(category=category))
    return category


def category_delete(*, category: Category) -> None:
    category.delete()  # courses keep existing, uncategorised


# --- Courses ----------------------------------------------------------------------------------

COURSE_FIELDS = (
    "title", "description", "category", "level", "price", "currency", "language", "is_published", "thumbnail",
)  # fmt: skip
SEARCHED_FIELDS = {"title", "description", "category"}


@transaction.atomic
def course_create(
    *,
    creator: User,
    title: str,
    description: str = "",
    category: Category | None = None,
    level: str = CourseLevel.ALL,
    price: Decimal = Decimal("0"),
    currency: str | None = None,
    language: str | None = None,
    is_published: bool = False,
    thumbnail=None,
    tutors: list[User] | None = None,
) -> Course:
    """Create a course; the creator becomes one of its tutors, the other ``tutors`` are invited."""
    course_tutors_validate(tutors=tutors or [])
    course = Course(
        title=title,
        description=description,
        category=category,
        level=level,
        price=price,
        currency=currency or settings.DEFAULT_CURRENCY,
        language=language or settings.LANGUAGE_CODE,
        is_published=is_published,
    )
    if thumbnail:
        course.thumbnail = thumbnail
    save_with_unique_slug(course, title)
    course.tutors.add(creator)
    for invitee in {user.pk: user for user in tutors or [] if user.pk != creator.pk}.values():
        tutor_invitation_create(course=course, invitee=invitee, by=creator)
    course_search_refresh(courses=Course.objects.filter(pk=course.pk))
    return course


@transaction.atomic
def course_update(*, course: Course, data: dict[str, Any], by: User | None = None) -> tuple[Course, bool]:
    """Change only what differs; an empty PATCH writes nothing. ``tutors`` is the wanted list:
    see ``course_tutors_update`` (``by``, the acting user, sends the invitations)."""
    if "tutors" in data:
        course_tutors_validate(tutors=data["tutors"])
    course, updated = model_update(instance=course, fields=COURSE_FIELDS, data=data)
    tutors_changed = "tutors" in data and course_tutors_update(course=course, tutors=data["tutors"], by=by)
    if (updated and SEARCHED_FIELDS & data.keys()) or tutors_changed:
        course_search_refresh(courses=Course.objects.filter(pk=course.pk))
    return course, updated or tutors_changed


# --- Co-tutors ----------------------------------------------------------------------------------


def course_tutors_validate(*, tutors: list[User]) -> None:
    """Only tutors and admins can teach a course (400 on ``tutors`` naming the others)."""
    not_tutors = [str(user.pk) for user in tutors if not (user.is_tutor or user.is_admin)]
    if not_tutors:
        raise ServiceError(
            _("Only tutors and admins can teach a course: %(people)s.") % {"people": ", ".join(not_tutors)},
            field="tutors",
        )


@transaction.atomic
def course_tutors_update(*, course: Course, tutors: list[User], by: User | None) -> bool:
    """Make ``tutors`` the course's wanted tutors. Current tutors left out are removed at once;
    new ones are invited (they join when they accept), except ``by`` adding themselves. The
    course must keep a tutor who is one already. Returns whether the tutors changed now."""
    course_tutors_validate(tutors=tutors)
    wanted = {user.pk: user for user in tutors}
    if not wanted:
        raise ServiceError(_("A course needs at least one tutor."), field="tutors")
    if set(course.tutors.values_list("pk", flat=True)) == wanted.keys():
        return False  # the editor re-sends the form: nothing to write
    # One change of a course's tutors at a time: two managers removing each other cannot
    # leave it without a tutor.
    Course.objects.select_for_update().filter(pk=course.pk).values_list("pk", flat=True).first()
    current = set(course.tutors.values_list("pk", flat=True))
    removed = current - wanted.keys()
    added = [user for pk, user in wanted.items() if pk not in current]
    joining = [user for user in added if by is not None and user.pk == by.pk]  # no consent to ask
    invited = [user for user in added if user not in joining]
    if not (current - removed) and not joining:
        raise ServiceError(
            _("A course must keep at least one of its current tutors: invited tutors join only once they accept."),
            field="tutors",
        )
    if removed:
        course.tutors.remove(*removed)
    if joining:
        course.tutors.add(*joining)
    for invitee in invited:
        tutor_invitation_create(course=course, invitee=invitee, by=by)
    return bool(removed or joining)


def tutor_invitation_create(*, course: Course, invitee: User, by: User | None) -> tuple[TutorInvitation, bool]:
    """Invite ``invitee`` to co-teach ``course`` and e-mail them; a pending invitation is
    reused (no second e-mail). Returns ``(invitation, created)``."""
    pending = {"course": course, "invitee": invitee, "status": TutorInvitationStatus.PENDING}
    existing = TutorInvitation.objects.filter(**pending).first()
    if existing is not None:
        return existing, False
    try:
        with transaction.atomic():
            invitation = TutorInvitation.objects.create(course=course, invitee=invitee, invited_by=by)
    except IntegrityError:  # a concurrent request invited them first
        return TutorInvitation.objects.get(**pending), False
    inviter = (f"{by.first_name} {by.last_name}".strip() or by.email) if by is not None else "11Tutors"
    send_templated_email(
        recipient=invitee,
        subject=_("%(inviter)s invites you to teach “%(course)s” on 11Tutors"),
        subject_params={"inviter": inviter, "course": course.title},
        template="tutor_invitation",
        context={
            "name": invitee.first_name or invitee.email,
            "inviter": inviter,
            "course_title": course.title,
            "link": frontend_url("/tutor-invitations", invitation=str(invitation.pk)),
        },
    )
    notify(
        recipients=[invitee.pk],
        kind=notification_kinds.TUTOR_INVITATION_RECEIVED,
        title=_("%(inviter)s invites you to teach “%(course)s”"),
        params={"inviter": inviter, "course": course.title},
        url=f"/tutor-invitations?invitation={invitation.pk}",
        data={"invitation_id": str(invitation.pk), "course_title": course.title, "inviter": inviter},
        dedupe_key=f"invitation:{invitation.pk}",
    )
    return invitation, True


def _not_pending(invitation: TutorInvitation) -> Conflict:
    if invitation.status == TutorInvitationStatus.CANCELLED:
        return Conflict(_("This invitation was withdrawn: ask the course's tutors to invite you again."))
    if invitation.status == TutorInvitationStatus.ACCEPTED:
        return Conflict(_("This invitation was already answered: accepted."))
    return Conflict(_("This invitation was already answered: declined."))


def _tutor_invitation_answer(*, invitation: TutorInvitation, status: str) -> None:
    """Move a pending invitation to ``status`` exactly once: of concurrent answers, one wins
    (a conditional UPDATE), the others get a 409."""
    answered = TutorInvitation.objects.filter(pk=invitation.pk, status=TutorInvitationStatus.PENDING).update(
        status=status, responded_at=timezone.now()
    )
    if not answered:
        invitation.refresh_from_db(fields=["status", "responded_at"])
        raise _not_pending(invitation)
    invitation.refresh_from_db(fields=["status", "responded_at"])


@transaction.atomic
def tutor_invitation_accept(*, invitation: TutorInvitation, user: User) -> TutorInvitation:
    """The invitee joins the course's tutors (once, however many concurrent accepts)."""
    if invitation.status != TutorInvitationStatus.PENDING:
        raise _not_pending(invitation)
    if not (user.is_tutor or user.is_admin):
        raise ServiceError(_("Only tutors and admins can teach a course: your account is no longer a tutor account."))
    _tutor_invitation_answer(invitation=invitation, status=TutorInvitationStatus.ACCEPTED)
    invitation.course.tutors.add(user)  # a no-op if they teach it already; invalidates the catalog cache
    course_search_refresh(courses=Course.objects.filter(pk=invitation.course_id))
    if invitation.invited_by_id and invitation.invited_by_id != user.pk:
        course = invitation.course
        notify(
            recipients=[invitation.invited_by_id],
            kind=notification_kinds.TUTOR_INVITATION_ACCEPTED,
            title=_("%(tutor)s now co-teaches “%(course)s”"),
            params={"tutor": user.full_name or user.email, "course": course.title},
            url=f"/courses/{course.slug}",
            data={"invitation_id": str(invitation.pk), "course_title": course.title, "invitee": user.full_name},
            dedupe_key=f"invitation:{invitation.pk}",
        )
    return invitation


@transaction.atomic
def tutor_invitation_decline(*, invitation: TutorInvitation) -> TutorInvitation:
    if invitation.status != TutorInvitationStatus.PENDING:
        raise _not_pending(invitation)
    _tutor_invitation_answer(invitation=invitation, status=TutorInvitationStatus.DECLINED)
    return invitation


def tutor_invitations_cancel(*, invitations: QuerySet[TutorInvitation]) -> int:
    """Withdraw pending invitations (the admin's action); answered ones stay as they are."""
    return invitations.filter(status=TutorInvitationStatus.PENDING).update(
        status=TutorInvitationStatus.CANCELLED, responded_at=timezone.now()
    )


@transaction.atomic
def course_delete(*, course: Course, by: User) -> None:
    """Courses with enrolments are only deleted by admins; tutors should unpublish instead."""
    if not by.is_admin and course.enrollments.exists():
        raise Conflict(_("This course has enrolled students: unpublish it instead of deleting it."))
    try:
        with transaction.atomic():
            course.delete()
    except ProtectedError as error:
        # Records that must outlive the course (a sold course's order items: payment records
        # are kept) protect it, for admins too.
        raise Conflict(_("This course has been bought: its payment records are kept. Unpublish it instead.")) from error


# --- Parts and lessons ----------------------------------------------------------------------------

PART_FIELDS = ("title", "description", "order")
LESSON_FIELDS = ("title", "description", "order", "duration", "is_free_preview", "video_service_id", "part")


@transaction.atomic
def part_create(*, course: Course, title: str = "", description: str = "", order: int = 0) -> CoursePart:
    part = CoursePart(course=course, title=title, description=description, order=order)
    save_with_unique_slug(part, title)
    return part


def part_update(*, part: CoursePart, data: dict[str, Any]) -> tuple[CoursePart, bool]:
    return model_update(instance=part, fields=PART_FIELDS, data=data)


def part_delete(*, part: CoursePart) -> None:
    part.delete()


@transaction.atomic
def lesson_create(*, part: CoursePart, title: str, by: User | None = None, **fields: Any) -> Lesson:
    """``by`` (the acting user) matters for videos: only admins may attach another tutor's."""
    lesson = Lesson(part=part, title=title, **{k: v for k, v in fields.items() if k in LESSON_FIELDS})
    if lesson.video_service_id:
        hooks.lesson_video_check(video_id=lesson.video_service_id, by=by)
        lesson.video_status = VideoStatus.PENDING
    save_with_unique_slug(lesson, title)
    if lesson.video_service_id:
        hooks.lesson_video_changed(lesson_id=lesson.pk)
    return lesson


@transaction.atomic
def lesson_update(*, lesson: Lesson, data: dict[str, Any], by: User | None = None) -> tuple[Lesson, bool]:
    new_part = data.get("part")
    if new_part is not None and new_part.course_id != lesson.part.course_id:
        raise ServiceError(_("A lesson can only move to a part of the same course."), field="part")
    video_id = data.get("video_service_id")
    video_changed = "video_service_id" in data and video_id != lesson.video_service_id
    if video_changed:
        if video_id:
            hooks.lesson_video_check(video_id=video_id, by=by)
        data = {**data, "video_status": VideoStatus.PENDING if video_id else VideoStatus.NONE}
    lesson, updated = model_update(instance=lesson, fields=(*LESSON_FIELDS, "video_status"), data=data)
    if video_changed and video_id:
        hooks.lesson_video_changed(lesson_id=lesson.pk)
    return lesson, updated


def lesson_delete(*, lesson: Lesson) -> None:
    lesson.delete()


# --- Comments --------------------------------------------------------------------------------------


def comment_create(*, user: User, lesson: Lesson, text: str, parent: Comment | None = None) -> Comment:
    if parent is not None and parent.lesson_id != lesson.pk:
        raise ServiceError(_("A reply must belong to the same lesson as its parent."), field="parent")
    return Comment.objects.create(user=user, lesson=lesson, text=text, parent=parent)


def comment_update(*, comment: Comment, text: str) -> Comment:
    if text != comment.text:
        comment.text = text
        comment.is_edited = True
        comment.save(update_fields=["text", "is_edited", "updated_at"])
    return comment


def comment_delete(*, comment: Comment) -> None:
    comment.delete()


# --- Enrolments ------------------------------------------------------------------------------------


def enrollment_activate(*, student: User, course: Course, source: str) -> tuple[Enrollment, bool]:
    """Create or re-activate the enrolment (``created`` is True when access is new); safe under
    concurrent requests."""
    try:
        with transaction.atomic():
            enrollment, created = Enrollment.objects.get_or_create(
                student=student, course=course, defaults={"source": source}
            )
    except IntegrityError:  # a concurrent request created it first
        enrollment, created = Enrollment.objects.get(student=student, course=course), False
    if not enrollment.is_active:
        enrollment.is_active = True
        enrollment.source = source
        enrollment.save(update_fields=["is_active", "source", "updated_at"])
        created = True
    if created:
        _enrollment_notify(enrollment, student=student, course=course)
    return enrollment, created


def _enrollment_notify(enrollment: Enrollment, *, student: User, course: Course) -> None:
    """The student hears their enrolment is confirmed, the course's tutors that someone enrolled:
    once per activation (the key names it), however often a webhook announces the payment."""
    activation = f"enrolment:{enrollment.pk}:{enrollment.updated_at.timestamp():.6f}"
    path = f"/courses/{course.slug}"
    notify(
        recipients=[student.pk],
        kind=notification_kinds.ENROLMENT_CONFIRMED,
        title=_("You are enrolled in “%(course)s”"),
        body=_("Your course is ready: start learning."),
        params={"course": course.title},
        url=path,
        data={"course_id": str(course.pk), "course_title": course.title, "source": enrollment.source},
        dedupe_key=activation,
    )
    notify(
        recipients=course.tutors.exclude(pk=student.pk).values_list("pk", flat=True),
        kind=notification_kinds.NEW_ENROLMENT,
        title=_("New student in “%(course)s”"),
        body=_("%(student)s enrolled.") if student.full_name else _("A student enrolled."),
        params={"course": course.title, "student": student.full_name},
        url=path,
        data={"course_id": str(course.pk), "course_title": course.title, "student_id": str(student.pk)},
        dedupe_key=activation,
    )


def enrollment_create_free(*, student: User, course: Course) -> tuple[Enrollment, bool]:
    """Enrol in a free published course; returns ``(enrollment, created)``."""
    if not course.is_published:
        raise ServiceError(_("This course is not available."), field="course")
    existing = Enrollment.objects.filter(student=student, course=course, is_active=True).first()
    if existing is not None:
        return existing, False
    if not course.is_free:
        raise PaymentRequired(_("This course is paid: buy it through POST /api/payments/payments/."))
    return enrollment_activate(student=student, course=course, source=EnrollmentSource.FREE)


def enrollment_grant(*, course: Course, student: User, by: User) -> tuple[Enrollment, bool]:
    """An admin, or a tutor of the course, gives a student access (whatever the price)."""
    source = EnrollmentSource.ADMIN if by.is_admin else EnrollmentSource.TUTOR
    return enrollment_activate(student=student, course=course, source=source)


def enrollments_deactivate(*, student_id, course_ids: list, source: str) -> int:
    """Take back the access ``source`` gave the student to these courses (e.g. a refunded
    purchase): their enrolments from that source stop being active; enrolments the student got
    otherwise stay. Returns how many changed."""
    deactivated = Enrollment.objects.filter(student_id=student_id, course__in=course_ids, source=source).update(
        is_active=False, updated_at=timezone.now()
    )
    catalog_cache.catalog_changed()  # students_count of anonymous catalog pages
    selectors.enrolments.changed(student_id)  # update() sends no signal: the access goes at once
    enrolments_deactivated.send(sender=Enrollment, student_id=student_id, course_ids=list(course_ids))
    return deactivated
