"""The live-session settings: the provider chosen from what is configured, and malformed values
reported at start-up (in a fresh interpreter, as the service starts)."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def live_settings(**env: str) -> subprocess.CompletedProcess:
    clean = {"PATH": os.environ.get("PATH", ""), "DJANGO_SETTINGS_MODULE": "eleven_tutors.settings", **env}
    code = "import django; django.setup(); from django.conf import settings; print(settings.LIVE_PROVIDER)"
    return subprocess.run(
        [sys.executable, "-c", code], cwd=ROOT, env=clean, capture_output=True, text=True, timeout=60, check=False
    )


def test_provider_follows_the_configuration():
    assert live_settings().stdout.strip() == "public_room"
    jitsi = {"JITSI_DOMAIN": "meet.example", "JITSI_APP_ID": "app", "JITSI_APP_SECRET": "secret"}
    assert live_settings(**jitsi).stdout.strip() == "jitsi"
    bbb = {"BBB_URL": "https://bbb.example/bigbluebutton", "BBB_SECRET": "secret"}
    assert live_settings(**bbb, **jitsi).stdout.strip() == "bigbluebutton"
    assert live_settings(**bbb, LIVE_PROVIDER="public_room").stdout.strip() == "public_room"


def test_malformed_live_settings_are_reported():
    result = live_settings(
        LIVE_PROVIDER="zoom", BBB_CHECKSUM_ALGORITHM="md5", LIVE_HTTP_RETRIES="9", LIVE_JOIN_EARLY_MINUTES="-1"
    )
    assert result.returncode != 0
    for fragment in (
        "LIVE_PROVIDER must be one of bigbluebutton, jitsi, public_room",
        "BBB_CHECKSUM_ALGORITHM must be sha1, sha256, sha384 or sha512",
        "LIVE_HTTP_RETRIES must be between 0 and 5",
        "LIVE_JOIN_EARLY_MINUTES must be between 0 and 1440",
    ):
        assert fragment in result.stderr, f"missing {fragment!r} in: {result.stderr[-1200:]}"


def test_bigbluebutton_without_its_secret_is_refused():
    result = live_settings(LIVE_PROVIDER="bigbluebutton", BBB_URL="https://bbb.example/bigbluebutton")
    assert result.returncode != 0
    assert "BBB_URL" in result.stderr and "BBB_SECRET" in result.stderr, result.stderr[-800:]
