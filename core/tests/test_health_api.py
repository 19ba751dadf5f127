import pytest
from django.db import connection

from core import health

pytestmark = pytest.mark.django_db


def test_health_needs_nothing_and_ignores_stale_tokens(api_client, django_assert_num_queries):
    with django_assert_num_queries(0):
        response = api_client.get("/api/core/health/", HTTP_AUTHORIZATION="Bearer expired")
    assert response.status_code == 200
    assert response.json() == {"status": "ok"}


def test_ready_reports_each_dependency(api_client):
    response = api_client.get("/api/core/ready/")
    assert response.status_code == 200
    assert response.json() == {"status": "ok", "checks": {"database": "ok", "cache": "ok"}}


def test_ready_is_503_when_the_cache_is_down(api_client, monkeypatch):
    def broken_cache():
        raise ConnectionError("redis is down")

    monkeypatch.setitem(health.CHECKS, "cache", broken_cache)
    response = api_client.get("/api/core/ready/")
    assert response.status_code == 503
    assert response.json() == {
        "status": "unavailable",
        "checks": {"database": "ok", "cache": "error: ConnectionError"},
    }


def test_ready_is_503_when_the_database_is_down(api_client, monkeypatch):
    def broken_cursor(*args, **kwargs):
        raise ConnectionError("database unreachable")

    monkeypatch.setattr(connection, "cursor", broken_cursor)
    response = api_client.get("/api/core/ready/")
    assert response.status_code == 503
    assert response.json()["checks"]["database"] == "error: ConnectionError"


def test_ready_writes_nothing_to_the_database(api_client, django_assert_max_num_queries):
    with django_assert_max_num_queries(1):  # SELECT 1
        api_client.get("/api/core/ready/")


def test_ready_checks_the_broker_when_tasks_go_to_a_worker(api_client, settings):
    from celery import current_app as app  # the project's Celery app

    settings.CELERY_TASK_ALWAYS_EAGER = False
    original = app.conf.broker_url
    app.conf.broker_url = "redis://127.0.0.1:9/0"  # nothing listens on the discard port
    try:
        response = api_client.get("/api/core/ready/")
    finally:
        app.conf.broker_url = original
    assert response.status_code == 503
    assert response.json()["checks"]["broker"].startswith("error:")
    assert response.json()["checks"]["database"] == "ok"


def test_ready_passes_with_a_reachable_broker(api_client, settings):
    from celery import current_app as app  # the project's Celery app

    settings.CELERY_TASK_ALWAYS_EAGER = False
    original = app.conf.broker_url
    app.conf.broker_url = "memory://"
    try:
        response = api_client.get("/api/core/ready/")
    finally:
        app.conf.broker_url = original
    assert response.status_code == 200
    assert response.json()["checks"] == {"database": "ok", "cache": "ok", "broker": "ok"}
