"""Request ids: one per request, in every log line and in the X-Request-ID header; and the JSON
log format of production (one object per line)."""

from __future__ import annotations

import json
import logging
import re
import uuid
from contextvars import ContextVar
from datetime import UTC, datetime

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


# The attributes every LogRecord has; anything else on a record came from ``extra=`` and is
# written out as a field of its own by JsonFormatter.
_RECORD_ATTRIBUTES = frozenset(vars(logging.LogRecord("", 0, "", 0, "", (), None))) | {"message", "asctime"}


_CELERY_DATA_KEPT = frozenset({"id", "name", "runtime", "eta", "hostname", "exc"})


class JsonFormatter(logging.Formatter):
    """One JSON object per line (LOG_FORMAT=json, the production default): ``time`` (UTC, ISO
    8601), ``level``, ``logger``, ``message``, ``request_id``, the record's ``extra`` fields
    (the request log's user_id, method, path, status, duration_ms, sql_count...) and, after an
    exception, ``exception`` with its traceback."""

    def format(self, record: logging.LogRecord) -> str:
        entry = {
            "time": datetime.fromtimestamp(record.created, tz=UTC).isoformat(timespec="milliseconds"),
            "level": record.levelname,
            "logger": record.name,
            "message": record.getMessage(),
            "request_id": getattr(record, "request_id", None) or get_request_id(),
        }
        for key, value in record.__dict__.items():
            if key not in _RECORD_ATTRIBUTES and key not in entry:
                entry[key] = value
        if record.name.startswith("celery.") and isinstance(entry.get("data"), dict):
            # Celery hands its task records the task's arguments and result: e-mail bodies with
            # sign-in links, addresses. Only the task's identity and timing are logged.
            entry["data"] = {k: v for k, v in entry["data"].items() if k in _CELERY_DATA_KEPT}
        if record.exc_info:
            entry["exception"] = self.formatException(record.exc_info)
        elif record.exc_text:
            entry["exception"] = record.exc_text
        if record.stack_info:
            entry["stack"] = self.formatStack(record.stack_info)
        return json.dumps(entry, default=str, ensure_ascii=False)
