"""The settings: everything that varies comes from the environment.

``DJANGO_SETTINGS_MODULE=eleven_tutors.settings`` (manage.py, wsgi/asgi, Celery: the default
everywhere) are the service's settings. With no environment variables at all the service runs
on its embedded default (SQLite file, local media, in-process cache, console e-mail, a generated
development secret key). With ``DJANGO_DEBUG=false`` the production variables are validated at
start-up and every missing or malformed one is reported in a single clear error. Every variable
is documented in ``.env.example``. The test suite runs on ``eleven_tutors.settings.test``
(pyproject.toml): the same settings, with the few differences it needs written out there.

One module per concern reads its own variables, in this order (``components``): ``base`` (core
Django, apps, middleware, templates, passwords, languages and catalogs, static files, logging), ``security``
(reverse proxy, CORS/CSRF origins, production security), ``api`` (REST framework, JWT, OpenAPI
docs, throttles), ``database``, ``cache``, ``storage`` (media, private videos, R2/S3, image
limits), ``email``, ``video``, ``payments`` (Stripe, currency), ``community`` (edit window,
announcement e-mail batches), ``notifications`` (batches, channel layer, FCM and APNs), ``live`` (live-session
providers, join window, reminders), ``celery`` (queues, beat), ``observability`` (request log, slow-request and
slow-query warnings, /metrics, Sentry). They all report into one ``EnvErrors``
(``base.errors``), raised once after the last of them.

Python imports this package before any module in it, so it builds nothing on import: it hands
Django the service's settings when Django first reads them. Importing the test settings thus
never validates, or warns about, the service's environment on the way.
"""

from __future__ import annotations

import importlib
from functools import cache
from types import ModuleType
from typing import Any


@cache
def _service() -> ModuleType:
    components = importlib.import_module("eleven_tutors.settings.components")
    components.errors.raise_if_any()
    return components


def __getattr__(name: str) -> Any:
    if name.startswith("__"):
        raise AttributeError(name)
    return getattr(_service(), name)


def __dir__() -> list[str]:
    return sorted(set(globals()) | set(dir(_service())))
