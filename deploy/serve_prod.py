"""``make serve-prod``: the production stack on this machine, without Docker.

Runs, in order, ``manage.py migrate`` and ``manage.py collectstatic``, then four long-running
processes: gunicorn (deploy/gunicorn.conf.py), daphne for the WebSockets (``/ws/``, on
``--ws-bind``: HOST:PORT+1 by default; nginx sends ``/ws/`` there, deploy/nginx.conf), a Celery
worker (every queue) and Celery beat.
It stays in the foreground; Ctrl-C (SIGINT) or SIGTERM stops them gracefully (SIGTERM:
gunicorn finishes the requests in flight, the worker the tasks it is running), and any of them
dying stops the others too (exit code 1). The same commands, one process each, are the
Dockerfile's and docker-compose.yml's services and the systemd units (docs/deployment.md).

The environment is the service's (.env.example) with defaults for a local run:
``DJANGO_DEBUG=false``, ``DATABASE_URL`` the local PostgreSQL database ``eleven_tutors``,
``REDIS_URL`` the local Redis, ``ALLOWED_HOSTS`` the host served, and a ``DJANGO_SECRET_KEY``
generated once and kept in the state folder (``.serve-prod/`` in the checkout; also beat's
schedule and the Prometheus counters of every process).
"""

from __future__ import annotations

import argparse
import os
import secrets
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
BIN = Path(sys.executable).parent
QUEUES = "default,email,media,payments"  # eleven_tutors/settings/celery.py, CELERY_TASK_ROUTES
# daphne: closes idle HTTP after 60 s (it serves only /ws/), logs through Django's LOGGING.
ASGI_ARGS = ["--proxy-headers", "--http-timeout", "60", "eleven_tutors.asgi:application"]
STOP_TIMEOUT = 40  # seconds: gunicorn's graceful timeout (30 s) and some


def log(message: str) -> None:
    print(f"serve-prod: {message}", file=sys.stderr, flush=True)


def environment(args: argparse.Namespace, state: Path) -> dict[str, str]:
    env = dict(os.environ)
    env.setdefault("DJANGO_DEBUG", "false")
    env.setdefault("DATABASE_URL", "postgres://postgres@127.0.0.1:5432/eleven_tutors")
    env.setdefault("REDIS_URL", "redis://127.0.0.1:6379/0")
    host = args.bind.rsplit(":", 1)[0].strip("[]")
    env.setdefault("ALLOWED_HOSTS", ",".join(dict.fromkeys(["localhost", "127.0.0.1", host])))
    if not env.get("DJANGO_SECRET_KEY"):
        key_file = state / "secret-key"
        if not key_file.exists():
            key_file.write_text(secrets.token_urlsafe(64))
            key_file.chmod(0o600)
            log(f"DJANGO_SECRET_KEY is unset: generated one into {key_file}")
        env["DJANGO_SECRET_KEY"] = key_file.read_text().strip()
    # Every process writes its Prometheus figures here; gunicorn's /metrics adds them up.
    metrics_dir = Path(env.get("PROMETHEUS_MULTIPROC_DIR") or state / "prometheus")
    shutil.rmtree(metrics_dir, ignore_errors=True)  # figures of an earlier run are not this run's
    metrics_dir.mkdir(parents=True)
    env["PROMETHEUS_MULTIPROC_DIR"] = str(metrics_dir)
    env["GUNICORN_BIND"] = args.bind
    env.setdefault("PYTHONUNBUFFERED", "1")
    return env


