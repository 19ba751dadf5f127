"""Mixed-traffic load test (``make load``; not in CI). See bench/README.md, "Load".

Against the production setup of ``make bench`` (gunicorn, PostgreSQL, Redis when it answers, the
same seeded data): ``--connections`` clients (64) for ``--duration`` seconds (120) send a mix of
anonymous browsing, signed-in browsing, lesson pages with progress reports, logins, and checkouts
(against a local fake of Stripe's API) with their webhooks. Everything stays on the loopback
interface and is bounded in time. The report (bench/results/<date>-load.md) gives requests, errors
and p50/p99 per route, and each gunicorn worker's memory (RSS) after minute 1 and at the end:
the run passes with zero errors and no worker growing more than ``--max-growth-mb`` (20 MB).
"""

from __future__ import annotations

import argparse
import atexit
import datetime
import http.client
import json
import os
import random
import signal
import sys
import tempfile
import threading
import time
from collections import defaultdict
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
import run as bench  # bench/run.py: database, seed, probe, gunicorn, webhook signing)

# (route, weight): the share of each kind of request in the mix.
MIX = [
    ("GET courses/ anonymous", 20),
    ("GET courses/{slug}/ anonymous", 15),
    ("GET courses/ student", 15),
    ("GET courses/{slug}/ enrolled", 12),
    ("GET lessons/{slug}/ enrolled", 12),
    ("POST lessons/{slug}/progress/", 12),
    ("POST token/ (login)", 2),
    ("POST payments/ (checkout)", 6),
    ("POST stripe/webhook/", 6),
]


CHECKOUT_COURSE = """
import os
from decimal import Decimal
from courses.models import Course
from core.slugs import save_with_unique_slug
from users.models import User
course = Course(title="Load checkout course", description="For make load.", price=Decimal("9.99"), is_published=True)
save_with_unique_slug(course, course.title)
course.tutors.set([User.objects.get(email=os.environ["LOAD_TUTOR"])])
print(course.pk)
"""


class FakeStripe(BaseHTTPRequestHandler):
    """Just enough of Stripe's API for a checkout: POST /v1/checkout/sessions."""

    counter = 0
    lock = threading.Lock()

    def do_POST(self):
        self.rfile.read(int(self.headers.get("Content-Length") or 0))
        with FakeStripe.lock:
            FakeStripe.counter += 1
            number = FakeStripe.counter
        body = json.dumps(
            {
                "id": f"cs_load_{number}",
                "object": "checkout.session",
                "url": f"https://checkout.stripe.test/c/pay/cs_load_{number}",
                "status": "open",
                "payment_status": "unpaid",
                "expires_at": int(time.time()) + 3600,
            }
        ).encode()
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args):
        pass


def requests_of(m: dict, tok: dict) -> dict:
    student = {"Authorization": f"Bearer {tok['student']}"}
    json_student = {**student, "Content-Type": "application/json"}
    login = json.dumps({"email": m["login_email"], "password": m["login_password"]})
    webhook = bench.webhook_payload(m["pending_payment"]) if m.get("pending_payment") else None
    position = iter(range(10**9))
    return {
        "GET courses/ anonymous": lambda: ("GET", "/api/courses/courses/?page_size=12", {}, None),
        "GET courses/{slug}/ anonymous": lambda: (
            "GET",
            f"/api/courses/courses/{m['anonymous_course_slug']}/",
            {},
            None,
        ),
        "GET courses/ student": lambda: ("GET", "/api/courses/courses/?page_size=12", student, None),
        "GET courses/{slug}/ enrolled": lambda: (
            "GET",
            f"/api/courses/courses/{m['enrolled_course_slug']}/",
            student,
            None,
        ),
        "GET lessons/{slug}/ enrolled": lambda: ("GET", f"/api/courses/lessons/{m['lesson_slug']}/", student, None),
        "POST lessons/{slug}/progress/": lambda: (
            "POST",
            f"/api/courses/lessons/{m['lesson_slug']}/progress/",
            json_student,
            json.dumps({"position_seconds": next(position) % 240}),
        ),
        "POST token/ (login)": lambda: ("POST", "/api/auth/token/", {"Content-Type": "application/json"}, login),
        "POST payments/ (checkout)": lambda: (
            "POST",
            "/api/payments/payments/",
            json_student,
            json.dumps({"course_id": m["checkout_course"]}),
        ),
        "POST stripe/webhook/": lambda: (
            "POST",
            "/api/payments/stripe/webhook/",
            {"Content-Type": "application/json", "Stripe-Signature": bench.stripe_signature(webhook)},
            webhook,
        ),
    }


