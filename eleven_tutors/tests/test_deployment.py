"""The deployment files say what `make serve-prod` (deploy/serve_prod.py) runs, and say it well:
docker-compose.yml, the Dockerfile, the systemd units, nginx and gunicorn's settings are parsed and
checked here (Docker cannot run on our machines). Also: the Celery queues, `check --deploy` with
the documented production environment, and a backup / restore round trip (PostgreSQL)."""

from __future__ import annotations

import configparser
import os
import re
import runpy
import shlex
import subprocess
import sys
from argparse import Namespace
from pathlib import Path
from urllib.parse import urlsplit

import psycopg
import pytest
import yaml

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT / "deploy"))
import serve_prod  # noqa: E402  (deploy/ is no package: the supervisor is a script)

CELERY = ["celery", "-A", "eleven_tutors"]
WORKER = [*CELERY, "worker", "--loglevel", "INFO", "--queues", serve_prod.QUEUES]
BEAT_HEAD = [*CELERY, "beat", "--loglevel", "INFO", "--schedule"]
WEB = ["gunicorn", "--config", "deploy/gunicorn.conf.py"]
ASGI_TAIL = serve_prod.ASGI_ARGS


def serve_prod_commands() -> dict[str, list[str]]:
    """make serve-prod's commands, with the programs by name and the config relative to the checkout."""
    commands = serve_prod.commands(Namespace(worker_concurrency=0, bind="127.0.0.1:8000"), Path("/state"))
    return {
        name: [Path(part).name if i == 0 else part.replace(f"{ROOT}/", "") for i, part in enumerate(command)]
        for name, command in commands.items()
    }


def test_serve_prod_runs_the_commands_the_deployment_files_run():
    commands = serve_prod_commands()
    assert commands["web"] == WEB
    assert commands["asgi"] == ["daphne", "--bind", "127.0.0.1", "--port", "8001", *ASGI_TAIL]
    assert commands["worker"][: len(WORKER)] == WORKER
    assert commands["beat"][: len(BEAT_HEAD)] == BEAT_HEAD


def test_every_task_has_a_queue_the_workers_take(settings):
    from eleven_tutors.celery import app

    queues = set(serve_prod.QUEUES.split(","))
    expected = {
        "users.tasks.send_email": "email",
        "learning.tasks.certificate_render": "media",
        "courses.tasks.lesson_video_sync": "media",
        "payments.tasks.reconcile_payments": "payments",
    }
    for task, queue in expected.items():
        assert app.amqp.router.route({}, task)["queue"].name == queue, task
    app.loader.import_default_modules()
    for task in (name for name in app.tasks if not name.startswith("celery.")):
        assert app.amqp.router.route({}, task)["queue"].name in queues, f"{task} goes to a queue no worker takes"


# --- docker-compose.yml, Dockerfile --------------------------------------------------------------


@pytest.fixture(scope="module")
def compose() -> dict:
    return yaml.safe_load((ROOT / "docker-compose.yml").read_text())


def test_compose_has_the_whole_stack(compose):
    services = compose["services"]
    assert set(services) == {"migrate", "web", "asgi", "worker", "beat", "postgres", "redis", "nginx"}
    assert services["web"]["command"] == WEB
    assert services["asgi"]["command"] == ["daphne", "--bind", "0.0.0.0", "--port", "8001", *ASGI_TAIL]
    assert services["worker"]["command"] == WORKER
    assert services["beat"]["command"][: len(BEAT_HEAD)] == BEAT_HEAD
    assert services["migrate"]["command"] == ["python", "manage.py", "migrate", "--noinput"]
    for name in ("web", "asgi", "worker", "beat"):
        service = services[name]
        assert service["build"] == "." and service["environment"]["DJANGO_DEBUG"] == "false", name
        assert service["depends_on"]["migrate"]["condition"] == "service_completed_successfully", name
        assert "postgres:5432" in service["environment"]["DATABASE_URL"], name
        assert service["environment"]["REDIS_URL"].startswith("redis://redis:6379"), name
    for name in ("postgres", "redis"):
        assert services[name]["healthcheck"]["test"], name
    for volume in (v.split(":")[0] for s in services.values() for v in s.get("volumes", [])):
        assert volume.startswith("./") or volume in compose["volumes"], f"undeclared volume {volume}"
        if volume.startswith("./"):
            assert (ROOT / volume).exists(), f"{volume} does not exist"