def commands(args: argparse.Namespace, state: Path) -> dict[str, list[str]]:
    celery = [str(BIN / "celery"), "-A", "eleven_tutors"]
    worker = [*celery, "worker", "--loglevel", "INFO", "--queues", QUEUES, "--hostname", "worker@%h"]
    if args.worker_concurrency:
        worker += ["--concurrency", str(args.worker_concurrency)]
    ws_host, ws_port = ws_bind(args)
    return {
        "web": [str(BIN / "gunicorn"), "--config", str(ROOT / "deploy" / "gunicorn.conf.py")],
        # WebSockets (Django Channels): an ASGI server of its own, the channel layer in Redis.
        "asgi": [str(BIN / "daphne"), "--bind", ws_host, "--port", ws_port, *ASGI_ARGS],
        "worker": worker,
        "beat": [*celery, "beat", "--loglevel", "INFO", "--schedule", str(state / "celerybeat-schedule")],
    }


def ws_bind(args: argparse.Namespace) -> tuple[str, str]:
    """daphne's HOST and PORT: ``--ws-bind``, else gunicorn's host and the next port."""
    if getattr(args, "ws_bind", None):
        host, port = args.ws_bind.rsplit(":", 1)
    else:
        host, port = args.bind.rsplit(":", 1)
        port = str(int(port) + 1)
    return host.strip("[]"), port


def stop(processes: dict[str, subprocess.Popen]) -> None:
    """SIGTERM to each (a graceful stop), then wait; whatever is still running is killed."""
    for name, process in processes.items():
        if process.poll() is None:
            log(f"stopping {name} (pid {process.pid})")
            process.send_signal(signal.SIGTERM)
    deadline = time.monotonic() + STOP_TIMEOUT
    for name, process in processes.items():
        try:
            process.wait(timeout=max(0.1, deadline - time.monotonic()))
        except subprocess.TimeoutExpired:
            log(f"{name} did not stop within {STOP_TIMEOUT} s: killed")
            process.kill()
            process.wait()


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--bind", default="127.0.0.1:8000", help="HOST:PORT for gunicorn (default 127.0.0.1:8000)")
    parser.add_argument("--ws-bind", default="", help="HOST:PORT for daphne, the WebSockets (default: PORT+1)")
    parser.add_argument("--state-dir", default=str(ROOT / ".serve-prod"), help="secret key, beat schedule, metrics")
    parser.add_argument("--worker-concurrency", type=int, default=0, help="Celery worker processes (default: CPUs)")
    args = parser.parse_args(argv)
    state = Path(args.state_dir).resolve()
    state.mkdir(parents=True, exist_ok=True)
    env = environment(args, state)

    stopping = False

    def on_signal(signum, frame) -> None:
        nonlocal stopping
        stopping = True

    signal.signal(signal.SIGINT, on_signal)
    signal.signal(signal.SIGTERM, on_signal)

    manage = [sys.executable, str(ROOT / "manage.py")]
    for step in (["migrate", "--noinput"], ["collectstatic", "--noinput", "-v", "0"]):
        log(" ".join(["manage.py", *step]))
        if subprocess.run([*manage, *step], env=env, cwd=ROOT).returncode != 0:  # noqa: S603
            log(f"manage.py {step[0]} failed")
            return 1
        if stopping:
            return 130

    processes: dict[str, subprocess.Popen] = {}
    for name, command in commands(args, state).items():
        # A process group of its own: Ctrl-C in the terminal reaches this supervisor only, which
        # then stops each process the graceful way (gunicorn takes SIGINT as "quit now").
        processes[name] = subprocess.Popen(command, env=env, cwd=ROOT, process_group=0)  # noqa: S603
        log(f"started {name} (pid {processes[name].pid}): {' '.join(command)}")
    log(f"serving on http://{args.bind}/ and ws://{':'.join(ws_bind(args))}/ws/ (Ctrl-C stops everything)")

    failed = None
    while not stopping and failed is None:
        time.sleep(0.2)
        failed = next((name for name, p in processes.items() if p.poll() is not None), None)
    if failed is not None:
        log(f"{failed} exited with code {processes[failed].returncode}: stopping the others")
    stop(processes)
    log("stopped")
    return 1 if failed is not None else 0


if __name__ == "__main__":
    sys.exit(main())
