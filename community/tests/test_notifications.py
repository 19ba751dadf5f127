"""The community's events in the notification inboxes: a reply to your thread, your answer
accepted, an announcement in a course you study, a new question for the course's tutors."""

from __future__ import annotations

import pytest
from django.core import mail

from community import services
from community.models import ThreadKind
from community.tests.factories import enrolled_student, make_announcement, make_reply, make_thread
from courses.tests.factories import CourseFactory
from notifications import kinds
from notifications.models import Notification, Preference

pytestmark = pytest.mark.django_db


def inbox(user, kind):
    return list(Notification.objects.filter(recipient=user, kind=kind))


@pytest.fixture
def course():
    return CourseFactory(is_published=True)


def test_a_reply_notifies_the_threads_author_once_not_the_replier(course, django_capture_on_commit_callbacks):
    alice, bob = enrolled_student(course), enrolled_student(course)
    with django_capture_on_commit_callbacks(execute=True):
        thread = make_thread(course, alice, kind=ThreadKind.DISCUSSION)
        reply = make_reply(thread, bob, body="Have you tried the workbook?")
        make_reply(thread, alice, body="Thanks!")  # her own reply: no notification
    [notification] = inbox(alice, kinds.THREAD_REPLY)
    assert notification.url == f"/courses/{course.slug}/community/threads/{thread.pk}"
    assert notification.data["reply_id"] == reply.pk
    assert notification.body == "Have you tried the workbook?"
    assert inbox(bob, kinds.THREAD_REPLY) == []
    assert [m.to for m in mail.outbox] == [[alice.email]]


def test_an_accepted_answer_notifies_its_author_once(course, django_capture_on_commit_callbacks):
    alice, bob = enrolled_student(course), enrolled_student(course)
    with django_capture_on_commit_callbacks(execute=True):
        thread = make_thread(course, alice)
        reply = make_reply(thread, bob)
        services.thread_accept(thread=thread, reply=reply)
        services.thread_accept(thread=thread, reply=reply)  # again: nothing changed, nothing sent
    assert len(inbox(bob, kinds.ANSWER_ACCEPTED)) == 1


def test_a_question_notifies_the_courses_tutors(course, django_capture_on_commit_callbacks):
    alice = enrolled_student(course)
    tutor = course.tutors.get()
    with django_capture_on_commit_callbacks(execute=True):
        make_thread(course, alice, title="Exam date?")
        make_thread(course, alice, kind=ThreadKind.DISCUSSION)  # a discussion is not a question
    [notification] = inbox(tutor, kinds.COURSE_QUESTION)
    assert notification.body == "Exam date?"
    assert inbox(alice, kinds.COURSE_QUESTION) == []


def test_an_announcement_notifies_each_active_student_once_and_honours_the_email_choice(
    course, django_capture_on_commit_callbacks
):
    students = [enrolled_student(course) for _ in range(3)]
    former = enrolled_student(course, active=False)
    Preference.objects.create(user=students[0], kind=kinds.COURSE_ANNOUNCEMENT, in_app=True, email=False, push=True)
    with django_capture_on_commit_callbacks(execute=True):
        announcement = make_announcement(course, course.tutors.get())
    # The worker runs the batch task again (a retry): still one notification each.
    services.announcement_send_batch(announcement_id=announcement.pk, student_ids=[s.pk for s in students])
    for student in students:
        assert len(inbox(student, kinds.COURSE_ANNOUNCEMENT)) == 1
    assert inbox(former, kinds.COURSE_ANNOUNCEMENT) == []
    emailed = {address for message in mail.outbox for address in message.to}
    assert students[0].email not in emailed, "e-mail switched off for announcements"
    assert {students[1].email, students[2].email} <= emailed
