"""Live sessions in the inbox: a new session tells the course's active students, a reschedule
and a cancellation tell the registrants, the 15-minute reminder is a "starting soon"; each once
per event, in the recipient's language. The e-mails (live's own) honour the kind's e-mail switch."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.core import mail

from live import services, tasks
from live.tests.conftest import enrolled
from notifications.models import Notification, Preference

pytestmark = pytest.mark.django_db


def inbox(user, kind=None):
    rows = Notification.objects.filter(recipient=user)
    return list(rows.filter(kind=kind) if kind else rows)


def test_a_new_session_notifies_the_courses_active_students_once(
    people, make_session, django_capture_on_commit_callbacks
):
    russian = enrolled(people.course, language="ru")
    with django_capture_on_commit_callbacks(execute=True):
        session = make_session(title="Exam revision")
    [row] = inbox(people.student, "live_session_scheduled")
    assert (row.title, row.body, row.url) == (
        "New live session: Exam revision",
        people.course.title,
        f"/courses/{people.course.slug}/live/{session.pk}",
    )
    assert row.data["session_id"] == session.pk
    assert [r.title for r in inbox(russian, "live_session_scheduled")] == ["Новое онлайн-занятие: Exam revision"]
    assert inbox(people.other_student) == [], "a student of another course hears nothing"
    assert inbox(people.tutor) == [], "the tutor who scheduled it is not a student"


def test_reschedule_and_cancellation_notify_the_registrants_once_each(
    people, make_session, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        session = make_session(title="Office hours")
    unregistered = enrolled(people.course)
    services.registration_create(session=session, student=people.student)
    start = session.starts_at
    for moment in (start + timedelta(hours=2), start, start + timedelta(hours=2)):  # back and forth: 3 moves
        with django_capture_on_commit_callbacks(execute=True):
            session.refresh_from_db()
            services.session_update(session=session, data={"starts_at": moment})
    from live import notify

    notify.send(session_id=session.pk, kind="rescheduled")  # a retried send adds nothing
    moved = [r.title for r in inbox(people.student, "live_session_scheduled")]
    assert moved.count("Rescheduled: Office hours") == 3, moved
    with django_capture_on_commit_callbacks(execute=True):
        services.session_cancel(session=session)
        services.session_cancel(session=session)
    assert [r.title for r in inbox(people.student, "live_session_cancelled")] == ["Cancelled: Office hours"]
    assert inbox(unregistered, "live_session_cancelled") == [], "only registrants hear of a cancellation"


def test_starting_soon_once_and_the_email_switch_is_honoured(
    people, make_session, clock, django_capture_on_commit_callbacks
):
    session = make_session(starts_in=timedelta(days=3), title="Exam revision")
    quiet = enrolled(people.course)
    for student in (people.student, quiet):
        services.registration_create(session=session, student=student)
    Preference.objects.create(user=quiet, kind="live_session_starting_soon", in_app=True, email=False, push=True)
    clock.set(session.starts_at - timedelta(minutes=15))
    mail.outbox.clear()
    for _ in range(2):
        with django_capture_on_commit_callbacks(execute=True):
            tasks.send_reminders.delay().get()
    assert [m.to for m in mail.outbox] == [[people.student.email]], "the e-mail switch is honoured"
    for student in (people.student, quiet):
        assert [r.title for r in inbox(student, "live_session_starting_soon")] == [
            "Starting in 15 minutes: Exam revision"
        ], "in-app once, e-mail switched off or not"
