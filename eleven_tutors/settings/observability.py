"""Observability: the request log and the slow-request / slow-query warnings, the Prometheus
metrics endpoint (/metrics) and Sentry. The log format itself (JSON in production) is in
``base``; the code is ``core/observability.py``.
"""

from __future__ import annotations

from eleven_tutors.settings.base import DEBUG, env, errors

# One log record per request (method, path, status, duration, SQL count, user, request id).
# On the embedded default the development server already prints a line per request.
LOG_REQUESTS = errors.get(env.bool, "LOG_REQUESTS", default=not DEBUG)
# A request or an SQL query that takes this long (milliseconds) is logged as a warning; 0: never.
SLOW_REQUEST_MS = errors.get(env.int, "SLOW_REQUEST_MS", default=1000)
SLOW_QUERY_MS = errors.get(env.int, "SLOW_QUERY_MS", default=200)
for _name, _value in (("SLOW_REQUEST_MS", SLOW_REQUEST_MS), ("SLOW_QUERY_MS", SLOW_QUERY_MS)):
    if _value < 0:
        errors.add(_name, "must be 0 (off) or a number of milliseconds")

# /metrics is open on the embedded default. In production it answers only a scraper that sends
# `Authorization: Bearer <METRICS_TOKEN>`, or one connecting from METRICS_ALLOWED_IPS (the
# socket's address, never a forwarded header); with neither set it is closed (403).
METRICS_TOKEN = env.str("METRICS_TOKEN", default="")
METRICS_ALLOWED_IPS = frozenset(ip for ip in env.list("METRICS_ALLOWED_IPS", default=[]) if ip)
if METRICS_TOKEN and not DEBUG and len(METRICS_TOKEN) < 20:
    errors.add("METRICS_TOKEN", "must be at least 20 characters of random data")

# Sentry: errors (and, with a sample rate above 0, performance traces) of the web and the Celery
# processes. No personal data is sent (send_default_pii=False: no user e-mail, IP or cookies).
SENTRY_DSN = env.str("SENTRY_DSN", default="")
SENTRY_ENVIRONMENT = env.str("SENTRY_ENVIRONMENT", default="development" if DEBUG else "production")
SENTRY_TRACES_SAMPLE_RATE = errors.get(env.float, "SENTRY_TRACES_SAMPLE_RATE", default=0.0)
if not 0 <= SENTRY_TRACES_SAMPLE_RATE <= 1:
    errors.add("SENTRY_TRACES_SAMPLE_RATE", "must be between 0 and 1")
if SENTRY_DSN and not errors.errors:
    import sentry_sdk
    from sentry_sdk.integrations.celery import CeleryIntegration
    from sentry_sdk.integrations.django import DjangoIntegration

    try:
        sentry_sdk.init(
            dsn=SENTRY_DSN,
            integrations=[DjangoIntegration(), CeleryIntegration()],
            environment=SENTRY_ENVIRONMENT,
            traces_sample_rate=SENTRY_TRACES_SAMPLE_RATE,
            send_default_pii=False,
        )
    except Exception as exc:  # sentry-sdk refuses a malformed DSN with assorted errors
        errors.add("SENTRY_DSN", f"is malformed: {exc}")
