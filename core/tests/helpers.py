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


def admin_filters_follow(client, url: str, response) -> list[str]:
    """Follow, on the admin changelist ``response`` (got from ``url``), the first option not yet
    selected of every filter: each must offer one and its page must answer 200. Returns the
    titles of the filters followed."""
    changelist = response.context["cl"]
    followed = []
    for spec in changelist.filter_specs:
        choices = [c for c in spec.choices(changelist) if not c["selected"]]
        assert choices, f"{url}: filter {spec.title!r} offers no option"
        query = choices[0]["query_string"]
        filtered = client.get(f"{url}{query}")
        assert filtered.status_code == 200, f"GET {url}{query} ({spec.title}): expected 200, got {filtered.status_code}"
        followed.append(spec.title)
    return followed


def admin_get_ok(client, url: str):
    response = client.get(url)
    assert response.status_code == 200, f"GET {url}: expected 200, got {response.status_code}"
    return response


def admin_changelist_check(client, url: str) -> None:
    """An admin changelist lists rows, its search for "test" finds some, and every filter renders
    (the data must hold a row with "test" in a searchable text)."""
    response = admin_get_ok(client, url)
    assert response.context["cl"].result_count >= 1, f"{url}: expected rows in the changelist"

    response = admin_get_ok(client, f"{url}?q=test")
    assert response.context["cl"].result_count >= 1, f"{url}?q=test: expected the search to find rows"

    checked = admin_filters_follow(client, url, response)
    list_filter = response.context["cl"].model_admin.list_filter
    assert len(checked) == len(list_filter), f"{url}: expected {len(list_filter)} filters checked, got {checked}"
