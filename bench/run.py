"""Benchmark driver (``make bench``, ``make bench-scale``). See bench/README.md.

Creates a PostgreSQL database, migrates and seeds it (``manage.py bench_seed``, fixed seed), counts
SQL queries per endpoint in-process (bench/probe.py), starts gunicorn with the production settings
on 127.0.0.1, drives it with wrk at several concurrency levels and writes a Markdown report to
bench/results/<date>.md (``--scale``: <date>-scale.md). Every process it starts is stopped on exit.
"""

from __future__ import annotations

import argparse
import atexit
import contextlib
import datetime
import hashlib
import hmac
import json
import os
import platform
import re
import secrets
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
import urllib.request
from pathlib import Path

import psycopg

ROOT = Path(__file__).resolve().parent.parent
BENCH = ROOT / "bench"
PYTHON = sys.executable
GUNICORN = str(Path(PYTHON).with_name("gunicorn"))
NOTES_MARKER = "<!-- notes: everything below this line is kept when the file is regenerated -->"
WEBHOOK_SECRET = "whsec_bench_secret"
EVENT_ID = "evt_bench_checkout_completed"

LUA_DONE = """
done = function(summary, latency, requests)
  local e = summary.errors
  io.write(string.format(
    'WRKJSON {"requests":%d,"duration_us":%d,"connect":%d,"read":%d,"write":%d,"status":%d,"timeout":%d,'
    .. '"p50":%d,"p90":%d,"p99":%d,"max":%d,"mean":%.1f}\\n',
    summary.requests, summary.duration, e.connect, e.read, e.write, e.status, e.timeout,
    latency:percentile(50), latency:percentile(90), latency:percentile(99), latency.max, latency.mean))
end
"""

_children: list[subprocess.Popen] = []


def log(message: str) -> None:
    print(f"[bench {time.strftime('%H:%M:%S')}] {message}", file=sys.stderr, flush=True)


def run(args: list[str], *, env: dict | None = None, input: str | None = None, check: bool = True) -> str:
    result = subprocess.run(args, env=env, input=input, capture_output=True, text=True, cwd=ROOT, check=False)  # noqa: S603
    if check and result.returncode != 0:
        sys.stderr.write(result.stdout[-4000:] + result.stderr[-4000:])
        raise SystemExit(f"command failed ({result.returncode}): {' '.join(args[:4])} …")
    return result.stdout


def stop_children() -> None:
    """Stop what we started (each by its own process group id)."""
    while _children:
        proc = _children.pop()
        if proc.poll() is None:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(proc.pid, signal.SIGTERM)
            try:
                proc.wait(timeout=15)
            except subprocess.TimeoutExpired:
                with contextlib.suppress(ProcessLookupError):
                    os.killpg(proc.pid, signal.SIGKILL)
                proc.wait()


def _on_signal(signum, frame):
    stop_children()
    raise SystemExit(128 + signum)


# --- Environment ---------------------------------------------------------------------------------


def ensure_wrk() -> str:
    path = shutil.which("wrk")
    if path:
        return path
    log("wrk not found: installing the Debian package")
    sudo = [] if os.geteuid() == 0 else ["sudo", "-n"]
    for attempt in (["apt-get", "install", "-y", "-qq", "wrk"], ["apt-get", "update", "-qq"]):
        subprocess.run([*sudo, *attempt], check=False, capture_output=True)  # noqa: S603
        if shutil.which("wrk"):
            break
    else:
        subprocess.run([*sudo, "apt-get", "install", "-y", "-qq", "wrk"], check=False, capture_output=True)  # noqa: S603
    path = shutil.which("wrk")
    if not path:
        raise SystemExit("wrk is required: apt-get install -y wrk")
    return path


def redis_answers(host: str = "127.0.0.1", port: int = 6379) -> bool:
    try:
        with socket.create_connection((host, port), timeout=1) as conn:
            conn.sendall(b"PING\r\n")
            return conn.recv(16).startswith(b"+PONG")
    except OSError:
        return False


