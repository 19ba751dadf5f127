"""iCalendar: the single-session file and the per-user feed, parsed back with ``icalendar``:
stable UID, SEQUENCE up on reschedule, STATUS:CANCELLED; the feed token and its rotation."""

from __future__ import annotations

from datetime import timedelta

import pytest
from icalendar import Calendar

from courses.models import Enrollment
from courses.services import enrollments_deactivate
from live import services
from live.models import Registration
from live.tests.conftest import enrolled, session_url

pytestmark = pytest.mark.django_db

FEED = "/api/live/calendar.ics"
TOKEN = "/api/live/calendar-token/"


def _events(response) -> list:
    assert response.status_code == 200, response.content
    assert response["Content-Type"] == "text/calendar; charset=utf-8"
    calendar = Calendar.from_ical(response.content)
    assert str(calendar["VERSION"]) == "2.0" and "PRODID" in calendar
    return list(calendar.walk("VEVENT"))


def _feed_url(client) -> str:
    response = client.post(TOKEN)
    assert response.status_code == 200, response.content
    body = response.json()
    assert body["url"] == f"http://testserver{FEED}?token={body['token']}"
    return body["url"].removeprefix("http://testserver")


def test_single_session_ics_parses_back(people, make_session, client_for):
    session = make_session(title="Exam revision", description="Past papers.", duration_minutes=90)
    (event,) = _events(client_for(people.student).get(session_url(session, "ics/")))
    assert str(event["UID"]) == f"live-session-{session.pk}@live.11tutors.com"
    assert str(event["SUMMARY"]) == "Exam revision"
    assert event.decoded("DTSTART") == session.starts_at
    assert event.decoded("DTEND") == session.starts_at + timedelta(minutes=90)
    assert int(event["SEQUENCE"]) == 0
    assert str(event["STATUS"]) == "CONFIRMED"
    assert "Past papers." in str(event["DESCRIPTION"])
    assert "join" not in event.to_ical().decode().lower()


@pytest.mark.parametrize(
    ("role", "expected"), [("anonymous", 401), ("user", 404), ("other_tutor", 404), ("student", 200), ("tutor", 200)]
)
def test_single_session_ics_by_role(role, expected, people, make_session, client_for):
    session = make_session()
    caller = None if role == "anonymous" else getattr(people, role)
    assert client_for(caller).get(session_url(session, "ics/")).status_code == expected


def test_reschedule_raises_the_sequence_and_cancel_marks_the_event_cancelled(people, make_session, client_for):
    session = make_session()
    services.registration_create(session=session, student=people.student)
    feed = _feed_url(client_for(people.student))
    (before,) = _events(client_for(None).get(feed))

    new_start = session.starts_at + timedelta(days=1)
    assert new_start.microsecond == 0
    response = client_for(people.tutor).patch(session_url(session), {"starts_at": new_start.isoformat()}, format="json")
    assert response.status_code == 200, response.content
    (moved,) = _events(client_for(None).get(feed))
    assert str(moved["UID"]) == str(before["UID"])
    assert int(moved["SEQUENCE"]) == int(before["SEQUENCE"]) + 1
    assert moved.decoded("DTSTART") == new_start

    client_for(people.tutor).patch(session_url(session), {"title": "Only the title"}, format="json")
    (renamed,) = _events(client_for(None).get(feed))
    assert int(renamed["SEQUENCE"]) == int(moved["SEQUENCE"]), "a new title is not a reschedule"

    assert client_for(people.tutor).delete(session_url(session)).status_code == 204
    (cancelled,) = _events(client_for(None).get(feed))
    assert str(cancelled["UID"]) == str(before["UID"])
    assert str(cancelled["STATUS"]) == "CANCELLED"
    assert int(cancelled["SEQUENCE"]) == int(moved["SEQUENCE"]) + 1


def test_feed_holds_registered_and_taught_sessions_only(people, make_session, client_for):
    mine = make_session(title="Registered")
    make_session(title="Not registered")
    services.registration_create(session=mine, student=people.student)
    student_events = _events(client_for(None).get(_feed_url(client_for(people.student))))
    assert [str(e["SUMMARY"]) for e in student_events] == ["Registered"]
    tutor_events = _events(client_for(None).get(_feed_url(client_for(people.tutor))))
    assert sorted(str(e["SUMMARY"]) for e in tutor_events) == ["Not registered", "Registered"]


def test_feed_token_rotation_and_bad_tokens(people, client_for):
    client = client_for(people.student)
    old = _feed_url(client)
    new = _feed_url(client)
    assert old != new
    assert client_for(None).get(new).status_code == 200
    rotated = client_for(None).get(old)
    assert rotated.status_code == 404
    assert rotated.json() == {"detail": "No such feed token (it may have been rotated)."}
    assert client_for(None).get(FEED).status_code == 404
    assert client_for(None).get(FEED, {"token": "x" * 5000}).status_code == 404
    assert client_for(None).post(TOKEN).status_code == 401


def test_a_refunded_student_leaves_the_feed(people, make_session, client_for):
    session = make_session()
    services.registration_create(session=session, student=people.student)
    feed = _feed_url(client_for(people.student))
    other = enrolled(people.course)
    services.registration_create(session=session, student=other)
    source = Enrollment.objects.get(student=people.student).source
    enrollments_deactivate(student_id=people.student.pk, course_ids=[people.course.pk], source=source)
    assert _events(client_for(None).get(feed)) == []
    assert list(Registration.objects.values_list("student_id", flat=True)) == [other.pk]
