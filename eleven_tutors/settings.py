"""The one settings module: everything that varies comes from the environment.

With no environment variables at all the service runs on its embedded default
(SQLite file, local media, in-process cache, console e-mail, a generated
development secret key). With ``DJANGO_DEBUG=false`` the production variables
are validated at start-up and every missing or malformed one is reported in a
single clear error. Every variable is documented in ``.env.example``.
"""

from __future__ import annotations

import sys
from datetime import timedelta
from pathlib import Path

import environ

from eleven_tutors.envcheck import EnvErrors

BASE_DIR = Path(__file__).resolve().parent.parent

env = environ.Env()
errors = EnvErrors()

TESTING = "pytest" in sys.modules or (len(sys.argv) > 1 and sys.argv[1] == "test")

# --- Core -----------------------------------------------------------------
DEBUG = errors.get(env.bool, "DJANGO_DEBUG", default=True)

SECRET_KEY = env.str("DJANGO_SECRET_KEY", default="")
if not SECRET_KEY:
    if DEBUG:
        # Stable per checkout so sessions survive restarts, never used in production.
        SECRET_KEY = errors.dev_secret_key(BASE_DIR / ".dev-secret-key", quiet=TESTING)
    else:
        errors.add("DJANGO_SECRET_KEY", "is required when DJANGO_DEBUG=false")
elif not DEBUG and (len(SECRET_KEY) < 50 or len(set(SECRET_KEY)) < 5):
    errors.add("DJANGO_SECRET_KEY", "must be at least 50 characters of random data")

ALLOWED_HOSTS = env.list("ALLOWED_HOSTS", default=[])
ALLOWED_HOSTS = [host for host in ALLOWED_HOSTS if host]
if not ALLOWED_HOSTS:
    if DEBUG:
        ALLOWED_HOSTS = ["localhost", "127.0.0.1", "[::1]"]
    else:
        errors.add("ALLOWED_HOSTS", "is required when DJANGO_DEBUG=false (comma-separated host names)")

# Behind a reverse proxy (nginx, a load balancer) the public scheme and host come
# from X-Forwarded-Proto / X-Forwarded-Host. The host is still checked against
# ALLOWED_HOSTS, so a forged header cannot put a foreign host into our links.
USE_X_FORWARDED_HOST = errors.get(env.bool, "USE_X_FORWARDED_HOST", default=True)
# X-Forwarded-Proto decides whether a request counts as HTTPS (secure cookies, the HTTPS
# redirect, https:// links). Any client can send it, so it is trusted only when a proxy that
# overwrites it is configured: NUM_PROXIES > 0, or TRUST_X_FORWARDED_PROTO=true (unset or
# empty: follow NUM_PROXIES).
NUM_PROXIES = errors.get(env.int, "NUM_PROXIES", default=0)
TRUST_X_FORWARDED_PROTO = (
    errors.get(env.bool, "TRUST_X_FORWARDED_PROTO", default=False)
    if env.str("TRUST_X_FORWARDED_PROTO", default="")
    else NUM_PROXIES > 0
)
SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https") if TRUST_X_FORWARDED_PROTO else None

INSTALLED_APPS = [
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
    "core",
    "users",
    "courses",
    "videos",
    "payments",
    "learning",
    "analytics",
    "demo",
]

