"""Helpers shared by the apps' tests."""

from __future__ import annotations

import threading
from collections.abc import Callable, Sequence
from concurrent.futures import ThreadPoolExecutor
from typing import TypeVar

from django.db import close_old_connections, connection

T = TypeVar("T")


def run_together(calls: Sequence[Callable[[], T]], *, timeout: float = 60) -> list[T]:
    """Run each call in a thread of its own, all released at the same moment (a barrier), and
    return their results in order; an exception in a call is raised here. Each thread closes
    its database connection when it is done, so transactional tests can flush afterwards."""
    start = threading.Barrier(len(calls))

    def run(call: Callable[[], T]) -> T:
        try:
            start.wait(timeout=30)
            return call()
        finally:
            close_old_connections()
            connection.close()

    with ThreadPoolExecutor(max_workers=len(calls)) as pool:
        futures = [pool.submit(run, call) for call in calls]
        return [future.result(timeout=timeout) for future in futures]
