"""Input validation and output shapes of the community API.

Foreign keys in request bodies are ids, as everywhere in the API. A deleted post reads
"[deleted]" (its title, body and author are not shown); the selectors annotate ``my_vote``,
``replies_count`` and whether the author teaches the course (``author.is_course_tutor``).
"""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from community.models import (
    DELETED,
    MAX_ANNOUNCEMENT_BODY,
    MAX_REASON,
    MAX_REPLY_BODY,
    MAX_THREAD_BODY,
    MAX_TITLE,
    Announcement,
    Reply,
    Report,
    ReportStatus,
    Thread,
    ThreadKind,
)
from community.rendering import markdown_to_html
from core.api.fields import SafePrimaryKeyRelatedField, StrictCharField
from courses.api.serializers import CourseRefSerializer
from courses.models import Course, Lesson
from users.models import User

MIN_TITLE = 3
DELETED_HTML = markdown_to_html(DELETED)

# --- Nested shapes -----------------------------------------------------------------------------


class LessonBriefSerializer(serializers.ModelSerializer):
    class Meta:
        model = Lesson
        fields = ["id", "slug", "title"]


class AuthorSerializer(serializers.ModelSerializer):
    is_course_tutor = serializers.BooleanField(read_only=True)

    class Meta:
        model = User
        fields = ["id", "first_name", "last_name", "avatar", "role", "is_course_tutor"]
        read_only_fields = fields


@extend_schema_field(AuthorSerializer(allow_null=True))
class AuthorField(serializers.Field):
    """The post's author with ``is_course_tutor`` (the selectors' ``author_is_course_tutor``);
    null for a deleted post or a deleted account."""

    def __init__(self, **kwargs):
        super().__init__(source="*", read_only=True, **kwargs)

    def to_representation(self, post):
        if post.author is None or getattr(post, "is_deleted", False):
            return None
        data = AuthorSerializer(post.author, context=self.context).data
        data["is_course_tutor"] = bool(getattr(post, "author_is_course_tutor", False))
        return data


class PostSerializer(serializers.ModelSerializer):
    author = AuthorField()
    votes = serializers.IntegerField(read_only=True)
    my_vote = serializers.IntegerField(read_only=True, help_text="The caller's vote: 1, -1 or 0.")
    is_deleted = serializers.BooleanField(read_only=True)

    def to_representation(self, instance):
        data = super().to_representation(instance)
        if instance.is_deleted:
            data.update(body=DELETED, body_html=DELETED_HTML)
            if "title" in data:
                data["title"] = DELETED
        return data


# --- Threads and replies -------------------------------------------------------------------------


class ThreadSerializer(PostSerializer):
    course = CourseRefSerializer(read_only=True)
    lesson = LessonBriefSerializer(read_only=True, allow_null=True)
    accepted_reply_id = serializers.IntegerField(read_only=True, allow_null=True)
    replies_count = serializers.IntegerField(read_only=True)

    class Meta:
        model = Thread
        fields = [
            "id",
            "course",
            "lesson",
            "title",
            "body",
            "body_html",
            "kind",
            "author",
            "is_pinned",
            "is_locked",
            "is_hidden",
            "is_deleted",
            "accepted_reply_id",
            "replies_count",
            "votes",
            "my_vote",
            "last_activity_at",
            "created_at",
            "edited_at",
        ]
        read_only_fields = fields


class ThreadCreateSerializer(serializers.Serializer):
    course = SafePrimaryKeyRelatedField(queryset=Course.objects.all())
    lesson = SafePrimaryKeyRelatedField(
        queryset=Lesson.objects.select_related("part"), required=False, allow_null=True, default=None
    )
    kind = serializers.ChoiceField(choices=ThreadKind.choices, default=ThreadKind.QUESTION)
    title = StrictCharField(min_length=MIN_TITLE, max_length=MAX_TITLE)
    body = StrictCharField(max_length=MAX_THREAD_BODY)


class ThreadUpdateSerializer(serializers.Serializer):
    title = StrictCharField(min_length=MIN_TITLE, max_length=MAX_TITLE, required=False)
    body = StrictCharField(max_length=MAX_THREAD_BODY, required=False)


class ReplySerializer(PostSerializer):
    thread = serializers.PrimaryKeyRelatedField(read_only=True)
    parent = serializers.PrimaryKeyRelatedField(read_only=True, allow_null=True)
    is_accepted = serializers.SerializerMethodField()

    class Meta:
        model = Reply
        fields = [
            "id",
            "thread",
            "parent",
            "body",
            "body_html",
            "author",
            "is_accepted",
            "votes",
            "my_vote",
            "is_hidden",
            "is_deleted",
            "created_at",
            "edited_at",
        ]
        read_only_fields = fields

    def get_is_accepted(self, reply: Reply) -> bool:
        return reply.thread.accepted_reply_id == reply.pk


