"""Input validation and output shapes of the catalog API."""

from __future__ import annotations

from datetime import timedelta

from django.conf import settings
from django.core.files.storage import default_storage
from django.utils.translation import gettext_lazy as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers
from rest_framework.fields import SkipField, empty
from rest_framework.utils import html

from core.api.fields import ImageUploadField, SafePrimaryKeyRelatedField
from core.currency import Currency
from core.validators import validate_image_upload
from courses import search
from courses.models import (
    MAX_LESSON_DURATION,
    MAX_ORDER,
    MAX_PRICE,
    Category,
    Comment,
    Course,
    CourseLevel,
    CoursePart,
    Enrollment,
    Lesson,
    TutorInvitation,
)
from courses.placeholders import PLACEHOLDER_THUMBNAIL
from courses.selectors import progress_percent
from users.models import User

# --- Fields ------------------------------------------------------------------------------------


@extend_schema_field({"type": "string", "pattern": r"^\d{2,}:\d{2}:\d{2}$", "example": "00:02:05"})
class DurationField(serializers.Field):
    """Out: ``"HH:MM:SS"`` (hours may exceed 24, never a days prefix, never null).
    In: ``"HH:MM:SS"``, or whole seconds as a number or a string (``125``, ``"125"``)."""

    default_error_messages = {
        "invalid": _("Enter a duration as “HH:MM:SS” or a whole number of seconds."),
        "range": _("A duration must be between 00:00:00 and {max}."),
    }

    def to_representation(self, value: timedelta | None) -> str:
        seconds = int(value.total_seconds()) if value else 0
        hours, rest = divmod(max(seconds, 0), 3600)
        minutes, secs = divmod(rest, 60)
        return f"{hours:02d}:{minutes:02d}:{secs:02d}"

    def to_internal_value(self, data) -> timedelta:
        if isinstance(data, bool):
            self.fail("invalid")
        if isinstance(data, int):
            seconds = data
        elif isinstance(data, float) and data.is_integer():
            seconds = int(data)
        elif isinstance(data, str) and data.strip().isdigit():
            seconds = int(data.strip())
        elif isinstance(data, str) and data.count(":") == 2:
            parts = data.strip().split(":")
            if not all(p.isdigit() for p in parts) or int(parts[1]) > 59 or int(parts[2]) > 59:
                self.fail("invalid")
            seconds = int(parts[0]) * 3600 + int(parts[1]) * 60 + int(parts[2])
        else:
            self.fail("invalid")
        if not 0 <= seconds <= MAX_LESSON_DURATION.total_seconds():
            self.fail("range", max=self.to_representation(MAX_LESSON_DURATION))
        return timedelta(seconds=seconds)


class OptionalImageField(ImageUploadField):
    """An image upload where an empty multipart value means "no change", and null clears it."""

    def get_value(self, dictionary):
        # Multipart forms send "" when no file was picked: that is "no change", not "clear".
        if html.is_html_input(dictionary) and dictionary.get(self.field_name) == "":
            return empty
        return super().get_value(dictionary)

    def validate_empty_values(self, data):
        if data == "":
            raise SkipField()
        return super().validate_empty_values(data)


@extend_schema_field(OpenApiTypes.URI)
class ThumbnailField(serializers.ReadOnlyField):
    """The thumbnail's absolute URL, or the placeholder's (never null)."""

    def to_representation(self, value) -> str:
        url = value.url if value else default_storage.url(PLACEHOLDER_THUMBNAIL)
        request = self.context.get("request")
        return request.build_absolute_uri(url) if request is not None else url


# --- Nested shapes -------------------------------------------------------------------------------


# ``name`` and ``description`` in the request's language, else the default language's (a comment,
# not a docstring: drf-spectacular would show it as the description of every category schema).
class LocalizedCategoryMixin:
    def to_representation(self, instance: Category) -> dict:
        data = super().to_representation(instance)
        for field in ("name", "description"):
            if field in data:
                data[field] = instance.localized(field)
        return data


class CategoryBriefSerializer(LocalizedCategoryMixin, serializers.ModelSerializer):
    class Meta:
        model = Category
        fields = ["id", "name", "slug"]


class TutorBriefSerializer(serializers.ModelSerializer):
    class Meta:
        model = User
        fields = ["id", "first_name", "last_name", "avatar"]


class PartBriefSerializer(serializers.ModelSerializer):
    class Meta:
        model = CoursePart
        fields = ["id", "title", "slug", "order"]


