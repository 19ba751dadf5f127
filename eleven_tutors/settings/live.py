"""Live sessions (``live/``): the meeting provider and its credentials, the join window and the
reminders' schedule.

``LIVE_PROVIDER`` is chosen from what is configured: ``bigbluebutton`` with ``BBB_URL`` and
``BBB_SECRET``, else ``jitsi`` with ``JITSI_DOMAIN``, ``JITSI_APP_ID`` and ``JITSI_APP_SECRET``,
else ``public_room`` (the embedded default: a Jitsi-style room link on ``LIVE_PUBLIC_ROOM_BASE``,
no secret, no third-party account). A tutor may always choose ``external`` (their own meeting
URL) instead.
"""

from __future__ import annotations

from eleven_tutors.settings.base import env, errors

LIVE_PROVIDERS = ("bigbluebutton", "jitsi", "public_room")

BBB_URL = env.str("BBB_URL", default="").rstrip("/")
BBB_SECRET = env.str("BBB_SECRET", default="")
BBB_CHECKSUM_ALGORITHM = env.str("BBB_CHECKSUM_ALGORITHM", default="sha1").lower()
if BBB_CHECKSUM_ALGORITHM not in ("sha1", "sha256", "sha384", "sha512"):
    errors.add("BBB_CHECKSUM_ALGORITHM", "must be sha1, sha256, sha384 or sha512")
JITSI_DOMAIN = env.str("JITSI_DOMAIN", default="")
JITSI_APP_ID = env.str("JITSI_APP_ID", default="")
JITSI_APP_SECRET = env.str("JITSI_APP_SECRET", default="")
LIVE_PUBLIC_ROOM_BASE = env.str("LIVE_PUBLIC_ROOM_BASE", default="https://meet.jit.si").rstrip("/")

if BBB_URL and BBB_SECRET:
    _default_provider = "bigbluebutton"
elif JITSI_DOMAIN and JITSI_APP_ID and JITSI_APP_SECRET:
    _default_provider = "jitsi"
else:
    _default_provider = "public_room"
LIVE_PROVIDER = env.str("LIVE_PROVIDER", default=_default_provider)
if LIVE_PROVIDER not in LIVE_PROVIDERS:
    errors.add("LIVE_PROVIDER", f"must be one of {', '.join(LIVE_PROVIDERS)}")
elif LIVE_PROVIDER == "bigbluebutton" and not (BBB_URL and BBB_SECRET):
    errors.require("BBB_URL", "and BBB_SECRET are required when LIVE_PROVIDER=bigbluebutton")
elif LIVE_PROVIDER == "jitsi" and not (JITSI_DOMAIN and JITSI_APP_ID and JITSI_APP_SECRET):
    errors.require("JITSI_APP_SECRET", "with JITSI_DOMAIN and JITSI_APP_ID is required when LIVE_PROVIDER=jitsi")

LIVE_HTTP_CONNECT_TIMEOUT = errors.get(env.float, "LIVE_HTTP_CONNECT_TIMEOUT", default=3.0)
LIVE_HTTP_READ_TIMEOUT = errors.get(env.float, "LIVE_HTTP_READ_TIMEOUT", default=10.0)
LIVE_HTTP_RETRIES = errors.get(env.int, "LIVE_HTTP_RETRIES", default=2)
if not 0 <= LIVE_HTTP_RETRIES <= 5:
    errors.add("LIVE_HTTP_RETRIES", "must be between 0 and 5")

# Joining opens this many minutes before the start (``join_available_from``).
LIVE_JOIN_EARLY_MINUTES = errors.get(env.int, "LIVE_JOIN_EARLY_MINUTES", default=15)
if not 0 <= LIVE_JOIN_EARLY_MINUTES <= 1440:
    errors.add("LIVE_JOIN_EARLY_MINUTES", "must be between 0 and 1440")
# How often Celery beat looks for reminders to send (24 hours and 15 minutes before the start).
LIVE_REMINDER_INTERVAL_SECONDS = errors.get(env.int, "LIVE_REMINDER_INTERVAL_SECONDS", default=60)
if LIVE_REMINDER_INTERVAL_SECONDS < 1:
    errors.add("LIVE_REMINDER_INTERVAL_SECONDS", "must be a positive number of seconds")
