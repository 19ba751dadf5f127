"""Production security settings: proxy headers trusted only behind a configured proxy, HSTS
on by default, a clean ``check --deploy``, and a Content-Security-Policy on the HTML pages
(admin, Swagger UI, ReDoc)."""

from __future__ import annotations

import os
import re
import secrets
import subprocess
import sys
from pathlib import Path
from urllib.parse import urlsplit

import pytest
from django.conf import settings as django_settings

from core.tests.factories import UniversityFactory

BASE_DIR = Path(django_settings.BASE_DIR)
UNIVERSITIES = "/api/core/universities/"
CSP_PAGES = ["/admin/login/", "/api/docs/", "/api/redoc/"]
# Variables of this part: inherited values must not leak into the subprocesses.
OWN_VARIABLES = re.compile(r"^(SECURE_|TRUST_X_FORWARDED|NUM_PROXIES|USE_X_FORWARDED|DJANGO_|ALLOWED_HOSTS)")


def run_django(tmp_path, *args: str, **environment: str) -> subprocess.CompletedProcess:
    env = {name: value for name, value in os.environ.items() if not OWN_VARIABLES.match(name)}
    env.setdefault("DATABASE_URL", f"sqlite:///{tmp_path / 'db.sqlite3'}")
    env["DJANGO_SECRET_KEY"] = secrets.token_urlsafe(60)
    env.update(environment)
    return subprocess.run(
        [sys.executable, *args], cwd=BASE_DIR, env=env, capture_output=True, text=True, timeout=120, check=False
    )


def production_environment(tmp_path, **extra: str) -> dict[str, str]:
    """The documented minimum production environment (README, Production)."""
    return {
        "DJANGO_DEBUG": "false",
        "ALLOWED_HOSTS": "api.11tutors.example",
        "DATABASE_URL": f"sqlite:///{tmp_path / 'prod.sqlite3'}",
        **extra,
    }


def setting_values(tmp_path, *names: str, **environment: str) -> dict[str, str]:
    code = (
        "import os; os.environ.setdefault('DJANGO_SETTINGS_MODULE', 'eleven_tutors.settings');"
        "from django.conf import settings;"
        f"[print(name, repr(getattr(settings, name, None))) for name in {list(names)!r}]"
    )
    result = run_django(tmp_path, "-c", code, **environment)
    assert result.returncode == 0, result.stderr
    return dict(line.split(" ", 1) for line in result.stdout.splitlines())


# --- X-Forwarded-Proto ------------------------------------------------------------------------------


@pytest.mark.django_db
def test_x_forwarded_proto_from_a_client_is_ignored_without_a_proxy(api_client):
    UniversityFactory.create_batch(2)

    response = api_client.get(UNIVERSITIES, {"page_size": 1}, HTTP_X_FORWARDED_PROTO="https")

    assert urlsplit(response.json()["next"]).scheme == "http", (
        "with no proxy configured a client must not be able to make the request look secure"
    )


@pytest.mark.django_db
def test_x_forwarded_proto_is_honoured_when_the_proxy_is_configured(api_client, settings):
    settings.SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
    UniversityFactory.create_batch(2)

    response = api_client.get(UNIVERSITIES, {"page_size": 1}, HTTP_X_FORWARDED_PROTO="https")

    assert urlsplit(response.json()["next"]).scheme == "https", response.json()["next"]


@pytest.mark.parametrize(
    ("environment", "trusted"),
    [
        ({}, False),
        ({"NUM_PROXIES": "1"}, True),
        ({"TRUST_X_FORWARDED_PROTO": "true"}, True),
        ({"NUM_PROXIES": "1", "TRUST_X_FORWARDED_PROTO": "false"}, False),
        ({"NUM_PROXIES": "1", "TRUST_X_FORWARDED_PROTO": ""}, True),
    ],
    ids=["default", "num-proxies", "explicit", "explicitly-off", "empty-follows-num-proxies"],
)
def test_x_forwarded_proto_is_trusted_only_behind_a_configured_proxy(tmp_path, environment, trusted):
    values = setting_values(tmp_path, "SECURE_PROXY_SSL_HEADER", **environment)

    expected = "('HTTP_X_FORWARDED_PROTO', 'https')" if trusted else "None"
    assert values["SECURE_PROXY_SSL_HEADER"] == expected, values


# --- Production: HSTS and check --deploy -----------------------------------------------------------------