def client(port: int, build: dict, routes: list, weights: list, deadline: float, results: dict, lock) -> None:
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
    local = defaultdict(list)
    errors = defaultdict(list)
    while time.monotonic() < deadline:
        route = random.choices(routes, weights)[0]  # noqa: S311  (a traffic mix, not a secret)
        method, path, headers, body = build[route]()
        started = time.perf_counter()
        try:
            conn.request(method, path, body=body, headers=headers)
            response = conn.getresponse()
            response.read()
            status = response.status
        except (OSError, http.client.HTTPException) as error:
            status = type(error).__name__
            conn.close()
            conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
        local[route].append(time.perf_counter() - started)
        if not (isinstance(status, int) and status < 400):
            errors[route].append(status)
    conn.close()
    with lock:
        for route, times in local.items():
            results["times"][route].extend(times)
        for route, statuses in errors.items():
            results["errors"][route].extend(statuses)


def worker_rss_mb(master_pid: int) -> dict[int, float]:
    """RSS of every gunicorn worker (the master's children), in MB."""
    rss = {}
    for task in Path(f"/proc/{master_pid}/task").iterdir():
        for pid in (task / "children").read_text().split():
            status = Path(f"/proc/{pid}/status").read_text()
            kb = next(int(line.split()[1]) for line in status.splitlines() if line.startswith("VmRSS:"))
            rss[int(pid)] = kb / 1024
    return rss


