"""Cross-cutting HTTP behaviour: request ids, JSON errors on the API, and the
Content-Security-Policy of the HTML pages (admin, API docs)."""

from __future__ import annotations

import logging

from django.http import HttpRequest, HttpResponse, JsonResponse
from django.views import defaults

from core.api.exceptions import hostile_request_error, log_hostile_request
from core.logging import reset_request_id, set_request_id

logger = logging.getLogger("core.errors")


def _is_api(request: HttpRequest) -> bool:
    return request.path.startswith("/api/")


def bad_request(request: HttpRequest, exception: Exception) -> HttpResponse:
    """``handler400``: what Django answers itself for a bad request, before any view or the
    middleware below it (a Host not in ALLOWED_HOSTS): JSON under /api/, else Django's page."""
    if _is_api(request):
        return JsonResponse({"detail": "Bad request."}, status=400)
    return defaults.bad_request(request, exception)


class RequestIDMiddleware:
    """Gives every request an id (or adopts the proxy's X-Request-ID) for logs and the response."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        request_id, token = set_request_id(request.headers.get("X-Request-ID"))
        request.request_id = request_id
        try:
            response = self.get_response(request)
            response["X-Request-ID"] = request_id
            return response
        finally:
            reset_request_id(token)


class ApiJsonErrorsMiddleware:
    """Under /api/ every error is JSON: unknown URLs (404) and unexpected exceptions (500)."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        if (
            _is_api(request)
            and response.status_code in (404, 405)
            and not response.get("Content-Type", "").startswith("application/json")
        ):
            detail = "Not found." if response.status_code == 404 else "Method not allowed."
            json_response = JsonResponse({"detail": detail}, status=response.status_code)
            if response.has_header("Allow"):
                json_response["Allow"] = response["Allow"]
            return json_response
        return response

    def process_exception(self, request: HttpRequest, exception: Exception) -> HttpResponse | None:
        if not _is_api(request):
            return None
        if (refused := hostile_request_error(exception)) is not None:
            status_code, detail = refused
            log_hostile_request(request, exception, status_code)
            return JsonResponse({"detail": detail}, status=status_code)
        logger.error("Unhandled error on %s %s", request.method, request.path, exc_info=exception)
        return JsonResponse({"detail": "Internal server error"}, status=500)


# The HTML pages we serve: the admin and the API docs (Swagger UI and ReDoc from
# drf-spectacular-sidecar, with Swagger UI's initializer as a separate same-origin script).
# Scripts come from our own origin only: no inline scripts, no eval. Inline styles stay
# allowed (the admin's change list and the docs' pages have a <style> block, and ReDoc
# injects its styles at run time); ReDoc's search runs in a Worker built from a blob: URL.
CONTENT_SECURITY_POLICY = "; ".join(
    [
        "default-src 'self'",
        "script-src 'self'",
        "style-src 'self' 'unsafe-inline'",
        "img-src 'self' data:",
        "font-src 'self' data:",
        "connect-src 'self'",
        "worker-src 'self' blob:",
        "object-src 'none'",
        "base-uri 'self'",
        "form-action 'self'",
        "frame-ancestors 'none'",
    ]
)
CSP_PATH_PREFIXES = ("/admin/", "/api/docs/", "/api/redoc/")


class ContentSecurityPolicyMiddleware:
    """Adds CONTENT_SECURITY_POLICY to the admin's and the API docs' pages."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        if request.path.startswith(CSP_PATH_PREFIXES) and "Content-Security-Policy" not in response:
            response["Content-Security-Policy"] = CONTENT_SECURITY_POLICY
        return response
