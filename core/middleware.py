"""Cross-cutting HTTP behaviour: request ids and JSON errors on the API."""

from __future__ import annotations

import logging

from django.http import HttpRequest, HttpResponse, JsonResponse

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
        logger.error("Unhandled error on %s %s", request.method, request.path, exc_info=exception)
        return JsonResponse({"detail": "Internal server error"}, status=500)
