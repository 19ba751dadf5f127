"""Reminders 24 hours and 15 minutes before the start, each sent once even when beat runs twice;
reschedules and cancellations e-mailed to the registrants; times in each recipient's time zone."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from django.core import mail

from live import services, tasks
from live.models import Registration
from live.tests.conftest import enrolled, session_url

pytestmark = pytest.mark.django_db


def _beat(django_capture_on_commit_callbacks) -> int:
    with django_capture_on_commit_callbacks(execute=True):
        return tasks.send_reminders.delay().get()


def test_each_reminder_is_sent_once_even_if_beat_runs_twice(
    people, make_session, clock, django_capture_on_commit_callbacks
):
    session = make_session(starts_in=timedelta(days=3), title="Exam revision")
    services.registration_create(session=session, student=people.student)
    second = enrolled(people.course)
    services.registration_create(session=session, student=second)

    assert _beat(django_capture_on_commit_callbacks) == 0, "nothing is due three days ahead"
    clock.set(session.starts_at - timedelta(hours=24))
    assert _beat(django_capture_on_commit_callbacks) == 2
    assert _beat(django_capture_on_commit_callbacks) == 0, "a second beat sends nothing again"
    clock.advance(hours=12)
    assert _beat(django_capture_on_commit_callbacks) == 0
    assert sorted(m.to[0] for m in mail.outbox) == sorted([people.student.email, second.email])
    assert {m.subject for m in mail.outbox} == {"Tomorrow: Exam revision"}

    mail.outbox.clear()
    clock.set(session.starts_at - timedelta(minutes=15))
    assert _beat(django_capture_on_commit_callbacks) == 2
    assert _beat(django_capture_on_commit_callbacks) == 0
    assert {m.subject for m in mail.outbox} == {"Starting in 15 minutes: Exam revision"}
    assert len(mail.outbox) == 2

    clock.set(session.starts_at + timedelta(minutes=1))
    mail.outbox.clear()
    assert _beat(django_capture_on_commit_callbacks) == 0
    assert mail.outbox == []


def test_concurrent_beats_claim_each_reminder_once(people, make_session, clock, django_capture_on_commit_callbacks):
    """Two beats that read the same due reminders: the atomic claim lets only one send each."""
    session = make_session(starts_in=timedelta(minutes=10))
    services.registration_create(session=session, student=people.student)
    due = list(Registration.objects.values_list("pk", flat=True))
    claimed = [
        Registration.objects.filter(pk__in=due, reminded_15m_at__isnull=True).update(reminded_15m_at=clock.now)
        for _ in range(2)
    ]
    assert claimed == [1, 0]
    assert _beat(django_capture_on_commit_callbacks) == 0, "already claimed: not sent again"


def test_late_registration_gets_the_reminders_still_due(
    people, make_session, clock, django_capture_on_commit_callbacks
):
    session = make_session(starts_in=timedelta(minutes=10))
    services.registration_create(session=session, student=people.student)
    assert _beat(django_capture_on_commit_callbacks) == 1
    assert [m.subject for m in mail.outbox] == [f"Starting in 15 minutes: {session.title}"], "no 24-hour one this late"


def test_cancelled_sessions_send_no_reminder(people, make_session, clock, django_capture_on_commit_callbacks):
    session = make_session(starts_in=timedelta(hours=2))
    services.registration_create(session=session, student=people.student)
    with django_capture_on_commit_callbacks(execute=True):
        services.session_cancel(session=session)
    mail.outbox.clear()
    assert _beat(django_capture_on_commit_callbacks) == 0
    assert mail.outbox == []


def test_reschedule_and_cancel_email_the_registrants_in_their_time_zone(
    people, make_session, client_for, clock, django_capture_on_commit_callbacks
):
    people.student.timezone = "Asia/Tokyo"
    people.student.save(update_fields=["timezone"])
    paris = enrolled(people.course, timezone="Europe/Paris")
    session = make_session(starts_in=timedelta(days=5))
    services.registration_create(session=session, student=people.student)
    services.registration_create(session=session, student=paris)
    enrolled(people.course)  # not registered: not told

    new_start = datetime(2027, 1, 15, 18, 30, tzinfo=UTC)
    clock.set(datetime(2027, 1, 1, 12, 0, tzinfo=UTC))
    with django_capture_on_commit_callbacks(execute=True):
        response = client_for(people.tutor).patch(
            session_url(session), {"starts_at": "2027-01-15T18:30:00Z", "duration_minutes": 90}, format="json"
        )
    assert response.status_code == 200, response.content
    assert response.json()["starts_at"] == "2027-01-15T18:30:00Z", "the API speaks UTC"
    by_address = {m.to[0]: m for m in mail.outbox}
    assert set(by_address) == {people.student.email, paris.email}
    tokyo_mail, paris_mail = by_address[people.student.email], by_address[paris.email]
    assert tokyo_mail.subject == f"Rescheduled: {session.title}"
    assert "Saturday, January 16, 2027, 3:30\u202fAM (Asia/Tokyo)" in tokyo_mail.body
    assert "Saturday, January 16, 2027, 5:00\u202fAM (Asia/Tokyo)" in tokyo_mail.body, "the end, 90 minutes later"
    assert "Friday, January 15, 2027, 7:30\u202fPM (Europe/Paris)" in paris_mail.body
    assert "Friday, January 15, 2027, 7:30\u202fPM (Europe/Paris)" in paris_mail.alternatives[0][0]
    assert new_start == datetime.fromisoformat(response.json()["starts_at"])

    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        assert client_for(people.tutor).delete(session_url(session)).status_code == 204
    with django_capture_on_commit_callbacks(execute=True):
        assert client_for(people.tutor).delete(session_url(session)).status_code == 204
    assert sorted(m.to[0] for m in mail.outbox) == sorted([people.student.email, paris.email]), "told once"
    assert {m.subject for m in mail.outbox} == {f"Cancelled: {session.title}"}


def test_reschedule_makes_the_reminders_due_again(people, make_session, clock, django_capture_on_commit_callbacks):
    session = make_session(starts_in=timedelta(minutes=10))
    services.registration_create(session=session, student=people.student)
    assert _beat(django_capture_on_commit_callbacks) == 1
    with django_capture_on_commit_callbacks(execute=True):
        services.session_update(session=session, data={"starts_at": clock.now + timedelta(hours=3)})
    clock.advance(hours=3)
    clock.advance(minutes=-14)
    mail.outbox.clear()
    assert _beat(django_capture_on_commit_callbacks) == 1
    assert [m.subject for m in mail.outbox] == [f"Starting in 15 minutes: {session.title}"]


def test_user_timezone_is_validated_against_iana(client_for, people):
    client = client_for(people.student)
    response = client.patch("/api/auth/users/me/", {"timezone": "Mars/Olympus_Mons"}, format="json")
    assert response.status_code == 400
    assert "timezone" in response.json()
    response = client.patch("/api/auth/users/me/", {"timezone": "America/Sao_Paulo"}, format="json")
    assert response.status_code == 200, response.content
    assert response.json()["timezone"] == "America/Sao_Paulo"
    assert client.get("/api/auth/users/me/").json()["timezone"] == "America/Sao_Paulo"
