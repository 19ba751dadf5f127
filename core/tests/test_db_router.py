"""The read-replica router (DATABASE_REPLICA_URL), on two real PostgreSQL databases: the second
stands in for the replica. Each holds a row the other lacks, so every read shows where it went.

Run in a fresh process (the service's settings with both URLs), like the service would start.
PostgreSQL only: deselected on the embedded default (conftest.py, ``production_stack``).
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path
from urllib.parse import urlsplit

import psycopg
import pytest

pytestmark = pytest.mark.production_stack

ROOT = Path(__file__).resolve().parents[2]

CHILD = """
import json, sys, types
import django
django.setup()
from django.db import transaction
from django.http import JsonResponse
from django.test import Client, override_settings
from django.urls import path
from core import db_router
from core.models import University

def names():
    return sorted(University.objects.values_list("name", flat=True))

University.objects.using("default").create(name="On the primary")
University.objects.using("replica").create(name="On the replica")
out = {}
db_router.reset()
out["plain read"] = names()
with transaction.atomic():
    out["read in a transaction"] = names()
out["read after the transaction"] = names()
University.objects.create(name="Written by the task")
out["read after a write"] = names()
db_router.reset()
out["read in the next unit of work"] = names()

def write_then_read(request):
    before = names()
    University.objects.create(name="Written by the request")
    return JsonResponse({"before": before, "after": names()})

def read(request):
    return JsonResponse({"names": names()})

urls = types.ModuleType("router_test_urls")
urls.urlpatterns = [path("write/", write_then_read), path("read/", read)]
sys.modules["router_test_urls"] = urls
with override_settings(ROOT_URLCONF="router_test_urls"):
    client = Client()
    out["request: write then read"] = client.post("/write/").json()
    out["next request: read"] = client.get("/read/").json()["names"]
out["API list"] = [u["name"] for u in Client().get("/api/core/universities/").json()["results"]]
print(json.dumps(out))
"""


@pytest.fixture
def primary_and_replica(tmp_path):
    url = os.environ["DATABASE_URL"]
    worker = os.environ.get("PYTEST_XDIST_WORKER", "")
    base = f"{urlsplit(url).path.lstrip('/')}_router{('_' + worker) if worker else ''}"
    names = [f"{base}_primary", f"{base}_replica"]
    admin = urlsplit(url)._replace(path="/postgres").geturl()

    def run(*statements: str) -> None:
        with psycopg.connect(admin, autocommit=True, connect_timeout=10) as conn:
            for sql in statements:
                conn.execute(sql)

    run(*(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)' for name in names), f'CREATE DATABASE "{names[0]}"')
    primary, replica = (urlsplit(url)._replace(path=f"/{name}").geturl() for name in names)
    env = {k: v for k, v in os.environ.items() if k not in ("DJANGO_SETTINGS_MODULE", "REDIS_URL")}
    env.update(
        DJANGO_SETTINGS_MODULE="eleven_tutors.settings",
        DATABASE_URL=primary,
        DJANGO_DEBUG="true",
        ALLOWED_HOSTS="testserver",
        DJANGO_SECRET_KEY="r" * 20 + "o" * 20 + "uter-test-key-1234",
    )
    env.pop("DATABASE_REPLICA_URL", None)
    subprocess.run(
        [sys.executable, "manage.py", "migrate", "--noinput", "-v", "0"], cwd=ROOT, env=env, check=True, timeout=180
    )
    # The replica starts as a copy of the migrated primary, as a streaming replica would.
    run(f'CREATE DATABASE "{names[1]}" TEMPLATE "{names[0]}"')
    try:
        yield {**env, "DATABASE_REPLICA_URL": replica}
    finally:
        run(*(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)' for name in names))


def test_reads_go_to_the_replica_and_writes_with_their_reads_to_the_primary(primary_and_replica):
    result = subprocess.run(
        [sys.executable, "-c", CHILD],
        cwd=ROOT,
        env=primary_and_replica,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 0, result.stderr[-3000:]
    out = json.loads(result.stdout.strip().splitlines()[-1])
    replica, primary = ["On the replica"], ["On the primary"]
    assert out["plain read"] == replica
    assert out["read in a transaction"] == primary, "a transaction reads what it may have written"
    assert out["read after the transaction"] == replica
    assert out["read after a write"] == ["On the primary", "Written by the task"], "read-after-write: the primary"
    assert out["read in the next unit of work"] == replica
    assert out["request: write then read"] == {
        "before": replica,
        "after": ["On the primary", "Written by the request", "Written by the task"],
    }
    assert out["next request: read"] == replica, "each request starts on the replica again"
    assert out["API list"] == replica
