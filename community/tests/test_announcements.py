"""Announcements: tutors post them, students read them per course and across their courses, and
every active student is e-mailed by the task queue in bounded batches, never in the request."""

from __future__ import annotations

from unittest import mock

import pytest
from django.core import mail
from django.db import connection
from django.test.utils import CaptureQueriesContext

from community import services, tasks
from community.models import Announcement
from community.tests.factories import ANNOUNCEMENTS, enrolled_student, make_announcement
from courses.models import Enrollment
from courses.tests.factories import CourseFactory
from users.models import Role, User
from users.tests.factories import person

pytestmark = pytest.mark.django_db


def many_students(course, n: int, *, prefix: str) -> list[User]:
    """``n`` students actively enrolled in ``course``, inserted in bulk."""
    users = User.objects.bulk_create(
        [User(id=f"9{prefix}{i:09d}"[:12], email=f"{prefix}{i}@example.com", role=Role.STUDENT) for i in range(n)]
    )
    Enrollment.objects.bulk_create([Enrollment(student=user, course=course) for user in users])
    return users


def test_a_tutor_announces_and_students_read_it(client_for, django_capture_on_commit_callbacks):
    course = CourseFactory()
    tutor = course.tutors.get()
    student, refunded = enrolled_student(course), enrolled_student(course, active=False)
    with django_capture_on_commit_callbacks(execute=True):
        response = client_for(tutor).post(
            ANNOUNCEMENTS, {"course": str(course.pk), "title": "Exam", "body": "On **Friday**"}, format="json"
        )
    assert response.status_code == 201, response.data
    data = response.json()
    assert (data["title"], data["body_html"]) == ("Exam", "<p>On <strong>Friday</strong></p>")
    assert data["author"]["id"] == tutor.pk and data["author"]["is_course_tutor"] is True
    assert data["course"] == {"id": str(course.pk), "slug": course.slug, "title": course.title}

    assert [m.to for m in mail.outbox] == [[student.email]], "active students only: not the refunded one"
    message = mail.outbox[0]
    assert message.subject == f"[{course.title}] Exam"
    assert "On **Friday**" in message.body
    assert "<strong>Friday</strong>" in message.alternatives[0][0]
    assert Announcement.objects.get().emailed_count == 1

    assert [a["title"] for a in client_for(student).get(ANNOUNCEMENTS).json()["results"]] == ["Exam"]
    other = CourseFactory()
    make_announcement(other, other.tutors.get(), title="Not yours")
    assert [a["title"] for a in client_for(student).get(ANNOUNCEMENTS).json()["results"]] == ["Exam"]
    assert client_for(refunded).get(ANNOUNCEMENTS).json()["results"] == []


def test_editing_does_not_send_again(client_for, django_capture_on_commit_callbacks):
    course = CourseFactory()
    enrolled_student(course)
    with django_capture_on_commit_callbacks(execute=True):
        announcement = make_announcement(course, course.tutors.get())
    assert len(mail.outbox) == 1
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        response = client_for(course.tutors.get()).patch(
            f"{ANNOUNCEMENTS}{announcement.pk}/", {"body": "Moved to Monday"}, format="json"
        )
    assert response.status_code == 200 and response.json()["body"] == "Moved to Monday"
    assert callbacks == [] and len(mail.outbox) == 1


def test_the_request_sends_nothing_and_costs_the_same_for_1000_students(client_for, django_capture_on_commit_callbacks):
    small, big = CourseFactory(), CourseFactory()
    many_students(small, 2, prefix="s")
    many_students(big, 1000, prefix="b")

    def announce(course) -> tuple[int, list]:
        with (
            django_capture_on_commit_callbacks(execute=False) as callbacks,
            CaptureQueriesContext(connection) as queries,
        ):
            response = client_for(course.tutors.get()).post(
                ANNOUNCEMENTS, {"course": str(course.pk), "title": "Hello", "body": "b"}, format="json"
            )
        assert response.status_code == 201
        return len(queries), callbacks

    small_queries, _ = announce(small)
    big_queries, callbacks = announce(big)
    assert big_queries == small_queries, (
        f"the request costs {small_queries} queries for 2 students, {big_queries} for 1000"
    )
    assert mail.outbox == [], "nothing is sent in the request"
    assert len(callbacks) == 1, "one task is queued once the transaction commits"


