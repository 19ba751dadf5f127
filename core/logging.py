"""Request ids: one per request, in every log line and in the X-Request-ID header."""

from __future__ import annotations

import logging
import re
import uuid
from contextvars import ContextVar

_request_id: ContextVar[str] = ContextVar("request_id", default="-")
_VALID_INCOMING = re.compile(r"^[A-Za-z0-9._-]{8,64}$")


def get_request_id() -> str:
    return _request_id.get()


def set_request_id(incoming: str | None) -> tuple[str, object]:
    """Adopt a well-formed id from the proxy, or make a new one; returns (id, reset token)."""
    request_id = incoming if incoming and _VALID_INCOMING.match(incoming) else uuid.uuid4().hex
    return request_id, _request_id.set(request_id)


def reset_request_id(token: object) -> None:
    _request_id.reset(token)  # type: ignore[arg-type]


class RequestIDFilter(logging.Filter):
    def filter(self, record: logging.LogRecord) -> bool:
        record.request_id = get_request_id()
        return True
