"""The expiring cache behind the public pages' reference data (learnhub.core.cache)."""

from __future__ import annotations

from learnhub.core.cache import ExpiringCache
from tests.factories import ManualClock


def test_a_value_is_reused_until_it_expires() -> None:
    clock, loads = ManualClock(100), []
    cache = ExpiringCache(10, clock)

    def load() -> int:
        loads.append(clock.now)
        return len(loads)

    assert cache.get("areas", load) == 1
    clock.now += 9
    assert cache.get("areas", load) == 1
    clock.now += 2
    assert cache.get("areas", load) == 2
    assert loads == [100, 111]


def test_clear_drops_every_value() -> None:
    cache = ExpiringCache(10, ManualClock())
    cache.get("areas", lambda: "old")
    cache.get("taxonomy", lambda: "old")
    cache.clear()
    assert cache.get("areas", lambda: "new") == "new"
    assert cache.get("taxonomy", lambda: "new") == "new"


def test_a_value_computed_while_the_cache_was_cleared_is_not_kept() -> None:
    cache = ExpiringCache(10, ManualClock())

    def load_during_a_change() -> str:
        cache.clear()  # another thread commits a change while this one is reading
        return "maybe stale"

    assert cache.get("areas", load_during_a_change) == "maybe stale"
    assert cache.get("areas", lambda: "fresh") == "fresh"
