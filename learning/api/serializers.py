"""Input validation and output shapes of progress and reviews."""

from __future__ import annotations

from rest_framework import serializers

from courses.api.serializers import CourseProgressSerializer
from learning.models import LessonProgress, Review
from users.models import User

MAX_POSITION_SECONDS = 100 * 3600


class ProgressInputSerializer(serializers.Serializer):
    position_seconds = serializers.IntegerField(min_value=0, max_value=MAX_POSITION_SECONDS)
    completed = serializers.BooleanField(required=False, default=False)


class LessonProgressSerializer(serializers.ModelSerializer):
    slug = serializers.CharField(source="lesson.slug")

    class Meta:
        model = LessonProgress
        fields = ["slug", "position_seconds", "completed", "completed_at", "updated_at"]
        read_only_fields = fields


class ProgressResponseSerializer(serializers.Serializer):
    lesson = LessonProgressSerializer()
    course = CourseProgressSerializer()


class ReviewerSerializer(serializers.ModelSerializer):
    class Meta:
        model = User
        fields = ["first_name", "last_name", "avatar"]


class ReviewSerializer(serializers.ModelSerializer):
    user = ReviewerSerializer(read_only=True)
    rating = serializers.IntegerField(min_value=1, max_value=5)
    text = serializers.CharField(max_length=5000, allow_blank=True, required=False, default="")

    class Meta:
        model = Review
        fields = ["id", "user", "rating", "text", "created_at", "updated_at"]
        read_only_fields = ["id", "user", "created_at", "updated_at"]
