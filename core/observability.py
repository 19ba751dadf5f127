"""Production observability: one log line per request, slow-request and slow-query warnings,
the Prometheus metrics at /metrics (django-prometheus, behind a token or allowed IPs) and the
Celery task outcomes counted for them.

The request middleware costs two clock reads, a counter per SQL query and, when LOG_REQUESTS is
on, one log record: no query, no import, nothing on the network.
"""

from __future__ import annotations

import hmac
import logging
from time import perf_counter

from django.conf import settings
from django.db import connections
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.utils.functional import SimpleLazyObject, empty
from django.utils.translation import gettext_lazy as _
from django_prometheus.exports import ExportToDjangoView
from django_prometheus.middleware import Metrics
from prometheus_client import Counter, Histogram

request_logger = logging.getLogger("core.requests")
query_logger = logging.getLogger("core.queries")

SQL_QUERIES = Histogram(
    "django_http_request_db_queries",
    "SQL queries per request, by view.",
    ["view"],
    buckets=(0, 1, 2, 3, 5, 8, 13, 21, 34, 55, 89),
)
CELERY_TASKS = Counter(
    "celery_tasks_total", "Celery tasks run by the workers, by task and outcome.", ["task", "outcome"]
)
SLOW_SQL_TEXT = 2000  # characters of a slow query's SQL in its warning
HTTP_METHODS = frozenset({"GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS", "TRACE", "CONNECT"})


class _QueryCounter:
    """A database execute wrapper: counts the queries, warns about the slow ones."""

    __slots__ = ("count", "slow_seconds")

    def __init__(self, slow_seconds: float) -> None:
        self.count = 0
        self.slow_seconds = slow_seconds

    def __call__(self, execute, sql, params, many, context):
        self.count += 1
        if not self.slow_seconds:
            return execute(sql, params, many, context)
        start = perf_counter()
        try:
            return execute(sql, params, many, context)
        finally:
            elapsed = perf_counter() - start
            if elapsed >= self.slow_seconds:
                query_logger.warning(
                    "Slow SQL query: %.0f ms",
                    elapsed * 1000,
                    extra={
                        "duration_ms": round(elapsed * 1000, 1),
                        "database": context["connection"].alias,
                        "sql": str(sql)[:SLOW_SQL_TEXT],
                    },
                )


def _user_id(request: HttpRequest):
    """The authenticated user's id, without a query: DRF puts the user it authenticated (JWT)
    on the request; a session user is read only if something already loaded it."""
    user = request.__dict__.get("user")
    if isinstance(user, SimpleLazyObject):
        user = user._wrapped
        if user is empty:
            return None
    return user.pk if getattr(user, "is_authenticated", False) else None


