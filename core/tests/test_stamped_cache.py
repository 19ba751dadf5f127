"""core.cache.Stamped: entries that writes replace at once, without races."""

from __future__ import annotations

import pytest
from django.core.cache import cache

from core.cache import Stamped

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("viewer_cache_on")]


class Source:
    """A value that changes, and how many times it was read."""

    def __init__(self) -> None:
        self.value, self.reads = 1, 0

    def read(self):
        self.reads += 1
        return self.value


def test_served_from_the_cache_until_a_change():
    things, source = Stamped("things"), Source()
    assert [things.get("a", source.read) for _ in range(3)] == [1, 1, 1]
    assert source.reads == 1
    source.value = 2
    things.changed("a")
    assert things.get("a", source.read) == 2 and source.reads == 2


def test_owners_and_parts_are_separate():
    things, source = Stamped("things"), Source()
    things.get("a", source.read, part="x")
    things.get("a", source.read, part="y")
    things.get("b", source.read, part="x")
    assert source.reads == 3
    things.changed("b")
    things.get("a", source.read, part="x")
    assert source.reads == 3, "a change of b leaves a's entries alone"


def test_a_read_racing_a_write_does_not_keep_the_old_value():
    """The reader computes from the database while a write commits: what it stores carries the
    token it read before, which the write replaced, so the next read computes again."""
    things, source = Stamped("things"), Source()

    def racing_read():
        value = source.read()  # the old value, read before the write commits…
        source.value = 2  # …which commits now
        things.changed("a")
        return value

    assert things.get("a", racing_read) == 1
    assert things.get("a", source.read) == 2


def test_an_evicted_token_invalidates_its_entries():
    things, source = Stamped("things"), Source()
    things.get("a", source.read)
    cache.delete("things:token:a")
    source.value = 2
    assert things.get("a", source.read) == 2


def test_off_means_always_computed(settings):
    settings.VIEWER_CACHE_SECONDS = 0
    things, source = Stamped("things"), Source()
    things.get("a", source.read)
    things.get("a", source.read)
    assert source.reads == 2


def test_entries_asked_along_come_in_the_same_round_trip(monkeypatch):
    accounts, extras, source = Stamped("accounts"), Stamped("extras"), Source()
    accounts.get("a", source.read, along=[extras])
    extras.get("a", source.read)  # fills the cache
    round_trips = []
    real = cache.get_many
    monkeypatch.setattr(cache, "get_many", lambda keys: round_trips.append(keys) or real(keys))
    assert accounts.get("a", source.read, along=[extras]) == 1
    assert extras.get("a", source.read) == 1
    assert len(round_trips) == 1, "the entry asked along came with the first one"
    assert extras.get("b", source.read) == 1 and len(round_trips) == 2, "another owner: its own round trip"


def test_a_change_drops_what_was_fetched_ahead():
    accounts, extras, source = Stamped("accounts"), Stamped("extras"), Source()
    extras.get("a", source.read)
    accounts.get("a", source.read, along=[extras])
    source.value = 2
    extras.changed("a")
    assert extras.get("a", source.read) == 2