class LessonOutlineSerializer(serializers.ModelSerializer):
    duration = DurationField()

    class Meta:
        model = Lesson
        fields = ["id", "title", "slug", "description", "order", "duration", "is_free_preview", "created_at"]


class PartWithLessonsSerializer(serializers.ModelSerializer):
    lessons = LessonOutlineSerializer(many=True)

    class Meta:
        model = CoursePart
        fields = ["id", "title", "slug", "description", "order", "lessons"]


class CourseRefSerializer(serializers.ModelSerializer):
    class Meta:
        model = Course
        fields = ["id", "slug", "title"]


# --- Categories -------------------------------------------------------------------------------------


class CategorySerializer(LocalizedCategoryMixin, serializers.ModelSerializer):
    courses_count = serializers.IntegerField(read_only=True, default=0)

    class Meta:
        model = Category
        fields = ["id", "name", "slug", "description", "courses_count"]
        read_only_fields = ["id", "slug", "courses_count"]
        extra_kwargs = {"name": {"validators": []}}

    def validate_name(self, value: str) -> str:
        value = value.strip()
        if not value:
            raise serializers.ValidationError(_("This field may not be blank."))
        others = Category.objects.filter(name__iexact=value)
        if self.instance is not None:
            others = others.exclude(pk=self.instance.pk)
        if others.exists():
            raise serializers.ValidationError(_("A category with this name already exists."))
        return value


# --- Courses -----------------------------------------------------------------------------------------


class CourseListSerializer(serializers.ModelSerializer):
    """A course in lists: figures come from the selector's annotations, never per-row queries."""

    is_free = serializers.BooleanField(read_only=True)
    thumbnail = ThumbnailField()
    category = CategoryBriefSerializer(read_only=True, allow_null=True)
    tutors = TutorBriefSerializer(many=True, read_only=True)
    parts = PartBriefSerializer(many=True, read_only=True)
    is_enrolled = serializers.BooleanField(read_only=True)
    rating = serializers.FloatField(read_only=True)
    students_count = serializers.IntegerField(read_only=True)
    lessons_count = serializers.IntegerField(read_only=True)
    duration = DurationField(source="total_duration", read_only=True)
    headline = serializers.SerializerMethodField(
        help_text=(
            "With `?search=`: the description around the matched words, HTML-escaped, the matches in "
            "`<mark>`…`</mark>`; null otherwise."
        )
    )

    class Meta:
        model = Course
        fields = [
            "id",
            "title",
            "slug",
            "description",
            "price",
            "currency",
            "language",
            "is_free",
            "thumbnail",
            "category",
            "level",
            "tutors",
            "parts",
            "is_published",
            "is_enrolled",
            "rating",
            "reviews_count",
            "students_count",
            "lessons_count",
            "duration",
            "created_at",
            "updated_at",
            "headline",
        ]
        read_only_fields = fields

    def get_headline(self, course: Course) -> str | None:
        return search.headline_of(course, self.context.get("search"))


class LastLessonSerializer(serializers.Serializer):
    slug = serializers.CharField()
    title = serializers.CharField()
    position_seconds = serializers.IntegerField()


class ProgressSerializer(serializers.Serializer):
    completed_lessons = serializers.IntegerField()
    total_lessons = serializers.IntegerField()
    percent = serializers.IntegerField()
    last_lesson = LastLessonSerializer(allow_null=True)


class CourseProgressSerializer(ProgressSerializer):
    completed_at = serializers.DateTimeField(allow_null=True)


class CourseDetailSerializer(CourseListSerializer):
    """A course page: parts with their lessons, and the viewer's progress when they follow it."""

    parts = PartWithLessonsSerializer(many=True, read_only=True)
    progress = serializers.SerializerMethodField()

    class Meta(CourseListSerializer.Meta):
        fields = [*CourseListSerializer.Meta.fields, "progress"]  # the list item's (headline: null)
        read_only_fields = fields

    @extend_schema_field(CourseProgressSerializer(allow_null=True))
    def get_progress(self, course: Course) -> dict | None:
        """Computed by the view for viewers with progress in the course; null for everyone else."""
        return self.context.get("progress")


