"""Errors that services raise for the API to answer with a 4xx (see core.api.exceptions)."""

from __future__ import annotations


class ServiceError(Exception):
    """A request a service refuses. ``status`` is the HTTP status; ``field`` names the input at fault."""

    status = 400

    def __init__(self, message: str, *, field: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.field = field


class Conflict(ServiceError):
    status = 409


class PaymentRequired(ServiceError):
    status = 402


class Forbidden(ServiceError):
    """The caller is known but may not do this (a business rule, e.g. who may review a course)."""

    status = 403
