"""The catalog: categories, courses → parts → lessons, comments and enrolments."""

from __future__ import annotations

import uuid
from datetime import timedelta
from decimal import Decimal

from django.conf import settings
from django.contrib.postgres.search import SearchVectorField
from django.db import models
from django.db.models.functions import Lower
from django.utils import translation

from core.currency import Currency
from core.i18n import default_language, validate_language
from core.models import TimeStampedModel
from core.storage import unique_upload_path

MAX_PRICE = Decimal("99999999.99")
MAX_LESSON_DURATION = timedelta(hours=100)
MAX_ORDER = 100_000


def course_thumbnail_path(instance: Course, filename: str) -> str:
    return unique_upload_path("thumbnails", filename)


class Category(TimeStampedModel):
    slug_fallback = "category"  # the slug when the title gives none
    name = models.CharField(max_length=100, unique=True)
    slug = models.SlugField(max_length=120, unique=True, editable=False)
    description = models.TextField(blank=True, max_length=2000)
    # The name and description in other languages: {"ru": {"name": ..., "description": ...}, ...}
    # (edited in the admin, one pair of fields per language); ``name`` and ``description`` are
    # the default language's. One column: a category in a list costs no extra query.
    translations = models.JSONField(default=dict, blank=True)

    class Meta:
        verbose_name_plural = "categories"
        ordering = ["name"]
        constraints = [models.UniqueConstraint(Lower("name"), name="category_name_ci_unique")]

    def __str__(self) -> str:
        return self.name

    def localized(self, field: str, language: str | None = None) -> str:
        """``field`` ("name" or "description") in ``language`` (default: the active one), falling
        back to the default language's text where there is no translation."""
        language = language or translation.get_language() or ""
        translated = (self.translations or {}).get(language.split("-")[0]) or {}
        value = translated.get(field) if isinstance(translated, dict) else None
        return value if isinstance(value, str) and value.strip() else getattr(self, field)


class CourseLevel(models.TextChoices):
    BEGINNER = "beginner", "Beginner"
    INTERMEDIATE = "intermediate", "Intermediate"
    ADVANCED = "advanced", "Advanced"
    ALL = "all", "All levels"


class Course(TimeStampedModel):
    slug_fallback = "course"  # the slug when the title gives none
    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    title = models.CharField(max_length=200)
    # Generated once from the title and never changed, so links stay valid.
    slug = models.SlugField(max_length=220, unique=True, editable=False)
    description = models.TextField(blank=True, max_length=20000)
    thumbnail = models.ImageField(upload_to=course_thumbnail_path, blank=True, max_length=255)
    tutors = models.ManyToManyField(settings.AUTH_USER_MODEL, related_name="taught_courses", blank=True)
    category = models.ForeignKey(Category, on_delete=models.SET_NULL, null=True, blank=True, related_name="courses")
    price = models.DecimalField(max_digits=10, decimal_places=2, default=Decimal("0.00"))
    currency = models.CharField(max_length=3, choices=Currency.choices, default=Currency.USD)
    # The language the course is taught in (one of settings.LANGUAGES).
    language = models.CharField(max_length=16, default=default_language, validators=[validate_language], db_index=True)
    is_published = models.BooleanField(default=False, db_index=True)
    level = models.CharField(max_length=12, choices=CourseLevel.choices, default=CourseLevel.ALL)
    # Kept exact by the reviews feature; 0 while a course has no reviews.
    rating = models.DecimalField(max_digits=3, decimal_places=2, default=Decimal("0.00"))
    reviews_count = models.PositiveIntegerField(default=0)
    # Tutor names and category name, kept in step by the services, so search needs no joins.
    search_extra = models.TextField(blank=True, editable=False)
    # PostgreSQL full-text vector (weights: title A, description B, search_extra C), GIN-indexed;
    # left empty on other databases, where search falls back to substring matching.
    # ``title`` and ``search_extra`` also have trigram (gin_trgm_ops) indexes on PostgreSQL, for
    # typo-tolerant search (courses/search.py, migration 0006).
    search_vector = SearchVectorField(null=True, editable=False)

    class Meta:
        ordering = ["-created_at"]
        constraints = [
            models.CheckConstraint(condition=models.Q(price__gte=0), name="course_price_non_negative"),
            models.CheckConstraint(condition=models.Q(rating__gte=0, rating__lte=5), name="course_rating_range"),
        ]
        indexes = [
            models.Index(fields=["is_published", "-created_at"], name="course_published_created_idx"),
            models.Index(fields=["price"], name="course_price_idx"),
        ]

    def __str__(self) -> str:
        return self.title

    @property
    def is_free(self) -> bool:
        return self.price == 0


