"""Security: the reverse proxy's headers, the browser origins allowed in (CORS, CSRF), and the
production settings (secure cookies, HSTS, HTTPS). The Content-Security-Policy of the HTML pages
is in ``core/middleware.py``; README, Production, explains the whole deployment.
"""

from __future__ import annotations

from eleven_tutors.settings.base import DEBUG, env, errors

# --- Reverse proxy ------------------------------------------------------------------------
# Behind a reverse proxy (nginx, a load balancer) the public scheme and host come
# from X-Forwarded-Proto / X-Forwarded-Host. The host is still checked against
# ALLOWED_HOSTS, so a forged header cannot put a foreign host into our links.
USE_X_FORWARDED_HOST = errors.get(env.bool, "USE_X_FORWARDED_HOST", default=True)
# X-Forwarded-Proto decides whether a request counts as HTTPS (secure cookies, the HTTPS
# redirect, https:// links). Any client can send it, so it is trusted only when a proxy that
# overwrites it is configured: NUM_PROXIES > 0, or TRUST_X_FORWARDED_PROTO=true (unset or
# empty: follow NUM_PROXIES). NUM_PROXIES also finds the client IP for the throttles (api.py).
NUM_PROXIES = errors.get(env.int, "NUM_PROXIES", default=0)
TRUST_X_FORWARDED_PROTO = (
    errors.get(env.bool, "TRUST_X_FORWARDED_PROTO", default=False)
    if env.str("TRUST_X_FORWARDED_PROTO", default="")
    else NUM_PROXIES > 0
)
SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https") if TRUST_X_FORWARDED_PROTO else None

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

# --- Production ---------------------------------------------------------------------
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
