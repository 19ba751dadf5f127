"""PostgreSQL stops and restarts while requests flow (issue 14), on a cluster this test makes
itself (``initdb`` and ``pg_ctl`` on a port of its own; the shared server is never touched),
behind a real threaded server (`manage.py runserver`) pointed at it.

While it is down: ``ready/`` answers 503, every other request a 503 with Retry-After (never a
500), and a Stripe webhook too, so that Stripe delivers it again. When it is back: the same
server process recovers (no restart), and the webhook delivered again is applied, once.
"""

from __future__ import annotations

import contextlib
import glob
import json
import os
import secrets
import shutil
import socket
import subprocess
import sys
import tempfile
import threading
import time
from collections import Counter
from pathlib import Path

import pytest
import requests

from payments.models import PaymentStatus
from payments.tests.conftest import WEBHOOK_SECRET, event, sign

ROOT = Path(__file__).resolve().parents[2]
HTTP_TIMEOUT = 30


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _pg_bin(name: str) -> str:
    found = sorted(glob.glob(f"/usr/lib/postgresql/*/bin/{name}")) or [shutil.which(name)]
    assert found[-1], f"{name} not found (PostgreSQL server binaries: apt-get install postgresql)"
    return found[-1]


class ThrowawayPostgres:
    """A PostgreSQL cluster in a temporary directory, on 127.0.0.1:<port>, trust authentication.
    initdb refuses to run as root: then the cluster is made and run as the ``postgres`` user."""

    def __init__(self) -> None:
        self.port = _free_port()
        self.directory = Path(tempfile.mkdtemp(prefix="et-fault-pg-"))
        self.data = self.directory / "data"
        self.as_user = ["runuser", "-u", "postgres", "--"] if os.geteuid() == 0 else []
        if self.as_user:
            shutil.chown(self.directory, "postgres")
        self.url = f"postgres://postgres@127.0.0.1:{self.port}/app"

    def _run(self, *args: str) -> None:
        subprocess.run([*self.as_user, *args], check=True, timeout=120, capture_output=True)

    def init(self) -> None:
        self._run(_pg_bin("initdb"), "-D", str(self.data), "-U", "postgres", "--auth=trust", "-E", "UTF8")
        self.start()
        self._run(_pg_bin("createdb"), "-h", "127.0.0.1", "-p", str(self.port), "-U", "postgres", "app")

    def start(self) -> None:
        options = f"-p {self.port} -c listen_addresses=127.0.0.1 -k {self.directory} -c fsync=off"
        self._run(
            _pg_bin("pg_ctl"), "-D", str(self.data), "-o", options, "-l", str(self.directory / "pg.log"), "-w", "start"
        )

    def stop(self) -> None:
        self._run(_pg_bin("pg_ctl"), "-D", str(self.data), "-m", "fast", "-w", "stop")

    def destroy(self) -> None:
        with contextlib.suppress(subprocess.CalledProcessError):  # not running
            self.stop()
        shutil.rmtree(self.directory, ignore_errors=True)


SETUP = """
import json
from decimal import Decimal
from rest_framework_simplejwt.tokens import RefreshToken
from courses.tests.factories import CourseFactory
from payments.models import Order, OrderItem, Payment
from users.models import Role
from users.tests.factories import UserFactory

course = CourseFactory(price=Decimal("19.99"), currency="USD")
payer = UserFactory(role=Role.STUDENT, password=None)
order = Order.objects.create(user=payer, total=course.price, currency="USD")
OrderItem.objects.create(order=order, course=course, price=course.price)
payment = Payment.objects.create(
    user=payer, order=order, amount=course.price, currency="USD", checkout_session_id="cs_fault_pg_1"
)
print(json.dumps({
    "payment": str(payment.pk), "order": str(order.pk), "user": payer.pk, "course": str(course.pk),
    "token": str(RefreshToken.for_user(payer).access_token),
}))
"""


@pytest.fixture
def server_on_throwaway_postgres(make_httpserver):
    pg = ThrowawayPostgres()
    server = log = None
    try:
        pg.init()
        env = {
            k: v for k, v in os.environ.items() if k not in ("REDIS_URL", "CELERY_BROKER_URL", "DJANGO_SETTINGS_MODULE")
        }
        env.update(
            DATABASE_URL=pg.url,
            DATABASE_CONN_MAX_AGE="60",  # persistent connections: the broken ones must be replaced
            # Every request reads the database (cached pages would hide the outage: they are
            # served from the cache meanwhile, by design).
            CATALOG_CACHE_SECONDS="0",
            VIEWER_CACHE_SECONDS="0",
            DJANGO_DEBUG="true",
            DJANGO_SECRET_KEY=secrets.token_urlsafe(50),
            MEDIA_ROOT=str(pg.directory / "media"),
            STRIPE_SECRET_KEY="sk_test_fake",
            STRIPE_WEBHOOK_SECRET=WEBHOOK_SECRET,
            STRIPE_API_BASE=make_httpserver.url_for("").rstrip("/"),
            STRIPE_MAX_NETWORK_RETRIES="0",
            PYTHONUNBUFFERED="1",
        )
        manage = [sys.executable, str(ROOT / "manage.py")]
        subprocess.run([*manage, "migrate", "--noinput", "-v", "0"], env=env, cwd=ROOT, check=True, timeout=300)
        done = subprocess.run(
            [*manage, "shell", "-c", SETUP], env=env, cwd=ROOT, check=True, timeout=120, capture_output=True, text=True
        )
        data = json.loads(done.stdout.strip().splitlines()[-1])
        port = _free_port()
        log = (pg.directory / "server.log").open("w")
        server = subprocess.Popen(
            [*manage, "runserver", f"127.0.0.1:{port}", "--noreload"], env=env, cwd=ROOT, stdout=log, stderr=log
        )
        base_url = f"http://127.0.0.1:{port}"
        deadline = time.monotonic() + 60
        while True:
            try:
                if requests.get(f"{base_url}/api/core/ready/", timeout=2).status_code == 200:
                    break
            except requests.ConnectionError:
                pass
            assert server.poll() is None, (pg.directory / "server.log").read_text()
            assert time.monotonic() < deadline, "the server was not ready within 60 s"
            time.sleep(0.2)
        yield base_url, pg, data
    finally:
        if server is not None:
            server.terminate()
            server.wait(timeout=10)
        if log is not None:
            log.close()
        pg.destroy()


