"""Learning: lesson progress and views, course reviews, completion certificates."""

from __future__ import annotations

import secrets
import uuid

from django.conf import settings
from django.db import models

from core.models import TimeStampedModel
from core.storage import unique_upload_path
from courses.models import Course, Lesson

COMPLETION_THRESHOLD = 0.9  # a lesson watched to 90 % of its duration counts as completed


class LessonProgress(TimeStampedModel):
    """Where a student is in a lesson. ``completed`` is sticky: it never goes back."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    student = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="lesson_progress")
    lesson = models.ForeignKey(Lesson, on_delete=models.CASCADE, related_name="progress")
    position_seconds = models.PositiveIntegerField(default=0)
    completed = models.BooleanField(default=False)
    completed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-updated_at"]
        constraints = [models.UniqueConstraint(fields=["student", "lesson"], name="lessonprogress_student_lesson")]
        indexes = [models.Index(fields=["student", "-updated_at"], name="lessonprogress_recent_idx")]

    def __str__(self) -> str:
        return f"{self.student_id} @ {self.lesson_id}: {self.position_seconds}s"


class LessonView(models.Model):
    """A player secret was issued to someone who may watch: one row per view, for statistics."""

    lesson = models.ForeignKey(Lesson, on_delete=models.CASCADE, related_name="views")
    viewer = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="lesson_views"
    )
    viewed_at = models.DateTimeField(auto_now_add=True, db_index=True)

    class Meta:
        ordering = ["-viewed_at"]
        indexes = [models.Index(fields=["lesson", "viewed_at"], name="lessonview_lesson_time_idx")]

    def __str__(self) -> str:
        return f"{self.lesson_id} at {self.viewed_at:%Y-%m-%d %H:%M}"


class Review(TimeStampedModel):
    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    course = models.ForeignKey(Course, on_delete=models.CASCADE, related_name="reviews")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="reviews")
    rating = models.PositiveSmallIntegerField()
    text = models.TextField(blank=True, max_length=5000)

    class Meta:
        ordering = ["-created_at"]
        constraints = [
            models.UniqueConstraint(fields=["course", "user"], name="review_one_per_student_course"),
            models.CheckConstraint(condition=models.Q(rating__gte=1, rating__lte=5), name="review_rating_1_to_5"),
        ]
        indexes = [models.Index(fields=["course", "-created_at"], name="review_course_created_idx")]

    def __str__(self) -> str:
        return f"{self.rating}/5 on {self.course_id}"


def new_verification_code() -> str:
    """Unguessable and easy to type: 20 characters from the OS's cryptographic source."""
    alphabet = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789"
    return "".join(secrets.choice(alphabet) for _ in range(20))


def certificate_pdf_path(instance: Certificate, filename: str) -> str:
    return unique_upload_path("certificates", filename)


class Certificate(models.Model):
    """Issued once, when a student completes every lesson of a course."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    student = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="certificates")
    course = models.ForeignKey(Course, on_delete=models.CASCADE, related_name="certificates")
    verification_code = models.CharField(max_length=32, unique=True, default=new_verification_code, editable=False)
    student_name = models.CharField(max_length=301)
    issued_at = models.DateTimeField(auto_now_add=True, db_index=True)
    pdf = models.FileField(upload_to=certificate_pdf_path, blank=True, max_length=255)
    pdf_generated_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-issued_at"]
        constraints = [models.UniqueConstraint(fields=["student", "course"], name="certificate_student_course")]

    def __str__(self) -> str:
        return f"{self.student_name}: {self.course_id} ({self.verification_code})"
