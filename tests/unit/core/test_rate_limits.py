"""The in-memory moving window behind anonymous rate limits (learnhub.core.anonymity)."""

from __future__ import annotations

import datetime as dt
import threading

from limits import parse

from learnhub.core.anonymity import AnonymousRateLimiter, MemoryWindows
from learnhub.core.shared_store import open_store
from tests.factories import ManualClock


def test_a_window_refuses_the_hit_over_the_limit_until_the_oldest_leaves_it() -> None:
    clock = ManualClock()
    windows = MemoryWindows(clock)
    three_a_minute = parse("3/minute")
    for _ in range(3):
        assert windows.hit(three_a_minute, "report", "client")
        clock.now += 10
    assert not windows.hit(three_a_minute, "report", "client")
    assert not windows.test(three_a_minute, "report", "client")
    clock.now += 31  # the first hit, at 1000, is now more than a minute old
    assert windows.test(three_a_minute, "report", "client")
    assert windows.hit(three_a_minute, "report", "client")
    assert not windows.hit(three_a_minute, "report", "client")


def test_looking_counts_nothing_and_scopes_and_clients_are_counted_apart() -> None:
    windows = MemoryWindows(ManualClock())
    once = parse("1/hour")
    assert windows.test(once, "report", "client")
    assert windows.hit(once, "report", "client")
    assert windows.hit(once, "receipt", "client")
    assert windows.hit(once, "report", "another client")
    assert not windows.hit(once, "report", "client")


def test_threads_sending_together_are_held_to_the_limit() -> None:
    windows = MemoryWindows(ManualClock())
    limit = parse("50/hour")
    allowed: list[bool] = []

    def send() -> None:
        allowed.extend(windows.hit(limit, "report", "client") for _ in range(20))

    threads = [threading.Thread(target=send) for _ in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert allowed.count(True) == 50


def test_counts_start_afresh_with_each_days_key() -> None:
    store = open_store("memory://")
    limiter = AnonymousRateLimiter(store)
    day = dt.date(2026, 11, 25)
    assert limiter.allow("1/day", "report", "198.51.100.77", day)
    assert not limiter.allow("1/day", "report", "198.51.100.77", day)
    assert limiter.allow("1/day", "report", "198.51.100.77", day + dt.timedelta(days=1))
    assert isinstance(store.windows, MemoryWindows)
    assert len(store.windows.keys()) == 1