class CourseWriteSerializer(serializers.Serializer):
    """POST and PATCH of a course, as JSON or multipart (string booleans, ``category: ""``)."""

    title = serializers.CharField(max_length=200)
    description = serializers.CharField(max_length=20000, allow_blank=True, required=False)
    category = SafePrimaryKeyRelatedField(queryset=Category.objects.all(), allow_null=True, required=False)
    price = serializers.DecimalField(max_digits=10, decimal_places=2, min_value=0, max_value=MAX_PRICE, required=False)
    currency = serializers.ChoiceField(choices=Currency.choices, required=False)
    level = serializers.ChoiceField(choices=CourseLevel.choices, required=False)
    language = serializers.ChoiceField(
        choices=settings.LANGUAGES, required=False, help_text="The language the course is taught in."
    )
    is_published = serializers.BooleanField(required=False)
    thumbnail = OptionalImageField(
        max_side_setting="MAX_THUMBNAIL_PIXELS_SIDE",
        required=False,
        allow_null=True,
        validators=[validate_image_upload],
    )
    tutors = SafePrimaryKeyRelatedField(
        many=True,
        required=False,
        queryset=User.objects.filter(is_active=True),
        help_text=(
            "The wanted tutors (user ids of tutors or admins). Current tutors left out are removed at once; "
            "new ones are sent an invitation and join only when they accept it "
            "(`/api/courses/tutor-invitations/`). The course keeps at least one current tutor."
        ),
    )

    def validate_title(self, value: str) -> str:
        value = value.strip()
        if not value:
            raise serializers.ValidationError(_("This field may not be blank."))
        return value

    def validate_tutors(self, users: list[User]) -> list[User]:
        """A non-empty list when changed, without repeats. Who may teach is the service's rule
        (``services.course_tutors_validate``), which also refuses an empty list."""
        if not users and self.partial:
            raise serializers.ValidationError(_("A course needs at least one tutor."))
        return list({u.pk: u for u in users}.values())


# --- Parts and lessons ---------------------------------------------------------------------------------


class PartSerializer(serializers.ModelSerializer):
    course = SafePrimaryKeyRelatedField(queryset=Course.objects.all())
    title = serializers.CharField(max_length=200, allow_blank=True, required=False, default="")
    description = serializers.CharField(max_length=5000, allow_blank=True, required=False, default="")
    order = serializers.IntegerField(min_value=0, max_value=MAX_ORDER, required=False, default=0)

    class Meta:
        model = CoursePart
        fields = ["id", "slug", "course", "title", "description", "order", "created_at", "updated_at"]
        read_only_fields = ["id", "slug", "created_at", "updated_at"]


class LessonWriteSerializer(serializers.ModelSerializer):
    part = SafePrimaryKeyRelatedField(queryset=CoursePart.objects.select_related("course"))
    title = serializers.CharField(max_length=200)
    description = serializers.CharField(max_length=20000, allow_blank=True, required=False, default="")
    video_service_id = serializers.CharField(
        max_length=100,
        allow_null=True,
        allow_blank=True,
        required=False,
        help_text=(
            "A `videoId` from upload-credentials. Only the tutor who asked for that video's upload "
            "credentials (or an admin) may attach it, co-tutors not (400); a lesson keeps its video "
            "when the course's tutors change, and re-sending the unchanged id is not checked again."
        ),
    )
    order = serializers.IntegerField(min_value=0, max_value=MAX_ORDER, required=False, default=0)
    duration = DurationField(required=False, default=timedelta(0))
    is_free_preview = serializers.BooleanField(required=False, default=False)

    class Meta:
        model = Lesson
        fields = [
            "id",
            "slug",
            "part",
            "title",
            "description",
            "video_service_id",
            "order",
            "duration",
            "is_free_preview",
            "video_status",
            "created_at",
            "updated_at",
        ]
        read_only_fields = ["id", "slug", "video_status", "created_at", "updated_at"]

    def validate_title(self, value: str) -> str:
        value = value.strip()
        if not value:
            raise serializers.ValidationError(_("This field may not be blank."))
        return value

    def validate_video_service_id(self, value: str | None) -> str | None:
        return value.strip() or None if value else None


class LessonPlayerSerializer(serializers.ModelSerializer):
    """The player page: the outline always; playable secrets only for those who may watch."""

    duration = DurationField()
    course = CourseRefSerializer(source="part.course")
    otp = serializers.CharField(allow_null=True)
    playbackInfo = serializers.CharField(allow_null=True)  # the client's key
    locked = serializers.BooleanField()
    video_error = serializers.CharField(allow_null=True, help_text="Why no playback was issued (provider failure).")

    class Meta:
        model = Lesson
        fields = [
            "id",
            "title",
            "slug",
            "description",
            "is_free_preview",
            "order",
            "duration",
            "created_at",
            "course",
            "otp",
            "playbackInfo",
            "video_status",
            "locked",
            "video_error",
        ]
        read_only_fields = fields


