"""The production stack end to end: ``deploy/serve_prod.py`` (what ``make serve-prod`` runs)
starts gunicorn, a Celery worker and Celery beat as real processes with ``DJANGO_DEBUG=false`` on
a PostgreSQL database of this test's own and a Redis server of its own; the test then drives the
whole journey over HTTP: registration, the verification e-mail the *worker* sends (to a local
SMTP server), a tutor's course with an uploaded video, a Stripe checkout (the fake Stripe of
payments/tests) and its signed webhook, the lesson's playback token, a review, the certificate
PDF the worker renders, and a payment reconciled by the task beat schedules. Without the worker
no e-mail arrives and the test fails.

Deselected without PostgreSQL and Redis (conftest.py: ``production_stack``); CI's second run has them.
"""

from __future__ import annotations

import base64
import contextlib
import json
import os
import re
import secrets
import shutil
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Callable
from email import message_from_bytes
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

import psycopg
import pytest
import requests
from aiosmtpd.controller import Controller

from payments.tests.conftest import WEBHOOK_SECRET, FakeStripe, event, sign

pytestmark = pytest.mark.production_stack

ROOT = Path(__file__).resolve().parents[2]
PASSWORD = "Production-Stack-Pass-2026"
METRICS_TOKEN = secrets.token_urlsafe(24)
VIDEO = b"\x00\x00\x00\x18ftypmp42" + bytes(range(256)) * 8
FRONTEND = "https://app.11tutors.test"
WAIT = 30  # seconds any background step may take
HTTP_TIMEOUT = 20


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def wait_for(what: str, probe: Callable, timeout: float = WAIT, stack: Stack | None = None):
    """Poll ``probe`` until it returns something truthy; fail naming ``what`` after ``timeout``."""
    deadline = time.monotonic() + timeout
    while True:
        result = probe()
        if result:
            return result
        if stack is not None:
            stack.check_running()
        if time.monotonic() > deadline:
            detail = f"\n--- serve-prod log (end) ---\n{stack.log_tail()}" if stack else ""
            pytest.fail(f"{what}: nothing within {timeout} s{detail}")
        time.sleep(0.2)


# --- Services of our own: PostgreSQL database, Redis, SMTP ------------------------------------


