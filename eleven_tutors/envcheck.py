"""Validation helpers for the settings module.

Settings collect every problem with the environment and raise once, so that an
operator sees all missing or malformed variables in one start-up message.
"""

from __future__ import annotations

import contextlib
import re
import secrets
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

import environ
from django.core.exceptions import ImproperlyConfigured

SUPPORTED_DATABASE_ENGINES = {
    "django.db.backends.postgresql",
    "django.db.backends.sqlite3",
}

_RATE = re.compile(r"^\s*(\d+)\s*/\s*(\d*)\s*(s|sec|second|m|min|minute|h|hour|d|day)s?\s*$")
_UNIT_SECONDS = {"s": 1, "m": 60, "h": 3600, "d": 86400}


def rate_to_seconds(value: str) -> tuple[int, int]:
    """``"5/15min"`` -> ``(5, 900)``. Raises ``ValueError`` for anything else."""
    match = _RATE.match(value)
    if not match:
        raise ValueError(f"{value!r} is not a rate like 100/min or 5/15min")
    count, multiplier, unit = match.groups()
    seconds = _UNIT_SECONDS[unit[0]] * int(multiplier or 1)
    if seconds <= 0:
        raise ValueError(f"{value!r} has an empty period")
    return int(count), seconds


class EnvErrors:
    """Collects configuration errors; raises them all at once."""

    def __init__(self) -> None:
        self.messages: list[str] = []

    def add(self, name: str, message: str) -> None:
        self.messages.append(f"{name} {message}")

    def get(self, reader: Callable[..., Any], name: str, *args: Any, **kwargs: Any) -> Any:
        """Read a variable with ``reader``; record a clear error if it is malformed."""
        try:
            return reader(name, *args, **kwargs)
        except (ValueError, TypeError, environ.ImproperlyConfigured) as exc:
            self.add(name, f"is malformed: {exc}")
            return kwargs.get("default")

    def rate(self, name: str, value: str) -> str | None:
        """Validate a throttle rate such as ``100/min`` or ``5/15min``."""
        try:
            rate_to_seconds(value)
        except ValueError as exc:
            self.add(name, f"is malformed: {exc}")
            return None
        return value

    def database(self, name: str, url: str) -> dict[str, Any]:
        try:
            config = environ.Env.db_url_config(url)
        except Exception as exc:  # django-environ raises assorted errors on garbage
            self.add(name, f"is malformed: {exc}")
            return {"ENGINE": "django.db.backends.sqlite3", "NAME": ":memory:"}
        if config.get("ENGINE") not in SUPPORTED_DATABASE_ENGINES or not config.get("NAME"):
            self.add(name, "must be postgres://user:pass@host:port/name or sqlite:///path")
        return config

    def dev_secret_key(self, path: Path, *, quiet: bool) -> str:
        """A development secret key, generated once per checkout and kept in ``path``."""
        try:
            key = path.read_text().strip()
        except OSError:
            key = ""
        if len(key) < 50:
            key = secrets.token_urlsafe(64)
            with contextlib.suppress(OSError):  # a read-only checkout still runs, with a fresh key
                path.write_text(key)
        if not quiet:
            print(
                "WARNING: DJANGO_SECRET_KEY is not set; using a generated development key. "
                "Never run like this in production (set DJANGO_DEBUG=false and DJANGO_SECRET_KEY).",
                file=sys.stderr,
            )
        return key

    def raise_if_any(self) -> None:
        if self.messages:
            lines = "\n".join(f"  - {message}" for message in self.messages)
            raise ImproperlyConfigured(f"The environment is not valid:\n{lines}\nSee .env.example.")
