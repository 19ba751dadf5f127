"""DRF exception handler: DRF's error shapes, plus JSON 500s that are logged, never HTML."""

from __future__ import annotations

import logging

from django.conf import settings
from django.core.exceptions import (
    NON_FIELD_ERRORS,
    RequestDataTooBig,
    SuspiciousOperation,
    TooManyFieldsSent,
    TooManyFilesSent,
)
from django.core.exceptions import ValidationError as DjangoValidationError
from django.db import InterfaceError, OperationalError
from django.template.defaultfilters import filesizeformat
from django.utils.translation import gettext_lazy as _
from rest_framework import exceptions, status
from rest_framework.exceptions import ValidationError
from rest_framework.response import Response
from rest_framework.settings import api_settings
from rest_framework.views import exception_handler as drf_exception_handler

from core.api.parsers import MALFORMED_JSON_TOO_DEEP
from core.exceptions import ServiceError
from core.throttling import Throttled

logger = logging.getLogger("core.errors")

# Modules whose frames in a RecursionError's traceback show that a request body was being
# decoded as JSON (the standard library, DRF's parser, the Stripe SDK's webhook parsing).
_JSON_DECODING_MODULES = ("json", "json.decoder", "rest_framework.parsers", "stripe._webhook", "stripe._util")


def _raised_while_decoding_json(exc: RecursionError) -> bool:
    traceback = exc.__traceback__
    while traceback is not None:
        if traceback.tb_frame.f_globals.get("__name__") in _JSON_DECODING_MODULES:
            return True
        traceback = traceback.tb_next
    return False


def hostile_request_error(exc: BaseException) -> tuple[int, str] | None:
    """The status and detail for a request the client got wrong at the HTTP level, or None.

    Django's SuspiciousOperation family (a body over DATA_UPLOAD_MAX_MEMORY_SIZE, too many
    fields or files, a forged host, ...) and JSON nested deeper than Python can parse are the
    client's doing: a 4xx, logged as a warning without a traceback, never a 500.
    """
    if isinstance(exc, RequestDataTooBig):
        limit = settings.DATA_UPLOAD_MAX_MEMORY_SIZE
        size = filesizeformat(limit).replace(chr(160), " ")
        return 413, _("The request body is too large (at most %(size)s).") % {"size": size}
    if isinstance(exc, TooManyFieldsSent):
        return 400, _("Too many fields in the request (at most %(limit)s).") % {
            "limit": settings.DATA_UPLOAD_MAX_NUMBER_FIELDS
        }
    if isinstance(exc, TooManyFilesSent):
        return 400, _("Too many files in the request (at most %(limit)s).") % {
            "limit": settings.DATA_UPLOAD_MAX_NUMBER_FILES
        }
    if isinstance(exc, SuspiciousOperation):
        return 400, _("Bad request.")
    if isinstance(exc, RecursionError) and _raised_while_decoding_json(exc):
        return 400, MALFORMED_JSON_TOO_DEEP
    return None


def log_hostile_request(request, exc: BaseException, status_code: int) -> None:
    logger.warning(
        "Refused %s %s with %s: %s: %s",
        getattr(request, "method", "?"),
        getattr(request, "path", "?"),
        status_code,
        type(exc).__name__,
        str(exc)[:200],
    )


DATABASE_UNREACHABLE = (OperationalError, InterfaceError)
DATABASE_RETRY_SECONDS = 5


def exception_handler(exc: Exception, context: dict) -> Response | None:
    if isinstance(exc, DjangoValidationError):
        # A model-level validation error that escaped a service is still bad input; errors of
        # the object as a whole ("__all__") go under DRF's non_field_errors key.
        if hasattr(exc, "error_dict"):
            detail = {
                (api_settings.NON_FIELD_ERRORS_KEY if field == NON_FIELD_ERRORS else field): messages
                for field, messages in exc.message_dict.items()
            }
        else:
            detail = exc.messages
        exc = ValidationError(detail=detail)
    if isinstance(exc, exceptions.Throttled) and not isinstance(exc, Throttled):
        # DRF's own 429 (views without a throttled_detail of their own), in the request's language.
        exc = Throttled(wait=exc.wait)
    if isinstance(exc, ServiceError):
        body = {exc.field: [exc.message]} if exc.field else {"detail": exc.message}
        return Response(body, status=exc.status)
    response = drf_exception_handler(exc, context)
    if response is not None:
        if isinstance(response.data, list):
            # A bare list of messages (a ValidationError not tied to a field) is not one of the
            # API's error shapes: it becomes DRF's map for errors of the input as a whole.
            response.data = {api_settings.NON_FIELD_ERRORS_KEY: response.data}
        return response
    request = context.get("request")
    if (refused := hostile_request_error(exc)) is not None:
        status_code, detail = refused
        log_hostile_request(request, exc, status_code)
        return Response({"detail": detail}, status=status_code)
    if isinstance(exc, DATABASE_UNREACHABLE):
        # The database went away (restart, failover, network): a transient 503 the client (and
        # Stripe, for webhooks) retries, not a 500. The connection is re-opened on a next request.
        logger.error(
            "Database unavailable on %s %s",
            getattr(request, "method", "?"),
            getattr(request, "path", "?"),
            exc_info=exc,
        )
        return Response(
            {"detail": "The service is temporarily unavailable: try again shortly."},
            status=status.HTTP_503_SERVICE_UNAVAILABLE,
            headers={"Retry-After": str(DATABASE_RETRY_SECONDS)},
        )
    logger.error(
        "Unhandled error on %s %s",
        getattr(request, "method", "?"),
        getattr(request, "path", "?"),
        exc_info=exc,
    )
    return Response({"detail": _("Internal server error")}, status=status.HTTP_500_INTERNAL_SERVER_ERROR)