class CoursePart(TimeStampedModel):
    slug_fallback = "part"  # the slug when the title gives none
    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    course = models.ForeignKey(Course, on_delete=models.CASCADE, related_name="parts")
    title = models.CharField(max_length=200, blank=True)
    slug = models.SlugField(max_length=220, unique=True, editable=False)
    description = models.TextField(blank=True, max_length=5000)
    order = models.PositiveIntegerField(default=0)

    class Meta:
        ordering = ["order", "created_at"]
        constraints = [
            models.CheckConstraint(condition=models.Q(order__lte=MAX_ORDER), name="coursepart_order_range"),
        ]
        indexes = [models.Index(fields=["course", "order"], name="coursepart_course_order_idx")]

    def __str__(self) -> str:
        return self.title or self.slug


class VideoStatus(models.TextChoices):
    NONE = "", "No video"
    PENDING = "pending", "Pending"
    PROCESSING = "processing", "Processing"
    READY = "ready", "Ready"
    ERROR = "error", "Error"


class Lesson(TimeStampedModel):
    slug_fallback = "lesson"  # the slug when the title gives none
    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    part = models.ForeignKey(CoursePart, on_delete=models.CASCADE, related_name="lessons")
    title = models.CharField(max_length=200)
    slug = models.SlugField(max_length=220, unique=True, editable=False)
    description = models.TextField(blank=True, max_length=20000)
    video_service_id = models.CharField(max_length=100, null=True, blank=True, db_index=True)  # noqa: DJ001 (null: no video, as the contract says)
    video_status = models.CharField(max_length=20, choices=VideoStatus.choices, blank=True, default="")
    order = models.PositiveIntegerField(default=0)
    duration = models.DurationField(default=timedelta(0))
    is_free_preview = models.BooleanField(default=False)

    class Meta:
        ordering = ["order", "created_at"]
        constraints = [
            models.CheckConstraint(condition=models.Q(order__lte=MAX_ORDER), name="lesson_order_range"),
            models.CheckConstraint(
                condition=models.Q(duration__gte=timedelta(0), duration__lte=MAX_LESSON_DURATION),
                name="lesson_duration_range",
            ),
        ]
        indexes = [models.Index(fields=["part", "order"], name="lesson_part_order_idx")]

    def __str__(self) -> str:
        return self.title


class Comment(TimeStampedModel):
    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    lesson = models.ForeignKey(Lesson, on_delete=models.CASCADE, related_name="comments")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="comments")
    parent = models.ForeignKey("self", on_delete=models.CASCADE, null=True, blank=True, related_name="replies")
    text = models.TextField(max_length=5000)
    is_edited = models.BooleanField(default=False)

    class Meta:
        ordering = ["-created_at"]
        indexes = [models.Index(fields=["lesson", "-created_at"], name="comment_lesson_created_idx")]

    def __str__(self) -> str:
        return self.text[:50]


class TutorInvitationStatus(models.TextChoices):
    PENDING = "pending", "Pending"
    ACCEPTED = "accepted", "Accepted"
    DECLINED = "declined", "Declined"
    CANCELLED = "cancelled", "Cancelled"


class TutorInvitation(models.Model):
    """A course manager asked ``invitee`` to co-teach ``course``: they join its tutors only when
    they accept. At most one pending invitation per course and invitee; answered ones are kept."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    course = models.ForeignKey(Course, on_delete=models.CASCADE, related_name="tutor_invitations")
    invitee = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="tutor_invitations")
    # Kept when the inviter's account goes: the invitation still stands.
    invited_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    status = models.CharField(
        max_length=10, choices=TutorInvitationStatus.choices, default=TutorInvitationStatus.PENDING
    )
    created_at = models.DateTimeField(auto_now_add=True)
    responded_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at"]
        constraints = [
            models.UniqueConstraint(
                fields=["course", "invitee"],
                condition=models.Q(status="pending"),
                name="tutorinvitation_one_pending_per_course_invitee",
            ),
        ]
        indexes = [models.Index(fields=["invitee", "-created_at"], name="tutorinvitation_invitee_idx")]

    def __str__(self) -> str:
        return f"{self.invitee_id} → {self.course_id} ({self.status})"


class EnrollmentSource(models.TextChoices):
    FREE = "free", "Free course"
    PAYMENT = "payment", "Payment"
    ADMIN = "admin", "Granted by an admin"
    TUTOR = "tutor", "Granted by a tutor"


class Enrollment(models.Model):
    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    student = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="enrollments")
    course = models.ForeignKey(Course, on_delete=models.CASCADE, related_name="enrollments")
    source = models.CharField(max_length=10, choices=EnrollmentSource.choices, default=EnrollmentSource.FREE)
    # Revoked enrolments (a refund, an admin) are kept for the record but give no access.
    is_active = models.BooleanField(default=True)
    enrolled_at = models.DateTimeField(auto_now_add=True, db_index=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["-enrolled_at"]
        constraints = [models.UniqueConstraint(fields=["student", "course"], name="enrollment_student_course_unique")]
        indexes = [models.Index(fields=["course", "is_active"], name="enrollment_course_active_idx")]

    def __str__(self) -> str:
        return f"{self.student_id} → {self.course_id}"