MIDDLEWARE = [
    "core.middleware.RequestIDMiddleware",
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

# --- Database ---------------------------------------------------------------
_db_url = env.str("DATABASE_URL", default="")
if not _db_url:
    if not DEBUG and not TESTING:
        errors.add("DATABASE_URL", "is required when DJANGO_DEBUG=false (e.g. postgres://user:pass@host:5432/db)")
    _db_url = f"sqlite:///{BASE_DIR / 'db.sqlite3'}"
DATABASES = {"default": errors.database("DATABASE_URL", _db_url)}
DATABASES["default"]["CONN_MAX_AGE"] = errors.get(env.int, "DATABASE_CONN_MAX_AGE", default=60)
DATABASES["default"]["CONN_HEALTH_CHECKS"] = True
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    DATABASES["default"]["CONN_MAX_AGE"] = 0
    # Concurrent requests on the threaded dev server: writers take the lock when their transaction
    # begins (IMMEDIATE) and wait up to `timeout` seconds for it instead of failing with "database
    # is locked"; WAL lets readers go on while one request writes.
    DATABASES["default"].setdefault("OPTIONS", {}).update(
        timeout=20,
        transaction_mode="IMMEDIATE",
        init_command="PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
    )

DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"
AUTH_USER_MODEL = "users.User"

# --- Cache ------------------------------------------------------------------
REDIS_URL = env.str("REDIS_URL", default="")
if REDIS_URL:
    CACHES = {
        "default": {
            "BACKEND": "django_redis.cache.RedisCache",
            "LOCATION": REDIS_URL,
            "KEY_PREFIX": env.str("CACHE_KEY_PREFIX", default="11tutors"),
            "OPTIONS": {
                "SOCKET_CONNECT_TIMEOUT": 2,
                "SOCKET_TIMEOUT": 2,
            },
        }
    }
else:
    CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.locmem.LocMemCache",
            "LOCATION": "11tutors",
        }
    }

# --- Passwords ----------------------------------------------------------------
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
PASSWORD_RESET_TIMEOUT = errors.get(env.int, "PASSWORD_RESET_TIMEOUT", default=3600)
EMAIL_VERIFICATION_TIMEOUT = errors.get(env.int, "EMAIL_VERIFICATION_TIMEOUT", default=3600)

# --- Internationalisation -------------------------------------------------------
LANGUAGE_CODE = "en-us"
TIME_ZONE = "UTC"
USE_I18N = True
USE_TZ = True

# --- Static and media files ------------------------------------------------------
STATIC_URL = "/static/"
STATIC_ROOT = BASE_DIR / "staticfiles"
MEDIA_URL = "/media/"
MEDIA_ROOT = Path(env.str("MEDIA_ROOT", default=str(BASE_DIR / "media")))
# Media are served by the app itself while they live on the local disk (the
# embedded default); in production they live on S3/R2 and this is off.
SERVE_MEDIA = errors.get(env.bool, "SERVE_MEDIA", default=True)
# Cloudflare R2 / S3: setting R2_BUCKET_NAME moves media (uploads, thumbnails) there.
R2_BUCKET_NAME = env.str("R2_BUCKET_NAME", default="")
if R2_BUCKET_NAME:
    for _name in ("R2_ACCESS_KEY_ID", "R2_SECRET_ACCESS_KEY", "R2_ENDPOINT_URL"):
        if not env.str(_name, default=""):
            errors.add(_name, "is required when R2_BUCKET_NAME is set")
    R2_CUSTOM_DOMAIN = env.str("R2_CUSTOM_DOMAIN", default="")
    _r2_connection = {
        "access_key": env.str("R2_ACCESS_KEY_ID", default=""),
        "secret_key": env.str("R2_SECRET_ACCESS_KEY", default=""),
        "endpoint_url": env.str("R2_ENDPOINT_URL", default="") or None,
        "region_name": env.str("R2_REGION", default="auto"),
        "file_overwrite": False,
        "default_acl": None,
        "signature_version": "s3v4",
        "addressing_style": "path",
    }
    _media_storage = {
        "BACKEND": "storages.backends.s3.S3Storage",
        "OPTIONS": {
            **_r2_connection,
            "bucket_name": R2_BUCKET_NAME,
            "custom_domain": R2_CUSTOM_DOMAIN or None,
            # A public custom domain serves plain URLs; otherwise URLs are presigned.
            "querystring_auth": not R2_CUSTOM_DOMAIN,
            "querystring_expire": errors.get(env.int, "R2_URL_EXPIRE_SECONDS", default=3600),
        },
    }
    SERVE_MEDIA = False
else:
    _media_storage = {"BACKEND": "django.core.files.storage.FileSystemStorage"}