def percentile(values: list[float], p: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(p / 100 * (len(ordered) - 1)))] if ordered else 0.0


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--postgres", default=os.environ.get("BENCH_POSTGRES_URL", "postgres://postgres@127.0.0.1:5432")
    )
    parser.add_argument("--database", default="eleven_tutors_load")
    parser.add_argument("--port", type=int, default=int(os.environ.get("BENCH_PORT", "8766")))
    parser.add_argument("--workers", type=int, default=0, help="gunicorn workers (default 2 x cores + 1)")
    parser.add_argument("--connections", type=int, default=64)
    parser.add_argument(
        "--duration", type=int, default=120, help="seconds (memory is read at half time and at the end)"
    )
    parser.add_argument("--max-growth-mb", type=float, default=20.0)
    parser.add_argument("--seed", type=int, default=11)
    parser.add_argument(
        "--redis-url", default=os.environ.get("LOAD_REDIS_URL", ""), help="the cache (default: make bench's)"
    )
    parser.add_argument("--output", help="report path (default bench/results/<date>-load.md)")
    args = parser.parse_args()
    atexit.register(bench.stop_children)
    signal.signal(signal.SIGTERM, bench._on_signal)
    signal.signal(signal.SIGINT, bench._on_signal)

    stripe = ThreadingHTTPServer(("127.0.0.1", 0), FakeStripe)
    threading.Thread(target=stripe.serve_forever, daemon=True).start()
    redis = bench.redis_answers()
    workers = args.workers or 2 * (os.cpu_count() or 1) + 1
    env = bench.server_env(bench.db_url(args.postgres, args.database), redis=redis)
    env["STRIPE_API_BASE"] = f"http://127.0.0.1:{stripe.server_address[1]}"
    if redis and args.redis_url:
        env["REDIS_URL"] = args.redis_url
    work = Path(tempfile.mkdtemp(prefix="load-"))
    bench.log(f"database {args.database}: recreate, migrate, seed")
    bench.recreate_database(bench.db_url(args.postgres, "postgres"), args.database)
    bench.run([bench.PYTHON, "manage.py", "migrate", "--noinput", "-v0"], env=env)
    manifest = bench.seed(env, work / "manifest.json", ["--seed", str(args.seed)])
    tok = bench.probe(env, {"tokens": {"student": manifest["student_email"], "tutor": manifest["tutor_email"]}})[
        "tokens"
    ]
    # Checkouts need a paid course the student is not enrolled in and has no payment for (the
    # seeded PENDING payment's course becomes theirs when the webhook completes it).
    made = bench.run(
        [bench.PYTHON, "manage.py", "shell", "-c", CHECKOUT_COURSE],
        env={**env, "LOAD_TUTOR": manifest["tutor_email"]},
    )
    manifest["checkout_course"] = made.strip().splitlines()[-1]
    build = requests_of(manifest, tok)
    mix = [
        (route, weight) for route, weight in MIX if route != "POST stripe/webhook/" or manifest.get("pending_payment")
    ]
    routes, weights = [r for r, _ in mix], [w for _, w in mix]

    bench.log(
        f"gunicorn on 127.0.0.1:{args.port} ({workers} workers); {args.connections} clients for {args.duration} s"
    )
    bench.start_server(env, args.port, workers, work / "gunicorn.log")
    master = bench._children[-1].pid
    results = {"times": defaultdict(list), "errors": defaultdict(list)}
    lock = threading.Lock()
    started = time.monotonic()
    deadline = started + args.duration
    threads = [
        threading.Thread(target=client, args=(args.port, build, routes, weights, deadline, results, lock))
        for _ in range(args.connections)
    ]
    for thread in threads:
        thread.start()
    time.sleep(args.duration / 2)
    middle = worker_rss_mb(master)
    for thread in threads:
        thread.join()
    end = worker_rss_mb(master)
    elapsed = time.monotonic() - started
    bench.stop_children()
    stripe.shutdown()

    growth = {pid: end[pid] - middle[pid] for pid in middle if pid in end}
    restarted = sorted(set(middle) ^ set(end))
    total_errors = sum(len(v) for v in results["errors"].values())
    worst = max(growth.values(), default=0.0)
    passed = total_errors == 0 and worst <= args.max_growth_mb and not restarted
    info = bench.machine_info(workers, redis, "true")
    info["Load"] = f"{args.connections} Python client threads (bench/load.py), same machine, over 127.0.0.1"
    info["Run"] = f"{args.connections} connections, {elapsed:.0f} s, mixed traffic; seed {manifest['seed']}"
    lines = bench.header_lines("Load test (mixed traffic)", info)
    lines += [
        f"**{'PASS' if passed else 'FAIL'}**: {total_errors} errors; worst worker memory growth between "
        f"{args.duration // 2} s and {args.duration} s: {worst:+.1f} MB (bound {args.max_growth_mb:.0f} MB)"
        + (f"; workers replaced: {restarted}" if restarted else ""),
        "",
        "| Route | Share | Requests | req/s | p50 ms | p99 ms | Errors |",
        "|---|---:|---:|---:|---:|---:|---:|",
    ]
    for route, weight in mix:
        times = results["times"].get(route, [])
        errors = results["errors"].get(route, [])
        lines.append(
            f"| {route} | {weight}% | {len(times)} | {len(times) / elapsed:.1f} | {percentile(times, 50) * 1000:.0f} "
            f"| {percentile(times, 99) * 1000:.0f} | {len(errors)}"
            + (f" ({', '.join(sorted({str(e) for e in errors}))})" if errors else "")
            + " |"
        )
    lines += ["", "| Worker pid | RSS at half time MB | RSS at end MB | Growth MB |", "|---:|---:|---:|---:|"]
    for pid in sorted(growth):
        lines.append(f"| {pid} | {middle[pid]:.1f} | {end[pid]:.1f} | {growth[pid]:+.1f} |")
    lines += [
        "",
        "Notes: latencies are measured by the Python clients (one keep-alive connection each), so they include "
        "the client's own scheduling on the same machine. Checkouts repeat for one student and one course: the "
        "first creates the Stripe session (the local fake), the others get the same open session. The webhook "
        "replays one signed event (the idempotent path after its first delivery). Logins run the real password "
        "hasher.",
    ]
    text = "\n".join(lines) + "\n"
    path = Path(args.output or bench.BENCH / "results" / f"{datetime.date.today().isoformat()}-load.md")
    bench.write_report(path, text)
    print(text)
    if not passed:
        raise SystemExit(1)


if __name__ == "__main__":
    main()