def test_fan_out_to_1000_students_in_bounded_batches_with_fixed_queries(settings):
    settings.COMMUNITY_ANNOUNCEMENT_BATCH_SIZE = 100
    course = CourseFactory()
    students = many_students(course, 1000, prefix="f")
    Enrollment.objects.filter(student=students[0]).update(is_active=False)  # refunded: not e-mailed
    outsider = person(Role.STUDENT)
    announcement = Announcement.objects.create(
        course=course, author=course.tutors.get(), title="Exam", body="b", body_html="<p>b</p>"
    )

    queued: list[list[str]] = []
    with (
        mock.patch.object(tasks.announcement_send_batch, "delay", side_effect=lambda _, ids: queued.append(ids)),
        CaptureQueriesContext(connection) as fan_out_queries,
    ):
        tasks.announcement_fan_out.delay(announcement.pk)  # eager, as on the embedded default

    assert [len(batch) for batch in queued] == [100] * 9 + [99], "bounded batches of the active students"
    assert len(fan_out_queries) <= 1 + len(queued) + 1, "one query per batch of ids (plus the announcement)"
    assert sorted(pk for batch in queued for pk in batch) == sorted(s.pk for s in students[1:])

    # A batch naming someone who is not (or no longer) a student of the course sends them nothing.
    queued[-1].append(outsider.pk)
    settings.COMMUNITY_ANNOUNCEMENT_BATCH_SIZE = 101
    per_batch = []
    for batch in queued:
        with CaptureQueriesContext(connection) as queries:
            tasks.announcement_send_batch.delay(announcement.pk, batch)
        per_batch.append(len(queries))
    assert len(set(per_batch)) == 1, f"every batch costs the same number of queries, got {per_batch}"
    # The recipients, their e-mail preferences, the counter (the in-app notifications are written
    # once the transaction commits: notifications/tests/test_fan_out.py counts those).
    assert per_batch[0] <= 4, per_batch
    assert len(mail.outbox) == 999
    assert outsider.email not in {address for message in mail.outbox for address in message.to}
    assert Announcement.objects.get(pk=announcement.pk).emailed_count == 999


def test_a_batch_larger_than_the_setting_is_refused(settings):
    settings.COMMUNITY_ANNOUNCEMENT_BATCH_SIZE = 2
    with pytest.raises(ValueError, match="at most 2"):
        services.announcement_send_batch(announcement_id=1, student_ids=["1", "2", "3"])


def test_a_deleted_announcement_sends_nothing(django_capture_on_commit_callbacks):
    course = CourseFactory()
    enrolled_student(course)
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        announcement = make_announcement(course, course.tutors.get())
    announcement.delete()
    for callback in callbacks:
        callback()
    assert mail.outbox == []


def test_a_failing_mail_server_does_not_fail_the_request(client_for, settings, django_capture_on_commit_callbacks):
    settings.EMAIL_BACKEND = "community.tests.test_announcements.BrokenBackend"
    course = CourseFactory()
    enrolled_student(course)
    with django_capture_on_commit_callbacks(execute=True):
        response = client_for(course.tutors.get()).post(
            ANNOUNCEMENTS, {"course": str(course.pk), "title": "Hello", "body": "b"}, format="json"
        )
    assert response.status_code == 201
    assert Announcement.objects.get().emailed_count == 0


class BrokenBackend:
    def __init__(self, *args, **kwargs):
        pass

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        return False

    def send_messages(self, messages):
        raise OSError("SMTP server unreachable")