def server_env(database_url: str, *, redis: bool) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("DJANGO_", "STRIPE_", "THROTTLE_"))}
    env.update(
        DJANGO_DEBUG="false",
        DJANGO_SECRET_KEY=secrets.token_urlsafe(64),
        ALLOWED_HOSTS="127.0.0.1,localhost",
        DATABASE_URL=database_url,
        STRIPE_SECRET_KEY="sk_test_bench",
        STRIPE_WEBHOOK_SECRET=WEBHOOK_SECRET,
        STRIPE_API_BASE="http://127.0.0.1:9",  # never called on the measured paths; nothing leaves loopback
        VIDEO_PROVIDER="local",
        VIDEO_SERVICE_SECRET_KEY="",
        # The login benchmark hammers one account from one IP: lift the per-IP login throttle.
        THROTTLE_LOGIN_IP="100000000/min",
        CELERY_TASK_ALWAYS_EAGER="true",
        EMAIL_BACKEND="django.core.mail.backends.locmem.EmailBackend",
        LOG_LEVEL="WARNING",
        PYTHONDONTWRITEBYTECODE="1",
    )
    env.pop("REDIS_URL", None)
    env.pop("CELERY_BROKER_URL", None)
    if redis:
        env["REDIS_URL"] = os.environ.get("BENCH_REDIS_URL", "redis://127.0.0.1:6379/15")
        env["CACHE_KEY_PREFIX"] = f"bench{os.getpid()}"
        env["CELERY_BROKER_URL"] = "memory://"
    return env


def recreate_database(admin_url: str, name: str, *, template: str | None = None) -> None:
    with psycopg.connect(admin_url, autocommit=True) as conn:
        conn.execute(
            "SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = %s AND pid <> pg_backend_pid()",
            (name,),
        )
        conn.execute(f'DROP DATABASE IF EXISTS "{name}"')
        conn.execute(f'CREATE DATABASE "{name}"' + (f' TEMPLATE "{template}"' if template else ""))


def db_url(base: str, name: str) -> str:
    return f"{base.rstrip('/')}/{name}"


def seed(env: dict, manifest: Path, extra: list[str]) -> dict:
    out = run([PYTHON, "manage.py", "bench_seed", "--manifest", str(manifest), *extra], env=env)
    log(out.strip().splitlines()[-1])
    return json.loads(manifest.read_text())


def probe(env: dict, job: dict) -> dict:
    out = run([PYTHON, str(BENCH / "probe.py")], env=env, input=json.dumps(job))
    line = next(line for line in reversed(out.splitlines()) if line.startswith("PROBE "))
    return json.loads(line[len("PROBE ") :])


def restart_server(env: dict, port: int, workers: int, logfile: Path, admin_url: str, database: str) -> None:
    """After timeouts: the abandoned requests would keep the workers (and PostgreSQL) busy for the
    next endpoint, so start afresh."""
    stop_children()
    with psycopg.connect(admin_url, autocommit=True) as conn:
        conn.execute(
            "SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = %s AND pid <> pg_backend_pid()",
            (database,),
        )
    start_server(env, port, workers, logfile)


def start_server(env: dict, port: int, workers: int, logfile: Path) -> None:
    args = [
        GUNICORN,
        "eleven_tutors.wsgi",
        "--bind",
        f"127.0.0.1:{port}",
        "--workers",
        str(workers),
        "--worker-class",
        "sync",
        "--timeout",
        "60",
        "--graceful-timeout",
        "5",
        "--log-level",
        "warning",
    ]
    handle = logfile.open("ab")
    proc = subprocess.Popen(args, env=env, cwd=ROOT, stdout=handle, stderr=handle, start_new_session=True)  # noqa: S603
    _children.append(proc)
    url = f"http://127.0.0.1:{port}/api/core/health/"
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise SystemExit(f"gunicorn exited ({proc.returncode}); see {logfile}")
        try:
            with urllib.request.urlopen(url, timeout=2) as response:
                if response.status == 200:
                    return
        except OSError:
            time.sleep(0.3)
    raise SystemExit("gunicorn did not answer within 60 s")


# --- Endpoints and wrk ------------------------------------------------------------------------------


