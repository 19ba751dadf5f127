"""Live-session use cases: scheduling, rescheduling and cancelling, registration under a
capacity, joining (with attendance), calendar feed tokens and reminders.

Who may call each one is decided by the API (``live.permissions``); the rules that hold whoever
calls (the capacity, the join window, cancelled and ended sessions) are here and answer with a
``ServiceError`` (a 4xx).
"""

from __future__ import annotations

import secrets
from datetime import UTC, timedelta

from django.conf import settings
from django.db import IntegrityError, transaction
from django.db.models import F
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from core.exceptions import Conflict, Forbidden, ServiceError
from core.services import model_update
from courses.models import Course, Enrollment, Lesson
from live import notify
from live.models import Attendance, CalendarFeedToken, LiveSession, Provider, Registration
from live.providers import configured, get_provider
from live.selectors import feed_token_hash
from users.models import User

FULL = _("This session is full.")
CANCELLED = _("This session was cancelled.")
ENDED = _("This session has ended.")
REMINDERS = {"24h": timedelta(hours=24), "15m": timedelta(minutes=15)}


def _provider_check(provider: str, external_url: str) -> None:
    if not configured(provider):
        raise ServiceError(
            _("The meeting provider “%(provider)s” is not configured here.") % {"provider": provider}, field="provider"
        )
    if provider == Provider.EXTERNAL and not external_url:
        raise ServiceError(_("An external session needs its meeting URL."), field="external_url")


def _recording_check(course: Course, lesson: Lesson | None) -> None:
    if lesson is not None and lesson.part.course_id != course.pk:
        raise ServiceError(_("The lesson is not part of this course."), field="recording_lesson")


def session_create(
    *,
    by: User,
    course: Course,
    title: str,
    starts_at,
    duration_minutes: int,
    description: str = "",
    capacity: int | None = None,
    provider: str | None = None,
    external_url: str = "",
    recording_lesson: Lesson | None = None,
) -> LiveSession:
    starts_at = starts_at.replace(microsecond=0)  # calendars count in whole seconds
    provider = provider or (Provider.EXTERNAL if external_url else settings.LIVE_PROVIDER)
    _provider_check(provider, external_url)
    _recording_check(course, recording_lesson)
    if starts_at <= timezone.now():
        raise ServiceError(_("A session starts in the future."), field="starts_at")
    session = LiveSession.objects.create(
        course=course,
        title=title,
        description=description,
        starts_at=starts_at,
        duration_minutes=duration_minutes,
        capacity=capacity,
        provider=provider,
        external_url=external_url if provider == Provider.EXTERNAL else "",
        recording_lesson=recording_lesson,
        created_by=by,
    )
    notify.announce_scheduled(session=session)
    return session


UPDATABLE = (
    "title",
    "description",
    "starts_at",
    "duration_minutes",
    "capacity",
    "provider",
    "external_url",
    "recording_lesson",
)


@transaction.atomic
def session_update(*, session: LiveSession, data: dict) -> tuple[LiveSession, bool]:
    """Edit a session; a new start or length is a reschedule: the calendar SEQUENCE goes up,
    reminders are due again for the new time, and the registrants are told."""
    session = LiveSession.objects.select_for_update().select_related("course").get(pk=session.pk)
    if session.is_cancelled:
        raise Conflict(_("A cancelled session cannot be changed."))
    provider = data.get("provider", session.provider)
    external_url = data.get("external_url", session.external_url if provider == Provider.EXTERNAL else "")
    if "provider" in data or "external_url" in data:
        _provider_check(provider, external_url)
        data = {**data, "provider": provider, "external_url": external_url if provider == Provider.EXTERNAL else ""}
    if data.get("starts_at") is not None:
        data = {**data, "starts_at": data["starts_at"].replace(microsecond=0)}
    if "recording_lesson" in data:
        _recording_check(session.course, data["recording_lesson"])
    if "starts_at" in data and data["starts_at"] != session.starts_at and data["starts_at"] <= timezone.now():
        raise ServiceError(_("A session is moved to a time in the future."), field="starts_at")
    if data.get("capacity") is not None:
        taken = session.registrations.count()
        if data["capacity"] < taken:
            raise ServiceError(
                ngettext(
                    "%(count)s student is registered: the capacity cannot be less.",
                    "%(count)s students are registered: the capacity cannot be less.",
                    taken,
                )
                % {"count": taken},
                field="capacity",
            )
    old_start, old_duration = session.starts_at, session.duration_minutes
    session, changed = model_update(instance=session, fields=UPDATABLE, data=data)
    if (session.starts_at, session.duration_minutes) != (old_start, old_duration):
        LiveSession.objects.filter(pk=session.pk).update(sequence=F("sequence") + 1)
        session.sequence += 1  # the row is locked: this is the stored value
        Registration.objects.filter(session=session).update(reminded_24h_at=None, reminded_15m_at=None)
        notify.on_commit(session_id=session.pk, kind="rescheduled", previous_starts_at=old_start)
    return session, changed


