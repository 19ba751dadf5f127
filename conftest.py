"""Fixtures shared by every app's tests."""

from __future__ import annotations

import os
import re

import pytest
from django.core.cache import cache
from rest_framework.test import APIClient
from rest_framework_simplejwt.tokens import RefreshToken

from users.models import Role
from users.tests.factories import PASSWORD  # noqa: F401


def production_stack_configured() -> bool:
    """PostgreSQL and Redis, as CI's second run has them (DATABASE_URL, REDIS_URL)."""
    return os.environ.get("DATABASE_URL", "").startswith(("postgres://", "postgresql://")) and bool(
        os.environ.get("REDIS_URL")
    )


def pytest_collection_modifyitems(config, items):
    """Tests marked ``production_stack`` run the real processes on PostgreSQL and Redis; on the
    embedded default (SQLite, no Redis) they are deselected, not skipped."""
    if production_stack_configured():
        return
    deselected = [item for item in items if item.get_closest_marker("production_stack")]
    if deselected:
        config.hook.pytest_deselected(items=deselected)
        items[:] = [item for item in items if not item.get_closest_marker("production_stack")]


def pytest_configure(config):
    """Under pytest-xdist each worker gets a Redis database of its own: the tests clear the cache
    (FLUSHDB) and count throttles in it, which must not reach another worker's running test."""
    config.addinivalue_line(
        "markers", "production_stack: needs PostgreSQL and Redis (DATABASE_URL, REDIS_URL); deselected without them"
    )
    from django.conf import settings

    worker = os.environ.get("PYTEST_XDIST_WORKER", "")
    conf = settings.CACHES["default"]
    if not worker or "redis" not in conf["BACKEND"]:
        return
    match = re.match(r"^(?P<base>.*?)(?:/(?P<db>\d+))?/?$", conf["LOCATION"])
    index = int(re.sub(r"\D", "", worker) or 0)
    db = (int(match["db"] or 0) - index) % 16
    conf["LOCATION"] = f"{match['base']}/{db}"


@pytest.fixture(autouse=True)
def _test_settings(settings, tmp_path):
    # A fast hasher keeps the suite quick; every path still stores a hash, never the raw value.
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    settings.MEDIA_ROOT = tmp_path / "media"
    settings.VIDEO_PRIVATE_ROOT = tmp_path / "private-videos"
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    # Tests read their own writes at once (many through queryset.update(), which sends no
    # signal); the catalog cache has its own tests, which turn it on.
    settings.CATALOG_CACHE_SECONDS = 0
    settings.TUTOR_STATISTICS_CACHE_SECONDS = 0
    settings.VIEWER_CACHE_SECONDS = 0
    cache.clear()
    yield
    cache.clear()


@pytest.fixture
def catalog_cache_on(settings):
    """The anonymous catalog cache, on (the suite runs with it off) and empty."""
    settings.CATALOG_CACHE_SECONDS = 30
    cache.clear()


@pytest.fixture
def viewer_cache_on(settings):
    """The signed-in viewers' cache (core.cache: account rows, enrolments, progress), on and empty."""
    settings.VIEWER_CACHE_SECONDS = 300
    cache.clear()


@pytest.fixture
def api_client() -> APIClient:
    return APIClient()


def bearer(client: APIClient, user) -> APIClient:
    """Authenticate ``client`` as ``user`` with a real access token."""
    client.credentials(HTTP_AUTHORIZATION=f"Bearer {RefreshToken.for_user(user).access_token}")
    return client


@pytest.fixture
def make_user(db):
    from users.tests.factories import UserFactory

    def make(role: int = Role.USER, **fields):
        return UserFactory(role=role, **fields)

    return make


@pytest.fixture
def user(make_user):
    return make_user(Role.USER)


@pytest.fixture
def student(make_user):
    return make_user(Role.STUDENT)


@pytest.fixture
def tutor(make_user):
    return make_user(Role.TUTOR)


@pytest.fixture
def admin_user(make_user):
    return make_user(Role.ADMIN, is_staff=True, is_superuser=True)


@pytest.fixture
def admin_client(admin_user):
    """A Django test client logged in to the admin site (``/admin/``) as ``admin_user``: a session
    cookie, as a browser has (the API itself takes only Bearer tokens: ``client_for``)."""
    from django.test import Client

    client = Client()
    client.force_login(admin_user)
    return client


@pytest.fixture
def client_for(api_client):
    """``client_for(user)`` -> a client carrying that user's Bearer token (None: anonymous)."""

    def make(user=None) -> APIClient:
        client = APIClient()
        return bearer(client, user) if user is not None else client

    return make


@pytest.fixture(scope="session")
def sqlite_server(tmp_path_factory, make_httpserver):
    """A real threaded `runserver` on an SQLite file (the embedded default), once per session;
    its Stripe is the fake of payments/tests/conftest.py (use ``fake_stripe`` in the test to answer)."""
    from payments.tests import live_sqlite
    from payments.tests.conftest import WEBHOOK_SECRET

    yield from live_sqlite.serve(tmp_path_factory, make_httpserver, webhook_secret=WEBHOOK_SECRET)


@pytest.fixture(scope="module")
def s3_server():
    """A local S3 server (moto in server mode) on the loopback interface: its endpoint URL."""
    from moto.server import ThreadedMotoServer

    server = ThreadedMotoServer(ip_address="127.0.0.1", port=0, verbose=False)
    server.start()
    host, port = server.get_host_and_port()
    try:
        yield f"http://{host}:{port}"
    finally:
        server.stop()