def webhook_payload(pending: dict) -> bytes:
    session = {
        "id": pending["session_id"],
        "object": "checkout.session",
        "status": "complete",
        "payment_status": "paid",
        "payment_intent": "pi_bench_pending",
        "amount_total": pending["amount_cents"],
        "currency": pending["currency"],
        "client_reference_id": pending["id"],
        "metadata": {"payment_id": pending["id"], "order_id": pending["order_id"], "user_id": pending["user_id"]},
    }
    event = {
        "id": EVENT_ID,
        "object": "event",
        "type": "checkout.session.completed",
        "api_version": "2024-06-20",
        "created": 1_700_000_000,
        "data": {"object": session},
    }
    return json.dumps(event, separators=(",", ":")).encode()


def stripe_signature(payload: bytes) -> str:
    timestamp = int(time.time())
    digest = hmac.new(WEBHOOK_SECRET.encode(), f"{timestamp}.".encode() + payload, hashlib.sha256).hexdigest()
    return f"t={timestamp},v1={digest}"


def endpoints(m: dict, tok: dict[str, str]) -> list[dict]:
    student = {"Authorization": f"Bearer {tok['student']}"}
    tutor = {"Authorization": f"Bearer {tok['tutor']}"}
    login = json.dumps({"email": m["login_email"], "password": m["login_password"]})
    items = [
        ("health", "GET /api/core/health/ (baseline)", "/api/core/health/", {}),
        ("list_anon", "GET courses/?page_size=100 anonymous", "/api/courses/courses/?page_size=100", {}),
        (
            "search_anon",
            f"GET courses/?search={m['search_word']} anonymous",
            f"/api/courses/courses/?search={m['search_word']}",
            {},
        ),
        ("list_auth", "GET courses/?page_size=100 student", "/api/courses/courses/?page_size=100", student),
        ("list_auth12", "GET courses/?page_size=12 student", "/api/courses/courses/?page_size=12", student),
        (
            "search_auth",
            f"GET courses/?search={m['search_word']} student",
            f"/api/courses/courses/?search={m['search_word']}",
            student,
        ),
        (
            "search_typo",
            f"GET courses/?search={m.get('typo_word', 'pyton')}&limit=12 anonymous (a typo)",
            f"/api/courses/courses/?search={m.get('typo_word', 'pyton')}&limit=12",
            {},
        ),
        (
            "facets",
            f"GET courses/?search={m['search_word']}&level=beginner,intermediate&facets=… anonymous",
            f"/api/courses/courses/?search={m['search_word']}&level=beginner,intermediate"
            "&facets=category,level,price,rating&limit=12",
            {},
        ),
        (
            "suggest",
            f"GET search/suggest/?q={m.get('suggest_prefix', 'pyt')} anonymous",
            f"/api/courses/search/suggest/?q={m.get('suggest_prefix', 'pyt')}",
            {},
        ),
        ("detail_anon", "GET courses/{slug}/ anonymous", f"/api/courses/courses/{m['anonymous_course_slug']}/", {}),
        (
            "detail_enrolled",
            "GET courses/{slug}/ enrolled",
            f"/api/courses/courses/{m['enrolled_course_slug']}/",
            student,
        ),
        ("lesson", "GET lessons/{slug}/ enrolled (local video)", f"/api/courses/lessons/{m['lesson_slug']}/", student),
        (
            "quick_stats",
            f"GET tutors/me/quick_statistics/ ({m['tutor_courses']} courses, a review changed every second)",
            "/api/auth/tutors/me/quick_statistics/",
            tutor,
        ),
    ]
    result = [
        {"name": n, "label": label, "method": "GET", "path": p, "headers": h, "read": True} for n, label, p, h in items
    ]
    result.append(
        {
            "name": "login",
            "label": "POST /api/auth/token/",
            "method": "POST",
            "path": "/api/auth/token/",
            "headers": {"Content-Type": "application/json"},
            "body": login,
            "read": False,
        }
    )
    if m.get("pending_payment"):
        result.append(
            {
                "name": "webhook",
                "label": "POST stripe/webhook/ (duplicate event)",
                "method": "POST",
                "path": "/api/payments/stripe/webhook/",
                "headers": {"Content-Type": "application/json"},
                "payload": webhook_payload(m["pending_payment"]).decode(),
                "read": False,
                "show_outcome": True,
            }
        )
    return result


