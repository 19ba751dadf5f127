"""Redis goes away and comes back (issue 14), on a redis-server this test starts on a port of
its own (the shared one is never touched).

While it is down: no 500 anywhere; pages answer from the database; ``ready/`` says 503; each
throttle follows its rule (core/throttling.py, SECURITY.md): the failed-login throttles fail
closed (sign-in answers 503 with Retry-After), every other throttle fails open (registration,
password reset go through uncounted). When it returns: everything works again, no restart.
"""

from __future__ import annotations

import shutil
import socket
import subprocess
import time

import pytest
import redis

from courses.tests.factories import CourseFactory
from users.models import Role
from users.tests.factories import PASSWORD, UserFactory

pytestmark = pytest.mark.django_db

REDIS_SERVER = shutil.which("redis-server") or "/usr/bin/redis-server"


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class OwnRedis:
    """A throwaway redis-server on 127.0.0.1:<port>, no persistence; start() and stop() at will."""

    def __init__(self, directory) -> None:
        self.port = _free_port()
        self.directory = directory
        self.process: subprocess.Popen | None = None

    def start(self) -> None:
        assert self.process is None
        self.process = subprocess.Popen(
            [REDIS_SERVER, "--port", str(self.port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no"],
            cwd=self.directory,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        client = redis.Redis(port=self.port, socket_connect_timeout=1)
        deadline = time.monotonic() + 20
        while True:
            try:
                if client.ping():
                    return
            except redis.ConnectionError:
                pass
            assert self.process.poll() is None, "redis-server exited"
            assert time.monotonic() < deadline, "redis-server did not answer within 20 s"
            time.sleep(0.05)

    def stop(self) -> None:
        assert self.process is not None
        self.process.terminate()
        self.process.wait(timeout=10)
        self.process = None


@pytest.fixture
def own_redis(tmp_path, settings):
    assert shutil.which(REDIS_SERVER), f"{REDIS_SERVER} is required (apt-get install redis-server)"
    server = OwnRedis(tmp_path)
    server.start()
    original = settings.CACHES
    settings.CACHES = {
        "default": {
            "BACKEND": "django_redis.cache.RedisCache",
            "LOCATION": f"redis://127.0.0.1:{server.port}/0",
            "OPTIONS": {"SOCKET_CONNECT_TIMEOUT": 1, "SOCKET_TIMEOUT": 1},
        }
    }
    try:
        yield server
    finally:
        settings.CACHES = original  # before stopping it: the suite's teardown clears the cache
        if server.process is not None:
            server.stop()


def _login(client, email, password=PASSWORD):
    return client.post("/api/auth/token/", {"email": email, "password": password}, format="json")


def _register(client, n):
    body = {
        "email": f"outage-{n}@example.com",
        "password": "analytical-engine-1843",
        "first_name": "A",
        "last_name": "B",
    }
    return client.post("/api/auth/users/", body, format="json")


def test_redis_outage_no_500_throttles_follow_their_rule_and_recovery_needs_no_restart(own_redis, api_client):
    account = UserFactory(role=Role.STUDENT)
    course = CourseFactory()

    # Up: everything answers.
    assert _login(api_client, account.email).status_code == 200
    assert api_client.get("/api/core/ready/").status_code == 200
    assert _register(api_client, 0).status_code == 201

    own_redis.stop()

    answers = {
        "catalog": api_client.get("/api/courses/courses/"),
        "course page": api_client.get(f"/api/courses/courses/{course.slug}/"),
        "health": api_client.get("/api/core/health/"),
        "ready": api_client.get("/api/core/ready/"),
        "login (fail closed)": _login(api_client, account.email),
        "wrong password (fail closed)": _login(api_client, account.email, "not-the-password"),
        "registration (fail open)": _register(api_client, 1),
        "password reset (fail open)": api_client.post(
            "/api/auth/password/reset/", {"email": account.email}, format="json"
        ),
    }
    statuses = {name: response.status_code for name, response in answers.items()}
    assert statuses == {
        "catalog": 200,
        "course page": 200,
        "health": 200,
        "ready": 503,
        "login (fail closed)": 503,
        "wrong password (fail closed)": 503,
        "registration (fail open)": 201,
        "password reset (fail open)": 204,
    }, statuses
    refused = answers["login (fail closed)"]
    assert int(refused["Retry-After"]) > 0 and "temporarily unavailable" in refused.json()["detail"]

    own_redis.start()  # the same port, empty

    assert api_client.get("/api/core/ready/").status_code == 200
    assert _login(api_client, account.email).status_code == 200
    # Counting resumed: failed logins are throttled again.
    wrong = [_login(api_client, account.email, "not-the-password").status_code for _ in range(6)]
    assert wrong[:5] == [401] * 5 and wrong[5] == 429, wrong
