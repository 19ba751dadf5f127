"""Community test data, created through the services (so bodies are rendered as in the API)."""

from __future__ import annotations

from community import services
from community.models import Announcement, Reply, Thread, ThreadKind
from courses.models import Course, Enrollment
from users.models import Role, User
from users.tests.factories import person

API = "/api/community/"
THREADS = f"{API}threads/"
REPLIES = f"{API}replies/"
REPORTS = f"{API}reports/"
ANNOUNCEMENTS = f"{API}announcements/"


def thread_url(thread: Thread, suffix: str = "") -> str:
    return f"{THREADS}{thread.pk}/{suffix}"


def reply_url(reply: Reply, suffix: str = "") -> str:
    return f"{REPLIES}{reply.pk}/{suffix}"


def make_thread(course: Course, author: User, *, kind: str = ThreadKind.QUESTION, **fields) -> Thread:
    fields.setdefault("title", "How do I start?")
    fields.setdefault("body", "I am **stuck** on the first lesson.")
    return services.thread_create(author=author, course=course, kind=kind, **fields)


def make_reply(thread: Thread, author: User, body: str = "Try the workbook.", parent: Reply | None = None) -> Reply:
    return services.reply_create(author=author, thread=thread, body=body, parent=parent)


def make_announcement(course: Course, author: User, **fields) -> Announcement:
    fields.setdefault("title", "Welcome")
    fields.setdefault("body", "The first live session is on **Monday**.")
    return services.announcement_create(author=author, course=course, **fields)


def enrolled_student(course: Course, *, active: bool = True, **fields) -> User:
    student = person(Role.STUDENT, **fields)
    Enrollment.objects.create(student=student, course=course, is_active=active)
    return student
