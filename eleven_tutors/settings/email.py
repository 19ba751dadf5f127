"""E-mail: SMTP with ``EMAIL_HOST``, else printed to the console."""

from __future__ import annotations

from eleven_tutors.settings.base import env, errors

EMAIL_HOST = env.str("EMAIL_HOST", default="")
EMAIL_PORT = errors.get(env.int, "EMAIL_PORT", default=587)
EMAIL_HOST_USER = env.str("EMAIL_HOST_USER", default="")
EMAIL_HOST_PASSWORD = env.str("EMAIL_HOST_PASSWORD", default="")
EMAIL_USE_TLS = errors.get(env.bool, "EMAIL_USE_TLS", default=True)
EMAIL_TIMEOUT = errors.get(env.int, "EMAIL_TIMEOUT", default=10)
EMAIL_BACKEND = env.str(
    "EMAIL_BACKEND",
    default=(
        "django.core.mail.backends.smtp.EmailBackend"
        if EMAIL_HOST
        else "django.core.mail.backends.console.EmailBackend"
    ),
)
DEFAULT_FROM_EMAIL = env.str("DEFAULT_FROM_EMAIL", default="11Tutors <no-reply@11tutors.com>")
SERVER_EMAIL = DEFAULT_FROM_EMAIL
