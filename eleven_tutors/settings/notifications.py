"""Notifications (``notifications/``): batch size, the channel layer of the WebSocket endpoint,
and the push providers (FCM HTTP v1 for Android and the web, APNs for iOS). Push to a platform is
off until its variables are set; half a configuration is an error at start-up."""

from __future__ import annotations

import json

from eleven_tutors.settings.base import env, errors
from eleven_tutors.settings.cache import REDIS_URL

# How many recipients one INSERT holds (an announcement to 1,000 students: 5 batches of 200).
NOTIFICATIONS_BATCH_SIZE = errors.get(env.int, "NOTIFICATIONS_BATCH_SIZE", default=200)
if not 1 <= NOTIFICATIONS_BATCH_SIZE <= 1000:
    errors.add("NOTIFICATIONS_BATCH_SIZE", "must be between 1 and 1000")

# Django Channels: Redis between the web processes and the workers in production, in-process
# memory on the embedded default (where the tasks run in the web process anyway).
ASGI_APPLICATION = "eleven_tutors.asgi.application"
if REDIS_URL:
    CHANNEL_LAYERS = {
        "default": {
            "BACKEND": "channels_redis.core.RedisChannelLayer",
            "CONFIG": {
                "hosts": [REDIS_URL],
                "prefix": env.str("CHANNELS_PREFIX", default="11tutors:ws"),
                "capacity": 1000,
                "expiry": 60,
            },
        }
    }
else:
    CHANNEL_LAYERS = {"default": {"BACKEND": "channels.layers.InMemoryChannelLayer"}}

# Every call to FCM, APNs and Google's token endpoint gives up after this many seconds.
PUSH_TIMEOUT_SECONDS = errors.get(env.float, "PUSH_TIMEOUT_SECONDS", default=10.0)

# Firebase Cloud Messaging HTTP v1: the project and a service account's JSON key (the file's
# content in FCM_SERVICE_ACCOUNT_JSON, or its path in FCM_SERVICE_ACCOUNT_FILE).
FCM_PROJECT_ID = env.str("FCM_PROJECT_ID", default="")
FCM_BASE_URL = env.str("FCM_BASE_URL", default="https://fcm.googleapis.com").rstrip("/")
FCM_SERVICE_ACCOUNT: dict = {}
_fcm_json = env.str("FCM_SERVICE_ACCOUNT_JSON", default="")
_fcm_file = env.str("FCM_SERVICE_ACCOUNT_FILE", default="")
if _fcm_json or _fcm_file:
    try:
        if _fcm_json:
            FCM_SERVICE_ACCOUNT = json.loads(_fcm_json)
        else:
            with open(_fcm_file, encoding="utf-8") as account_file:
                FCM_SERVICE_ACCOUNT = json.load(account_file)
        missing = {"client_email", "private_key", "token_uri"} - set(FCM_SERVICE_ACCOUNT)
        if missing:
            errors.add("FCM_SERVICE_ACCOUNT_JSON", f"the service account lacks {', '.join(sorted(missing))}")
    except (OSError, ValueError) as exc:
        errors.add("FCM_SERVICE_ACCOUNT_JSON", f"is not a readable service-account JSON key ({exc.__class__.__name__})")
        FCM_SERVICE_ACCOUNT = {}
if FCM_PROJECT_ID and not (_fcm_json or _fcm_file):
    errors.add("FCM_SERVICE_ACCOUNT_JSON", "is required with FCM_PROJECT_ID (or FCM_SERVICE_ACCOUNT_FILE)")

# APNs, token-based (a .p8 signing key): key id, team id, the key's PEM text, the app's bundle
# id; the sandbox is https://api.sandbox.push.apple.com.
APNS_KEY_ID = env.str("APNS_KEY_ID", default="")
APNS_TEAM_ID = env.str("APNS_TEAM_ID", default="")
APNS_PRIVATE_KEY = env.str("APNS_PRIVATE_KEY", default="").replace("\\n", "\n")
APNS_TOPIC = env.str("APNS_TOPIC", default="")
APNS_BASE_URL = env.str("APNS_BASE_URL", default="https://api.push.apple.com").rstrip("/")
_apns = {
    "APNS_KEY_ID": APNS_KEY_ID,
    "APNS_TEAM_ID": APNS_TEAM_ID,
    "APNS_PRIVATE_KEY": APNS_PRIVATE_KEY,
    "APNS_TOPIC": APNS_TOPIC,
}
if any(_apns.values()):
    for _name, _value in _apns.items():
        if not _value:
            errors.add(_name, "is required when any APNS_* variable is set")