class ReplyCreateSerializer(serializers.Serializer):
    body = StrictCharField(max_length=MAX_REPLY_BODY)
    parent = serializers.IntegerField(
        min_value=1, max_value=2**63 - 1, required=False, allow_null=True, default=None,
        help_text="A top-level reply of the same thread (replies nest one level).",
    )  # fmt: skip


class ReplyUpdateSerializer(serializers.Serializer):
    body = StrictCharField(max_length=MAX_REPLY_BODY, required=False)


# --- Actions -----------------------------------------------------------------------------------------


class AcceptSerializer(serializers.Serializer):
    reply_id = serializers.IntegerField(allow_null=True, min_value=1, max_value=2**63 - 1)


class VoteSerializer(serializers.Serializer):
    value = serializers.ChoiceField(choices=[1, -1, 0], help_text="1 (up), -1 (down) or 0 (clear your vote).")

    def to_internal_value(self, data):
        # A boolean is not a vote (True == 1 in Python).
        if isinstance(data, dict) and isinstance(data.get("value"), bool):
            raise serializers.ValidationError({"value": [_("A vote is 1, -1 or 0.")]})
        return super().to_internal_value(data)


class VoteResultSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    votes = serializers.IntegerField()
    my_vote = serializers.IntegerField()


class FlagSerializer(serializers.Serializer):
    value = serializers.BooleanField()

    def to_internal_value(self, data):
        # Only true or false: not "yes", 1 or "on".
        if isinstance(data, dict) and "value" in data and not isinstance(data["value"], bool):
            raise serializers.ValidationError({"value": [_("Must be true or false.")]})
        return super().to_internal_value(data)


class ReportCreateSerializer(serializers.Serializer):
    reason = StrictCharField(max_length=MAX_REASON)


class UnansweredCountSerializer(serializers.Serializer):
    course = CourseRefSerializer()
    unanswered_count = serializers.IntegerField()


# --- Reports --------------------------------------------------------------------------------------


class ReporterSerializer(serializers.ModelSerializer):
    class Meta:
        model = User
        fields = ["id", "first_name", "last_name"]
        read_only_fields = fields


class ReportedPostSerializer(serializers.Serializer):
    """The reported post as moderators see it: its real content, even when deleted or hidden."""

    type = serializers.ChoiceField(choices=["thread", "reply"])
    id = serializers.IntegerField()
    thread = serializers.IntegerField()
    title = serializers.CharField(allow_null=True)
    body = serializers.CharField()
    author = ReporterSerializer(allow_null=True)
    is_hidden = serializers.BooleanField()
    is_deleted = serializers.BooleanField()


class ReportSerializer(serializers.ModelSerializer):
    course = CourseRefSerializer(read_only=True)
    reporter = ReporterSerializer(read_only=True)
    resolved_by = ReporterSerializer(read_only=True, allow_null=True)
    post = serializers.SerializerMethodField()

    class Meta:
        model = Report
        fields = ["id", "course", "post", "reason", "status", "reporter", "created_at", "resolved_at", "resolved_by"]
        read_only_fields = fields

    @extend_schema_field(ReportedPostSerializer)
    def get_post(self, report: Report) -> dict:
        post = report.post
        is_thread = report.thread_id is not None
        return {
            "type": "thread" if is_thread else "reply",
            "id": post.pk,
            "thread": post.pk if is_thread else post.thread_id,
            "title": post.title if is_thread else None,
            "body": post.body,
            "author": ReporterSerializer(post.author).data if post.author else None,
            "is_hidden": post.is_hidden,
            "is_deleted": post.is_deleted,
        }


class ReportResolveSerializer(serializers.Serializer):
    action = serializers.ChoiceField(
        choices=["hide", "dismiss"], help_text="`hide`: hide the post (resolves every open report on it); `dismiss`."
    )


REPORT_STATUSES = [status.value for status in ReportStatus]

# --- Announcements --------------------------------------------------------------------------------


class AnnouncementSerializer(serializers.ModelSerializer):
    course = CourseRefSerializer(read_only=True)
    author = AuthorField()

    class Meta:
        model = Announcement
        fields = ["id", "course", "title", "body", "body_html", "author", "created_at", "updated_at"]
        read_only_fields = fields


class AnnouncementCreateSerializer(serializers.Serializer):
    course = SafePrimaryKeyRelatedField(queryset=Course.objects.all())
    title = StrictCharField(min_length=MIN_TITLE, max_length=MAX_TITLE)
    body = StrictCharField(max_length=MAX_ANNOUNCEMENT_BODY)


class AnnouncementUpdateSerializer(serializers.Serializer):
    title = StrictCharField(min_length=MIN_TITLE, max_length=MAX_TITLE, required=False)
    body = StrictCharField(max_length=MAX_ANNOUNCEMENT_BODY, required=False)
