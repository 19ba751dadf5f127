"""Joining: who gets the URL, the window from ``join_available_from`` to the end (a controlled
clock), and attendance (first join time per user)."""

from __future__ import annotations

from datetime import timedelta

import pytest

from live import services
from live.models import Attendance
from live.tests.conftest import session_url

pytestmark = pytest.mark.django_db


@pytest.fixture
def public_rooms(settings):
    settings.LIVE_PROVIDER = "public_room"
    settings.LIVE_PUBLIC_ROOM_BASE = "https://meet.example"
    settings.LIVE_JOIN_EARLY_MINUTES = 15


@pytest.mark.parametrize(
    ("role", "registered", "expected"),
    [
        ("anonymous", False, 401),
        ("user", False, 404),
        ("other_student", False, 404),
        ("other_tutor", False, 404),
        ("student", False, 403),
        ("student", True, 200),
        ("tutor", False, 200),
        ("admin", False, 200),
    ],
)
def test_who_may_join(role, registered, expected, people, make_session, client_for, clock, public_rooms):
    session = make_session(starts_in=timedelta(minutes=10))
    if registered:
        services.registration_create(session=session, student=people.student)
    caller = None if role == "anonymous" else getattr(people, role)
    response = client_for(caller).get(session_url(session, "join/"))
    assert response.status_code == expected, (role, response.content)
    if expected == 200:
        body = response.json()
        assert body == {"join_url": f"https://meet.example/11tutors-{session.room_key}", "moderator": role != "student"}
    elif expected == 403:
        assert "Register" in response.json()["detail"]


def test_join_window_with_a_controlled_clock(people, make_session, client_for, clock, public_rooms):
    session = make_session(starts_in=timedelta(hours=1), duration_minutes=30)
    services.registration_create(session=session, student=people.student)
    client = client_for(people.student)
    url = session_url(session, "join/")

    clock.set(session.starts_at - timedelta(minutes=15, seconds=1))
    early = client.get(url)
    assert early.status_code == 403
    opens = (session.starts_at - timedelta(minutes=15)).strftime("%Y-%m-%dT%H:%M:%SZ")
    assert early.json() == {"detail": f"Joining opens at {opens} (15 minutes before the start); come back then."}
    assert client.get(session_url(session)).json()["join_available_from"] == opens

    first = clock.set(session.starts_at - timedelta(minutes=15))
    assert client.get(url).status_code == 200, "the window opens at join_available_from"
    clock.set(session.starts_at + timedelta(minutes=10))
    assert client.get(session_url(session)).json()["status"] == "live"
    assert client.get(url).status_code == 200
    clock.set(session.ends_at - timedelta(seconds=1))
    assert client.get(url).status_code == 200

    clock.set(session.ends_at)
    late = client.get(url)
    assert (late.status_code, late.json()) == (403, {"detail": "This session has ended."})

    attendance = Attendance.objects.get()
    assert (attendance.user_id, attendance.first_joined_at, attendance.is_moderator) == (
        people.student.pk,
        first,
        False,
    )


def test_attendance_records_the_first_join_of_each_user(people, make_session, client_for, clock, public_rooms):
    session = make_session(starts_in=timedelta(minutes=5))
    services.registration_create(session=session, student=people.student)
    tutor_joined = clock.now
    assert client_for(people.tutor).get(session_url(session, "join/")).status_code == 200
    student_joined = clock.advance(minutes=7)
    assert client_for(people.student).get(session_url(session, "join/")).status_code == 200
    clock.advance(minutes=3)
    assert client_for(people.student).get(session_url(session, "join/")).status_code == 200

    rows = client_for(people.tutor).get(session_url(session, "attendance/")).json()["results"]
    assert [(row["user"]["id"], row["first_joined_at"], row["is_moderator"]) for row in rows] == [
        (people.tutor.pk, tutor_joined.isoformat().replace("+00:00", "Z"), True),
        (people.student.pk, student_joined.isoformat().replace("+00:00", "Z"), False),
    ]


def test_cancelled_session_cannot_be_joined(people, make_session, client_for, clock, public_rooms):
    session = make_session(starts_in=timedelta(minutes=5))
    services.registration_create(session=session, student=people.student)
    services.session_cancel(session=session)
    response = client_for(people.student).get(session_url(session, "join/"))
    assert (response.status_code, response.json()) == (403, {"detail": "This session was cancelled."})
    assert not Attendance.objects.exists()


def test_external_url_is_given_only_through_join(people, make_session, client_for, clock):
    session = make_session(
        starts_in=timedelta(minutes=5), provider="external", external_url="https://zoom.example/j/42"
    )
    services.registration_create(session=session, student=people.student)
    client = client_for(people.student)
    assert client.get(session_url(session)).json()["external_url"] is None
    assert client.get(session_url(session, "join/")).json()["join_url"] == "https://zoom.example/j/42"