def test_check_deploy_reports_no_issues_with_the_documented_production_environment(tmp_path):
    result = run_django(
        tmp_path, "manage.py", "check", "--deploy", "--fail-level", "WARNING", **production_environment(tmp_path)
    )

    output = result.stdout + result.stderr
    assert result.returncode == 0, output
    assert "no issues" in output, output
    assert "WARNINGS" not in output, output


def test_hsts_is_on_by_default_in_production_and_configurable(tmp_path):
    names = ("SECURE_HSTS_SECONDS", "SECURE_HSTS_INCLUDE_SUBDOMAINS", "SECURE_HSTS_PRELOAD", "SECURE_SSL_REDIRECT")
    default = setting_values(tmp_path, *names, **production_environment(tmp_path))
    tuned = setting_values(
        tmp_path,
        *names,
        **production_environment(
            tmp_path,
            SECURE_HSTS_SECONDS="0",
            SECURE_HSTS_INCLUDE_SUBDOMAINS="false",
            SECURE_HSTS_PRELOAD="true",
            SECURE_SSL_REDIRECT="true",
        ),
    )

    assert default == {
        "SECURE_HSTS_SECONDS": "31536000",
        "SECURE_HSTS_INCLUDE_SUBDOMAINS": "True",
        "SECURE_HSTS_PRELOAD": "False",
        "SECURE_SSL_REDIRECT": "False",
    }, default
    assert tuned == {
        "SECURE_HSTS_SECONDS": "0",
        "SECURE_HSTS_INCLUDE_SUBDOMAINS": "False",
        "SECURE_HSTS_PRELOAD": "True",
        "SECURE_SSL_REDIRECT": "True",
    }, tuned


def test_check_deploy_warns_when_nobody_redirects_to_https(tmp_path):
    """The redirect warning is silenced only while the documented setting says the proxy does it."""
    result = run_django(
        tmp_path,
        "manage.py",
        "check",
        "--deploy",
        **production_environment(tmp_path, SECURE_SSL_REDIRECT_BY_PROXY="false"),
    )

    assert "security.W008" in result.stdout + result.stderr, result.stdout + result.stderr


def test_a_negative_hsts_max_age_is_refused_at_start(tmp_path):
    result = run_django(tmp_path, "manage.py", "check", **production_environment(tmp_path, SECURE_HSTS_SECONDS="-1"))

    assert result.returncode != 0
    assert "SECURE_HSTS_SECONDS" in result.stderr, result.stderr


# --- Content-Security-Policy -------------------------------------------------------------------------------


def csp_directives(response) -> dict[str, list[str]]:
    assert response.has_header("Content-Security-Policy"), f"no CSP on {response.wsgi_request.path}"
    directives = {}
    for part in response["Content-Security-Policy"].split(";"):
        name, *values = part.split()
        directives[name] = values
    return directives


@pytest.mark.django_db
@pytest.mark.parametrize("path", CSP_PAGES)
def test_html_pages_carry_a_strict_content_security_policy(client, path):
    response = client.get(path)

    assert response.status_code == 200
    directives = csp_directives(response)
    assert "'unsafe-eval'" not in response["Content-Security-Policy"]
    assert directives["default-src"] == ["'self'"]
    assert directives["script-src"] == ["'self'"], "no inline or foreign scripts"
    assert directives["object-src"] == ["'none'"]
    assert directives["frame-ancestors"] == ["'none'"]


@pytest.mark.django_db
@pytest.mark.parametrize("path", CSP_PAGES)
def test_html_pages_have_no_inline_scripts_the_policy_would_block(admin_client, path):
    page = admin_client.get(path if path != "/admin/login/" else "/admin/").content.decode()

    scripts = re.findall(r"<script\b([^>]*)>(.*?)</script>", page, flags=re.DOTALL)
    assert scripts, "the page loads its scripts"
    inline = [body.strip()[:80] for attributes, body in scripts if "src=" not in attributes and body.strip()]
    assert not inline, f"inline scripts on {path}: {inline}"
    assert "fonts.googleapis.com" not in page, "every asset is served by us"


@pytest.mark.django_db
def test_swagger_ui_initializer_is_served_as_a_same_origin_script(client):
    page = client.get("/api/docs/").content.decode()
    initializer = re.search(r'<script src="(/api/docs/\?[^"]*script[^"]*)"', page)
    assert initializer, "the Swagger UI initializer must be a separate same-origin script"

    script = client.get(initializer.group(1).replace("&amp;", "&"))

    assert script.status_code == 200
    assert script["Content-Type"].startswith("application/javascript")
    assert b"SwaggerUIBundle" in script.content
    assert b'"validatorUrl": null' in script.content, "no badge from validator.swagger.io"
