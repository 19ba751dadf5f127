"""Serving a stored file over HTTP with single byte-range support (RFC 9110 §14)."""

from __future__ import annotations

import re
from collections.abc import Iterator

from django.core.files.storage import Storage

CHUNK_BYTES = 64 * 1024
_SPEC = re.compile(r"^([0-9]*)-([0-9]*)$")


class RangeNotSatisfiable(Exception):
    """A byte range that is malformed or lies outside the file: answer 416."""


def parse_range(header: str | None, size: int) -> tuple[int, int] | None:
    """``(first, last)`` byte positions (inclusive) for one ``bytes=`` range, or None to send the
    whole file (no header, another unit, or several ranges: a server may ignore those)."""
    if not header:
        return None
    unit, equals, spec = header.partition("=")
    if not equals or unit.strip().lower() != "bytes" or "," in spec:
        return None
    match = _SPEC.match(spec.strip())
    if not match or match.groups() == ("", ""):
        raise RangeNotSatisfiable(header)
    first, last = match.groups()
    if first == "":  # the last N bytes
        suffix = int(last)
        if suffix == 0 or size == 0:
            raise RangeNotSatisfiable(header)
        return max(size - suffix, 0), size - 1
    start = int(first)
    end = min(int(last), size - 1) if last else size - 1
    if start >= size or (last and int(last) < start):
        raise RangeNotSatisfiable(header)
    return start, end


def file_chunks(storage: Storage, name: str, *, start: int, length: int) -> Iterator[bytes]:
    """Yield ``length`` bytes of the stored file from ``start``, a chunk at a time."""
    with storage.open(name, "rb") as file:
        file.seek(start)
        remaining = length
        while remaining > 0:
            chunk = file.read(min(CHUNK_BYTES, remaining))
            if not chunk:
                break
            remaining -= len(chunk)
            yield chunk
