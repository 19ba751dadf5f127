"""Core Django: debug, secret key, hosts, apps, middleware, templates, passwords, i18n, static
files, logging; and the one ``env`` and ``errors`` every settings module reads and reports into.
"""

from __future__ import annotations

from pathlib import Path

import environ

from eleven_tutors.envcheck import EnvErrors

BASE_DIR = Path(__file__).resolve().parent.parent.parent

env = environ.Env()
errors = EnvErrors()

# --- Core -----------------------------------------------------------------
DEBUG = errors.get(env.bool, "DJANGO_DEBUG", default=True)

SECRET_KEY = env.str("DJANGO_SECRET_KEY", default="")
if not SECRET_KEY:
    if DEBUG:
        # Stable per checkout so sessions survive restarts, never used in production.
        SECRET_KEY = errors.dev_secret_key(BASE_DIR / ".dev-secret-key")
    else:
        errors.require("DJANGO_SECRET_KEY", "is required when DJANGO_DEBUG=false")
elif not DEBUG and (len(SECRET_KEY) < 50 or len(set(SECRET_KEY)) < 5):
    errors.add("DJANGO_SECRET_KEY", "must be at least 50 characters of random data")

# Rotation: the previous keys, still accepted for what they signed (docs/deployment.md).
SECRET_KEY_FALLBACKS = [key for key in env.list("DJANGO_SECRET_KEY_FALLBACKS", default=[]) if key]

ALLOWED_HOSTS = env.list("ALLOWED_HOSTS", default=[])
ALLOWED_HOSTS = [host for host in ALLOWED_HOSTS if host]
if not ALLOWED_HOSTS:
    if DEBUG:
        ALLOWED_HOSTS = ["localhost", "127.0.0.1", "[::1]"]
    else:
        errors.require("ALLOWED_HOSTS", "is required when DJANGO_DEBUG=false (comma-separated host names)")

INSTALLED_APPS = [
    # First: its runserver serves HTTP and WebSocket (ASGI) on the embedded default (make run).
    "daphne",
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "rest_framework",
    "rest_framework_simplejwt",
    "rest_framework_simplejwt.token_blacklist",
    "django_filters",
    "corsheaders",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    "django_prometheus",
    "channels",
    "core",
    "notifications",
    "users",
    "courses",
    "videos",
    "payments",
    "learning",
    "community",
    "live",
    "analytics",
    "demo",
]

MIDDLEWARE = [
    "core.middleware.RequestIDMiddleware",
    # Observability (settings/observability.py): the request's Prometheus figures, log record
    # and SQL count, timed from here.
    "core.observability.RequestLogMiddleware",
    # The request's language (Accept-Language; a signed-in user's own choice replaces it once
    # DRF authenticates: core.i18n), Content-Language; outside the JSON errors, which it translates.
    "core.middleware.LocaleMiddleware",
    "core.middleware.ApiJsonErrorsMiddleware",
    "django.middleware.security.SecurityMiddleware",
    "core.middleware.ContentSecurityPolicyMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "corsheaders.middleware.CorsMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "core.middleware.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
]

ROOT_URLCONF = "eleven_tutors.urls"
WSGI_APPLICATION = "eleven_tutors.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
            ],
        },
    },
]

DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"
AUTH_USER_MODEL = "users.User"

# --- Passwords ----------------------------------------------------------------
# Argon2id (users.hashers: OWASP's minimum, m=19 MiB, t=2, p=1) for every new hash. The others
# only verify older hashes (PBKDF2 at 1,000,000 iterations, Django's default Argon2 parameters);
# Django rehashes such a password with the first hasher at the next successful login.
PASSWORD_HASHERS = [
    "users.hashers.Argon2idPasswordHasher",
    "django.contrib.auth.hashers.PBKDF2PasswordHasher",
    "django.contrib.auth.hashers.PBKDF2SHA1PasswordHasher",
    "django.contrib.auth.hashers.Argon2PasswordHasher",
]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
PASSWORD_RESET_TIMEOUT = errors.get(env.int, "PASSWORD_RESET_TIMEOUT", default=3600)
EMAIL_VERIFICATION_TIMEOUT = errors.get(env.int, "EMAIL_VERIFICATION_TIMEOUT", default=3600)

