"""A real threaded `manage.py runserver` on an SQLite FILE, as `make run` starts it.

The in-memory test database is one connection that Django shares across a live server's
threads, which hides SQLite's writer lock; this server has its own database file and its own
connection per request. Used through the session-scoped ``sqlite_server`` fixture (conftest).
"""

from __future__ import annotations

import functools
import json
import os
import secrets
import socket
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

import requests

from core.tests.helpers import run_together

ROOT = Path(__file__).resolve().parents[2]
HTTP_TIMEOUT = 60  # seconds, every request
SETUP = """
import json
from decimal import Decimal
from rest_framework_simplejwt.tokens import RefreshToken
from courses.tests.factories import CourseFactory
from payments.models import Coupon, CouponScope, Order, OrderItem, Payment
from users.models import Role
from users.tests.factories import UserFactory

def user(role=Role.STUDENT):  # no password: hashing one is slow, tokens are made here
    u = UserFactory(role=role, password=None)
    return {"id": u.pk, "token": str(RefreshToken.for_user(u).access_token)}

def buyer():  # a student and a paid course of their own, for one checkout burst
    course = CourseFactory(price=Decimal("19.99"), currency="USD", tutors=[tutor])
    return {**user(), "course": str(course.pk)}

tutor = UserFactory(role=Role.TUTOR, password=None)
free = CourseFactory(price=Decimal("0"), tutors=[tutor])
bought = CourseFactory(price=Decimal("19.99"), currency="USD", tutors=[tutor])
payer = UserFactory(role=Role.STUDENT, password=None)
order = Order.objects.create(user=payer, total=bought.price, currency="USD")
OrderItem.objects.create(order=order, course=bought, price=bought.price)
payment = Payment.objects.create(
    user=payer, order=order, amount=bought.price, currency="USD", checkout_session_id="cs_live_sqlite_1"
)
race = CourseFactory(price=Decimal("20.00"), currency="USD", tutors=[tutor])
Coupon.objects.create(code="RACE-ONE", percent_off=Decimal("50"), scope=CouponScope.SITE, max_redemptions=1)
print(json.dumps({
    "free_course": str(free.pk),
    "buyers": [buyer() for _ in range(4)],
    "students": [user() for _ in range(21)],
    "coupon_race": {"course": str(race.pk), "coupon": "RACE-ONE", "students": [user() for _ in range(20)]},
    "webhook": {"payment": str(payment.pk), "order": str(order.pk), "user": payer.pk, "course": str(bought.pk)},
}))
"""


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class LiveSQLiteServer:
    def __init__(self, base_url: str, db_path: Path, data: dict, env: dict | None = None) -> None:
        self.base_url = base_url
        self.db_path = db_path
        self.data = data
        self.env = env or {}

    def shell(self, code: str) -> dict:
        """Run ``code`` in `manage.py shell` on the server's database (and secret key: tokens it
        makes are the server's); returns the JSON its last printed line holds."""
        done = subprocess.run(
            [sys.executable, str(ROOT / "manage.py"), "shell", "-c", code],
            env=self.env,
            cwd=ROOT,
            timeout=120,
            capture_output=True,
            text=True,
        )
        assert done.returncode == 0, f"manage.py shell failed:\n{done.stderr[-3000:]}"
        return json.loads(done.stdout.strip().splitlines()[-1])

    def query(self, sql: str, *params) -> list[tuple]:
        with sqlite3.connect(f"file:{self.db_path}?mode=ro", uri=True, timeout=30) as db:
            return db.execute(sql, params).fetchall()

    def burst(self, calls: list) -> list[requests.Response]:
        """Run the calls at once (each a function of a requests.Session), all released together."""

        def in_session(call):
            with requests.Session() as session:
                return call(session)

        return run_together([functools.partial(in_session, call) for call in calls], timeout=HTTP_TIMEOUT * 2)


def serve(tmp_path_factory, make_httpserver, *, webhook_secret: str):
    """Migrate a fresh database file once, add the test data, serve it; yields a LiveSQLiteServer."""
    directory = tmp_path_factory.mktemp("live-sqlite")
    db_path = directory / "db.sqlite3"
    env = {k: v for k, v in os.environ.items() if k not in ("REDIS_URL", "CELERY_BROKER_URL", "DJANGO_SETTINGS_MODULE")}
    env.update(
        DATABASE_URL=f"sqlite:///{db_path}",
        DJANGO_DEBUG="true",
        DJANGO_SECRET_KEY=secrets.token_urlsafe(50),  # the server verifies the tokens the set-up signs
        MEDIA_ROOT=str(directory / "media"),
        STRIPE_SECRET_KEY="sk_test_fake",
        STRIPE_WEBHOOK_SECRET=webhook_secret,
        STRIPE_API_BASE=make_httpserver.url_for("").rstrip("/"),
        STRIPE_MAX_NETWORK_RETRIES="0",
        PYTHONUNBUFFERED="1",
    )
    manage = [sys.executable, str(ROOT / "manage.py")]
    subprocess.run([*manage, "migrate", "--noinput", "-v", "0"], env=env, cwd=ROOT, check=True, timeout=180)
    setup = subprocess.run(
        [*manage, "shell", "-c", SETUP], env=env, cwd=ROOT, check=True, timeout=120, capture_output=True, text=True
    )
    data = json.loads(setup.stdout.strip().splitlines()[-1])
    port = _free_port()
    log = (directory / "server.log").open("w")
    server = subprocess.Popen(
        [*manage, "runserver", f"127.0.0.1:{port}", "--noreload"], env=env, cwd=ROOT, stdout=log, stderr=log
    )
    base_url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                if requests.get(f"{base_url}/api/core/health/", timeout=2).status_code == 200:
                    break
            except requests.ConnectionError:
                pass
            assert server.poll() is None, (directory / "server.log").read_text()
            assert time.monotonic() < deadline, "the server did not answer /api/core/health/ within 60 s"
            time.sleep(0.2)
        yield LiveSQLiteServer(base_url, db_path, data, env)
    finally:
        server.terminate()
        try:
            server.wait(timeout=10)
        except subprocess.TimeoutExpired:
            server.kill()
            server.wait(timeout=10)
        log.close()
