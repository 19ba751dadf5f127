"""Start-up validation of the environment, exercised in a fresh interpreter each time."""

import os
import subprocess
import sys
from pathlib import Path

import pytest

from eleven_tutors.envcheck import rate_to_seconds

ROOT = Path(__file__).resolve().parents[2]
GOOD_KEY = "k3y-" + "abcdefghijklmnopqrstuvwxyz0123456789ABCDEFGHIJKLMNOP"


def load_settings(**env: str) -> subprocess.CompletedProcess:
    """Import the settings with exactly these variables (plus PATH), as a new process would."""
    clean = {"PATH": os.environ.get("PATH", ""), "DJANGO_SETTINGS_MODULE": "eleven_tutors.settings", **env}
    code = "import django; django.setup(); from django.conf import settings; print(settings.DATABASES['default']['ENGINE'])"
    return subprocess.run(
        [sys.executable, "-c", code], cwd=ROOT, env=clean, capture_output=True, text=True, timeout=60, check=False
    )


def test_embedded_default_needs_no_variables():
    result = load_settings()
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "django.db.backends.sqlite3"
    assert "DJANGO_SECRET_KEY is not set" in result.stderr, "the generated dev key must come with a warning"


def test_production_refuses_to_start_without_its_variables():
    result = load_settings(DJANGO_DEBUG="false")
    assert result.returncode != 0
    for name in ("DJANGO_SECRET_KEY", "ALLOWED_HOSTS", "DATABASE_URL"):
        assert name in result.stderr, f"{name} should be named in the error, got: {result.stderr[-800:]}"


def test_production_reports_malformed_values():
    result = load_settings(
        DJANGO_DEBUG="false",
        DJANGO_SECRET_KEY="short",
        ALLOWED_HOSTS="api.11tutors.com",
        DATABASE_URL="mysql-ish://nope",
        THROTTLE_LOGIN_IP="lots",
        EMAIL_PORT="twenty-five",
        CORS_ALLOWED_ORIGINS="localhost:3000",
    )
    assert result.returncode != 0
    for fragment in (
        "DJANGO_SECRET_KEY must be at least 50 characters",
        "DATABASE_URL must be postgres://",
        "THROTTLE_LOGIN_IP is malformed",
        "EMAIL_PORT is malformed",
        "CORS_ALLOWED_ORIGINS 'localhost:3000' must look like",
    ):
        assert fragment in result.stderr, f"missing {fragment!r} in: {result.stderr[-1200:]}"


def test_production_starts_with_valid_variables():
    result = load_settings(
        DJANGO_DEBUG="false",
        DJANGO_SECRET_KEY=GOOD_KEY,
        ALLOWED_HOSTS="api.11tutors.com",
        DATABASE_URL="postgres://u:p@db.internal:5432/tutors",
        CORS_ALLOWED_ORIGINS="",
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "django.db.backends.postgresql"


def test_empty_cors_origins_do_not_break_start_up():
    result = load_settings(CORS_ALLOWED_ORIGINS="")
    assert result.returncode == 0, result.stderr


@pytest.mark.parametrize(
    ("rate", "expected"),
    [("100/min", (100, 60)), ("5/15min", (5, 900)), ("20/hour", (20, 3600)), ("3/2d", (3, 172800)), ("1/s", (1, 1))],
)
def test_rates_accept_period_multipliers(rate, expected):
    assert rate_to_seconds(rate) == expected


@pytest.mark.parametrize("rate", ["", "lots", "5", "5/0min", "x/min", "5/15parsecs"])
def test_malformed_rates_are_refused(rate):
    with pytest.raises(ValueError):
        rate_to_seconds(rate)


def test_passwords_are_hashed_with_our_argon2id_hasher_first():
    """The service's settings (not the suite's MD5, conftest.py) hash with users.hashers, and
    still verify PBKDF2 and Django's Argon2 hashes so that they are upgraded at login."""
    from eleven_tutors.settings import base, test

    for module in (base, test):
        assert module.PASSWORD_HASHERS[0] == "users.hashers.Argon2idPasswordHasher", module.__name__
        assert "django.contrib.auth.hashers.PBKDF2PasswordHasher" in module.PASSWORD_HASHERS
        assert "django.contrib.auth.hashers.Argon2PasswordHasher" in module.PASSWORD_HASHERS


def test_half_a_push_configuration_is_refused_at_start_up(tmp_path):
    result = load_settings(
        FCM_PROJECT_ID="eleven-tutors",
        APNS_KEY_ID="ABC123DEFG",
        NOTIFICATIONS_BATCH_SIZE="0",
    )
    assert result.returncode != 0
    for fragment in (
        "FCM_SERVICE_ACCOUNT_JSON is required with FCM_PROJECT_ID",
        "APNS_TEAM_ID is required when any APNS_* variable is set",
        "APNS_PRIVATE_KEY is required",
        "APNS_TOPIC is required",
        "NOTIFICATIONS_BATCH_SIZE must be between 1 and 1000",
    ):
        assert fragment in result.stderr, f"missing {fragment!r} in: {result.stderr[-1200:]}"
    broken = tmp_path / "account.json"
    broken.write_text('{"client_email": "a@b.c"}')
    result = load_settings(FCM_PROJECT_ID="eleven-tutors", FCM_SERVICE_ACCOUNT_FILE=str(broken))
    assert result.returncode != 0
    assert "the service account lacks private_key, token_uri" in result.stderr, result.stderr[-800:]