# The local video provider's files are private: no public URL may reach them (paid videos
# must only play through a viewer's short-lived playback token). On the local disk they live
# in their own folder outside MEDIA_ROOT, a storage without URLs; on S3/R2 in a private bucket
# (or, with no public custom domain, under a private prefix of the media bucket), handed out
# only as presigned URLs that live VIDEO_OTP_TTL_SECONDS. See videos/storage.py.
VIDEO_PRIVATE_ROOT = Path(env.str("VIDEO_PRIVATE_ROOT", default=str(BASE_DIR / "private" / "videos")))
VIDEO_PRIVATE_PREFIX = "private"  # the videos' prefix when they share the media bucket
if R2_BUCKET_NAME:
    R2_VIDEO_BUCKET_NAME = env.str("R2_VIDEO_BUCKET_NAME", default="")
    if R2_CUSTOM_DOMAIN and R2_VIDEO_BUCKET_NAME in ("", R2_BUCKET_NAME):
        # A custom domain serves every object of its bucket to anyone.
        errors.add("R2_VIDEO_BUCKET_NAME", "is required when R2_CUSTOM_DOMAIN is set: a separate, private bucket")
    _video_storage = {
        "BACKEND": "videos.storage_s3.PrivateS3VideoStorage",
        "OPTIONS": {
            **_r2_connection,
            "bucket_name": R2_VIDEO_BUCKET_NAME or R2_BUCKET_NAME,
            "location": "" if R2_VIDEO_BUCKET_NAME not in ("", R2_BUCKET_NAME) else VIDEO_PRIVATE_PREFIX,
        },
    }
else:
    _public_roots = {"MEDIA_ROOT": MEDIA_ROOT.resolve(), "STATIC_ROOT": STATIC_ROOT.resolve()}
    _private_root = VIDEO_PRIVATE_ROOT.resolve()
    for _name, _public in _public_roots.items():
        if _private_root == _public or _public in _private_root.parents or _private_root in _public.parents:
            errors.add("VIDEO_PRIVATE_ROOT", f"must be a folder apart from {_name}, whose files are public")
    _video_storage = {"BACKEND": "videos.storage.PrivateVideoStorage"}

STORAGES = {
    "default": _media_storage,
    "videos": _video_storage,
    "staticfiles": {
        "BACKEND": (
            "django.contrib.staticfiles.storage.StaticFilesStorage"
            if DEBUG or TESTING
            else "whitenoise.storage.CompressedManifestStaticFilesStorage"
        )
    },
}
MAX_IMAGE_UPLOAD_BYTES = 5 * 1024 * 1024
# Largest width and height (pixels) of an uploaded avatar / course thumbnail, read from the
# image's header before anything decodes it: a few-kilobyte PNG can claim 12,000 x 12,000.
MAX_AVATAR_PIXELS_SIDE = errors.get(env.int, "MAX_AVATAR_PIXELS_SIDE", default=4096)
MAX_THUMBNAIL_PIXELS_SIDE = errors.get(env.int, "MAX_THUMBNAIL_PIXELS_SIDE", default=8000)
for _name, _side in (
    ("MAX_AVATAR_PIXELS_SIDE", MAX_AVATAR_PIXELS_SIDE),
    ("MAX_THUMBNAIL_PIXELS_SIDE", MAX_THUMBNAIL_PIXELS_SIDE),
):
    if _side < 1:
        errors.add(_name, "must be a positive number of pixels")
DATA_UPLOAD_MAX_MEMORY_SIZE = 10 * 1024 * 1024

# --- E-mail -------------------------------------------------------------------------
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

# Anonymous catalog pages are served from the cache for this long (0 turns it off); catalog
# edits, enrolments and reviews invalidate it at once (see courses/cache.py).
CATALOG_CACHE_SECONDS = errors.get(env.int, "CATALOG_CACHE_SECONDS", default=30)

# A tutor's dashboard figures (quick_statistics) are aggregated over every payment and
# enrolment of their courses; they are kept this long per tutor (0 turns it off).
TUTOR_STATISTICS_CACHE_SECONDS = errors.get(env.int, "TUTOR_STATISTICS_CACHE_SECONDS", default=60)

DEFAULT_CURRENCY = env.str("DEFAULT_CURRENCY", default=env.str("STRIPE_CURRENCY", default="USD")).upper()
if DEFAULT_CURRENCY not in ("USD", "EUR", "RUB", "UZS"):
    errors.add("DEFAULT_CURRENCY", "must be one of USD, EUR, RUB, UZS")

FRONTEND_URL = env.str("FRONTEND_URL", default="http://localhost:3000").rstrip("/")