# --- Co-tutor invitations ----------------------------------------------------------------------------------


class InviterSerializer(serializers.ModelSerializer):
    class Meta:
        model = User
        fields = ["id", "first_name", "last_name"]


class TutorInvitationSerializer(serializers.ModelSerializer):
    course = CourseRefSerializer(read_only=True)
    invited_by = InviterSerializer(
        read_only=True, allow_null=True, help_text="null when the inviter's account is gone."
    )

    class Meta:
        model = TutorInvitation
        fields = ["id", "course", "invited_by", "status", "created_at", "responded_at"]
        read_only_fields = fields


# --- Comments ----------------------------------------------------------------------------------------------


class CommentSerializer(serializers.ModelSerializer):
    lesson = SafePrimaryKeyRelatedField(queryset=Lesson.objects.select_related("part__course"))
    parent = SafePrimaryKeyRelatedField(queryset=Comment.objects.all(), allow_null=True, required=False)
    user = TutorBriefSerializer(read_only=True)
    replies_count = serializers.IntegerField(read_only=True, default=0)
    text = serializers.CharField(min_length=1, max_length=5000)

    class Meta:
        model = Comment
        fields = ["id", "lesson", "text", "user", "parent", "replies_count", "created_at", "updated_at", "is_edited"]
        read_only_fields = ["id", "user", "replies_count", "created_at", "updated_at", "is_edited"]


class CommentUpdateSerializer(serializers.Serializer):
    text = serializers.CharField(min_length=1, max_length=5000, required=False)


# --- Enrolments ----------------------------------------------------------------------------------------------


class EnrollmentSerializer(serializers.ModelSerializer):
    course = CourseListSerializer(read_only=True)
    progress = serializers.SerializerMethodField()

    class Meta:
        model = Enrollment
        fields = ["id", "course", "enrolled_at", "progress"]

    @extend_schema_field(ProgressSerializer)
    def get_progress(self, enrollment: Enrollment) -> dict:
        """From the selector's annotations (courses.hooks.enrollment_progress): no query per row."""
        total = enrollment.course.lessons_count
        completed = enrollment.completed_lessons
        last = None
        if enrollment.last_lesson_slug:
            last = {
                "slug": enrollment.last_lesson_slug,
                "title": enrollment.last_lesson_title,
                "position_seconds": enrollment.last_lesson_position,
            }
        return {
            "completed_lessons": completed,
            "total_lessons": total,
            "percent": progress_percent(completed, total),
            "last_lesson": last,
        }


class EnrollmentCreateSerializer(serializers.Serializer):
    course = SafePrimaryKeyRelatedField(queryset=Course.objects.all())
    student = SafePrimaryKeyRelatedField(queryset=User.objects.filter(is_active=True), required=False)


# --- Search ----------------------------------------------------------------------------------------------------


class SearchQuerySerializer(serializers.Serializer):
    q = serializers.CharField(
        max_length=200, required=False, allow_blank=True, default="", help_text="What was typed (blank: no results)."
    )


class SuggestionSerializer(serializers.Serializer):
    type = serializers.ChoiceField(choices=["course", "category", "tutor"])
    label = serializers.CharField(help_text="The course title, category name or tutor's full name.")
    slug = serializers.CharField(help_text="The course or category slug; a tutor's user id.")


class SuggestionsSerializer(serializers.Serializer):
    results = SuggestionSerializer(many=True)


class SlugTitleSerializer(serializers.Serializer):
    slug = serializers.CharField()
    title = serializers.CharField()


class LessonSearchResultSerializer(serializers.Serializer):
    """A lesson found by ``search/lessons/``: where it is, and the matched text."""

    lesson = SlugTitleSerializer(source="*")
    course = SlugTitleSerializer(source="part.course")
    is_free_preview = serializers.BooleanField()
    headline = serializers.SerializerMethodField(
        help_text="The description around the matched words, HTML-escaped, the matches in `<mark>`…`</mark>`."
    )

    def get_headline(self, lesson: Lesson) -> str | None:
        return search.headline_of(lesson, self.context.get("search"))