def test_dockerfile_is_multi_stage_and_runs_unprivileged():
    lines = [
        line.strip()
        for line in (ROOT / "Dockerfile").read_text().replace("\\\n", " ").splitlines()
        if line.strip() and not line.lstrip().startswith("#")
    ]
    stages = [line for line in lines if line.startswith("FROM ")]
    assert len(stages) >= 2, "a build stage and a runtime stage"
    runtime = lines[lines.index(stages[-1]) :]
    assert any(line.startswith("COPY --from=build ") for line in runtime)
    users = [line.split()[1] for line in runtime if line.startswith("USER ")]
    assert users and users[-1] not in ("root", "0"), f"the image must not run as root: {users}"
    cmd = [line for line in runtime if line.startswith("CMD ")][-1]
    assert yaml.safe_load(cmd[4:]) == WEB
    assert any("collectstatic" in line for line in runtime if line.startswith("RUN "))
    assert "requirements/base.txt" in "\n".join(lines)
    ignored = (ROOT / ".dockerignore").read_text().split()
    assert {".venv", ".env", ".git"} <= set(ignored)


# --- systemd, nginx, gunicorn -------------------------------------------------------------------


def unit(name: str) -> configparser.ConfigParser:
    parser = configparser.ConfigParser(strict=False, interpolation=None)
    parser.optionxform = str
    parser.read_string((ROOT / "deploy" / "systemd" / name).read_text())
    return parser


@pytest.mark.parametrize(
    ("name", "expected"),
    [
        ("web", WEB),
        ("asgi", ["daphne", "--bind", "127.0.0.1", "--port", "8001", *ASGI_TAIL]),
        ("worker", WORKER),
        ("beat", BEAT_HEAD),
    ],
)
def test_systemd_units_run_the_same_commands(name, expected):
    service = unit(f"11tutors-{name}.service")
    command = shlex.split(service["Service"]["ExecStart"])
    assert [Path(command[0]).name, *command[1:]][: len(expected)] == expected
    assert service["Service"]["User"] != "root"
    assert service["Service"]["EnvironmentFile"] == "/etc/11tutors/env"
    assert "11tutors-migrate.service" in service["Unit"]["Requires"]
    assert service["Install"]["WantedBy"] == "multi-user.target"


def test_the_migrate_unit_migrates_and_collects_the_static_files():
    text = (ROOT / "deploy" / "systemd" / "11tutors-migrate.service").read_text()
    assert "manage.py migrate --noinput" in text and "manage.py collectstatic --noinput" in text
    assert unit("11tutors-migrate.service")["Service"]["Type"] == "oneshot"


def test_nginx_forwards_what_the_app_trusts():
    conf = (ROOT / "deploy" / "nginx.conf").read_text()
    code = re.sub(r"#[^\n]*", "", conf)
    assert code.count("{") == code.count("}"), "unbalanced braces"
    for directive in (
        "proxy_set_header X-Forwarded-Proto $scheme;",
        "proxy_set_header X-Forwarded-For $proxy_add_x_forwarded_for;",
        "proxy_set_header X-Forwarded-Host $host;",
        "proxy_set_header X-Request-ID $request_id;",
        "return 301 https://$host$request_uri;",
        "alias /data/media/;",
        "client_max_body_size",
        "proxy_read_timeout",
    ):
        assert directive in code, directive
    assert re.search(r"location = /metrics \{\s*return 404;", code), "/metrics is never public"
    assert "server web:8000;" in code


