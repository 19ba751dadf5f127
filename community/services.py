"""Community use cases: posting, editing and deleting, accepted answers, votes, moderation,
announcements and their e-mail fan-out.

Who may call each one is decided by the API (``community.permissions``); the rules that hold
whoever calls (the edit window, locked threads, one nesting level, what can be accepted) are
here and answer with a ``ServiceError`` (a 4xx).
"""

from __future__ import annotations

import logging
from datetime import timedelta

from django.conf import settings
from django.core.mail import EmailMultiAlternatives, get_connection
from django.db import IntegrityError, transaction
from django.db.models import F, Sum
from django.template.loader import render_to_string
from django.utils import timezone, translation
from django.utils.translation import gettext_lazy as _

from community import selectors
from community.models import Announcement, Reply, Report, ReportStatus, Thread, ThreadKind, Vote
from community.rendering import markdown_to_html
from core.exceptions import Conflict, Forbidden, ServiceError
from core.i18n import recipient_language
from core.services import model_update
from core.tasks import enqueue_on_commit
from courses.models import Course, Lesson
from notifications import kinds as notification_kinds
from notifications import selectors as notification_selectors
from notifications.services import notify
from users.models import User

logger = logging.getLogger(__name__)

EDIT_WINDOW_PASSED = _("The time to edit this post has passed ({minutes} minutes after posting).")
DELETED_POST = _("This post was deleted.")
LOCKED = _("This thread is locked: it takes no replies.")


# --- Posting and editing -------------------------------------------------------------------------


def _edit_check(post: Thread | Reply) -> None:
    if post.is_deleted:
        raise Forbidden(DELETED_POST)
    minutes = settings.COMMUNITY_EDIT_WINDOW_MINUTES
    if timezone.now() > post.created_at + timedelta(minutes=minutes):
        raise Forbidden(EDIT_WINDOW_PASSED.format(minutes=minutes))


def thread_create(
    *, author: User, course: Course, kind: str, title: str, body: str, lesson: Lesson | None = None
) -> Thread:
    if lesson is not None and lesson.part.course_id != course.pk:
        raise ServiceError(_("The lesson is not part of this course."), field="lesson")
    thread = Thread.objects.create(
        course=course,
        lesson=lesson,
        author=author,
        kind=kind,
        title=title,
        body=body,
        body_html=markdown_to_html(body),
        last_activity_at=timezone.now(),
    )
    if kind == ThreadKind.QUESTION:
        # The course's tutors hear of a new question (not the tutor who asked it).
        notify(
            recipients=course.tutors.exclude(pk=author.pk).values_list("pk", flat=True),
            kind=notification_kinds.COURSE_QUESTION,
            title=_("New question in “%(course)s”"),
            params={"course": course.title},
            body=title,
            url=_thread_path(thread, course),
            data={"course_title": course.title, "thread_title": title, "thread_id": thread.pk},
            dedupe_key=f"thread:{thread.pk}",
        )
    return thread


def _thread_path(thread: Thread, course: Course) -> str:
    """The web client's page of a thread."""
    return f"/courses/{course.slug}/community/threads/{thread.pk}"


def thread_update(*, thread: Thread, data: dict) -> tuple[Thread, bool]:
    """The author's edit of the title or body, within the edit window."""
    _edit_check(thread)
    if "body" in data:
        data = {**data, "body_html": markdown_to_html(data["body"])}
    thread, changed = model_update(instance=thread, fields=("title", "body", "body_html"), data=data)
    if changed:
        thread.edited_at = timezone.now()
        thread.save(update_fields=["edited_at"])
    return thread, changed


def thread_delete(*, thread: Thread) -> None:
    """Soft delete: the thread and its replies stay, the thread reads "[deleted]". Idempotent."""
    if not thread.is_deleted:
        Thread.objects.filter(pk=thread.pk, deleted_at__isnull=True).update(deleted_at=timezone.now())


