"""Every community list and detail costs a fixed number of queries, whatever the number of rows."""

from __future__ import annotations

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from community import services
from community.tests.factories import (
    ANNOUNCEMENTS,
    REPORTS,
    THREADS,
    enrolled_student,
    make_announcement,
    make_reply,
    make_thread,
    thread_url,
)
from courses.tests.factories import CourseFactory, LessonFactory, PartFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def course():
    return CourseFactory()


def grow(course, n: int) -> None:
    """``n`` more of everything: threads (on a lesson) with replies, nested replies, votes,
    reports and announcements, by different students."""
    tutor = course.tutors.get()
    lesson = LessonFactory(part=PartFactory(course=course))
    for _ in range(n):
        student = enrolled_student(course)
        thread = make_thread(course, student, lesson=lesson)
        reply = make_reply(thread, tutor)
        make_reply(thread, student, parent=reply)
        services.vote_cast(user=student, post=thread, value=1)
        services.vote_cast(user=student, post=reply, value=-1)
        services.report_create(reporter=student, post=reply, reason="Spam")
        make_announcement(course, tutor)


def queries(client, url: str, **query) -> int:
    with CaptureQueriesContext(connection) as captured:
        response = client.get(url, query)
    assert response.status_code == 200, f"GET {url} {query}: expected 200, got {response.status_code}"
    return len(captured)


LISTS = {
    "threads": lambda w: (THREADS, {"course": w.slug}),
    "threads searched": lambda w: (THREADS, {"course": w.slug, "search": "stuck", "ordering": "-votes"}),
    "unanswered": lambda w: (THREADS, {"course": w.slug, "status": "unanswered"}),
    "unanswered count": lambda w: (f"{THREADS}unanswered-count/", {"course": w.slug}),
    "replies": lambda w: (thread_url(w.threads.first(), "replies/"), {}),
    "thread": lambda w: (thread_url(w.threads.first()), {}),
    "reports": lambda w: (REPORTS, {}),
    "announcements of a course": lambda w: (ANNOUNCEMENTS, {"course": w.slug}),
    "announcements": lambda w: (ANNOUNCEMENTS, {}),
}


TUTORS_ONLY = {"reports", "unanswered count"}  # 403 for students: see the permission matrix
CASES = [(name, caller) for name in LISTS for caller in ("tutor", "student") if (name, caller) not in
         {(n, "student") for n in TUTORS_ONLY}]  # fmt: skip


@pytest.mark.parametrize(("name", "caller"), CASES, ids=[f"{n}-{c}" for n, c in CASES])
def test_query_count_does_not_grow_with_rows(client_for, course, name, caller):
    grow(course, 1)
    user = course.tutors.get() if caller == "tutor" else enrolled_student(course)
    client = client_for(user)
    url, query = LISTS[name](course)
    small = queries(client, url, **query)
    grow(course, 6)
    url, query = LISTS[name](course)
    big = queries(client, url, **query)
    assert big == small, f"{name} as {caller}: {small} queries with 1 of each, {big} with 7"
    assert small <= 8, f"{name} as {caller}: {small} queries"