class RequestLogMiddleware:
    """Per request: the Prometheus figures (latency by view and method, responses by status,
    SQL queries), one log record (``core.requests``: method, path, status, duration_ms,
    sql_count, user_id; the request id comes with every record), at WARNING when the request
    took SLOW_REQUEST_MS or more, and a ``core.queries`` warning for every SQL query that took
    SLOW_QUERY_MS or more. LOG_REQUESTS=false keeps only the warnings. Sits right below
    RequestIDMiddleware, so that it times nearly the whole request."""

    def __init__(self, get_response):
        self.get_response = get_response
        self.log_requests = settings.LOG_REQUESTS
        self.slow_request_seconds = settings.SLOW_REQUEST_MS / 1000
        self.slow_query_seconds = settings.SLOW_QUERY_MS / 1000
        self.aliases = list(settings.DATABASES)
        metrics = Metrics.get_instance()
        self.latency = metrics.requests_latency_by_view_method
        self.responses = metrics.responses_by_status_view_method

    def __call__(self, request: HttpRequest) -> HttpResponse:
        start = perf_counter()
        counter = _QueryCounter(self.slow_query_seconds)
        wrappers = [connections[alias].execute_wrappers for alias in self.aliases]
        for wrapper in wrappers:
            wrapper.append(counter)
        try:
            response = self.get_response(request)
        finally:
            for wrapper in wrappers:
                wrapper.remove(counter)
        elapsed = perf_counter() - start
        match = getattr(request, "resolver_match", None)
        view = (match.view_name if match else None) or "<unresolved>"
        method = request.method if request.method in HTTP_METHODS else "<invalid method>"
        # django-prometheus' own metrics (its names, for its dashboards), three per request instead
        # of the dozen its two middlewares record.
        self.latency.labels(view=view, method=method).observe(elapsed)
        self.responses.labels(status=str(response.status_code), view=view, method=method).inc()
        SQL_QUERIES.labels(view).observe(counter.count)
        slow = bool(self.slow_request_seconds) and elapsed >= self.slow_request_seconds
        if self.log_requests or slow:
            request_logger.log(
                logging.WARNING if slow else logging.INFO,
                "%s %s %s %.0f ms%s",
                request.method,
                request.path,
                response.status_code,
                elapsed * 1000,
                " (slow request)" if slow else "",
                extra={
                    "user_id": _user_id(request),
                    "method": request.method,
                    "path": request.path,
                    "view": view,
                    "status": response.status_code,
                    "duration_ms": round(elapsed * 1000, 1),
                    "sql_count": counter.count,
                    "slow": slow,
                },
            )
        return response


def _client_ip_allowed(request: HttpRequest) -> bool:
    # The socket's peer, never X-Forwarded-For (any client can write that): list the scraper's
    # own address, or that of the proxy in front when only internal traffic reaches it.
    return request.META.get("REMOTE_ADDR", "") in settings.METRICS_ALLOWED_IPS


def _token_matches(request: HttpRequest) -> bool:
    token = settings.METRICS_TOKEN
    header = request.headers.get("Authorization", "")
    return bool(token) and hmac.compare_digest(header.encode(), f"Bearer {token}".encode())


def metrics_view(request: HttpRequest) -> HttpResponse:
    """Prometheus' text format (every gunicorn worker's and Celery worker's figures when they
    share PROMETHEUS_MULTIPROC_DIR). Open on the embedded default; in production only to a
    ``Authorization: Bearer <METRICS_TOKEN>`` or a client in METRICS_ALLOWED_IPS."""
    if not settings.DEBUG and not (_token_matches(request) or _client_ip_allowed(request)):
        if not settings.METRICS_TOKEN and not settings.METRICS_ALLOWED_IPS:
            detail = _("Metrics are closed: set METRICS_TOKEN or METRICS_ALLOWED_IPS.")
        else:
            detail = _("A valid metrics token or an allowed address is required.")
        return JsonResponse({"detail": detail}, status=403)
    return ExportToDjangoView(request)


def _count_task(sender, request, outcome: str) -> None:
    task = getattr(sender, "name", None) or getattr(request, "task", None) or "unknown"
    CELERY_TASKS.labels(task, outcome).inc()


def _task_succeeded(sender=None, **kwargs) -> None:
    _count_task(sender, None, "success")


def _task_failed(sender=None, **kwargs) -> None:
    _count_task(sender, None, "failure")


def _task_retried(sender=None, request=None, **kwargs) -> None:
    _count_task(sender, request, "retry")


def _task_signals():
    from celery import signals

    return (
        (signals.task_success, _task_succeeded),
        (signals.task_failure, _task_failed),
        (signals.task_retry, _task_retried),
    )


def count_celery_tasks(*, stop: bool = False) -> None:
    """Count each task's outcome in the worker (Celery's signals: success, failure, retry);
    connected once per worker (eleven_tutors/celery.py); ``stop=True`` disconnects."""
    for signal, receiver in _task_signals():
        uid = f"core.observability.{receiver.__name__}"
        if stop:
            signal.disconnect(receiver, dispatch_uid=uid)
        else:
            signal.connect(receiver, weak=False, dispatch_uid=uid)
