"""The database: ``DATABASE_URL`` (PostgreSQL in production), else an SQLite file in the checkout."""

from __future__ import annotations

from eleven_tutors.settings.base import BASE_DIR, DEBUG, MIDDLEWARE, env, errors

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

# A PostgreSQL read replica: reads go there, writes and the reads that must see them stay on the
# primary (core/db_router.py). Migrations run on the primary only.
DATABASE_REPLICA_URL = env.str("DATABASE_REPLICA_URL", default="")
if DATABASE_REPLICA_URL:
    DATABASES["replica"] = errors.database("DATABASE_REPLICA_URL", DATABASE_REPLICA_URL)
    if DATABASES["replica"]["ENGINE"] != "django.db.backends.postgresql":
        errors.add("DATABASE_REPLICA_URL", "must be a postgres:// URL (a read replica of DATABASE_URL)")
    DATABASES["replica"].update(
        CONN_MAX_AGE=DATABASES["default"]["CONN_MAX_AGE"],
        CONN_HEALTH_CHECKS=True,
        # The test runner makes no database of its own for the replica: it reads the primary's.
        TEST={"MIRROR": "default"},
    )
    DATABASE_ROUTERS = ["core.db_router.PrimaryReplicaRouter"]
    MIDDLEWARE.insert(
        MIDDLEWARE.index("core.middleware.RequestIDMiddleware") + 1, "core.db_router.ReplicaRequestMiddleware"
    )