def test_nginx_upgrades_websockets_to_the_asgi_server(compose):
    code = re.sub(r"#[^\n]*", "", (ROOT / "deploy" / "nginx.conf").read_text())
    block = re.search(r"location /ws/ \{([^}]*)\}", code)
    assert block, "no nginx location for /ws/"
    for directive in (
        "proxy_pass http://eleven_tutors_ws;",
        "proxy_http_version 1.1;",
        "proxy_set_header Upgrade $http_upgrade;",
        "proxy_set_header Connection $connection_upgrade;",
    ):
        assert directive in block[1], directive
    assert re.search(r"map \$http_upgrade \$connection_upgrade", code)
    assert "server asgi:8001;" in code and "8001" in compose["services"]["asgi"]["command"]


def test_nginx_sends_local_videos_only_for_the_app():
    """The compose file's VIDEO_ACCEL_REDIRECT_PREFIX names an internal nginx location that aliases
    the private video volume, mounted read-only into nginx at the path the app writes to."""
    conf = re.sub(r"#[^\n]*", "", (ROOT / "deploy" / "nginx.conf").read_text())
    compose = yaml.safe_load((ROOT / "docker-compose.yml").read_text())
    prefix = compose["x-app"]["environment"]["VIDEO_ACCEL_REDIRECT_PREFIX"]
    block = re.search(r"location " + re.escape(prefix) + r" \{([^}]*)\}", conf)
    assert block, f"no nginx location for {prefix}"
    assert "internal;" in block[1], "no client may ask for the videos directly"
    alias = re.search(r"alias (\S+);", block[1])[1]
    dockerfile = (ROOT / "Dockerfile").read_text()
    root = re.search(r"VIDEO_PRIVATE_ROOT=(\S+)", dockerfile)[1]
    assert alias.rstrip("/") == root.rstrip("/")
    assert f"private-videos:{root.rstrip('/')}:ro" in compose["services"]["nginx"]["volumes"]


def test_gunicorn_settings(monkeypatch):
    for name in list(os.environ):
        if name.startswith("GUNICORN_") or name == "WEB_CONCURRENCY":
            monkeypatch.delenv(name)
    monkeypatch.setenv("PROMETHEUS_MULTIPROC_DIR", "/tmp/not-used")
    conf = runpy.run_path(str(ROOT / "deploy" / "gunicorn.conf.py"))
    assert conf["workers"] == 2 * len(os.sched_getaffinity(0)) + 1
    assert conf["bind"] == ["127.0.0.1:8000"]
    assert (conf["max_requests"], conf["max_requests_jitter"]) == (1000, 100)
    assert conf["timeout"] == 30 and conf["graceful_timeout"] == 30
    assert "%({x-request-id}o)s" in conf["access_log_format"] and conf["accesslog"] == "-"
    monkeypatch.setenv("WEB_CONCURRENCY", "3")
    monkeypatch.setenv("GUNICORN_BIND", "0.0.0.0:8000")
    conf = runpy.run_path(str(ROOT / "deploy" / "gunicorn.conf.py"))
    assert (conf["workers"], conf["bind"]) == (3, ["0.0.0.0:8000"])
    monkeypatch.setenv("WEB_CONCURRENCY", "many")
    with pytest.raises(SystemExit, match="WEB_CONCURRENCY must be a whole number"):
        runpy.run_path(str(ROOT / "deploy" / "gunicorn.conf.py"))


# --- The documented production environment ------------------------------------------------------


def documented_production_env() -> dict[str, str]:
    text = (ROOT / "docs" / "deployment.md").read_text()
    block = re.search(r"<!-- production-env -->\s*```bash\n(.*?)```", text, re.S).group(1)
    env = dict(line.split("=", 1) for line in block.splitlines() if line and not line.startswith("#"))
    # The placeholders, filled the way an operator would.
    secrets = {
        "DJANGO_SECRET_KEY": "Zq3" + "k9-Xv2_Lm7pR4tY8wB1nC6dF0gH5jK" * 2,
        "METRICS_TOKEN": "m3tr1cs-t0k3n-0123456789abcdef",
        "SENTRY_DSN": "",
    }
    return {k: secrets.get(k, re.sub(r"<[^>]*>", "x", v)) for k, v in env.items()}