# --- Internationalisation -------------------------------------------------------
# The languages of the API, its e-mails and certificates (core.i18n; README "Languages"). To add
# one: append it here, run `make messages`, translate locale/<code>/LC_MESSAGES/django.po.
LANGUAGE_CODE = "en"
LANGUAGES = [
    ("en", "English"),
    ("ru", "Русский"),
    ("es", "Español"),
    ("uz", "O\u02bbzbekcha"),  # Uzbek, Latin script
]
# Our catalogs (`make messages`), then translations of the libraries' own messages for languages
# they ship none of (Django REST framework and simplejwt have no Uzbek).
LOCALE_PATHS = [BASE_DIR / "locale", BASE_DIR / "locale_vendor"]
TIME_ZONE = "UTC"
USE_I18N = True
USE_TZ = True

# --- Static files (served by whitenoise; media and uploads: storage.py) ------------------
STATIC_URL = "/static/"
# Where `manage.py collectstatic` gathers them (deploy: make serve-prod, the Dockerfile).
STATIC_ROOT = Path(env.str("STATIC_ROOT", default=str(BASE_DIR / "staticfiles")))
DATA_UPLOAD_MAX_MEMORY_SIZE = 10 * 1024 * 1024

# --- The web client and the app's own caches -------------------------------------------
FRONTEND_URL = env.str("FRONTEND_URL", default="http://localhost:3000").rstrip("/")

# Anonymous catalog pages are served from the cache for this long (0 turns it off); catalog
# edits, enrolments and reviews invalidate it at once (see courses/cache.py).
CATALOG_CACHE_SECONDS = errors.get(env.int, "CATALOG_CACHE_SECONDS", default=30)

# A tutor's dashboard figures (quick_statistics) are aggregated over every payment and
# enrolment of their courses; they are kept this long per tutor (0 turns it off).
TUTOR_STATISTICS_CACHE_SECONDS = errors.get(env.int, "TUTOR_STATISTICS_CACHE_SECONDS", default=60)
# Signed-in viewers' account row, enrolments and course progress are cached at most this long
# (core.cache); every write to them replaces the cached copy at once. 0: always read.
VIEWER_CACHE_SECONDS = errors.get(env.int, "VIEWER_CACHE_SECONDS", default=300)
# After a change, a tutor's figures are recomputed at most once per this many seconds.
TUTOR_STATISTICS_REFRESH_SECONDS = errors.get(env.int, "TUTOR_STATISTICS_REFRESH_SECONDS", default=10)

# --- Logging ----------------------------------------------------------------------------
LOG_LEVEL = env.str("LOG_LEVEL", default="INFO").upper()
# json: one JSON object per line (core.logging.JsonFormatter), for a log collector; text: lines
# for a person to read. JSON in production, text on the embedded default.
LOG_FORMAT = env.str("LOG_FORMAT", default="text" if DEBUG else "json").lower()
if LOG_FORMAT not in ("json", "text"):
    errors.add("LOG_FORMAT", "must be json or text")
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "filters": {"request_id": {"()": "core.logging.RequestIDFilter"}},
    "formatters": {
        "default": {"format": "%(asctime)s %(levelname)s [%(request_id)s] %(name)s: %(message)s"},
        "json": {"()": "core.logging.JsonFormatter"},
    },
    "handlers": {
        "console": {
            "class": "logging.StreamHandler",
            "formatter": "json" if LOG_FORMAT == "json" else "default",
            "filters": ["request_id"],
        },
    },
    "root": {"handlers": ["console"], "level": LOG_LEVEL},
    "loggers": {
        "django": {"handlers": ["console"], "level": LOG_LEVEL, "propagate": False},
        # Request errors are logged once, by our own handlers, with the request id.
        "django.request": {"handlers": ["console"], "level": "ERROR", "propagate": False},
    },
}