class Traffic:
    """Requests flowing all along: a thread reading the catalog and a course page, by phase."""

    def __init__(self, base_url: str) -> None:
        self.base_url = base_url
        self.phase = "up"
        self.seen: dict[str, Counter] = {}
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)

    def _run(self) -> None:
        with requests.Session() as session:
            while not self._stop.is_set():
                phase = self.phase
                try:
                    status = session.get(f"{self.base_url}/api/courses/courses/", timeout=HTTP_TIMEOUT).status_code
                except requests.RequestException as error:
                    status = type(error).__name__
                if self.phase != phase:  # in flight while the phase changed
                    phase = "transition"
                self.seen.setdefault(phase, Counter())[status] += 1
                time.sleep(0.05)

    def __enter__(self):
        self._thread.start()
        return self

    def __exit__(self, *exc) -> None:
        self._stop.set()
        self._thread.join(timeout=HTTP_TIMEOUT * 2)


def _webhook(base_url: str, data: dict) -> requests.Response:
    session = {
        "id": "cs_fault_pg_1",
        "object": "checkout.session",
        "amount_total": 1999,
        "currency": "usd",
        "client_reference_id": data["payment"],
        "metadata": {
            "payment_id": data["payment"],
            "order_id": data["order"],
            "user_id": data["user"],
            "course_id": data["course"],
        },
        "payment_intent": "pi_fault_pg_1",
        "payment_status": "paid",
        "status": "complete",
    }
    payload = event("checkout.session.completed", session, event_id="evt_fault_pg_1")
    headers = {"Content-Type": "application/json", "Stripe-Signature": sign(payload)}
    return requests.post(
        f"{base_url}/api/payments/stripe/webhook/", data=payload, headers=headers, timeout=HTTP_TIMEOUT
    )


def test_postgres_outage_answers_503_and_recovers_without_a_restart(server_on_throwaway_postgres):
    base_url, pg, data = server_on_throwaway_postgres

    with Traffic(base_url) as traffic:
        time.sleep(0.5)
        traffic.phase = "down"
        pg.stop()
        ready = requests.get(f"{base_url}/api/core/ready/", timeout=HTTP_TIMEOUT)
        catalog = requests.get(f"{base_url}/api/courses/courses/", timeout=HTTP_TIMEOUT)
        during = _webhook(base_url, data)
        time.sleep(0.5)
        traffic.phase = "restarting"
        pg.start()
        deadline = time.monotonic() + 30
        while requests.get(f"{base_url}/api/core/ready/", timeout=HTTP_TIMEOUT).status_code != 200:
            assert time.monotonic() < deadline, "the server did not recover within 30 s of PostgreSQL's restart"
            time.sleep(0.2)
        traffic.phase = "back"
        time.sleep(0.5)
        again = _webhook(base_url, data)
        replay = _webhook(base_url, data)

    assert ready.status_code == 503, ready.text
    assert catalog.status_code == 503 and int(catalog.headers["Retry-After"]) > 0, (catalog.status_code, catalog.text)
    assert during.status_code == 503, (during.status_code, during.text)  # Stripe retries a 5xx
    assert again.status_code == 200 and again.json()["outcome"] == f"payment {data['payment']} completed", again.text
    assert replay.json()["outcome"] == "duplicate"
    payment = requests.get(
        f"{base_url}/api/payments/payments/{data['payment']}/",
        headers={"Authorization": f"Bearer {data['token']}"},
        timeout=HTTP_TIMEOUT,
    ).json()
    assert payment["status"] == PaymentStatus.COMPLETED, payment
    # The flow never saw a 500 or a dropped connection: 200 while up, 503 while down.
    flow = {phase: dict(counts) for phase, counts in traffic.seen.items()}
    assert set(flow["up"]) == {200} and set(flow["back"]) == {200}, flow
    assert flow.get("down") and set(flow["down"]) <= {503}, flow
    assert set(flow.get("restarting", {})) | set(flow.get("transition", {})) <= {200, 503}, flow
