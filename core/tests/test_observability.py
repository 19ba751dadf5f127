"""Production observability: the JSON request log, slow-request and slow-query warnings, the
Prometheus metrics and who may read them, and Sentry against a local fake ingest endpoint."""

from __future__ import annotations

import gzip
import itertools
import json
import logging
import os
import subprocess
import sys
from pathlib import Path

import pytest
from django.db import connection
from prometheus_client import REGISTRY

from core import observability
from core.logging import JsonFormatter

pytestmark = pytest.mark.django_db

ROOT = Path(__file__).resolve().parents[2]
TOKEN = "metrics-token-0123456789abcdef"
REQUEST_ID = "req-observability-0001"


def json_lines(caplog, logger: str) -> list[dict]:
    """The records of ``logger`` as production writes them: one JSON object per line."""
    formatter = JsonFormatter()
    lines = [formatter.format(record) for record in caplog.records if record.name == logger]
    assert all("\n" not in line for line in lines), lines
    return [json.loads(line) for line in lines]


def health_requests() -> float:
    value = REGISTRY.get_sample_value(
        "django_http_requests_latency_seconds_by_view_method_count", {"view": "health", "method": "GET"}
    )
    return value or 0.0


def test_a_request_is_one_json_log_line_and_counted_in_the_metrics(api_client, settings, caplog):
    settings.LOG_REQUESTS = True
    before = health_requests()
    with caplog.at_level(logging.INFO, logger="core.requests"):
        response = api_client.get("/api/core/health/", HTTP_X_REQUEST_ID=REQUEST_ID)
    assert response.status_code == 200
    assert response["X-Request-ID"] == REQUEST_ID
    [line] = json_lines(caplog, "core.requests")
    assert line["request_id"] == REQUEST_ID
    assert line["level"] == "INFO"
    assert {k: line[k] for k in ("method", "path", "status", "sql_count", "user_id", "view", "slow")} == {
        "method": "GET",
        "path": "/api/core/health/",
        "status": 200,
        "sql_count": 0,
        "user_id": None,
        "view": "health",
        "slow": False,
    }
    assert isinstance(line["duration_ms"], float) and line["duration_ms"] >= 0
    assert line["time"].endswith("+00:00"), line["time"]

    settings.METRICS_TOKEN = TOKEN
    metrics = api_client.get("/metrics", HTTP_AUTHORIZATION=f"Bearer {TOKEN}")
    assert metrics.status_code == 200
    assert health_requests() == before + 1, "the request must be counted under its route"
    assert 'django_http_requests_latency_seconds_by_view_method_count{method="GET",view="health"}' in (
        metrics.content.decode()
    )


def test_the_request_log_names_the_user_and_counts_the_sql(client_for, student, settings, caplog):
    settings.LOG_REQUESTS = True
    with caplog.at_level(logging.INFO, logger="core.requests"):
        response = client_for(student).get("/api/auth/users/me/")
    assert response.status_code == 200
    [line] = json_lines(caplog, "core.requests")
    assert line["user_id"] == student.pk
    assert line["sql_count"] >= 1, line


def test_the_request_log_costs_no_query(api_client, settings, django_assert_num_queries):
    settings.LOG_REQUESTS = True
    with django_assert_num_queries(0):
        assert api_client.get("/api/core/health/").status_code == 200


def test_request_log_is_off_by_default_on_the_embedded_default(api_client, settings, caplog):
    settings.LOG_REQUESTS = False
    with caplog.at_level(logging.INFO, logger="core.requests"):
        api_client.get("/api/core/health/")
    assert json_lines(caplog, "core.requests") == []


def test_a_slow_request_is_a_warning_even_with_the_request_log_off(api_client, settings, caplog, monkeypatch):
    settings.LOG_REQUESTS = False
    settings.SLOW_REQUEST_MS = 500
    clock = itertools.count(start=100.0, step=0.75)  # each reading 750 ms after the last
    monkeypatch.setattr(observability, "perf_counter", lambda: next(clock))
    with caplog.at_level(logging.INFO, logger="core.requests"):
        api_client.get("/api/core/health/", HTTP_X_REQUEST_ID=REQUEST_ID)
    [line] = json_lines(caplog, "core.requests")
    assert line["level"] == "WARNING" and line["slow"] is True, line
    assert line["duration_ms"] == 750.0
    assert line["request_id"] == REQUEST_ID


def test_a_slow_query_is_a_warning_with_its_sql(api_client, settings, caplog, monkeypatch):
    settings.SLOW_QUERY_MS = 200
    clock = itertools.count(start=100.0, step=0.25)  # every query "takes" 250 ms
    monkeypatch.setattr(observability, "perf_counter", lambda: next(clock))
    with caplog.at_level(logging.WARNING, logger="core.queries"):
        response = api_client.get("/api/core/universities/", HTTP_X_REQUEST_ID=REQUEST_ID)
    assert response.status_code == 200
    lines = json_lines(caplog, "core.queries")
    assert lines, "the university list's query must be reported as slow"
    assert all(line["request_id"] == REQUEST_ID and line["duration_ms"] == 250.0 for line in lines), lines
    assert "core_university" in lines[0]["sql"] and lines[0]["database"] == "default"