def thread_flag_set(*, thread: Thread, flag: str, value: bool) -> Thread:
    """Pin, lock or hide (``flag``: ``is_pinned``, ``is_locked``, ``is_hidden``) a thread."""
    if flag not in ("is_pinned", "is_locked", "is_hidden"):
        raise ValueError(flag)
    thread, _unused = model_update(instance=thread, fields=(flag,), data={flag: value})
    return thread


@transaction.atomic
def reply_create(*, author: User, thread: Thread, body: str, parent: Reply | None = None) -> Reply:
    # The thread row is locked: a lock or a delete happening now is seen, and the activity
    # time only moves forward.
    thread = Thread.objects.select_for_update().get(pk=thread.pk)
    if thread.is_locked:
        raise Forbidden(LOCKED)
    if thread.is_deleted:
        raise Forbidden(_("This thread was deleted: it takes no replies."))
    if parent is not None:
        if parent.thread_id != thread.pk:
            raise ServiceError(_("The parent reply is not part of this thread."), field="parent")
        if parent.parent_id is not None:
            raise ServiceError(_("Replies nest one level only: answer the top-level reply."), field="parent")
        if parent.is_deleted:
            raise ServiceError(_("The parent reply was deleted."), field="parent")
    now = timezone.now()
    reply = Reply.objects.create(
        thread=thread, parent=parent, author=author, body=body, body_html=markdown_to_html(body)
    )
    Thread.objects.filter(pk=thread.pk).update(last_activity_at=now)
    if thread.author_id and thread.author_id != author.pk:
        notify(
            recipients=[thread.author_id],
            kind=notification_kinds.THREAD_REPLY,
            title=_("New reply to “%(thread)s”"),
            params={"thread": thread.title},
            body=body[:300],
            url=_thread_path(thread, thread.course),
            data={
                "thread_id": thread.pk,
                "reply_id": reply.pk,
                "thread_title": thread.title,
                "author": author.full_name,
            },
            dedupe_key=f"reply:{reply.pk}",
        )
    return reply


def reply_update(*, reply: Reply, data: dict) -> tuple[Reply, bool]:
    _edit_check(reply)
    if "body" in data:
        data = {**data, "body_html": markdown_to_html(data["body"])}
    reply, changed = model_update(instance=reply, fields=("body", "body_html"), data=data)
    if changed:
        reply.edited_at = timezone.now()
        reply.save(update_fields=["edited_at"])
    return reply, changed


@transaction.atomic
def reply_delete(*, reply: Reply) -> None:
    """Soft delete; a deleted reply is no longer the thread's accepted answer. Idempotent."""
    Reply.objects.filter(pk=reply.pk, deleted_at__isnull=True).update(deleted_at=timezone.now())
    Thread.objects.filter(pk=reply.thread_id, accepted_reply_id=reply.pk).update(accepted_reply=None)


@transaction.atomic
def reply_hidden_set(*, reply: Reply, value: bool) -> Reply:
    """Hide a reply from members (or show it again); a hidden reply is no longer the accepted answer."""
    reply, _unused = model_update(instance=reply, fields=("is_hidden",), data={"is_hidden": value})
    if value:
        Thread.objects.filter(pk=reply.thread_id, accepted_reply_id=reply.pk).update(accepted_reply=None)
    return reply


def thread_accept(*, thread: Thread, reply: Reply | None) -> Thread:
    """Mark ``reply`` as the question's accepted answer (``None``: none)."""
    if thread.kind != ThreadKind.QUESTION:
        raise ServiceError(_("Only questions have an accepted answer."), field="reply_id")
    if reply is not None:
        if reply.thread_id != thread.pk:
            raise ServiceError(_("The reply is not part of this thread."), field="reply_id")
        if reply.is_deleted or reply.is_hidden:
            raise ServiceError(_("A deleted or hidden reply cannot be the accepted answer."), field="reply_id")
    thread, changed = model_update(instance=thread, fields=("accepted_reply",), data={"accepted_reply": reply})
    if changed and reply is not None and reply.author_id and reply.author_id != thread.author_id:
        notify(
            recipients=[reply.author_id],
            kind=notification_kinds.ANSWER_ACCEPTED,
            title=_("Your answer to “%(thread)s” was accepted"),
            params={"thread": thread.title},
            url=_thread_path(thread, thread.course),
            data={"thread_id": thread.pk, "reply_id": reply.pk, "thread_title": thread.title},
            dedupe_key=f"accepted:{reply.pk}",
        )
    return thread