def with_fresh_signature(endpoint: dict) -> dict:
    """Webhooks are signed at the moment of sending (Stripe's tolerance is 5 minutes)."""
    if "payload" not in endpoint:
        return endpoint
    headers = {**endpoint["headers"], "Stripe-Signature": stripe_signature(endpoint["payload"].encode())}
    return {**endpoint, "headers": headers, "body": endpoint["payload"]}


def lua_script(endpoint: dict, directory: Path) -> Path:
    lines = [f'wrk.method = "{endpoint["method"]}"']
    for name, value in endpoint.get("headers", {}).items():
        lines.append(f'wrk.headers["{name}"] = "{value}"')
    if endpoint.get("body"):
        lines.append(f"wrk.body = [==[{endpoint['body']}]==]")
    path = directory / f"{endpoint['name']}.lua"
    path.write_text("\n".join(lines) + "\n" + LUA_DONE)
    return path


def wrk(binary: str, url: str, script: Path, *, connections: int, seconds: int) -> dict:
    out = run(
        [binary, "-t1", f"-c{connections}", f"-d{seconds}s", "--timeout", "10s", "-s", str(script), url],
        check=True,
    )
    line = next(line for line in out.splitlines() if line.startswith("WRKJSON "))
    data = json.loads(line[len("WRKJSON ") :])
    data["rps"] = data["requests"] / (data["duration_us"] / 1e6)
    data["errors"] = data["connect"] + data["read"] + data["write"] + data["status"] + data["timeout"]
    return data


def load(binary, port, endpoint, *, connections, seconds, directory) -> dict:
    endpoint = with_fresh_signature(endpoint)
    return wrk(
        binary,
        f"http://127.0.0.1:{port}{endpoint['path']}",
        lua_script(endpoint, directory),
        connections=connections,
        seconds=seconds,
    )


class Writer:
    """While the dashboard is measured: the student changes their review of one of the tutor's
    courses every ``interval`` seconds (PATCH over HTTP, as the web client does), so the tutor's
    figures go stale again and again and the table includes the first requests after each write."""

    def __init__(self, port: int, token: str, path: str, interval: float = 1.0) -> None:
        self.url, self.token, self.interval = f"http://127.0.0.1:{port}{path}", token, interval
        self.writes, self.failures = 0, []
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)

    def __enter__(self) -> Writer:
        self._thread.start()
        return self

    def __exit__(self, *exc) -> None:
        self._stop.set()
        self._thread.join(timeout=15)

    def _run(self) -> None:
        rating = 4
        while not self._stop.wait(self.interval):
            rating = 9 - rating  # 4, 5, 4, …
            request = urllib.request.Request(  # noqa: S310 (an http://127.0.0.1 URL built here)
                self.url,
                data=json.dumps({"rating": rating}).encode(),
                method="PATCH",
                headers={"Authorization": f"Bearer {self.token}", "Content-Type": "application/json"},
            )
            try:
                with urllib.request.urlopen(request, timeout=10) as response:  # noqa: S310
                    self.writes += response.status == 200
            except OSError as exc:
                self.failures.append(str(exc))


# --- Report ------------------------------------------------------------------------------------------


def ms(us: float) -> str:
    return f"{us / 1000:.1f}"


def header_lines(title: str, info: dict) -> list[str]:
    lines = [f"# {title}", ""]
    lines += [f"- {key}: {value}" for key, value in info.items()]
    return [*lines, ""]


def machine_info(workers: int, redis: bool, wrk_binary: str) -> dict:
    commit = run(["git", "rev-parse", "--short", "HEAD"], check=False).strip() or "?"
    dirty = run(["git", "status", "--porcelain", "--untracked-files=no"], check=False).strip()
    wrk_version = run([wrk_binary, "-v"], check=False).splitlines()[:1] or ["wrk"]
    return {
        "Date": datetime.datetime.now(datetime.UTC).strftime("%Y-%m-%d %H:%M UTC"),
        "Commit": commit + (" (with uncommitted changes)" if dirty else ""),
        "Machine": f"{os.cpu_count()} cores, {platform.system()} {platform.release()}, Python {platform.python_version()}",
        "Server": f"gunicorn, {workers} sync workers, DJANGO_DEBUG=false, PostgreSQL, "
        + ("Redis cache" if redis else "in-process cache (Redis not answering)"),
        "Load": f"{wrk_version[0].split(' [')[0]}, 1 thread, same machine, over 127.0.0.1",
    }