def test_check_deploy_with_the_documented_production_environment_reports_nothing(tmp_path):
    env = {"PATH": os.environ.get("PATH", ""), "DJANGO_SETTINGS_MODULE": "eleven_tutors.settings"}
    env.update(documented_production_env())
    assert env["DJANGO_DEBUG"] == "false"
    result = subprocess.run(
        [sys.executable, "manage.py", "check", "--deploy", "--fail-level", "WARNING"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert result.stderr == "", result.stderr
    assert re.fullmatch(r"System check identified no issues \(\d+ silenced\)\.\n", result.stdout), result.stdout


def test_the_production_environment_is_documented_in_the_readme():
    readme = (ROOT / "README.md").read_text()
    start = readme.index("## Production")
    production = readme[start : readme.index("\n## ", start + 1)]
    assert "docs/deployment.md" in production
    for word in ("make serve-prod", "gunicorn", "worker", "beat", "nginx", "DATABASE_URL", "REDIS_URL", "8000", "6379"):
        assert word in production, word


# --- Backup and restore ---------------------------------------------------------------------------

TABLES = """
SELECT table_name FROM information_schema.tables
WHERE table_schema = 'public' AND table_type = 'BASE TABLE' ORDER BY table_name
"""


def fingerprint(url: str) -> dict[str, tuple[int, str]]:
    """Every table: its row count and an md5 of all its rows."""
    with psycopg.connect(url, connect_timeout=10) as conn:
        tables = [row[0] for row in conn.execute(TABLES)]
        return {
            table: conn.execute(
                f"SELECT count(*), md5(coalesce(string_agg(t::text, '|' ORDER BY t::text), '')) FROM \"{table}\" t"
            ).fetchone()
            for table in tables
        }


@pytest.mark.production_stack
def test_backup_and_restore_round_trip_loses_nothing(tmp_path):
    url = os.environ["DATABASE_URL"]
    worker = os.environ.get("PYTEST_XDIST_WORKER", "")
    base = f"{urlsplit(url).path.lstrip('/')}_backup{('_' + worker) if worker else ''}"
    names = [f"{base}_source", f"{base}_restored"]
    admin = urlsplit(url)._replace(path="/postgres").geturl()
    source, restored = (urlsplit(url)._replace(path=f"/{name}").geturl() for name in names)

    def run(*statements: str) -> None:
        with psycopg.connect(admin, autocommit=True, connect_timeout=10) as conn:
            for sql in statements:
                conn.execute(sql)

    run(*(f'DROP DATABASE IF EXISTS "{n}" WITH (FORCE)' for n in names), *(f'CREATE DATABASE "{n}"' for n in names))
    try:
        env = {k: v for k, v in os.environ.items() if k not in ("DJANGO_SETTINGS_MODULE", "REDIS_URL")}
        env.update(
            DJANGO_SETTINGS_MODULE="eleven_tutors.settings",
            DATABASE_URL=source,
            DJANGO_DEBUG="true",
            MEDIA_ROOT=str(tmp_path / "media"),
            VIDEO_PRIVATE_ROOT=str(tmp_path / "videos"),
        )
        for command in (["migrate", "--noinput", "-v", "0"], ["seed_demo"]):
            subprocess.run(
                [sys.executable, "manage.py", *command], cwd=ROOT, env=env, check=True, timeout=180, capture_output=True
            )
        before = fingerprint(source)
        assert before["users_user"][0] >= 8 and before["courses_course"][0] >= 3, "the demo data must be there"

        backup = tmp_path / "drill.dump"
        make = ["make", "--no-print-directory", "-C", str(ROOT)]
        done = subprocess.run(
            [*make, "backup", f"DATABASE_URL={source}", f"BACKUP={backup}"], capture_output=True, text=True, timeout=120
        )
        assert done.returncode == 0 and backup.stat().st_size > 0, done.stderr
        assert source not in done.stdout + done.stderr, "the database URL (with its password) must not be printed"
        done = subprocess.run(
            [*make, "restore", f"DATABASE_URL={restored}", f"BACKUP={backup}"],
            capture_output=True,
            text=True,
            timeout=120,
        )
        assert done.returncode == 0, done.stderr
        assert fingerprint(restored) == before
    finally:
        run(*(f'DROP DATABASE IF EXISTS "{n}" WITH (FORCE)' for n in names))
