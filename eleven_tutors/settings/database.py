"""The database: ``DATABASE_URL`` (PostgreSQL in production), else an SQLite file in the checkout."""

from __future__ import annotations

from eleven_tutors.settings.base import BASE_DIR, DEBUG, env, errors

_db_url = env.str("DATABASE_URL", default="")
if not _db_url:
    if not DEBUG:
        errors.require("DATABASE_URL", "is required when DJANGO_DEBUG=false (e.g. postgres://user:pass@host:5432/db)")
    _db_url = f"sqlite:///{BASE_DIR / 'db.sqlite3'}"
DATABASES = {"default": errors.database("DATABASE_URL", _db_url)}
DATABASES["default"]["CONN_MAX_AGE"] = errors.get(env.int, "DATABASE_CONN_MAX_AGE", default=60)
DATABASES["default"]["CONN_HEALTH_CHECKS"] = True
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    DATABASES["default"]["CONN_MAX_AGE"] = 0
    # Concurrent requests on the threaded dev server: writers take the lock when their transaction
    # begins (IMMEDIATE) and wait up to `timeout` seconds for it instead of failing with "database
    # is locked"; WAL lets readers go on while one request writes.
    DATABASES["default"].setdefault("OPTIONS", {}).update(
        timeout=20,
        transaction_mode="IMMEDIATE",
        init_command="PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
    )
