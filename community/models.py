"""A course's community: threads (questions and discussions) with replies, votes, reports for
moderation, and the tutors' announcements.

Posts (threads and replies) are never removed by their authors: a delete is soft (``deleted_at``)
and the post reads "[deleted]"; moderation hides a post (``is_hidden``) from members. Vote totals
are stored on the post and kept exact by ``services.vote_cast``; a vote is one row per user and
post (database constraints), a report names exactly one post.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models

from courses.models import Course, Lesson

MAX_TITLE = 200
MAX_THREAD_BODY = 20_000
MAX_REPLY_BODY = 10_000
MAX_ANNOUNCEMENT_BODY = 20_000
MAX_REASON = 1_000
DELETED = "[deleted]"


class ThreadKind(models.TextChoices):
    QUESTION = "question", "Question"
    DISCUSSION = "discussion", "Discussion"


class Post(models.Model):
    """What threads and replies share: an author, a Markdown body with its sanitised HTML, votes,
    moderation and soft deletion."""

    # Kept when the author's account goes: the discussion stays readable.
    author = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True)
    body = models.TextField()
    body_html = models.TextField(editable=False)
    votes = models.IntegerField(default=0, editable=False)
    is_hidden = models.BooleanField(default=False)
    deleted_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    edited_at = models.DateTimeField(null=True, blank=True, editable=False)

    class Meta:
        abstract = True

    @property
    def is_deleted(self) -> bool:
        return self.deleted_at is not None


class Thread(Post):
    course = models.ForeignKey(Course, on_delete=models.CASCADE, related_name="threads")
    lesson = models.ForeignKey(Lesson, on_delete=models.SET_NULL, null=True, blank=True, related_name="threads")
    kind = models.CharField(max_length=10, choices=ThreadKind.choices, default=ThreadKind.QUESTION)
    title = models.CharField(max_length=MAX_TITLE)
    is_pinned = models.BooleanField(default=False)
    is_locked = models.BooleanField(default=False)
    accepted_reply = models.ForeignKey(
        "Reply", on_delete=models.SET_NULL, null=True, blank=True, related_name="+", editable=False
    )
    last_activity_at = models.DateTimeField(db_index=True)

    class Meta:
        ordering = ["-is_pinned", "-last_activity_at", "-id"]
        default_related_name = "threads"
        constraints = [
            models.CheckConstraint(
                condition=models.Q(accepted_reply__isnull=True) | models.Q(kind=ThreadKind.QUESTION),
                name="thread_only_questions_accept",
            ),
        ]
        indexes = [
            models.Index(fields=["course", "-is_pinned", "-last_activity_at"], name="thread_course_activity_idx"),
            models.Index(fields=["course", "kind", "accepted_reply"], name="thread_course_kind_answer_idx"),
        ]

    def __str__(self) -> str:
        return self.title


class Reply(Post):
    thread = models.ForeignKey(Thread, on_delete=models.CASCADE, related_name="replies")
    # One level of nesting: a reply answers the thread, or one of its top-level replies.
    parent = models.ForeignKey("self", on_delete=models.CASCADE, null=True, blank=True, related_name="children")

    class Meta:
        ordering = ["created_at", "id"]
        verbose_name_plural = "replies"
        default_related_name = "replies"
        indexes = [models.Index(fields=["thread", "created_at"], name="reply_thread_created_idx")]

    def __str__(self) -> str:
        return self.body[:50]


class VoteValue(models.IntegerChoices):
    UP = 1, "+1"
    DOWN = -1, "-1"


class Vote(models.Model):
    """One user's vote on one post (a thread or a reply); clearing a vote deletes the row."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="community_votes")
    thread = models.ForeignKey(Thread, on_delete=models.CASCADE, null=True, blank=True, related_name="vote_rows")
    reply = models.ForeignKey(Reply, on_delete=models.CASCADE, null=True, blank=True, related_name="vote_rows")
    value = models.SmallIntegerField(choices=VoteValue.choices)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        constraints = [
            models.CheckConstraint(
                condition=models.Q(thread__isnull=False, reply__isnull=True)
                | models.Q(thread__isnull=True, reply__isnull=False),
                name="vote_one_post",
            ),
            models.CheckConstraint(condition=models.Q(value__in=[1, -1]), name="vote_value_valid"),
            models.UniqueConstraint(
                fields=["user", "thread"], condition=models.Q(thread__isnull=False), name="vote_one_per_user_thread"
            ),
            models.UniqueConstraint(
                fields=["user", "reply"], condition=models.Q(reply__isnull=False), name="vote_one_per_user_reply"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.user_id}: {self.value:+d} on {'thread ' + str(self.thread_id) if self.thread_id else 'reply ' + str(self.reply_id)}"


class ReportStatus(models.TextChoices):
    OPEN = "open", "Open"
    HIDDEN = "hidden", "Resolved: post hidden"
    DISMISSED = "dismissed", "Resolved: dismissed"


class Report(models.Model):
    """A member flags a post for the course's moderators (tutors and admins)."""

    course = models.ForeignKey(Course, on_delete=models.CASCADE, related_name="community_reports")
    thread = models.ForeignKey(Thread, on_delete=models.CASCADE, null=True, blank=True, related_name="reports")
    reply = models.ForeignKey(Reply, on_delete=models.CASCADE, null=True, blank=True, related_name="reports")
    reporter = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="community_reports")
    reason = models.TextField(max_length=MAX_REASON)
    status = models.CharField(max_length=10, choices=ReportStatus.choices, default=ReportStatus.OPEN)
    created_at = models.DateTimeField(auto_now_add=True)
    resolved_at = models.DateTimeField(null=True, blank=True)
    resolved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )

    class Meta:
        ordering = ["-created_at", "-id"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(thread__isnull=False, reply__isnull=True)
                | models.Q(thread__isnull=True, reply__isnull=False),
                name="report_one_post",
            ),
            # A member's open report on a post is one row: reporting again changes nothing.
            models.UniqueConstraint(
                fields=["reporter", "thread"],
                condition=models.Q(status="open", thread__isnull=False),
                name="report_one_open_per_reporter_thread",
            ),
            models.UniqueConstraint(
                fields=["reporter", "reply"],
                condition=models.Q(status="open", reply__isnull=False),
                name="report_one_open_per_reporter_reply",
            ),
        ]
        indexes = [models.Index(fields=["course", "status", "-created_at"], name="report_course_status_idx")]

    def __str__(self) -> str:
        return f"Report {self.pk} ({self.status})"

    @property
    def post(self) -> Thread | Reply:
        return self.thread if self.thread_id else self.reply


class Announcement(models.Model):
    """A tutor's message to every active student of a course, also sent by e-mail (in batches,
    by the task queue)."""

    course = models.ForeignKey(Course, on_delete=models.CASCADE, related_name="announcements")
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="announcements"
    )
    title = models.CharField(max_length=MAX_TITLE)
    body = models.TextField(max_length=MAX_ANNOUNCEMENT_BODY)
    body_html = models.TextField(editable=False)
    created_at = models.DateTimeField(auto_now_add=True, db_index=True)
    updated_at = models.DateTimeField(auto_now=True)
    # Students the e-mail was handed to the mail server for, batch by batch.
    emailed_count = models.PositiveIntegerField(default=0, editable=False)

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["course", "-created_at"], name="announcement_course_idx")]

    def __str__(self) -> str:
        return self.title