# --- Votes -----------------------------------------------------------------------------------------


@transaction.atomic
def vote_cast(*, user: User, post: Thread | Reply, value: int) -> int:
    """The user's vote on a post becomes ``value`` (+1, -1; 0 clears it); returns the post's total.

    Idempotent (the same vote twice is one vote) and exact under concurrency: the post's row
    is locked while the user's vote row is written and the total recounted from the rows.
    """
    if value not in (1, -1, 0):
        raise ServiceError(_("A vote is 1, -1 or 0."), field="value")
    model = type(post)
    if post.is_deleted:
        raise Forbidden(DELETED_POST)
    model.objects.select_for_update().filter(pk=post.pk).values_list("pk", flat=True).get()
    key = "thread" if model is Thread else "reply"
    mine = Vote.objects.filter(user=user, **{key: post})
    current = mine.values_list("value", flat=True).first()
    if value == 0:
        mine.delete()
    elif current is None:
        Vote.objects.create(user=user, value=value, **{key: post})
    elif current != value:
        mine.update(value=value, updated_at=timezone.now())
    total = Vote.objects.filter(**{key: post}).aggregate(total=Sum("value"))["total"] or 0
    model.objects.filter(pk=post.pk).update(votes=total)
    post.votes = total
    return total


# --- Reports and moderation ------------------------------------------------------------------------


def report_create(*, reporter: User, post: Thread | Reply, reason: str) -> tuple[Report, bool]:
    """A member flags a post; their open report on it is one row (reporting again changes nothing)."""
    key = "thread" if isinstance(post, Thread) else "reply"
    course = post.course if isinstance(post, Thread) else post.thread.course
    existing = Report.objects.filter(reporter=reporter, status=ReportStatus.OPEN, **{key: post}).first()
    if existing is not None:
        return existing, False
    try:
        with transaction.atomic():
            return Report.objects.create(reporter=reporter, course=course, reason=reason, **{key: post}), True
    except IntegrityError:  # the same report, sent twice at once
        return Report.objects.get(reporter=reporter, status=ReportStatus.OPEN, **{key: post}), False


@transaction.atomic
def report_resolve(*, report: Report, action: str, by: User) -> Report:
    """``hide`` hides the post and resolves every open report on it; ``dismiss`` resolves this one."""
    report = Report.objects.select_for_update().get(pk=report.pk)
    if report.status != ReportStatus.OPEN:
        raise Conflict(_("The report was already resolved."))
    now = timezone.now()
    if action == "hide":
        post = report.post
        if isinstance(post, Thread):
            thread_flag_set(thread=post, flag="is_hidden", value=True)
        else:
            reply_hidden_set(reply=post, value=True)
        key = "thread" if report.thread_id else "reply"
        Report.objects.filter(status=ReportStatus.OPEN, **{key: post}).update(
            status=ReportStatus.HIDDEN, resolved_at=now, resolved_by=by
        )
    elif action == "dismiss":
        Report.objects.filter(pk=report.pk).update(status=ReportStatus.DISMISSED, resolved_at=now, resolved_by=by)
    else:
        raise ServiceError('The action is "hide" or "dismiss".', field="action")
    return Report.objects.get(pk=report.pk)


# --- Announcements ---------------------------------------------------------------------------------


def announcement_create(*, author: User, course: Course, title: str, body: str) -> Announcement:
    """Post an announcement; every active student gets it by e-mail, in batches, from the task
    queue once the transaction commits (nothing is sent in the request)."""
    announcement = Announcement.objects.create(
        course=course, author=author, title=title, body=body, body_html=markdown_to_html(body)
    )
    enqueue_on_commit(
        "community.tasks.announcement_fan_out",
        announcement.pk,
        what=f"the e-mails of announcement {announcement.pk}",
    )
    return announcement