@transaction.atomic
def session_cancel(*, session: LiveSession) -> LiveSession:
    """Cancel (idempotent): the session stays, ``cancelled``; the registrants are told once."""
    cancelled = LiveSession.objects.filter(pk=session.pk, cancelled_at__isnull=True).update(
        cancelled_at=timezone.now(), sequence=F("sequence") + 1, updated_at=timezone.now()
    )
    if cancelled:
        notify.on_commit(session_id=session.pk, kind="cancelled")
    session.refresh_from_db()
    return session


def _open_check(session: LiveSession) -> None:
    if session.is_cancelled:
        raise Conflict(CANCELLED)
    if session.ends_at <= timezone.now():
        raise Conflict(ENDED)


def registration_create(*, session: LiveSession, student: User) -> tuple[Registration, bool]:
    """Register an active student; ``created`` is False when they already were.

    Exact under concurrency: the session's row is locked (SELECT … FOR UPDATE; SQLite's writer
    lock does the same) while the places taken are counted and the new one is written.
    """
    existing = Registration.objects.filter(session=session, student=student).first()
    if existing is not None:
        return existing, False
    with transaction.atomic():
        session = LiveSession.objects.select_for_update().get(pk=session.pk)
        _open_check(session)
        if session.capacity is not None and session.registrations.count() >= session.capacity:
            raise Conflict(FULL)
        try:
            with transaction.atomic():
                return Registration.objects.create(session=session, student=student), True
        except IntegrityError:  # the same student, twice at once
            pass
    return Registration.objects.get(session=session, student=student), False


def registration_delete(*, session: LiveSession, student: User) -> int:
    deleted, _ = Registration.objects.filter(session=session, student=student).delete()
    return deleted


def registrations_drop_inactive(*, student_id, course_ids: list) -> int:
    """Drop the student's places in the sessions (not yet ended) of those of ``course_ids`` they
    no longer have an active enrolment in (``courses.signals.enrolments_deactivated``)."""
    still_active = Enrollment.objects.filter(student_id=student_id, course__in=course_ids, is_active=True).values(
        "course_id"
    )
    deleted, _ = (
        Registration.objects.filter(
            student_id=student_id, session__course__in=course_ids, session__ends_at__gt=timezone.now()
        )
        .exclude(session__course__in=still_active)
        .delete()
    )
    return deleted


def join(*, session: LiveSession, user: User, moderator: bool) -> str:
    """The join URL, inside the window (``join_available_from`` until the end); the first join
    of each user is recorded."""
    now = timezone.now()
    if session.is_cancelled:
        raise Forbidden(CANCELLED)
    if now < session.join_available_from:
        opens = session.join_available_from.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
        raise Forbidden(
            _("Joining opens at %(opens)s (%(minutes)s minutes before the start); come back then.")
            % {"opens": opens, "minutes": settings.LIVE_JOIN_EARLY_MINUTES}
        )
    if now >= session.ends_at:
        raise Forbidden(ENDED)
    url = get_provider(session.provider).join_url(session=session, user=user, moderator=moderator)
    try:
        with transaction.atomic():
            Attendance.objects.get_or_create(
                session=session, user=user, defaults={"first_joined_at": now, "is_moderator": moderator}
            )
    except IntegrityError:  # a second join at the same moment: the first one counts
        pass
    return url


def feed_token_rotate(*, user: User) -> str:
    """A new calendar feed token for the user (the previous one stops working); returned once."""
    token = secrets.token_urlsafe(32)
    CalendarFeedToken.objects.update_or_create(user=user, defaults={"token_hash": feed_token_hash(token)})
    return token


def reminders_send(*, now=None) -> int:
    """Send the reminders that are due: ``24h`` from 24 hours before the start (while more than
    15 minutes remain) and ``15m`` from 15 minutes before it, to each registrant once.

    Each reminder is claimed by an atomic ``UPDATE … WHERE reminded_<kind>_at IS NULL`` before
    its e-mail is handed over: two beats running at once, or one after the other, send it once.
    Returns the number of reminders sent."""
    now = now or timezone.now()
    sent = 0
    for kind, lead in REMINDERS.items():
        marker = f"reminded_{kind}_at"
        due = Registration.objects.filter(
            **{f"{marker}__isnull": True},
            session__cancelled_at__isnull=True,
            session__starts_at__gt=now,
            session__starts_at__lte=now + lead,
        )
        if kind == "24h":
            due = due.filter(session__starts_at__gt=now + REMINDERS["15m"])
        for registration_id, session_id, student_id in due.values_list("pk", "session_id", "student_id"):
            claimed = Registration.objects.filter(pk=registration_id, **{f"{marker}__isnull": True}).update(
                **{marker: now}
            )
            if claimed:
                notify.send(session_id=session_id, kind=f"reminder_{kind}", user_ids=[student_id])
                sent += 1
    return sent
