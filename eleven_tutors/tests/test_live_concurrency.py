"""Races through a real threaded server, on PostgreSQL and on SQLite (issue 14): each burst has
exactly one effect and no 5xx.

PostgreSQL: Django's live server (a thread per request) on the test database. SQLite: the
in-memory test database is one connection shared by the live server's threads, which would
hide SQLite's writer lock, so the burst goes to a real `runserver` on an SQLite file
(``sqlite_server``, payments/tests/live_sqlite.py). Either way the data is made by the same
code (``SETUP``) and the effect is read back through the API and the database.

What else is raced elsewhere: double checkout clicks (payments/tests/test_checkout_concurrency.py,
both databases); duplicate webhook deliveries and one student enrolling 20 times at once
(payments/tests/test_live_sqlite_concurrency.py on SQLite; here on PostgreSQL, marked
``production_stack``: CI's PostgreSQL + Redis run).
"""

from __future__ import annotations

import contextlib
import io
import json
import secrets
import uuid
from collections import Counter
from dataclasses import dataclass

import pytest
import requests
from django.db import connection

from core.tests.helpers import run_together
from payments.tests.conftest import event, fake_stripe, sign  # noqa: F401  (fake_stripe: a pytest fixture)

HTTP_TIMEOUT = 60
BURST = 12

# Run in `manage.py shell` (SQLite server) or in-process (PostgreSQL live server): prints the ids
# and tokens the races need, as JSON on its last line. ``RUN`` keeps e-mails and slugs apart.
SETUP = """
import json
from datetime import timedelta
from decimal import Decimal
from rest_framework_simplejwt.tokens import RefreshToken
from courses.tests.factories import CourseFactory, EnrollmentFactory, LessonFactory, PartFactory
from payments.models import Order, OrderItem, Payment
from users.models import Role
import itertools
from users.tests.factories import UserFactory

numbers = itertools.count()

def person(role=Role.STUDENT):  # e-mails of this run (a new process restarts the factory's sequence)
    u = UserFactory(role=role, password=None, email=f"race-{RUN}-{next(numbers)}@example.com")
    return {"id": u.pk, "token": str(RefreshToken.for_user(u).access_token), "user": u}

tutor = person(Role.TUTOR)["user"]
course = CourseFactory(title=f"Race {RUN}", price=Decimal("19.99"), currency="USD", tutors=[tutor])
part = PartFactory(course=course, order=0)
last = LessonFactory(part=part, order=0, duration=timedelta(minutes=5))
free = CourseFactory(title=f"Free race {RUN}", price=Decimal("0"), tutors=[tutor])
reviewer, learner, enroller = person(), person(), person()
EnrollmentFactory(student=reviewer["user"], course=course)
EnrollmentFactory(student=learner["user"], course=course)
payer = person()["user"]
order = Order.objects.create(user=payer, total=course.price, currency="USD")
OrderItem.objects.create(order=order, course=course, price=course.price)
payment = Payment.objects.create(
    user=payer, order=order, amount=course.price, currency="USD", checkout_session_id=f"cs_race_{RUN}"
)
print(json.dumps({
    "course": str(course.pk), "course_slug": course.slug, "lesson_slug": last.slug, "free_course": str(free.pk),
    "reviewer": {k: v for k, v in reviewer.items() if k != "user"},
    "learner": {k: v for k, v in learner.items() if k != "user"},
    "enroller": {k: v for k, v in enroller.items() if k != "user"},
    "webhook": {"payment": str(payment.pk), "order": str(order.pk), "user": payer.pk, "session": f"cs_race_{RUN}"},
}))
"""


@dataclass
class Live:
    base_url: str
    data: dict

    def burst(self, method: str, path: str, n: int = BURST, *, token: str | None = None, **kwargs):
        headers = dict(kwargs.pop("headers", {}))
        if token:
            headers["Authorization"] = f"Bearer {token}"

        def call():
            with requests.Session() as session:
                return session.request(
                    method, f"{self.base_url}{path}", headers=headers, timeout=HTTP_TIMEOUT, **kwargs
                )

        responses = run_together([call] * n, timeout=HTTP_TIMEOUT * 2)
        errors = [(r.status_code, r.text[:300]) for r in responses if r.status_code >= 500]
        assert not errors, f"{len(errors)} of {n} answered 5xx: {errors[:3]}"
        return responses

    def get(self, path: str, *, token: str | None = None) -> requests.Response:
        headers = {"Authorization": f"Bearer {token}"} if token else {}
        return requests.get(f"{self.base_url}{path}", headers=headers, timeout=HTTP_TIMEOUT)


@pytest.fixture
def live(request) -> Live:
    run = secrets.token_hex(4)
    code = f"RUN = {run!r}\n{SETUP}"
    if connection.vendor == "sqlite":
        server = request.getfixturevalue("sqlite_server")
        return Live(server.base_url, {**server.shell(code), "server": server})
    live_server = request.getfixturevalue("live_server")  # the test is django_db(transaction=True)
    out = io.StringIO()
    with contextlib.redirect_stdout(out):
        exec(code, {})  # the same set-up, in this process (the live server shares its database)
    return Live(live_server.url, json.loads(out.getvalue().strip().splitlines()[-1]))


def _count(live: Live, sql_sqlite: str, orm, *params) -> int:
    """A count read from the database the server writes to."""
    if "server" in live.data:
        return live.data["server"].query(sql_sqlite, *params)[0][0]
    return orm()