def test_fast_queries_are_not_reported(api_client, settings, caplog):
    settings.SLOW_QUERY_MS = 60_000
    with caplog.at_level(logging.WARNING, logger="core.queries"):
        api_client.get("/api/core/universities/")
    assert json_lines(caplog, "core.queries") == []


def test_the_query_counter_leaves_the_connection_as_it_found_it(api_client):
    api_client.get("/api/core/universities/")
    assert connection.execute_wrappers == []


@pytest.mark.parametrize(
    ("headers", "remote_addr", "allowed_ips", "token", "expected"),
    [
        ({}, "10.1.2.3", frozenset(), "", 403),
        ({}, "10.1.2.3", frozenset(), TOKEN, 403),
        ({"HTTP_AUTHORIZATION": "Bearer wrong-token-0123456789abc"}, "10.1.2.3", frozenset(), TOKEN, 403),
        ({"HTTP_AUTHORIZATION": f"Bearer {TOKEN}"}, "10.1.2.3", frozenset(), TOKEN, 200),
        ({}, "10.9.9.9", frozenset({"10.9.9.9"}), "", 200),
        # A forwarded address proves nothing: only the socket's own peer counts.
        ({"HTTP_X_FORWARDED_FOR": "10.9.9.9"}, "10.1.2.3", frozenset({"10.9.9.9"}), "", 403),
    ],
)
def test_metrics_are_protected_in_production(api_client, settings, headers, remote_addr, allowed_ips, token, expected):
    settings.DEBUG = False
    settings.METRICS_TOKEN = token
    settings.METRICS_ALLOWED_IPS = allowed_ips
    response = api_client.get("/metrics", REMOTE_ADDR=remote_addr, **headers)
    assert response.status_code == expected, response.content[:300]
    if expected == 403:
        assert "detail" in response.json()
    else:
        assert b"django_http_requests_total_by_method" in response.content


SENTRY_CHILD = """
import django
django.setup()
import sentry_sdk
from django.test import Client, override_settings
with override_settings(ROOT_URLCONF="core.tests.boom_urls"):
    response = Client().get("/api/test/crash-drf/", HTTP_X_REQUEST_ID="req-sentry-000001",
                            HTTP_COOKIE="sessionid=secret-cookie", REMOTE_ADDR="203.0.113.7")
print(response.status_code)
sentry_sdk.flush(timeout=10)
"""


def test_sentry_receives_an_unhandled_error_without_personal_data(httpserver, tmp_path):
    """A crash in a view reaches Sentry (here a local fake of its ingest API) from a process
    configured only through SENTRY_DSN, without cookies or the client's address."""
    envelopes: list[bytes] = []

    def ingest(request):
        body = request.get_data()
        if request.headers.get("Content-Encoding") == "gzip":
            body = gzip.decompress(body)
        envelopes.append(body)
        from werkzeug import Response

        return Response("{}", content_type="application/json")

    httpserver.expect_request("/api/42/envelope/", method="POST").respond_with_handler(ingest)
    dsn = f"http://publickey@{httpserver.host}:{httpserver.port}/42"
    env = {k: v for k, v in os.environ.items() if not k.startswith("SENTRY_")}
    env.update(
        DJANGO_SETTINGS_MODULE="eleven_tutors.settings",
        SENTRY_DSN=dsn,
        SENTRY_ENVIRONMENT="test-fake-ingest",
        DATABASE_URL=f"sqlite:///{tmp_path / 'db.sqlite3'}",
        DJANGO_DEBUG="true",
        ALLOWED_HOSTS="testserver",
    )
    env.pop("REDIS_URL", None)
    result = subprocess.run(
        [sys.executable, "-c", SENTRY_CHILD], cwd=ROOT, env=env, capture_output=True, text=True, timeout=60
    )
    assert result.returncode == 0, result.stderr[-2000:]
    assert result.stdout.strip().splitlines()[-1] == "500"
    items = [json.loads(line) for body in envelopes for line in body.splitlines() if line.startswith(b"{")]
    events = [item for item in items if item.get("exception")]
    assert events, f"no error event reached the fake Sentry: {items!r}"[:2000]
    event = events[0]
    assert event["environment"] == "test-fake-ingest"
    assert "secret internal detail" in json.dumps(event["exception"])
    text = json.dumps(events)
    assert "secret-cookie" not in text and "203.0.113.7" not in text, "personal data must not be sent"
