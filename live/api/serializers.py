"""Input validation and output shapes of the live-session API (times in UTC, ISO 8601)."""

from __future__ import annotations

from datetime import timedelta

from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from rest_framework import serializers

from core.api.fields import SafePrimaryKeyRelatedField, StrictCharField
from courses.api.serializers import CourseRefSerializer
from courses.models import Course, Lesson
from live.models import MAX_DESCRIPTION, MAX_DURATION, MAX_TITLE, MIN_DURATION, LiveSession, Provider
from users.models import User

MAX_AHEAD = timedelta(days=2 * 365)


class LessonRefSerializer(serializers.ModelSerializer):
    class Meta:
        model = Lesson
        fields = ["id", "slug", "title"]


class PublicSessionSerializer(serializers.ModelSerializer):
    """What anyone sees of a published course's upcoming session: no join data."""

    course = CourseRefSerializer(read_only=True)
    status = serializers.ChoiceField(choices=["scheduled", "live", "ended", "cancelled"], read_only=True)
    registered_count = serializers.IntegerField(read_only=True)

    class Meta:
        model = LiveSession
        fields = [
            "id",
            "course",
            "title",
            "description",
            "starts_at",
            "duration_minutes",
            "capacity",
            "status",
            "registered_count",
        ]
        read_only_fields = fields


class SessionSerializer(PublicSessionSerializer):
    """The session object of the contract, for the course's members."""

    is_registered = serializers.BooleanField(read_only=True)
    join_available_from = serializers.DateTimeField(read_only=True)
    recording_lesson = LessonRefSerializer(read_only=True, allow_null=True)
    external_url = serializers.SerializerMethodField(
        help_text="The external meeting URL: for the course's tutors and admins only (others get it from join/)."
    )

    class Meta(PublicSessionSerializer.Meta):
        fields = [
            *PublicSessionSerializer.Meta.fields,
            "ends_at",
            "provider",
            "external_url",
            "is_registered",
            "join_available_from",
            "recording_lesson",
            "created_at",
            "updated_at",
        ]
        read_only_fields = fields

    def get_external_url(self, session: LiveSession) -> str | None:
        manages = self.context.get("manages")  # a predicate on course ids (views._managed)
        return session.external_url if manages is not None and manages(session.course_id) else None


def _future(value):
    now = timezone.now()
    if value <= now:
        raise serializers.ValidationError(_("A session starts in the future."))
    if value > now + MAX_AHEAD:
        raise serializers.ValidationError(_("A session starts within two years."))
    return value


class SessionWriteSerializer(serializers.Serializer):
    title = StrictCharField(min_length=3, max_length=MAX_TITLE)
    description = StrictCharField(max_length=MAX_DESCRIPTION, required=False, allow_blank=True)
    starts_at = serializers.DateTimeField(help_text="ISO 8601; without an offset it is read as UTC.")
    duration_minutes = serializers.IntegerField(min_value=MIN_DURATION, max_value=MAX_DURATION)
    capacity = serializers.IntegerField(min_value=1, max_value=100_000, required=False, allow_null=True)
    provider = serializers.ChoiceField(choices=Provider.choices, required=False)
    external_url = serializers.URLField(max_length=500, required=False, allow_blank=True)
    recording_lesson = SafePrimaryKeyRelatedField(
        queryset=Lesson.objects.select_related("part"), required=False, allow_null=True
    )

    def validate_starts_at(self, value):
        return _future(value)

    def validate_external_url(self, value: str) -> str:
        if value and not value.lower().startswith("https://"):
            raise serializers.ValidationError(_("The meeting URL must be an https:// link."))
        return value


class SessionCreateSerializer(SessionWriteSerializer):
    course = SafePrimaryKeyRelatedField(queryset=Course.objects.all(), help_text="The course's id.")


class SessionUpdateSerializer(SessionWriteSerializer):
    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        for field in self.fields.values():
            field.required = False


class AttendeeSerializer(serializers.ModelSerializer):
    class Meta:
        model = User
        fields = ["id", "first_name", "last_name", "email"]
        read_only_fields = fields


class AttendanceSerializer(serializers.Serializer):
    user = AttendeeSerializer(read_only=True)
    first_joined_at = serializers.DateTimeField(read_only=True)
    is_moderator = serializers.BooleanField(read_only=True)


class JoinSerializer(serializers.Serializer):
    join_url = serializers.URLField(read_only=True)
    moderator = serializers.BooleanField(read_only=True)


class RegistrationSerializer(serializers.Serializer):
    session = serializers.IntegerField(read_only=True)
    is_registered = serializers.BooleanField(read_only=True)
    registered_count = serializers.IntegerField(read_only=True)


class FeedTokenSerializer(serializers.Serializer):
    token = serializers.CharField(read_only=True)
    url = serializers.URLField(read_only=True, help_text="The absolute calendar feed URL (keep it private).")
