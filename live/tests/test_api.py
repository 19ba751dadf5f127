"""The live-session API by role: who sees, schedules, edits, cancels, registers and reads the
attendance; bad input; the public upcoming list; query budgets."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from courses.models import Enrollment
from courses.tests.factories import CourseFactory, LessonFactory, PartFactory
from live import services
from live.models import Attendance, LiveSession, Registration
from live.tests.conftest import SESSIONS, enrolled, session_url

pytestmark = pytest.mark.django_db

SESSION_KEYS = {
    "id",
    "course",
    "title",
    "description",
    "starts_at",
    "ends_at",
    "duration_minutes",
    "capacity",
    "provider",
    "external_url",
    "status",
    "registered_count",
    "is_registered",
    "join_available_from",
    "recording_lesson",
    "created_at",
    "updated_at",
}


def _who(people, role):
    return None if role == "anonymous" else getattr(people, role)


# --- Reading ---------------------------------------------------------------------------------------

DETAIL_STATUS = {
    "anonymous": 401,
    "user": 404,
    "other_student": 404,
    "other_tutor": 404,
    "student": 200,
    "tutor": 200,
    "admin": 200,
}


@pytest.mark.parametrize(("role", "expected"), DETAIL_STATUS.items())
def test_detail_by_role(role, expected, people, make_session, client_for):
    session = make_session()
    response = client_for(_who(people, role)).get(session_url(session))
    assert response.status_code == expected, (role, response.content)
    if expected == 200:
        body = response.json()
        assert set(body) == SESSION_KEYS, sorted(body)
        assert body["course"] == {"id": str(people.course.pk), "slug": people.course.slug, "title": people.course.title}
        assert body["status"] == "scheduled"
        assert body["starts_at"].endswith("Z")
        assert "join_url" not in body


LISTED = {
    "user": [],
    "other_student": [],
    "other_tutor": ["Draft session"],  # the sessions of the courses they teach, drafts too
    "student": ["First", "Second"],
    "tutor": ["First", "Second"],
    "admin": ["First", "Draft session", "Second"],
}


@pytest.mark.parametrize(("role", "expected"), LISTED.items())
def test_list_shows_the_sessions_of_the_courses_one_takes_part_in(role, expected, people, make_session, client_for):
    make_session(title="First")
    make_session(title="Second", starts_in=timedelta(days=3))
    make_session(
        course=CourseFactory(is_published=False, tutors=[people.other_tutor]),
        title="Draft session",
        starts_in=timedelta(days=2, hours=1),
    )
    response = client_for(_who(people, role)).get(SESSIONS)
    assert response.status_code == 200
    assert [row["title"] for row in response.json()["results"]] == expected


def test_list_anonymous_without_the_public_filter_is_401(client_for):
    assert client_for(None).get(SESSIONS).status_code == 401
    assert client_for(None).get(SESSIONS, {"course": "x"}).status_code == 401


def test_public_upcoming_list_of_a_published_course(people, make_session, client_for):
    upcoming = make_session(title="Upcoming", external_url="https://zoom.example/j/123", provider="external")
    cancelled = make_session(title="Cancelled")
    services.session_cancel(session=cancelled)
    params = {"course": people.course.slug, "upcoming": "true"}

    for caller in (None, people.user, people.other_student):
        response = client_for(caller).get(SESSIONS, params)
        assert response.status_code == 200, response.content
        rows = response.json()["results"]
        assert [row["id"] for row in rows] == [upcoming.pk]
        assert rows[0]["external_url"] is None, "no join data for the public"
        assert rows[0]["is_registered"] is False

    tutor_rows = client_for(people.tutor).get(SESSIONS, params).json()["results"]
    assert tutor_rows[0]["external_url"] == "https://zoom.example/j/123", "the course's tutors see their URL"

    draft = CourseFactory(is_published=False, tutors=[people.tutor])
    make_session(course=draft)
    assert client_for(None).get(SESSIONS, {"course": draft.slug, "upcoming": "true"}).status_code == 404
    assert client_for(people.user).get(SESSIONS, {"course": draft.slug, "upcoming": "true"}).status_code == 404
    assert client_for(None).get(SESSIONS, {"course": "no-such-course", "upcoming": "true"}).status_code == 404


def test_list_filters(people, make_session, client_for, clock):
    ended = make_session(title="Ended", starts_in=timedelta(hours=1), duration_minutes=30)
    later = make_session(title="Later")
    services.registration_create(session=later, student=people.student)
    clock.advance(hours=2)
    client = client_for(people.student)

    def titles(**params):
        response = client.get(SESSIONS, params)
        assert response.status_code == 200, response.content
        return [row["title"] for row in response.json()["results"]]

    assert titles() == ["Ended", "Later"]
    assert titles(upcoming="true") == ["Later"]
    assert titles(registered="true") == ["Later"]
    assert titles(course=people.course.slug) == ["Ended", "Later"]
    assert client.get(session_url(ended)).json()["status"] == "ended"
    assert client.get(SESSIONS, {"upcoming": "maybe"}).status_code == 400


def test_refund_or_deactivation_hides_the_sessions(people, make_session, client_for):
    session = make_session()
    Enrollment.objects.filter(student=people.student).update(is_active=False)
    assert client_for(people.student).get(session_url(session)).status_code == 404


# --- Scheduling ------------------------------------------------------------------------------------


def _body(people, **fields):
    starts = (timezone.now() + timedelta(days=1)).replace(microsecond=0)
    return {
        "course": str(people.course.pk),
        "title": "Office hours",
        "description": "Bring questions.",
        "starts_at": starts.isoformat(),
        "duration_minutes": 45,
        **fields,
    }


@pytest.mark.parametrize(
    ("role", "expected"),
    [
        ("anonymous", 401),
        ("user", 403),
        ("student", 403),
        ("other_student", 403),
        ("other_tutor", 403),
        ("tutor", 201),
        ("admin", 201),
    ],
)
def test_create_by_role(role, expected, people, client_for, settings):
    settings.LIVE_PROVIDER = "public_room"
    response = client_for(_who(people, role)).post(SESSIONS, _body(people, capacity=10), format="json")
    assert response.status_code == expected, (role, response.content)
    if expected == 201:
        body = response.json()
        assert set(body) == SESSION_KEYS
        assert (body["title"], body["capacity"], body["duration_minutes"]) == ("Office hours", 10, 45)
        assert (body["provider"], body["registered_count"], body["status"]) == ("public_room", 0, "scheduled")
        session = LiveSession.objects.get(pk=body["id"])
        assert body["join_available_from"] == (session.starts_at - timedelta(minutes=15)).isoformat().replace(
            "+00:00", "Z"
        )
    else:
        assert LiveSession.objects.count() == 0


def test_create_on_a_draft_of_someone_else_is_an_invalid_id(people, client_for):
    draft = CourseFactory(is_published=False, tutors=[people.other_tutor])
    response = client_for(people.tutor).post(SESSIONS, _body(people, course=str(draft.pk)), format="json")
    assert response.status_code == 400
    assert "course" in response.json()


@pytest.mark.parametrize(
    ("fields", "field"),
    [
        ({"title": ""}, "title"),
        ({"duration_minutes": 0}, "duration_minutes"),
        ({"duration_minutes": 100000}, "duration_minutes"),
        ({"capacity": 0}, "capacity"),
        ({"starts_at": "2001-01-01T10:00:00Z"}, "starts_at"),
        ({"starts_at": "9999-12-31T23:59:59Z"}, "starts_at"),
        ({"starts_at": "tomorrow"}, "starts_at"),
        ({"provider": "zoom"}, "provider"),
        ({"provider": "external"}, "external_url"),
        ({"provider": "external", "external_url": "http://insecure.example/"}, "external_url"),
        ({"provider": "bigbluebutton"}, "provider"),  # not configured here
        ({"course": "999999"}, "course"),
        ({"recording_lesson": "999999"}, "recording_lesson"),
    ],
)
def test_create_bad_input(fields, field, people, client_for, settings):
    settings.BBB_URL = settings.BBB_SECRET = ""
    response = client_for(people.tutor).post(SESSIONS, _body(people, **fields), format="json")
    assert response.status_code == 400, response.content
    assert field in response.json(), response.json()


def test_create_with_a_recording_lesson_of_another_course_is_refused(people, client_for):
    lesson = LessonFactory(part=PartFactory(course=CourseFactory(tutors=[people.tutor])))
    response = client_for(people.tutor).post(SESSIONS, _body(people, recording_lesson=str(lesson.pk)), format="json")
    assert response.status_code == 400
    assert response.json() == {"recording_lesson": ["The lesson is not part of this course."]}


@pytest.mark.parametrize(
    ("role", "expected"),
    [("anonymous", 401), ("user", 404), ("student", 403), ("other_tutor", 404), ("tutor", 200), ("admin", 200)],
)
def test_patch_by_role(role, expected, people, make_session, client_for):
    session = make_session()
    response = client_for(_who(people, role)).patch(session_url(session), {"title": "Renamed"}, format="json")
    assert response.status_code == expected, (role, response.content)
    session.refresh_from_db()
    assert (session.title == "Renamed") is (expected == 200)


def test_patch_capacity_below_registrations_and_recording_lesson(people, make_session, client_for):
    session = make_session(capacity=5)
    services.registration_create(session=session, student=people.student)
    services.registration_create(session=session, student=enrolled(people.course))
    client = client_for(people.tutor)
    response = client.patch(session_url(session), {"capacity": 1}, format="json")
    assert response.status_code == 400
    assert response.json() == {"capacity": ["2 students are registered: the capacity cannot be less."]}
    lesson = LessonFactory(part=PartFactory(course=people.course))
    response = client.patch(session_url(session), {"recording_lesson": str(lesson.pk), "capacity": None}, format="json")
    assert response.status_code == 200, response.content
    assert response.json()["recording_lesson"] == {"id": str(lesson.pk), "slug": lesson.slug, "title": lesson.title}
    assert response.json()["capacity"] is None


@pytest.mark.parametrize(
    ("role", "expected"),
    [("anonymous", 401), ("user", 404), ("student", 403), ("other_tutor", 404), ("tutor", 204), ("admin", 204)],
)
def test_cancel_by_role(role, expected, people, make_session, client_for):
    session = make_session()
    response = client_for(_who(people, role)).delete(session_url(session))
    assert response.status_code == expected, (role, response.content)
    session.refresh_from_db()
    assert session.is_cancelled is (expected == 204)


def test_cancelled_session_reads_cancelled_and_takes_no_edit_or_registration(people, make_session, client_for):
    session = make_session()
    tutor = client_for(people.tutor)
    assert tutor.delete(session_url(session)).status_code == 204
    assert tutor.delete(session_url(session)).status_code == 204, "idempotent"
    assert tutor.get(session_url(session)).json()["status"] == "cancelled"
    assert tutor.patch(session_url(session), {"title": "Again"}, format="json").status_code == 409
    response = client_for(people.student).post(session_url(session, "register/"))
    assert response.status_code == 409
    assert response.json() == {"detail": "This session was cancelled."}


# --- Registration ----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("role", "expected"),
    [("anonymous", 401), ("user", 404), ("other_student", 404), ("tutor", 403), ("admin", 403), ("student", 201)],
)
def test_register_by_role(role, expected, people, make_session, client_for):
    session = make_session()
    response = client_for(_who(people, role)).post(session_url(session, "register/"))
    assert response.status_code == expected, (role, response.content)
    assert Registration.objects.filter(session=session).count() == (1 if expected == 201 else 0)


def test_register_twice_then_unregister(people, make_session, client_for):
    session = make_session(capacity=3)
    client = client_for(people.student)
    first = client.post(session_url(session, "register/"))
    assert first.status_code == 201
    assert (first.json()["is_registered"], first.json()["registered_count"]) == (True, 1)
    again = client.post(session_url(session, "register/"))
    assert again.status_code == 200
    assert again.json()["registered_count"] == 1
    assert client.delete(session_url(session, "register/")).status_code == 204
    assert client.delete(session_url(session, "register/")).status_code == 204
    assert client.get(session_url(session)).json()["is_registered"] is False
    assert Registration.objects.count() == 0


def test_capacity_is_enforced(people, make_session, client_for):
    session = make_session(capacity=1)
    assert client_for(people.student).post(session_url(session, "register/")).status_code == 201
    response = client_for(enrolled(people.course)).post(session_url(session, "register/"))
    assert response.status_code == 409
    assert response.json() == {"detail": "This session is full."}


def test_registration_after_the_end_is_refused(people, make_session, client_for, clock):
    session = make_session(starts_in=timedelta(hours=1), duration_minutes=30)
    clock.advance(hours=2)
    response = client_for(people.student).post(session_url(session, "register/"))
    assert (response.status_code, response.json()) == (409, {"detail": "This session has ended."})


def test_deactivated_enrolment_drops_the_registration(people, make_session):
    session = make_session()
    services.registration_create(session=session, student=people.student)
    enrolment = Enrollment.objects.get(student=people.student, course=people.course)
    enrolment.is_active = False
    enrolment.save()
    assert not Registration.objects.filter(session=session).exists()


# --- Attendance ------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("role", "expected"),
    [("anonymous", 401), ("user", 404), ("student", 403), ("other_tutor", 404), ("tutor", 200), ("admin", 200)],
)
def test_attendance_by_role(role, expected, people, make_session, client_for):
    session = make_session()
    Attendance.objects.create(session=session, user=people.student, first_joined_at=session.starts_at)
    response = client_for(_who(people, role)).get(session_url(session, "attendance/"))
    assert response.status_code == expected, (role, response.content)
    if expected == 200:
        rows = response.json()["results"]
        assert [(row["user"]["id"], row["is_moderator"]) for row in rows] == [(people.student.pk, False)]


# --- Query budgets ---------------------------------------------------------------------------------


def _queries(client, url, params=None) -> int:
    with CaptureQueriesContext(connection) as captured:
        response = client.get(url, params or {})
    assert response.status_code == 200, response.content
    return len(captured)


@pytest.mark.parametrize("role", ["student", "tutor", "admin"])
def test_list_and_detail_cost_a_fixed_number_of_queries(role, people, make_session, client_for):
    client = client_for(getattr(people, role))
    session = make_session()
    services.registration_create(session=session, student=people.student)
    list_small = _queries(client, SESSIONS)
    detail = _queries(client, session_url(session))
    public = _queries(client_for(None), SESSIONS, {"course": people.course.slug, "upcoming": "true"})
    for n in range(8):
        more = make_session(title=f"More {n}", starts_in=timedelta(days=3 + n), capacity=50)
        services.registration_create(session=more, student=enrolled(people.course))
        Attendance.objects.create(session=session, user=enrolled(people.course), first_joined_at=timezone.now())
    assert _queries(client, SESSIONS) == list_small, "the list costs the same whatever its length"
    assert _queries(client_for(None), SESSIONS, {"course": people.course.slug, "upcoming": "true"}) == public
    assert list_small <= 6 and detail <= 6 and public <= 4, (list_small, detail, public)
    if role != "student":
        attendance = _queries(client, session_url(session, "attendance/"))
        assert attendance <= 7, attendance
