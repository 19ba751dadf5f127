"""In-process half of the benchmark: SQL queries per request, access tokens and hasher timings.

Run by bench/run.py with exactly the environment of the gunicorn server (same database, same
settings). Reads the endpoint list as JSON on stdin and prints a JSON report on stdout:
each endpoint is requested twice through Django's test client (the first warms caches and, for
the webhook, processes the event) and the second is counted with CaptureQueriesContext.
"""

from __future__ import annotations

import json
import os
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "eleven_tutors.settings")

import django

django.setup()

from django.contrib.auth.hashers import (  # noqa: E402
    PBKDF2PasswordHasher,
    check_password,
    get_hasher,
    make_password,
)
from django.db import connection  # noqa: E402
from django.test import Client  # noqa: E402
from django.test.utils import CaptureQueriesContext  # noqa: E402
from rest_framework_simplejwt.tokens import RefreshToken  # noqa: E402

from users.models import User  # noqa: E402


def tokens(emails: dict[str, str]) -> dict[str, str]:
    return {
        name: str(RefreshToken.for_user(User.objects.get(email=email)).access_token) for name, email in emails.items()
    }


def hasher_timings(rounds: int = 5) -> dict:
    encoded = make_password("bench-hasher-timing")
    make, check = [], []
    for _ in range(rounds):
        started = time.perf_counter()
        make_password("bench-hasher-timing")
        make.append(time.perf_counter() - started)
        started = time.perf_counter()
        check_password("bench-hasher-timing", encoded)
        check.append(time.perf_counter() - started)
    hasher = get_hasher()
    parameters = {
        name: getattr(hasher, name, None) for name in ("time_cost", "memory_cost", "parallelism", "iterations")
    }
    # The hasher before Argon2id, for the comparison: PBKDF2-SHA256 with 1,000,000 iterations.
    old = PBKDF2PasswordHasher()
    old.iterations = 1_000_000
    old_encoded = old.encode("bench-hasher-timing", old.salt())
    old_check = []
    for _ in range(3):
        started = time.perf_counter()
        old.verify("bench-hasher-timing", old_encoded)
        old_check.append(time.perf_counter() - started)
    return {
        "algorithm": hasher.algorithm,
        "parameters": ", ".join(f"{k} {v}" for k, v in parameters.items() if v is not None),
        "make_ms": round(1000 * statistics.median(make), 1),
        "check_ms": round(1000 * statistics.median(check), 1),
        "pbkdf2_check_ms": round(1000 * statistics.median(old_check), 1),
    }


def review(job: dict) -> str:
    """The id of the student's review of the course (written now when there is none): the
    benchmark's writer changes it while the tutor's dashboard is measured."""
    from courses.models import Course
    from learning.models import Review

    student = User.objects.get(email=job["student"])
    course = Course.objects.get(slug=job["course"])
    found, _ = Review.objects.get_or_create(user=student, course=course, defaults={"rating": 5})
    return str(found.pk)


def request(client: Client, endpoint: dict):
    headers = dict(endpoint.get("headers") or {})
    extra = {
        "HTTP_" + name.upper().replace("-", "_"): value for name, value in headers.items() if name != "Content-Type"
    }
    if endpoint["method"] == "POST":
        return client.post(endpoint["path"], data=endpoint["body"], content_type="application/json", **extra)
    return client.get(endpoint["path"], **extra)


def count(endpoints: list[dict]) -> dict:
    client = Client(HTTP_HOST="127.0.0.1")
    results = {}
    for endpoint in endpoints:
        with CaptureQueriesContext(connection) as warm:
            first = request(client, endpoint)
        with CaptureQueriesContext(connection) as captured:
            second = request(client, endpoint)
        results[endpoint["name"]] = {
            "status": second.status_code,
            "first_status": first.status_code,
            "first_queries": len(warm.captured_queries),
            "queries": len(captured.captured_queries),
            "bytes": len(second.content),
            "outcome": second.json().get("outcome") if endpoint.get("show_outcome") else None,
        }
    return results


def main() -> None:
    job = json.load(sys.stdin)
    if "tokens" in job:
        print("PROBE " + json.dumps({"tokens": tokens(job["tokens"])}))
        return
    if "review" in job:
        print("PROBE " + json.dumps({"review": review(job["review"])}))
        return
    report = {"queries": count(job["endpoints"])}
    if job.get("hasher"):
        report["hasher"] = hasher_timings()
    print("PROBE " + json.dumps(report))


if __name__ == "__main__":
    main()
