"""Cross-cutting HTTP behaviour: request ids, JSON errors on the API, and the
Content-Security-Policy of the HTML pages (admin, API docs)."""

from __future__ import annotations

import logging
from http import HTTPStatus

from django.http import HttpRequest, HttpResponse, HttpResponsePermanentRedirect, JsonResponse
from django.middleware.common import CommonMiddleware as DjangoCommonMiddleware
from django.middleware.locale import LocaleMiddleware as DjangoLocaleMiddleware
from django.utils import translation
from django.utils.http import escape_leading_slashes
from django.utils.translation import gettext_lazy as _

from core.api.exceptions import hostile_request_error, log_hostile_request
from core.logging import reset_request_id, set_request_id

logger = logging.getLogger("core.errors")


def _is_api(request: HttpRequest) -> bool:
    return request.path.startswith("/api/")


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


class LocaleMiddleware(DjangoLocaleMiddleware):
    """Django's: the request's language from ``Accept-Language`` (else ``LANGUAGE_CODE``), and
    ``Content-Language`` and ``Vary: Accept-Language`` on the response. The signed-in user's own
    choice replaces it once DRF authenticates (``core.i18n``), so ``Content-Language`` says what
    the body is written in. The language is reset when the request ends: nothing that runs
    after it on the same thread (a task run in-process) inherits the requester's language.
    """

    def __call__(self, request: HttpRequest) -> HttpResponse:
        try:
            return super().__call__(request)
        finally:
            translation.deactivate()


API_ERROR_DETAILS = {
    400: _("Bad request."),
    404: _("Not found."),
    405: _("Method not allowed."),
    413: _("The request body is too large."),
    500: _("Internal server error"),
}


def _error_detail(status: int) -> str:
    if status in API_ERROR_DETAILS:
        return str(API_ERROR_DETAILS[status])
    try:
        return f"{HTTPStatus(status).phrase}."
    except ValueError:
        return str(_("Error."))


class ApiJsonErrorsMiddleware:
    """Under /api/ every error is JSON. It sits near the top of the stack, so it also turns
    into JSON what Django answers itself before any view runs (an unknown URL, a Host outside
    ALLOWED_HOSTS, and the debug pages of DEBUG mode) and catches unexpected exceptions (500)."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        if (
            _is_api(request)
            and response.status_code >= 400
            and not response.get("Content-Type", "").startswith("application/json")
        ):
            json_response = JsonResponse({"detail": _error_detail(response.status_code)}, status=response.status_code)
            for header, value in response.items():  # Allow, CORS, Vary...
                if header.lower() not in ("content-type", "content-length"):
                    json_response[header] = value
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
        return JsonResponse({"detail": str(_("Internal server error"))}, status=500)


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


class CommonMiddleware(DjangoCommonMiddleware):
    """Django's, except for an /api/ path without its trailing slash: a 308 redirect, which keeps
    the method and the body (Django answers 301, which clients follow with a GET, and in DEBUG
    raises a RuntimeError for a POST or PATCH)."""

    def get_full_path_with_slash(self, request: HttpRequest) -> str:
        if _is_api(request):
            return escape_leading_slashes(request.get_full_path(force_append_slash=True))
        return super().get_full_path_with_slash(request)

    def process_request(self, request: HttpRequest) -> HttpResponse | None:
        return self._keep_method(request, super().process_request(request))

    def process_response(self, request: HttpRequest, response: HttpResponse) -> HttpResponse:
        return self._keep_method(request, super().process_response(request, response))

    @staticmethod
    def _keep_method(request: HttpRequest, response: HttpResponse | None) -> HttpResponse | None:
        if isinstance(response, HttpResponsePermanentRedirect) and _is_api(request):
            response.status_code = HTTPStatus.PERMANENT_REDIRECT
        return response