def _hex(value: str) -> str:
    return uuid.UUID(value).hex


pytestmark = pytest.mark.django_db(transaction=True)


def test_same_email_registered_at_once_makes_one_account(live):
    email = f"race-{secrets.token_hex(4)}@example.com"
    body = {"email": email, "password": "analytical-engine-1843", "first_name": "Ada", "last_name": "L"}

    responses = live.burst("POST", "/api/auth/users/", json=body)

    # One account; the others are told the address is taken (400), or, past the register_email
    # throttle (5 attempts per address and hour), to slow down (429).
    statuses = Counter(r.status_code for r in responses)
    assert statuses[201] == 1 and set(statuses) <= {201, 400, 429}, [(r.status_code, r.text[:200]) for r in responses]
    refused = [r.json() for r in responses if r.status_code == 400]
    assert refused and all("email" in body for body in refused), refused[:2]

    from users.models import User

    assert (
        _count(
            live,
            "SELECT count(*) FROM users_user WHERE email = ?",
            lambda: User.objects.filter(email=email).count(),
            email,
        )
        == 1
    )


def test_concurrent_reviews_by_one_student_make_one_review(live):
    d = live.data
    path = f"/api/courses/courses/{d['course_slug']}/reviews/"

    responses = live.burst("POST", path, token=d["reviewer"]["token"], json={"rating": 4, "text": "Good."})

    statuses = Counter(r.status_code for r in responses)
    assert statuses == {201: 1, 409: BURST - 1}, [(r.status_code, r.text[:200]) for r in responses]
    listed = live.get(path).json()["results"]
    assert len(listed) == 1, listed

    from learning.models import Review

    count = _count(
        live,
        "SELECT count(*) FROM learning_review WHERE user_id = ? AND course_id = ?",
        lambda: Review.objects.filter(user_id=d["reviewer"]["id"], course_id=d["course"]).count(),
        d["reviewer"]["id"],
        _hex(d["course"]),
    )
    assert count == 1


def test_concurrent_completion_of_a_lesson_makes_one_progress_and_one_certificate(live):
    d = live.data
    token = d["learner"]["token"]

    responses = live.burst(
        "POST",
        f"/api/courses/lessons/{d['lesson_slug']}/progress/",
        token=token,
        json={"position_seconds": 300, "completed": True},
    )

    assert Counter(r.status_code for r in responses) == {200: BURST}, [r.text[:200] for r in responses]
    assert all(r.json()["lesson"]["completed"] for r in responses)
    progress = live.get(f"/api/courses/courses/{d['course_slug']}/progress/", token=token).json()
    assert progress["completed_lessons"] == 1 and progress["total_lessons"] == 1, progress
    certificates = live.get("/api/courses/certificates/", token=token).json()["results"]
    assert len(certificates) == 1, certificates

    from learning.models import Certificate, LessonProgress

    student = d["learner"]["id"]
    assert (
        _count(
            live,
            "SELECT count(*) FROM learning_lessonprogress WHERE student_id = ?",
            lambda: LessonProgress.objects.filter(student_id=student).count(),
            student,
        )
        == 1
    )
    assert (
        _count(
            live,
            "SELECT count(*) FROM learning_certificate WHERE student_id = ?",
            lambda: Certificate.objects.filter(student_id=student).count(),
            student,
        )
        == 1
    )


@pytest.mark.production_stack
def test_duplicate_webhook_deliveries_at_once_have_one_effect_on_postgresql(live, fake_stripe):  # noqa: F811
    from courses.models import Enrollment
    from payments.models import Payment, PaymentStatus, WebhookEvent

    w = live.data["webhook"]
    session = {
        "id": w["session"],
        "object": "checkout.session",
        "amount_total": 1999,
        "currency": "usd",
        "client_reference_id": w["payment"],
        "metadata": {
            "payment_id": w["payment"],
            "order_id": w["order"],
            "user_id": w["user"],
            "course_id": live.data["course"],
        },
        "payment_intent": f"pi_{w['session']}",
        "payment_status": "paid",
        "status": "complete",
    }
    event_id = f"evt_{w['session']}"
    payload = event("checkout.session.completed", session, event_id=event_id)

    responses = live.burst(
        "POST",
        "/api/payments/stripe/webhook/",
        data=payload,
        headers={"Content-Type": "application/json", "Stripe-Signature": sign(payload)},
    )

    assert Counter(r.status_code for r in responses) == {200: BURST}
    outcomes = Counter(r.json()["outcome"] for r in responses)
    assert outcomes == {f"payment {w['payment']} completed": 1, "duplicate": BURST - 1}, outcomes
    assert Payment.objects.get(pk=w["payment"]).status == PaymentStatus.COMPLETED
    assert WebhookEvent.objects.filter(event_id=event_id).count() == 1
    assert Enrollment.objects.filter(student_id=w["user"], course_id=live.data["course"], is_active=True).count() == 1


@pytest.mark.production_stack
def test_one_student_enrolling_at_once_in_a_free_course_gets_one_enrolment_on_postgresql(live):
    from courses.models import Enrollment

    d = live.data
    responses = live.burst(
        "POST", "/api/courses/enrollments/", token=d["enroller"]["token"], json={"course": d["free_course"]}
    )

    statuses = Counter(r.status_code for r in responses)
    assert statuses == {201: 1, 200: BURST - 1}, statuses
    assert Enrollment.objects.filter(student_id=d["enroller"]["id"], course_id=d["free_course"]).count() == 1
