"""The embedded default under concurrent requests: a real threaded `manage.py runserver` on an
SQLite FILE, as `make run` starts it (not the in-memory test database, whose connection Django
shares across threads and which therefore hides SQLite's writer lock).

One server per test session (``sqlite_server``, payments/tests/live_sqlite.py): migrated once,
its data set up with `manage.py shell`; what happened is read from its database file. The
concurrent checkouts against it are in test_checkout_concurrency.py.
"""

from __future__ import annotations

import secrets
import uuid
from collections import Counter
from concurrent.futures import ThreadPoolExecutor

import requests

from payments.tests.conftest import event, sign
from payments.tests.live_sqlite import HTTP_TIMEOUT


def _hex(value: str) -> str:
    """How SQLite stores a UUIDField."""
    return uuid.UUID(value).hex


def _statuses(responses: list[requests.Response]) -> Counter:
    return Counter(r.status_code for r in responses)


def _no_5xx(responses: list[requests.Response]) -> None:
    errors = [(r.status_code, r.text[:200]) for r in responses if r.status_code >= 500]
    assert not errors, f"{len(errors)} of {len(responses)} answered 5xx: {errors[:3]}"


def test_journal_is_wal(sqlite_server):
    assert sqlite_server.query("PRAGMA journal_mode") == [("wal",)]


def test_48_concurrent_registrations_all_succeed(sqlite_server):
    run = secrets.token_hex(4)

    def register(n):
        body = {"email": f"burst-{run}-{n}@example.com", "password": "analytical-engine-1843", "first_name": "Ada"}
        return lambda s: s.post(f"{sqlite_server.base_url}/api/auth/users/", json=body, timeout=HTTP_TIMEOUT)

    with ThreadPoolExecutor(max_workers=16) as pool:
        responses = list(pool.map(lambda call: call(requests), [register(n) for n in range(48)]))

    _no_5xx(responses)
    assert _statuses(responses) == {201: 48}, [(r.status_code, r.text[:200]) for r in responses if r.status_code != 201]
    (count,) = sqlite_server.query("SELECT count(*) FROM users_user WHERE email LIKE ?", f"burst-{run}-%")[0]
    assert count == 48


def test_20_concurrent_duplicate_webhooks_have_exactly_one_effect(sqlite_server):
    w = sqlite_server.data["webhook"]
    session = {
        "id": "cs_live_sqlite_1",
        "object": "checkout.session",
        "amount_total": 1999,
        "currency": "usd",
        "client_reference_id": w["payment"],
        "metadata": {
            "payment_id": w["payment"],
            "order_id": w["order"],
            "user_id": w["user"],
            "course_id": w["course"],
        },
        "payment_intent": "pi_live_sqlite_1",
        "payment_status": "paid",
        "status": "complete",
    }
    payload = event("checkout.session.completed", session, event_id="evt_live_sqlite_1")
    headers = {"Content-Type": "application/json", "Stripe-Signature": sign(payload)}
    url = f"{sqlite_server.base_url}/api/payments/stripe/webhook/"

    responses = sqlite_server.burst(
        [lambda s: s.post(url, data=payload, headers=headers, timeout=HTTP_TIMEOUT) for _ in range(20)]
    )

    _no_5xx(responses)
    assert _statuses(responses) == {200: 20}
    outcomes = Counter(r.json()["outcome"] for r in responses)
    assert outcomes == {f"payment {w['payment']} completed": 1, "duplicate": 19}, outcomes
    assert sqlite_server.query("SELECT status FROM payments_payment WHERE id = ?", _hex(w["payment"])) == [(2,)]
    assert sqlite_server.query("SELECT count(*) FROM payments_webhookevent WHERE event_id = 'evt_live_sqlite_1'") == [
        (1,)
    ]
    assert sqlite_server.query(
        "SELECT count(*) FROM courses_enrollment WHERE student_id = ? AND course_id = ? AND is_active",
        w["user"],
        _hex(w["course"]),
    ) == [(1,)]


def test_20_students_enrol_at_once_in_a_free_course(sqlite_server):
    course = sqlite_server.data["free_course"]
    url = f"{sqlite_server.base_url}/api/courses/enrollments/"

    def enrol(token):
        auth = {"Authorization": f"Bearer {token}"}
        return lambda s: s.post(url, json={"course": course}, headers=auth, timeout=HTTP_TIMEOUT)

    students = sqlite_server.data["students"][:20]
    responses = sqlite_server.burst([enrol(s["token"]) for s in students])

    _no_5xx(responses)
    assert _statuses(responses) == {201: 20}, [r.text[:200] for r in responses]
    rows = sqlite_server.query(
        "SELECT student_id FROM courses_enrollment WHERE course_id = ? AND is_active", _hex(course)
    )
    assert sorted(r[0] for r in rows) == sorted(s["id"] for s in students)


def test_one_student_enrolling_20_times_at_once_gets_one_enrolment(sqlite_server):
    course = sqlite_server.data["free_course"]
    student = sqlite_server.data["students"][20]
    auth = {"Authorization": f"Bearer {student['token']}"}
    url = f"{sqlite_server.base_url}/api/courses/enrollments/"

    responses = sqlite_server.burst(
        [lambda s: s.post(url, json={"course": course}, headers=auth, timeout=HTTP_TIMEOUT) for _ in range(20)]
    )

    _no_5xx(responses)
    statuses = _statuses(responses)
    assert statuses[201] == 1 and statuses[200] == 19, statuses
    assert sqlite_server.query(
        "SELECT count(*) FROM courses_enrollment WHERE student_id = ? AND course_id = ?",
        student["id"],
        _hex(course),
    ) == [(1,)]