def announcement_update(*, announcement: Announcement, data: dict) -> tuple[Announcement, bool]:
    """Edit the title or body (not sent again)."""
    if "body" in data:
        data = {**data, "body_html": markdown_to_html(data["body"])}
    return model_update(instance=announcement, fields=("title", "body", "body_html"), data=data)


def announcement_delete(*, announcement: Announcement) -> None:
    announcement.delete()


def announcement_fan_out(*, announcement_id: int) -> int:
    """Queue one e-mail task per batch of ``COMMUNITY_ANNOUNCEMENT_BATCH_SIZE`` students (keyset
    pages of ids: one query per batch, whatever the course's size). Returns the batches queued."""
    from community import tasks  # the tasks module imports this one

    announcement = Announcement.objects.filter(pk=announcement_id).select_related("course").first()
    if announcement is None:  # deleted before the worker got to it
        return 0
    size = settings.COMMUNITY_ANNOUNCEMENT_BATCH_SIZE
    recipients = selectors.announcement_recipient_ids(course=announcement.course)
    batches, after = 0, None
    while True:
        page = recipients if after is None else recipients.filter(student_id__gt=after)
        ids = list(page[:size])
        if not ids:
            return batches
        tasks.announcement_send_batch.delay(announcement_id, ids)
        batches += 1
        if len(ids) < size:
            return batches
        after = ids[-1]


def announcement_send_batch(*, announcement_id: int, student_ids: list[str]) -> int:
    """E-mail one batch of students over one connection to the mail server; a fixed number of
    queries, whatever the batch holds. Returns the number of messages sent."""
    if len(student_ids) > settings.COMMUNITY_ANNOUNCEMENT_BATCH_SIZE:
        raise ValueError(f"a batch holds at most {settings.COMMUNITY_ANNOUNCEMENT_BATCH_SIZE} students")
    announcement = Announcement.objects.filter(pk=announcement_id).select_related("course", "author").first()
    if announcement is None:
        return 0
    course = announcement.course
    students = list(selectors.announcement_recipients(student_ids=student_ids, course=course))
    if not students:
        return 0
    link_path = f"/courses/{course.slug}/announcements/{announcement.pk}"
    # In their inboxes (and on their sockets and devices): the same batch, a fixed number of
    # queries; the e-mail below goes to those who did not switch it off.
    notify(
        recipients=[student.pk for student in students],
        kind=notification_kinds.COURSE_ANNOUNCEMENT,
        title=f"[{course.title}] {announcement.title}",
        body=announcement.body[:300],
        url=link_path,
        data={"course_title": course.title, "announcement_id": announcement.pk},
        dedupe_key=f"announcement:{announcement.pk}",
    )
    opted_out = notification_selectors.email_opted_out_ids(
        user_ids=[student.pk for student in students], kind=notification_kinds.COURSE_ANNOUNCEMENT
    )
    students = [student for student in students if student.pk not in opted_out]
    if not students:
        return 0
    context = {
        "frontend_url": settings.FRONTEND_URL,
        "course_title": course.title,
        "title": announcement.title,
        "body": announcement.body,
        "body_html": announcement.body_html,
        "author": announcement.author.full_name if announcement.author else "",
        "link": f"{settings.FRONTEND_URL}{link_path}",
    }
    subject = f"[{course.title}] {announcement.title}"[:200]
    rendered: dict[str, tuple[str, str]] = {}  # once per language of the batch's recipients
    messages = []
    for student in students:
        language = recipient_language(student)
        if language not in rendered:
            with translation.override(language):
                rendered[language] = (
                    render_to_string("emails/announcement.txt", context),
                    render_to_string("emails/announcement.html", context),
                )
        text, html = rendered[language]
        message = EmailMultiAlternatives(subject=subject, body=text, to=[student.email])
        message.attach_alternative(html, "text/html")
        messages.append(message)
    with get_connection() as connection:
        sent = connection.send_messages(messages) or 0
    Announcement.objects.filter(pk=announcement_id).update(emailed_count=F("emailed_count") + sent)
    return sent