def write_report(path: Path, text: str) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    notes = ""
    if path.exists():
        old = path.read_text()
        if NOTES_MARKER in old:
            notes = old.split(NOTES_MARKER, 1)[1]
    path.write_text(text.rstrip() + "\n\n" + NOTES_MARKER + (notes or "\n"))


# Issue 12's targets: throughput as a share of the health floor (same run, every level).
RATIO_TARGETS = [
    ("list_auth", 0.30),
    ("list_auth12", 0.30),
    ("search_auth", 0.30),
    ("detail_enrolled", 0.40),
    ("list_anon", 0.50),
    ("search_anon", 0.50),
    ("detail_anon", 0.50),
    ("lesson", 0.30),
]
# Issue 19's latency targets: (endpoint, connections, p99 below this many ms).
P99_TARGETS = [
    ("search_typo", 32, 100),
    ("facets", 32, 100),
    ("suggest", 32, 100),
    ("suggest", 8, 50),
]
# Login before Argon2id: 3.5 req/s (PBKDF2, 1,000,000 iterations; measured 2026-12-01 at 8
# connections on this machine, as issue 12 records). The target is 8 times that.
LOGIN_BEFORE = 3.5
LOGIN_FACTOR = 8


def targets(rows: dict, queries: dict, levels: list[int]) -> list[str]:
    lines = ["| Target | Measured | Met |", "|---|---|---|"]

    def add(label, measured, ok):
        lines.append(f"| {label} | {measured} | {'yes' if ok else '**no**'} |")

    measured = {name for name, _ in rows}
    for name, minimum in RATIO_TARGETS:
        if name in measured:
            lowest = min(rows[(name, c)]["ratio"] for c in levels)
            add(f"{name}: ≥ {minimum:.0%} of health throughput", f"{lowest:.0%} (lowest level)", lowest >= minimum)
    for name, connections, limit in P99_TARGETS:
        if (name, connections) in rows:
            p99 = rows[(name, connections)]["p99"]
            add(f"{name}: p99 < {limit} ms at {connections} connections", f"{ms(p99)} ms", p99 < limit * 1000)
    if "quick_stats" in measured:
        worst = max(rows[("quick_stats", c)]["p99"] for c in levels)
        add("quick_stats: p99 < 100 ms, figures changing", f"{ms(worst)} ms (worst level)", worst < 100_000)
    if "login" in measured:
        slowest = min(rows[("login", c)]["rps"] for c in levels)
        goal = LOGIN_BEFORE * LOGIN_FACTOR
        add(
            f"login: ≥ {LOGIN_FACTOR} x {LOGIN_BEFORE} req/s = {goal:.0f} req/s",
            f"{slowest:.1f} req/s (lowest level)",
            slowest >= goal,
        )
    errors = sum(row["errors"] for row in rows.values())
    add("zero errors at every level", f"{errors}", errors == 0)
    top = max(levels)
    reads = [name for (name, c), row in rows.items() if c == top and row["read"] and name != "health"]
    slow = [f"{n} {ms(rows[(n, top)]['p99'])} ms" for n in reads if rows[(n, top)]["p99"] >= 250_000]
    add(f"read p99 < 250 ms at {top} connections", ", ".join(slow) or "all below", not slow)
    return lines