# --- CORS / CSRF --------------------------------------------------------------------
CORS_ALLOWED_ORIGINS = [
    origin
    for origin in env.list("CORS_ALLOWED_ORIGINS", default=["http://localhost:3000", "http://127.0.0.1:3000"])
    if origin
]
CORS_URLS_REGEX = r"^/(api|webhook)/.*$"
CSRF_TRUSTED_ORIGINS = [origin for origin in env.list("CSRF_TRUSTED_ORIGINS", default=[]) if origin]
for _name, _origins in (("CORS_ALLOWED_ORIGINS", CORS_ALLOWED_ORIGINS), ("CSRF_TRUSTED_ORIGINS", CSRF_TRUSTED_ORIGINS)):
    for _origin in _origins:
        if not _origin.startswith(("http://", "https://")) or _origin.endswith("/"):
            errors.add(_name, f"{_origin!r} must look like https://example.com (scheme, host, no path)")

# --- Background tasks (Celery) -------------------------------------------------------------
# With Redis configured, tasks go to the broker and a worker runs them (`celery -A eleven_tutors
# worker --beat`); on the embedded default (and in tests) they run eagerly, in-process.
CELERY_BROKER_URL = env.str("CELERY_BROKER_URL", default=REDIS_URL or "memory://")
CELERY_TASK_ALWAYS_EAGER = errors.get(
    env.bool, "CELERY_TASK_ALWAYS_EAGER", default=TESTING or CELERY_BROKER_URL == "memory://"
)
CELERY_TASK_EAGER_PROPAGATES = True
CELERY_TASK_ACKS_LATE = True
CELERY_TASK_TIME_LIMIT = 300
CELERY_BROKER_CONNECTION_TIMEOUT = 3
CELERY_BROKER_TRANSPORT_OPTIONS = {"socket_connect_timeout": 3, "socket_timeout": 5}
CELERY_TIMEZONE = "UTC"

# --- Video (section 3 of the contract) ------------------------------------------------------
VIDEO_SERVICE_SECRET_KEY = env.str("VIDEO_SERVICE_SECRET_KEY", default="")
VIDEO_PROVIDER = env.str("VIDEO_PROVIDER", default="vdocipher" if VIDEO_SERVICE_SECRET_KEY else "local")
if VIDEO_PROVIDER not in ("vdocipher", "local"):
    errors.add("VIDEO_PROVIDER", "must be vdocipher or local")
elif VIDEO_PROVIDER == "vdocipher" and not VIDEO_SERVICE_SECRET_KEY:
    errors.add("VIDEO_SERVICE_SECRET_KEY", "is required when VIDEO_PROVIDER=vdocipher")
VDOCIPHER_API_BASE = env.str("VDOCIPHER_API_BASE", default="https://dev.vdocipher.com/api").rstrip("/")
VIDEO_OTP_TTL_SECONDS = errors.get(env.int, "VIDEO_OTP_TTL_SECONDS", default=300)
# Viewer watermark (their e-mail, low opacity) on VdoCipher playback.
VIDEO_WATERMARK = errors.get(env.bool, "VIDEO_WATERMARK", default=True)
VIDEO_HTTP_CONNECT_TIMEOUT = errors.get(env.float, "VIDEO_HTTP_CONNECT_TIMEOUT", default=3.0)
VIDEO_HTTP_READ_TIMEOUT = errors.get(env.float, "VIDEO_HTTP_READ_TIMEOUT", default=10.0)
VIDEO_UPLOAD_MAX_BYTES = errors.get(env.int, "VIDEO_UPLOAD_MAX_BYTES", default=1024**3)
# How long the local provider's upload policies and playback URLs stay valid.
VIDEO_LOCAL_UPLOAD_TTL_SECONDS = errors.get(env.int, "VIDEO_LOCAL_UPLOAD_TTL_SECONDS", default=3600)

