"""The HTTP client of the push providers: HTTP/2 where the server offers it (APNs requires it;
negotiated by TLS ALPN), a timeout on every call, one pooled client per process."""

from __future__ import annotations

import threading

import httpx
from django.conf import settings

_lock = threading.Lock()
_clients: dict[float, httpx.Client] = {}


def client() -> httpx.Client:
    timeout = float(settings.PUSH_TIMEOUT_SECONDS)
    with _lock:
        existing = _clients.get(timeout)
        if existing is None or existing.is_closed:
            existing = _clients[timeout] = httpx.Client(http2=True, timeout=httpx.Timeout(timeout))
        return existing