def bench(args) -> None:
    wrk_binary = ensure_wrk()
    redis = redis_answers()
    workers = args.workers or 2 * (os.cpu_count() or 1) + 1
    levels = [int(c) for c in args.connections.split(",")]
    url = db_url(args.postgres, args.database)
    env = server_env(url, redis=redis)
    work = Path(tempfile.mkdtemp(prefix="bench-"))
    started = time.monotonic()

    log(f"database {args.database}: recreate, migrate")
    recreate_database(db_url(args.postgres, "postgres"), args.database)
    run([PYTHON, "manage.py", "migrate", "--noinput", "-v0"], env=env)
    log("seeding (fixed seed)")
    sizes = [f"--{name}={value}" for name, value in (("courses", args.courses), ("students", args.students)) if value]
    manifest = seed(env, work / "manifest.json", ["--seed", str(args.seed), *sizes])

    tok = probe(env, {"tokens": {"student": manifest["student_email"], "tutor": manifest["tutor_email"]}})["tokens"]
    eps = endpoints(manifest, tok)
    if args.only:
        eps = [e for e in eps if e["name"] in {"health", *args.only.split(",")}]
    review = probe(env, {"review": {"student": manifest["student_email"], "course": manifest["enrolled_course_slug"]}})
    review_path = f"/api/courses/courses/{manifest['enrolled_course_slug']}/reviews/{review['review']}/"
    log("counting SQL queries per request (in-process, same settings)")
    report = probe(env, {"endpoints": [with_fresh_signature(e) for e in eps], "hasher": True})
    queries, hasher = report["queries"], report["hasher"]
    for name, q in queries.items():
        if not 200 <= q["status"] < 300:
            raise SystemExit(f"{name} answered {q['status']} in the probe: fix the harness before measuring")

    log(f"gunicorn on 127.0.0.1:{args.port} ({workers} workers)")
    start_server(env, args.port, workers, work / "gunicorn.log")
    rows, restarts, writes = {}, [], None
    admin = db_url(args.postgres, "postgres")
    for index, endpoint in enumerate(eps):
        if index:  # a clean server per endpoint: slow requests abandoned by wrk must not leak into the next one
            restart_server(env, args.port, workers, work / "gunicorn.log", admin, args.database)
        writer = Writer(args.port, tok["student"], review_path) if endpoint["name"] == "quick_stats" else None
        with writer or contextlib.nullcontext():
            load(wrk_binary, args.port, endpoint, connections=levels[0], seconds=args.warmup, directory=work)
            for c in levels:
                data = load(wrk_binary, args.port, endpoint, connections=c, seconds=args.duration, directory=work)
                data["read"] = endpoint["read"]
                rows[(endpoint["name"], c)] = data
                log(
                    f"{endpoint['name']:<16} c={c:<3} {data['rps']:8.1f} req/s  p50 {ms(data['p50'])} ms  "
                    f"p99 {ms(data['p99'])} ms  errors {data['errors']}"
                )
                if data["p99"] > args.duration * 1e6 / 4 and c != levels[-1]:
                    restarts.append(f"{endpoint['name']} after {c} connections")
                    restart_server(env, args.port, workers, work / "gunicorn.log", admin, args.database)
        if writer:
            writes = {"writes": writer.writes, "failures": writer.failures}
    stop_children()
    for (_name, c), row in rows.items():
        row["ratio"] = row["rps"] / rows[("health", c)]["rps"]
    total = time.monotonic() - started

    counts = manifest["counts"]
    info = machine_info(workers, redis, wrk_binary)
    info["Data"] = (
        f"seed {manifest['seed']}: {counts['courses']} published courses x 5 parts x 8 lessons ({counts['lessons']} lessons), "
        f"20 tutors, {counts['students']} students, {counts['enrolments']} enrolments, {counts['reviews']} reviews, "
        f"{counts['payments']} payments, {counts['lesson_progress']} lesson progress rows (seeded in {manifest['seed_seconds']} s)"
    )
    info["Runs"] = f"{args.duration} s per endpoint and level after a {args.warmup} s warm-up; whole run {total:.0f} s"
    lines = header_lines("Benchmark results", info)
    lines += [
        "| Endpoint | Conns | req/s | p50 ms | p99 ms | Errors | SQL/req | vs health |",
        "|---|---:|---:|---:|---:|---:|---:|---:|",
    ]
    for endpoint in eps:
        for c in levels:
            r = rows[(endpoint["name"], c)]
            lines.append(
                f"| {endpoint['label']} | {c} | {r['rps']:.1f} | {ms(r['p50'])} | {ms(r['p99'])} | {r['errors']} "
                f"| {queries[endpoint['name']]['queries']} | {r['ratio']:.0%} |"
            )
    lines += ["", "## Targets", "", *targets(rows, queries, levels), ""]
    hook = queries.get("webhook")
    lines += [
        "## Notes",
        "",
        f"- Password hasher: {hasher['algorithm']} ({hasher['parameters']}): make_password "
        f"{hasher['make_ms']} ms, check_password {hasher['check_ms']} ms (median of 5, one core); PBKDF2 with "
        f"1,000,000 iterations, before: {hasher['pbkdf2_check_ms']} ms, {hasher['pbkdf2_check_ms'] / hasher['check_ms']:.1f} times "
        f"slower. Login is bounded by the hasher: at most ≈ {(os.cpu_count() or 1) * 1000 / hasher['check_ms']:.0f} "
        f"logins/s on {os.cpu_count()} cores.",
    ]
    if writes is not None:
        lines.append(
            f"- Dashboard: while `quick_statistics` was measured, the student changed their review of one of the "
            f"tutor's courses every second over HTTP ({writes['writes']} changes, {len(writes['failures'])} failed), "
            "each marking the tutor's figures stale: the table includes the first requests after every change."
        )
    if hook:
        lines.append(
            f"- Webhook: a signed `checkout.session.completed` for a seeded PENDING payment. Its first delivery "
            f"(in-process, {hook['first_queries']} queries) completed the payment and enrolled the student; every "
            f"request wrk sends replays the same event id, so the table measures the idempotent path "
            f"(signature check, event lookup and lock: outcome `{hook['outcome']}`, {hook['queries']} queries)."
        )
    lines.append(
        "- SQL/req: queries of one request (after one warm-up request) through Django's test client "
        "with the server's settings and database. Errors: socket errors + responses ≥ 400 as counted by wrk; "
        "requests still outstanding when a run ends are neither counted nor errors. The server is restarted "
        "between endpoints."
    )
    if restarts:
        lines.append(
            "- Slow enough that wrk left requests queued at the end of the run: " + ", ".join(restarts) + "; the "
            "server was restarted before the next level so the abandoned requests did not slow it down."
        )
    text = "\n".join(lines) + "\n"
    path = Path(args.output or BENCH / "results" / f"{datetime.date.today().isoformat()}.md")
    write_report(path, text)
    print(text)
    log(f"written to {path.relative_to(ROOT) if path.is_relative_to(ROOT) else path} in {total:.0f} s")


