"""Validation helpers for the settings modules (``eleven_tutors/settings/``).

The settings collect every problem with the environment and raise once, so that an
operator sees all missing or malformed variables in one start-up message.
"""

from __future__ import annotations

import contextlib
import secrets
import sys
from collections.abc import Callable, Collection
from pathlib import Path
from typing import Any

import environ
from django.core.exceptions import ImproperlyConfigured

from core.rates import rate_to_seconds

SUPPORTED_DATABASE_ENGINES = {
    "django.db.backends.postgresql",
    "django.db.backends.sqlite3",
}


class EnvErrors:
    """Collects configuration errors and warnings; reports them all at once.

    The settings modules each report into the same instance; the settings module Django loads
    calls :meth:`raise_if_any` once, after all of them.
    """

    def __init__(self) -> None:
        # (variable, message, whether the variable is missing rather than malformed)
        self.errors: list[tuple[str, str, bool]] = []
        self.warnings: list[str] = []

    def add(self, name: str, message: str) -> None:
        """``name`` is malformed or inconsistent."""
        self.errors.append((name, message, False))

    def require(self, name: str, message: str) -> None:
        """``name`` is missing, and needed (the message says when)."""
        self.errors.append((name, message, True))

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

    def dev_secret_key(self, path: Path) -> str:
        """A development secret key, generated once per checkout and kept in ``path`` (with a warning)."""
        try:
            key = path.read_text().strip()
        except OSError:
            key = ""
        if len(key) < 50:
            key = secrets.token_urlsafe(64)
            with contextlib.suppress(OSError):  # a read-only checkout still runs, with a fresh key
                path.write_text(key)
        self.warnings.append(
            "DJANGO_SECRET_KEY is not set; using a generated development key. "
            "Never run like this in production (set DJANGO_DEBUG=false and DJANGO_SECRET_KEY)."
        )
        return key

    def raise_if_any(self, *, warn: bool = True, not_required: Collection[str] = ()) -> None:
        """Print the warnings (unless ``warn`` is false), then raise one error naming every problem.

        A variable in ``not_required`` may be missing (it is still checked when set).
        """
        if warn:
            for warning in self.warnings:
                print(f"WARNING: {warning}", file=sys.stderr)
        messages = [
            f"{name} {message}" for name, message, missing in self.errors if not (missing and name in not_required)
        ]
        if messages:
            lines = "\n".join(f"  - {message}" for message in messages)
            raise ImproperlyConfigured(f"The environment is not valid:\n{lines}\nSee .env.example.")
