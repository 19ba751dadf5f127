"""gunicorn in production: ``gunicorn -c deploy/gunicorn.conf.py eleven_tutors.wsgi``.

``make serve-prod`` (deploy/serve_prod.py), the Dockerfile and the systemd unit all start the web
server with this file. Every value can be changed from the environment (docs/deployment.md):

- ``GUNICORN_BIND`` (default ``127.0.0.1:8000``; ``0.0.0.0:8000`` in the container)
- ``WEB_CONCURRENCY``: worker processes (default 2 x the CPUs this process may use + 1)
- ``GUNICORN_MAX_REQUESTS`` / ``GUNICORN_MAX_REQUESTS_JITTER``: a worker is replaced after about
  this many requests (1000, +/- up to 100 so that the workers do not all restart at once),
  which bounds the memory any slow leak can take
- ``GUNICORN_TIMEOUT``: a worker silent for this long is killed and replaced (30 s)
- ``GUNICORN_GRACEFUL_TIMEOUT``: on SIGTERM (or a worker restart) requests in flight get this
  long to finish before the worker is killed (30 s)
- ``GUNICORN_KEEPALIVE``: seconds an idle keep-alive connection from nginx stays open (5)
- ``GUNICORN_ACCESS_LOG``: ``-`` (stdout, the default), a file, or empty for none. Each line
  carries the request id (the ``X-Request-ID`` response header: core.middleware)

Prometheus counters are shared by the worker processes through ``PROMETHEUS_MULTIPROC_DIR``
(prometheus_client's multiprocess mode): /metrics then adds up every worker's figures, and those
of the Celery workers writing into the same folder. When the variable is unset, a fresh folder
of this server's own is made.
"""

from __future__ import annotations

import os
import tempfile


def _int(name: str, default: int) -> int:
    value = os.environ.get(name, "").strip()
    try:
        return int(value) if value else default
    except ValueError:
        raise SystemExit(f"{name} must be a whole number, got {value!r}") from None


def _cpus() -> int:
    try:
        return len(os.sched_getaffinity(0))  # the CPUs this process may run on (containers, taskset)
    except AttributeError:  # macOS
        return os.cpu_count() or 1


wsgi_app = "eleven_tutors.wsgi:application"
bind = [os.environ.get("GUNICORN_BIND", "").strip() or "127.0.0.1:8000"]
workers = _int("WEB_CONCURRENCY", 2 * _cpus() + 1)
worker_class = "sync"
max_requests = _int("GUNICORN_MAX_REQUESTS", 1000)
max_requests_jitter = _int("GUNICORN_MAX_REQUESTS_JITTER", 100)
timeout = _int("GUNICORN_TIMEOUT", 30)
graceful_timeout = _int("GUNICORN_GRACEFUL_TIMEOUT", 30)
keepalive = _int("GUNICORN_KEEPALIVE", 5)
# Workers' heartbeat files in memory: a container's disk-backed /tmp can stall them.
worker_tmp_dir = "/dev/shm" if os.path.isdir("/dev/shm") else None  # noqa: S108
# No control socket (gunicorn 27's `gunicornc`, at ~/.gunicorn/gunicorn.ctl by default): servers on
# one host would share that path, and the non-root container user has no home to put it in.
control_socket_disable = True

accesslog = os.environ.get("GUNICORN_ACCESS_LOG", "-") or None
errorlog = "-"
loglevel = os.environ.get("LOG_LEVEL", "info").lower()
# client, request line, status, bytes, duration (ms), request id, user agent
access_log_format = '%(h)s "%(r)s" %(s)s %(B)s %(M)sms request_id=%({x-request-id}o)s "%(a)s"'

if not os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
    os.environ["PROMETHEUS_MULTIPROC_DIR"] = tempfile.mkdtemp(prefix="11tutors-prometheus-")


def child_exit(server, worker) -> None:
    """A worker is gone (restarted after max_requests, killed): drop its live gauges."""
    from prometheus_client import multiprocess

    multiprocess.mark_process_dead(worker.pid)