def scale(args) -> None:
    wrk_binary = ensure_wrk()
    redis = redis_answers()
    workers = args.workers or 2 * (os.cpu_count() or 1) + 1
    admin = db_url(args.postgres, "postgres")
    template = f"{args.database}_template"
    work = Path(tempfile.mkdtemp(prefix="bench-scale-"))
    started = time.monotonic()
    recreate_database(admin, template)
    run(
        [PYTHON, "manage.py", "migrate", "--noinput", "-v0"],
        env=server_env(db_url(args.postgres, template), redis=redis),
    )
    sizes = [(1, 3, 100), (10, 30, 1000), (100, 300, 10_000)]
    results = {}
    names = ["list_anon", "list_auth", "detail_anon", "detail_enrolled", "lesson"]
    labels = {}
    for factor, courses, students in sizes:
        name = f"{args.database}_x{factor}"
        log(f"{factor}x: {courses} courses, {students} students")
        recreate_database(admin, name, template=template)
        env = server_env(db_url(args.postgres, name), redis=redis)
        # Each size its own cache keys: the sizes share ids (same seed), and a page cached for
        # one database must not be served for another.
        env["CACHE_KEY_PREFIX"] = f"{env.get('CACHE_KEY_PREFIX', 'bench')}-x{factor}"
        manifest = seed(
            env,
            work / f"manifest{factor}.json",
            [
                "--seed",
                str(args.seed),
                "--courses",
                str(courses),
                "--students",
                str(students),
                "--tutors",
                str(max(2, courses // 15)),
            ],
        )
        tok = probe(env, {"tokens": {"student": manifest["student_email"], "tutor": manifest["tutor_email"]}})["tokens"]
        eps = [e for e in endpoints(manifest, tok) if e["name"] in names]
        for e in eps:  # the same page size at every scale: only the table sizes change
            e["path"] = e["path"].replace("page_size=100", "page_size=3")
            e["label"] = e["label"].replace("page_size=100", "page_size=3")
            labels[e["name"]] = e["label"]
        queries = probe(env, {"endpoints": eps})["queries"]
        start_server(env, args.port, workers, work / "gunicorn.log")
        for e in eps:
            load(wrk_binary, args.port, e, connections=8, seconds=2, directory=work)
            data = load(wrk_binary, args.port, e, connections=8, seconds=args.scale_duration, directory=work)
            data["queries"] = queries[e["name"]]["queries"]
            results[(e["name"], factor)] = data
            log(
                f"{e['name']:<16} {factor:>3}x {data['rps']:8.1f} req/s p50 {ms(data['p50'])} ms "
                f"p99 {ms(data['p99'])} ms  {data['queries']} queries"
            )
        stop_children()
        with psycopg.connect(admin, autocommit=True) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{name}"')
    with psycopg.connect(admin, autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{template}"')
    total = time.monotonic() - started
    info = machine_info(workers, redis, wrk_binary)
    info["Data"] = (
        "1x = 3 courses / 100 students, 10x = 30 / 1,000, 100x = 300 / 10,000 (5 parts x 8 lessons, 5 enrolments per student)"
    )
    info["Runs"] = (
        f"8 connections, {args.scale_duration} s per endpoint and size after a 2 s warm-up; whole run {total:.0f} s"
    )
    lines = header_lines("Scaling: cost against data size", info)
    lines += [
        "| Endpoint | Size | req/s | p50 ms | p99 ms | Errors | SQL/req |",
        "|---|---:|---:|---:|---:|---:|---:|",
    ]
    for n in names:
        for factor, _, _ in sizes:
            r = results[(n, factor)]
            lines.append(
                f"| {labels[n]} | {factor}x | {r['rps']:.1f} | {ms(r['p50'])} | {ms(r['p99'])} | {r['errors']} | {r['queries']} |"
            )
    lines += ["", "Lists use `page_size=3` at every size, so the response is the same size and only the tables grow."]
    text = "\n".join(lines) + "\n"
    path = Path(args.output or BENCH / "results" / f"{datetime.date.today().isoformat()}-scale.md")
    write_report(path, text)
    print(text)
    log(f"written to {path.relative_to(ROOT) if path.is_relative_to(ROOT) else path} in {total:.0f} s")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--scale", action="store_true", help="the 1x/10x/100x data-size mode")
    parser.add_argument(
        "--postgres", default=os.environ.get("BENCH_POSTGRES_URL", "postgres://postgres@127.0.0.1:5432")
    )
    parser.add_argument("--database", default="eleven_tutors_bench")
    parser.add_argument("--port", type=int, default=int(os.environ.get("BENCH_PORT", "8765")))
    parser.add_argument("--workers", type=int, default=0, help="gunicorn workers (default 2 x cores + 1)")
    parser.add_argument("--connections", default="8,32", help="wrk concurrency levels")
    parser.add_argument("--duration", type=int, default=10, help="seconds per endpoint and level")
    parser.add_argument("--warmup", type=int, default=2)
    parser.add_argument("--scale-duration", type=int, default=5)
    parser.add_argument("--seed", type=int, default=11)
    parser.add_argument("--output", help="report path (default bench/results/<date>[-scale].md)")
    parser.add_argument("--courses", type=int, default=0, help="seed this many courses (default: bench_seed's 300)")
    parser.add_argument("--students", type=int, default=0, help="seed this many students (default: 10,000)")
    parser.add_argument("--only", help="comma-separated endpoint names (e.g. list_auth,lesson); health always runs")
    args = parser.parse_args()
    if not re.fullmatch(r"[a-z_][a-z0-9_]*", args.database):
        raise SystemExit("--database: lower-case letters, digits and _ only")
    atexit.register(stop_children)
    signal.signal(signal.SIGTERM, _on_signal)
    signal.signal(signal.SIGINT, _on_signal)
    try:
        scale(args) if args.scale else bench(args)
    finally:
        stop_children()


if __name__ == "__main__":
    main()