# --- Payments (Stripe, section 6 of the contract) --------------------------------------------
# Without STRIPE_SECRET_KEY paid checkouts answer 503 "payments are not configured".
STRIPE_SECRET_KEY = env.str("STRIPE_SECRET_KEY", default="")
STRIPE_PUBLIC_KEY = env.str("STRIPE_PUBLIC_KEY", default="")
STRIPE_WEBHOOK_SECRET = env.str("STRIPE_WEBHOOK_SECRET", default="")
STRIPE_API_BASE = env.str("STRIPE_API_BASE", default="https://api.stripe.com").rstrip("/")
STRIPE_CONNECT_TIMEOUT = errors.get(env.float, "STRIPE_CONNECT_TIMEOUT", default=3.0)
STRIPE_READ_TIMEOUT = errors.get(env.float, "STRIPE_READ_TIMEOUT", default=10.0)
STRIPE_MAX_NETWORK_RETRIES = errors.get(env.int, "STRIPE_MAX_NETWORK_RETRIES", default=2)
STRIPE_WEBHOOK_TOLERANCE = errors.get(env.int, "STRIPE_WEBHOOK_TOLERANCE", default=300)
# Stripe accepts 30 minutes to 24 hours.
STRIPE_CHECKOUT_EXPIRES_MINUTES = errors.get(env.int, "STRIPE_CHECKOUT_EXPIRES_MINUTES", default=30)
if not 30 <= STRIPE_CHECKOUT_EXPIRES_MINUTES <= 24 * 60:
    errors.add("STRIPE_CHECKOUT_EXPIRES_MINUTES", "must be between 30 and 1440")
if STRIPE_SECRET_KEY and not STRIPE_WEBHOOK_SECRET and not DEBUG:
    errors.add("STRIPE_WEBHOOK_SECRET", "is required when STRIPE_SECRET_KEY is set")
# reconcile_payments asks Stripe about PENDING payments older than this.
PAYMENT_RECONCILE_AFTER_MINUTES = errors.get(env.int, "PAYMENT_RECONCILE_AFTER_MINUTES", default=15)
CELERY_BEAT_SCHEDULE = {
    "reconcile-payments": {"task": "payments.tasks.reconcile_payments", "schedule": 600.0},
}

# --- REST framework -------------------------------------------------------------------
# Rates are "N/period" with an optional period multiplier: 100/min, 5/15min, 20/hour.
# Per-IP limits on successes are generous (a campus NAT puts a lecture hall behind one address);
# the tight ones count failures: login_account_ip and login_account count failed logins per
# (e-mail, client IP) and per e-mail, register_failures failed registrations per IP;
# register_email counts every registration attempt per e-mail address.
THROTTLE_RATES = {
    scope: errors.rate(f"THROTTLE_{scope.upper()}", env.str(f"THROTTLE_{scope.upper()}", default=rate))
    for scope, rate in {
        "login_ip": "100/min",
        "login_account_ip": "5/15min",
        "login_account": "100/hour",
        "register": "1000/hour",
        "register_failures": "20/hour",
        "register_email": "5/hour",
        "password_reset": "10/hour",
        "email_resend": "5/hour",
        "video_upload": "60/hour",
    }.items()
}

REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": ["users.authentication.JWTAuthentication"],
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.IsAuthenticated"],
    "DEFAULT_RENDERER_CLASSES": ["rest_framework.renderers.JSONRenderer"],
    "DEFAULT_PARSER_CLASSES": [
        "core.api.parsers.JSONParser",
        "rest_framework.parsers.MultiPartParser",
        "rest_framework.parsers.FormParser",
    ],
    "DEFAULT_PAGINATION_CLASS": "core.api.pagination.StandardPagination",
    "PAGE_SIZE": 100,
    "DEFAULT_FILTER_BACKENDS": ["django_filters.rest_framework.DjangoFilterBackend"],
    "DEFAULT_SCHEMA_CLASS": "core.api.schema.AutoSchema",
    "EXCEPTION_HANDLER": "core.api.exceptions.exception_handler",
    "NUM_PROXIES": NUM_PROXIES,
    "TEST_REQUEST_DEFAULT_FORMAT": "json",
    "UNAUTHENTICATED_USER": "django.contrib.auth.models.AnonymousUser",
}

