"""The API: Django REST framework, JWT authentication, the OpenAPI docs, and the throttles."""

from __future__ import annotations

from datetime import timedelta

from eleven_tutors.settings.base import SECRET_KEY, SECRET_KEY_FALLBACKS, env, errors
from eleven_tutors.settings.security import NUM_PROXIES

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
        "community_post": "10/min",
    }.items()
}

REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": ["users.authentication.JWTAuthentication"],
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.IsAuthenticated"],
    "DEFAULT_RENDERER_CLASSES": ["core.api.renderers.FastJSONRenderer"],
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
# Keys tokens may still be signed with during a rotation (users.jwt): new tokens are signed with
# SIGNING_KEY, tokens signed with these keep working until they expire. Default: the secret key's
# fallbacks while the JWT key is the secret key.
JWT_SIGNING_KEY_FALLBACKS = [key for key in env.list("JWT_SIGNING_KEY_FALLBACKS", default=[]) if key] or (
    [] if env.str("JWT_SIGNING_KEY", default="") else SECRET_KEY_FALLBACKS
)

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
    "ENUM_NAME_OVERRIDES": {
        "ThreadKindEnum": "community.models.ThreadKind",
        "EarningEntryKindEnum": "payments.models.EntryKind",
    },
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
