"""Live sessions: scheduled live classes of a course, with registrations, attendance and the
calendar feed tokens.

A session's ``status`` is derived, never stored apart from cancellation: ``cancelled`` once
``cancelled_at`` is set, else ``scheduled`` before ``starts_at``, ``live`` until ``ends_at`` and
``ended`` after. ``sequence`` is the iCalendar SEQUENCE: it goes up on every reschedule and on
cancellation, so calendar apps replace the event they hold.
"""

from __future__ import annotations

import secrets
from datetime import timedelta

from django.conf import settings
from django.db import models
from django.utils import timezone

from courses.models import Course, Lesson

MAX_TITLE = 200
MAX_DESCRIPTION = 5000
MIN_DURATION, MAX_DURATION = 5, 600  # minutes


def new_room_key() -> str:
    """A random, stable name part for the session's meeting room (no secret rides on it for
    BigBlueButton and signed Jitsi; for the public room it is what makes the room hard to guess)."""
    return secrets.token_hex(10)


class Provider(models.TextChoices):
    BIGBLUEBUTTON = "bigbluebutton", "BigBlueButton"
    JITSI = "jitsi", "Jitsi (signed links)"
    PUBLIC_ROOM = "public_room", "Public Jitsi-style room"
    EXTERNAL = "external", "External meeting URL"


class Status(models.TextChoices):
    SCHEDULED = "scheduled", "Scheduled"
    LIVE = "live", "Live"
    ENDED = "ended", "Ended"
    CANCELLED = "cancelled", "Cancelled"


class LiveSession(models.Model):
    course = models.ForeignKey(Course, on_delete=models.CASCADE, related_name="live_sessions")
    title = models.CharField(max_length=MAX_TITLE)
    description = models.TextField(blank=True, max_length=MAX_DESCRIPTION)
    starts_at = models.DateTimeField(db_index=True)
    duration_minutes = models.PositiveIntegerField()
    # starts_at + duration, kept by save() and the services: lists filter on it.
    ends_at = models.DateTimeField(editable=False, db_index=True)
    capacity = models.PositiveIntegerField(null=True, blank=True, help_text="Empty: unlimited.")
    provider = models.CharField(max_length=20, choices=Provider.choices)
    external_url = models.URLField(max_length=500, blank=True)
    room_key = models.CharField(max_length=40, default=new_room_key, unique=True, editable=False)
    recording_lesson = models.ForeignKey(
        Lesson, on_delete=models.SET_NULL, null=True, blank=True, related_name="live_recordings"
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    cancelled_at = models.DateTimeField(null=True, blank=True, editable=False)
    sequence = models.PositiveIntegerField(default=0, editable=False)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["starts_at", "id"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(duration_minutes__gte=MIN_DURATION, duration_minutes__lte=MAX_DURATION),
                name="live_session_duration_range",
            ),
            models.CheckConstraint(
                condition=models.Q(capacity__isnull=True) | models.Q(capacity__gte=1),
                name="live_session_capacity_positive",
            ),
            models.CheckConstraint(
                condition=~models.Q(provider="external") | ~models.Q(external_url=""),
                name="live_session_external_has_url",
            ),
        ]
        indexes = [models.Index(fields=["course", "ends_at"], name="live_session_course_end_idx")]

    def __str__(self) -> str:
        return self.title

    def save(self, *args, **kwargs) -> None:
        self.ends_at = self.starts_at + timedelta(minutes=self.duration_minutes)
        update_fields = kwargs.get("update_fields")
        if update_fields is not None and {"starts_at", "duration_minutes"} & set(update_fields):
            kwargs["update_fields"] = {*update_fields, "ends_at"}
        super().save(*args, **kwargs)

    @property
    def is_cancelled(self) -> bool:
        return self.cancelled_at is not None

    @property
    def join_available_from(self):
        return self.starts_at - timedelta(minutes=settings.LIVE_JOIN_EARLY_MINUTES)

    def status_at(self, now) -> str:
        if self.cancelled_at is not None:
            return Status.CANCELLED
        if now < self.starts_at:
            return Status.SCHEDULED
        if now < self.ends_at:
            return Status.LIVE
        return Status.ENDED

    @property
    def status(self) -> str:
        return self.status_at(timezone.now())


class Registration(models.Model):
    """A student's place in a session. The reminder markers are set by the atomic update that
    claims the reminder (``services.reminders_send``), so each one goes out once."""

    session = models.ForeignKey(LiveSession, on_delete=models.CASCADE, related_name="registrations")
    student = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="live_registrations")
    created_at = models.DateTimeField(auto_now_add=True)
    reminded_24h_at = models.DateTimeField(null=True, blank=True, editable=False)
    reminded_15m_at = models.DateTimeField(null=True, blank=True, editable=False)

    class Meta:
        ordering = ["created_at", "id"]
        constraints = [models.UniqueConstraint(fields=["session", "student"], name="live_registration_once")]

    def __str__(self) -> str:
        return f"{self.student_id} in {self.session_id}"


class Attendance(models.Model):
    """Who joined a session, and when first (students, and the tutors as moderators)."""

    session = models.ForeignKey(LiveSession, on_delete=models.CASCADE, related_name="attendances")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="live_attendances")
    first_joined_at = models.DateTimeField()
    is_moderator = models.BooleanField(default=False)

    class Meta:
        ordering = ["first_joined_at", "id"]
        constraints = [models.UniqueConstraint(fields=["session", "user"], name="live_attendance_once")]

    def __str__(self) -> str:
        return f"{self.user_id} joined {self.session_id}"


class CalendarFeedToken(models.Model):
    """A user's calendar feed token, stored as its SHA-256 (the token itself is shown once, when
    made; rotating replaces it and the old feed URL stops working)."""

    user = models.OneToOneField(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="live_feed_token")
    token_hash = models.CharField(max_length=64, unique=True)
    created_at = models.DateTimeField(auto_now=True)

    def __str__(self) -> str:
        return f"feed of {self.user_id}"
