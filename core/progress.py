"""A small progress bar for management commands (no extra dependency)."""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from typing import TypeVar

T = TypeVar("T")


def progress(items: Iterable[T], *, total: int, label: str, stream) -> Iterator[T]:
    """Yield ``items`` while drawing ``label [#####.....] n/total`` on ``stream``."""
    width = 30
    interactive = hasattr(stream, "isatty") and stream.isatty()
    last_decile = -1
    for done, item in enumerate(items, start=1):
        yield item
        filled = width * done // max(total, 1)
        bar = f"{label} [{'#' * filled}{'.' * (width - filled)}] {done}/{total}"
        if interactive:
            stream.write("\r" + bar, ending="" if done < total else "\n")
            stream.flush()
        else:
            decile = 10 * done // max(total, 1)
            if decile != last_decile or done == total:
                last_decile = decile
                stream.write(bar)
