"""Fixtures of the live-session tests: a course with its people, sessions, a controlled clock and
a local fake BigBlueButton server that checks every call's checksum."""

from __future__ import annotations

import hashlib
import threading
import time
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from urllib.parse import parse_qsl

import pytest
from django.utils import timezone
from werkzeug import Request, Response

from courses.tests.factories import CourseFactory, EnrollmentFactory
from live import services
from live.models import LiveSession
from users.models import Role
from users.tests.factories import UserFactory

SESSIONS = "/api/live/sessions/"
BBB_SECRET = "bbb-shared-secret-for-tests"


def session_url(session, suffix: str = "") -> str:
    return f"{SESSIONS}{session.pk}/{suffix}"


@dataclass
class Clock:
    """``django.utils.timezone.now`` pinned to ``now``; ``advance`` moves it."""

    now: datetime

    def advance(self, **delta) -> datetime:
        self.now += timedelta(**delta)
        return self.now

    def set(self, moment: datetime) -> datetime:
        self.now = moment
        return moment


@pytest.fixture
def clock(monkeypatch) -> Clock:
    pinned = Clock(timezone.now().replace(microsecond=0))
    monkeypatch.setattr(timezone, "now", lambda: pinned.now)
    return pinned


@dataclass
class People:
    course: object
    tutor: object
    student: object  # enrolled, active
    other_student: object  # enrolled in another course
    other_tutor: object
    user: object
    admin: object


@pytest.fixture
def people(db) -> People:
    tutor = UserFactory(role=Role.TUTOR)
    course = CourseFactory(tutors=[tutor])
    student = UserFactory(role=Role.STUDENT)
    EnrollmentFactory(student=student, course=course)
    other_student = UserFactory(role=Role.STUDENT)
    EnrollmentFactory(student=other_student, course=CourseFactory())
    return People(
        course=course,
        tutor=tutor,
        student=student,
        other_student=other_student,
        other_tutor=UserFactory(role=Role.TUTOR),
        user=UserFactory(role=Role.USER),
        admin=UserFactory(role=Role.ADMIN, is_staff=True, is_superuser=True),
    )


@pytest.fixture
def make_session(people):
    def make(*, course=None, starts_in=timedelta(days=2), **fields) -> LiveSession:
        fields = {"title": "Exam revision", "duration_minutes": 60, **fields}
        return services.session_create(
            by=people.tutor, course=course or people.course, starts_at=timezone.now() + starts_in, **fields
        )

    return make


def enrolled(course, **fields):
    student = UserFactory(role=Role.STUDENT, **fields)
    EnrollmentFactory(student=student, course=course)
    return student


# --- A fake BigBlueButton ------------------------------------------------------------------------


@dataclass
class FakeBBB:
    """Answers ``/bigbluebutton/api/create`` as BigBlueButton does, after checking the checksum
    (``<call><query><secret>`` hashed, the query as sent without ``&checksum=``); records what it
    received. ``fail_with`` answers (status, body) instead; ``delay_seconds`` answers late."""

    base_url: str
    secret: str
    algorithm: str = "sha1"
    meetings: dict[str, dict] = field(default_factory=dict)
    calls: list[dict] = field(default_factory=list)
    fail_with: tuple[int, str] | None = None
    fail_times: int | None = None
    delay_seconds: float = 0.0
    lock: threading.Lock = field(default_factory=threading.Lock)

    def verify(self, call: str, raw_query: str) -> dict | None:
        query, _, checksum = raw_query.rpartition("&checksum=")
        expected = hashlib.new(self.algorithm, f"{call}{query}{self.secret}".encode()).hexdigest()
        if checksum != expected:
            return None
        return dict(parse_qsl(query, keep_blank_values=True))

    def create(self, request: Request) -> Response:
        raw = request.query_string.decode()
        params = self.verify("create", raw)
        with self.lock:
            self.calls.append({"call": "create", "query": raw, "valid": params is not None})
            failing = self.fail_with is not None and (self.fail_times is None or self.fail_times > 0)
            if failing and self.fail_times is not None:
                self.fail_times -= 1
        if self.delay_seconds:
            time.sleep(self.delay_seconds)
        if failing:
            status, body = self.fail_with
            return Response(body, status=status, content_type="text/xml")
        if params is None:
            return _xml("FAILED", "<messageKey>checksumError</messageKey><message>Checksums do not match</message>")
        self.meetings.setdefault(params["meetingID"], params)
        return _xml("SUCCESS", f"<meetingID>{params['meetingID']}</meetingID><createTime>1</createTime>")


def _xml(code: str, body: str) -> Response:
    return Response(f"<response><returncode>{code}</returncode>{body}</response>", content_type="text/xml")


@pytest.fixture
def fake_bbb(httpserver, settings) -> FakeBBB:
    fake = FakeBBB(base_url=httpserver.url_for("/bigbluebutton").rstrip("/"), secret=BBB_SECRET)
    httpserver.expect_request("/bigbluebutton/api/create", method="GET").respond_with_handler(fake.create)
    settings.BBB_URL = fake.base_url
    settings.BBB_SECRET = BBB_SECRET
    settings.BBB_CHECKSUM_ALGORITHM = "sha1"
    settings.LIVE_HTTP_RETRIES = 0
    settings.LIVE_HTTP_READ_TIMEOUT = 2.0
    return fake