@pytest.fixture
def database():
    """A fresh database on DATABASE_URL's server, dropped afterwards."""
    url = os.environ["DATABASE_URL"]
    worker = os.environ.get("PYTEST_XDIST_WORKER", "")
    name = f"{urlsplit(url).path.lstrip('/')}_prod_e2e{('_' + worker) if worker else ''}"
    admin = urlsplit(url)._replace(path="/postgres").geturl()

    def run(sql: str) -> None:
        with psycopg.connect(admin, autocommit=True, connect_timeout=10) as conn:
            conn.execute(sql)

    run(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
    run(f'CREATE DATABASE "{name}"')
    try:
        yield urlsplit(url)._replace(path=f"/{name}").geturl()
    finally:
        run(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


@pytest.fixture
def redis_url(tmp_path):
    """A Redis server of this test's own (broker, cache, throttles), on a free port."""
    binary = shutil.which("redis-server")
    assert binary, "redis-server is needed for the production stack test (CI installs and starts Redis)"
    port = free_port()
    server = subprocess.Popen(
        [
            binary,
            "--port",
            str(port),
            "--bind",
            "127.0.0.1",
            "--save",
            "",
            "--appendonly",
            "no",
            "--dir",
            str(tmp_path),
        ],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:

        def answers() -> bool:
            try:
                with socket.create_connection(("127.0.0.1", port), timeout=1) as sock:
                    sock.sendall(b"PING\r\n")
                    return sock.recv(16).startswith(b"+PONG")
            except OSError:
                return False

        wait_for("redis-server answering PING", answers, timeout=10)
        yield f"redis://127.0.0.1:{port}/0"
    finally:
        server.terminate()
        server.wait(timeout=10)


class Mailbox:
    """An aiosmtpd handler: keeps every message the service hands over by SMTP."""

    def __init__(self) -> None:
        self.messages = []

    async def handle_DATA(self, server, session, envelope):
        self.messages.append(message_from_bytes(envelope.content))
        return "250 OK"

    def find(self, to: str, subject_part: str):
        for message in self.messages:
            if to in message["To"] and subject_part.lower() in message["Subject"].lower():
                return message
        return None


@pytest.fixture
def smtp():
    mailbox = Mailbox()
    controller = Controller(mailbox, hostname="127.0.0.1", port=free_port())
    controller.start()
    try:
        yield controller.port, mailbox
    finally:
        controller.stop()


@pytest.fixture
def stripe(httpserver) -> FakeStripe:
    fake = FakeStripe(base_url=httpserver.url_for("").rstrip("/"))
    httpserver.expect_request("/v1/checkout/sessions", method="POST").respond_with_handler(fake.create_session)
    httpserver.expect_request(re.compile(r"^/v1/checkout/sessions/[^/]+$"), method="GET").respond_with_handler(
        fake.retrieve_session
    )
    return fake


# --- The stack ---------------------------------------------------------------------------------


class Stack:
    def __init__(self, process: subprocess.Popen, base_url: str, log_path: Path) -> None:
        self.process = process
        self.base_url = base_url
        self.log_path = log_path
        self.http = requests.Session()

    def log_tail(self, chars: int = 6000) -> str:
        return self.log_path.read_text(errors="replace")[-chars:]

    def log_lines(self) -> list[dict]:
        lines = []
        for line in self.log_path.read_text(errors="replace").splitlines():
            if line.startswith("{"):
                with contextlib.suppress(json.JSONDecodeError):
                    lines.append(json.loads(line))
        return lines

    def check_running(self) -> None:
        if self.process.poll() is not None:
            pytest.fail(f"serve-prod exited with {self.process.returncode}:\n{self.log_tail()}")

    def call(self, method: str, path: str, *, token: str | None = None, expect: int = 200, **kwargs):
        headers = kwargs.pop("headers", {})
        if token:
            headers["Authorization"] = f"Bearer {token}"
        url = path if path.startswith("http") else self.base_url + path
        response = self.http.request(method, url, headers=headers, timeout=HTTP_TIMEOUT, **kwargs)
        assert response.status_code == expect, (
            f"{method} {path}: expected {expect}, got {response.status_code}: {response.text[:500]}"
        )
        return response

    def login(self, email: str) -> str:
        return self.call("POST", "/api/auth/token/", json={"email": email, "password": PASSWORD}).json()["access"]


@pytest.fixture
def stack(database, redis_url, smtp, stripe, tmp_path):
    smtp_port, _ = smtp
    port = free_port()
    env = {
        key: value
        for key, value in os.environ.items()
        if not key.startswith(("DJANGO_", "CELERY_", "PROMETHEUS_", "SENTRY_", "STRIPE_", "EMAIL_", "GUNICORN_"))
    }
    env.update(
        DJANGO_DEBUG="false",
        DJANGO_SECRET_KEY=secrets.token_urlsafe(50),
        ALLOWED_HOSTS="127.0.0.1",
        DATABASE_URL=database,
        REDIS_URL=redis_url,
        EMAIL_HOST="127.0.0.1",
        EMAIL_PORT=str(smtp_port),
        EMAIL_USE_TLS="false",
        FRONTEND_URL=FRONTEND,
        STRIPE_SECRET_KEY="sk_test_fake",
        STRIPE_WEBHOOK_SECRET=WEBHOOK_SECRET,
        STRIPE_API_BASE=stripe.base_url,
        STRIPE_MAX_NETWORK_RETRIES="0",
        # Beat schedules the reconciliation every 2 s; it looks at every PENDING payment.
        PAYMENT_RECONCILE_INTERVAL_SECONDS="2",
        PAYMENT_RECONCILE_AFTER_MINUTES="0",
        MEDIA_ROOT=str(tmp_path / "media"),
        VIDEO_PRIVATE_ROOT=str(tmp_path / "private-videos"),
        STATIC_ROOT=str(tmp_path / "static"),
        METRICS_TOKEN=METRICS_TOKEN,
        WEB_CONCURRENCY="2",
        PYTHONUNBUFFERED="1",
    )
    log_path = tmp_path / "serve-prod.log"
    with log_path.open("wb") as log:
        process = subprocess.Popen(
            [
                sys.executable,
                str(ROOT / "deploy" / "serve_prod.py"),
                "--bind",
                f"127.0.0.1:{port}",
                "--ws-bind",
                f"127.0.0.1:{free_port()}",
                "--state-dir",
                str(tmp_path / "state"),
                "--worker-concurrency",
                "1",
            ],
            cwd=ROOT,
            env=env,
            stdout=log,
            stderr=subprocess.STDOUT,
        )
    running = Stack(process, f"http://127.0.0.1:{port}", log_path)
    try:

        def healthy() -> bool:
            try:
                return requests.get(f"{running.base_url}/api/core/ready/", timeout=5).status_code == 200
            except requests.RequestException:
                return False

        wait_for("the stack answering /api/core/ready/", healthy, timeout=90, stack=running)
        yield running
    finally:
        if process.poll() is None:
            process.send_signal(signal.SIGINT)
            try:
                process.wait(timeout=60)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()
        running.http.close()


# --- The journey -------------------------------------------------------------------------------


def verification_token(message) -> str:
    text = next(part for part in message.walk() if part.get_content_type() == "text/plain")
    body = text.get_payload(decode=True).decode()
    link = re.search(re.escape(FRONTEND) + r"/verify-email\?\S+", body)
    assert link, f"no verification link in: {body!r}"
    return parse_qs(urlsplit(link.group(0)).query)["token"][0]


def webhook(stack: Stack, session: dict) -> None:
    payload = event("checkout.session.completed", session)
    stack.call(
        "POST",
        "/api/payments/stripe/webhook/",
        data=payload,
        headers={"Content-Type": "application/json", "Stripe-Signature": sign(payload)},
    )


def publish_course(stack: Stack, tutor: str, title: str, video_id: str) -> dict:
    course = stack.call(
        "POST", "/api/courses/courses/", token=tutor, expect=201, json={"title": title, "price": "19.99"}
    ).json()
    part = stack.call(
        "POST", "/api/courses/course-parts/", token=tutor, expect=201, json={"course": course["id"], "title": "One"}
    ).json()
    lesson = stack.call(
        "POST",
        "/api/courses/lessons/",
        token=tutor,
        expect=201,
        json={"part": part["id"], "title": "The lesson", "duration": "60", "video_service_id": video_id},
    ).json()
    stack.call("PATCH", f"/api/courses/courses/{course['slug']}/", token=tutor, json={"is_published": True})
    return {**course, "lesson": lesson}


def test_the_production_stack_end_to_end(stack, smtp, stripe):
    _, mailbox = smtp
    request_id = f"e2e-{secrets.token_hex(8)}"

    # Registration: the web process queues the e-mail; only the worker sends it.
    student_email = "ada@example.com"
    stack.call(
        "POST",
        "/api/auth/users/",
        expect=201,
        json={"email": student_email, "password": PASSWORD, "first_name": "Ada", "last_name": "Lovelace"},
        headers={"X-Request-ID": request_id},
    )
    message = wait_for(
        "the verification e-mail (sent by the Celery worker, over SMTP)",
        lambda: mailbox.find(student_email, "confirm your e-mail"),
        stack=stack,
    )
    verified = stack.call("POST", "/api/auth/email/verify/", json={"token": verification_token(message)}).json()
    assert verified["is_email_verified"] is True

    # A tutor uploads a video and publishes two paid courses with it.
    stack.call("POST", "/api/auth/tutors/", expect=201, json={"email": "tutor@example.com", "password": PASSWORD})
    tutor = stack.login("tutor@example.com")
    grant = stack.call("POST", "/api/courses/vdocipher/upload-credentials/", token=tutor, json={"title": "Clip"}).json()
    fields = {k: v for k, v in grant["clientPayload"].items() if k != "uploadLink"}
    stack.call(
        "POST",
        grant["clientPayload"]["uploadLink"],
        expect=201,
        data=fields,
        files={"file": ("clip.mp4", VIDEO, "video/mp4")},
    )
    course = publish_course(stack, tutor, "Analytical Engines", grant["videoId"])
    second = publish_course(stack, tutor, "Difference Engines", grant["videoId"])

    # The student buys the first course: Stripe Checkout, then Stripe's signed webhook.
    student = stack.login(student_email)
    checkout = stack.call("POST", "/api/payments/payments/", token=student, json={"course_id": course["id"]}).json()
    webhook(stack, stripe.pay(checkout["checkout_session_id"], payment_intent="pi_e2e_1"))
    enrolled = stack.call("GET", "/api/courses/enrollments/", token=student).json()["results"]
    assert [e["course"]["slug"] for e in enrolled] == [course["slug"]]

    # The lesson now plays: a playback token and our own streaming endpoint.
    lesson_url = f"/api/courses/lessons/{course['lesson']['slug']}/"
    lesson = wait_for(
        "the lesson's playback token (the video sync runs on the worker's media queue)",
        lambda: (data := stack.call("GET", lesson_url, token=student).json())["otp"] and data,
        stack=stack,
    )
    stream = json.loads(base64.b64decode(lesson["playbackInfo"]))["url"]
    assert stack.call("GET", stream, expect=206, headers={"Range": "bytes=0-15"}).content == VIDEO[:16]

    # A review, then the whole course watched: the worker renders the certificate's PDF.
    stack.call(
        "POST",
        f"/api/courses/courses/{course['slug']}/reviews/",
        token=student,
        expect=201,
        json={"rating": 5, "text": "The first program ever written."},
    )
    progress = stack.call(
        "POST", f"{lesson_url}progress/", token=student, json={"position_seconds": 60, "completed": True}
    ).json()
    assert progress["lesson"]["completed"] is True
    certificate = wait_for(
        "the certificate PDF (rendered by the worker's media queue)",
        lambda: [
            c for c in stack.call("GET", "/api/courses/certificates/", token=student).json()["results"] if c["pdf_url"]
        ],
        stack=stack,
    )[0]
    assert certificate["course"]["slug"] == course["slug"]
    assert stack.call("GET", certificate["pdf_url"]).content.startswith(b"%PDF-")

    # A second purchase whose webhook never comes: beat's reconciliation asks Stripe and enrols.
    checkout = stack.call("POST", "/api/payments/payments/", token=student, json={"course_id": second["id"]}).json()
    stripe.pay(checkout["checkout_session_id"], payment_intent="pi_e2e_2")
    wait_for(
        "the enrolment from the reconciliation that Celery beat schedules",
        lambda: len(stack.call("GET", "/api/courses/enrollments/", token=student).json()["results"]) == 2,
        stack=stack,
    )
    asked = [r for r in stripe.requests if r["method"] == "GET" and checkout["checkout_session_id"] in r["path"]]
    assert asked, "the reconciliation must have asked Stripe about the session"

    # Observability: the registration in the JSON log with its request id, and in the metrics
    # with the worker's task outcomes.
    logged = [line for line in stack.log_lines() if line.get("request_id") == request_id]
    assert any(line.get("path") == "/api/auth/users/" and line.get("status") == 201 for line in logged), logged
    assert stack.call("GET", "/metrics", expect=403).json()["detail"]
    metrics = stack.call("GET", "/metrics", headers={"Authorization": f"Bearer {METRICS_TOKEN}"}).text
    assert re.search(r'django_http_responses_total_by_status_view_method_total\{[^}]*view="user-list"', metrics)
    assert re.search(r'celery_tasks_total\{outcome="success",task="users.tasks.send_email"\} [1-9]', metrics), (
        "the worker's task outcomes must reach /metrics"
    )

    # Ctrl-C stops every process cleanly.
    stack.process.send_signal(signal.SIGINT)
    assert stack.process.wait(timeout=60) == 0, stack.log_tail()
    assert "serve-prod: stopped" in stack.log_tail(2000)