SIMPLE_JWT = {
    "ACCESS_TOKEN_LIFETIME": timedelta(minutes=errors.get(env.int, "JWT_ACCESS_TOKEN_MINUTES", default=30)),
    "REFRESH_TOKEN_LIFETIME": timedelta(days=errors.get(env.int, "JWT_REFRESH_TOKEN_DAYS", default=7)),
    # The web client keeps using its original refresh token: no rotation.
    "ROTATE_REFRESH_TOKENS": False,
    "BLACKLIST_AFTER_ROTATION": False,
    "UPDATE_LAST_LOGIN": False,
    "AUTH_HEADER_TYPES": ("Bearer",),
    "USER_ID_FIELD": "id",
    "USER_ID_CLAIM": "user_id",
    "SIGNING_KEY": env.str("JWT_SIGNING_KEY", default="") or SECRET_KEY,
}

SPECTACULAR_SETTINGS = {
    "TITLE": "11Tutors API",
    "DESCRIPTION": (
        "Backend of the 11Tutors learning platform. Authenticate with "
        "`Authorization: Bearer <access>` (obtain the pair at `/api/auth/token/`)."
    ),
    "VERSION": "1.0.0",
    "SERVE_INCLUDE_SCHEMA": False,
    "COMPONENT_SPLIT_REQUEST": True,
    "SCHEMA_PATH_PREFIX": r"/api/",
    "ENUM_NAME_OVERRIDES": {},
    "SERVE_AUTHENTICATION": [],
    "SERVE_PERMISSIONS": ["rest_framework.permissions.AllowAny"],
    # Swagger UI and ReDoc assets are served by us, not fetched from a CDN.
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    # No "valid" badge fetched from validator.swagger.io (it would send it our schema's URL,
    # and the docs' Content-Security-Policy blocks other origins anyway).
    "SWAGGER_UI_SETTINGS": {"deepLinking": True, "validatorUrl": None},
    "REDOC_DIST": "SIDECAR",
}

# --- Security (production) --------------------------------------------------------------
if not DEBUG:
    SESSION_COOKIE_SECURE = errors.get(env.bool, "SECURE_COOKIES", default=True)
    CSRF_COOKIE_SECURE = SESSION_COOKIE_SECURE
    SECURE_CONTENT_TYPE_NOSNIFF = True
    # HSTS: browsers that once saw the API over HTTPS refuse plain HTTP to it for a year.
    # 0 turns it off. Preloading is a commitment to the browsers' built-in lists that is slow
    # to undo, so it is opt-in (and its reminder, security.W021, is silenced).
    SECURE_HSTS_SECONDS = errors.get(env.int, "SECURE_HSTS_SECONDS", default=31536000)
    if SECURE_HSTS_SECONDS < 0:
        errors.add("SECURE_HSTS_SECONDS", "must be 0 (off) or a number of seconds")
    SECURE_HSTS_INCLUDE_SUBDOMAINS = errors.get(env.bool, "SECURE_HSTS_INCLUDE_SUBDOMAINS", default=True)
    SECURE_HSTS_PRELOAD = errors.get(env.bool, "SECURE_HSTS_PRELOAD", default=False)
    # HTTP -> HTTPS: by default the reverse proxy redirects (it must: see README, Production),
    # and the app does not; SECURE_SSL_REDIRECT=true makes the app redirect too (it needs the
    # proxy's X-Forwarded-Proto trusted, or every request would loop). Django's reminder that
    # the app does not redirect (security.W008) is silenced only while
    # SECURE_SSL_REDIRECT_BY_PROXY says the proxy does it.
    SECURE_SSL_REDIRECT = errors.get(env.bool, "SECURE_SSL_REDIRECT", default=False)
    SECURE_SSL_REDIRECT_BY_PROXY = errors.get(env.bool, "SECURE_SSL_REDIRECT_BY_PROXY", default=True)
    SILENCED_SYSTEM_CHECKS = ["security.W021"]
    if SECURE_SSL_REDIRECT_BY_PROXY and not SECURE_SSL_REDIRECT:
        SILENCED_SYSTEM_CHECKS.append("security.W008")

# --- Logging ----------------------------------------------------------------------------
LOG_LEVEL = env.str("LOG_LEVEL", default="INFO").upper()
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "filters": {"request_id": {"()": "core.logging.RequestIDFilter"}},
    "formatters": {
        "default": {"format": "%(asctime)s %(levelname)s [%(request_id)s] %(name)s: %(message)s"},
    },
    "handlers": {
        "console": {
            "class": "logging.StreamHandler",
            "formatter": "default",
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

errors.raise_if_any()
