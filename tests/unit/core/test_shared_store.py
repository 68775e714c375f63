"""The shared store behind rate limits and sign-in throttling, in memory and in the real Redis:
changes are atomic between processes, the day's secret is one for every process and expires
when its day ends, and a reset touches only LearnHub's keys."""

from __future__ import annotations

import datetime as dt
import threading
import time
from collections.abc import Iterator

import pytest

from learnhub.auth.throttle import LoginPolicy, LoginThrottle, Waiting
from learnhub.core.anonymity import AnonymousRateLimiter
from learnhub.core.shared_store import SharedStore, open_store, per_process_problem
from learnhub.core.time import end_of_day
from tests.factories import ManualClock
from tests.redis_dbs import redis_database

POLICY = LoginPolicy(
    max_failures=5, client_max_failures=20, max_delay_seconds=60, failure_window_minutes=15
)


@pytest.fixture(params=["memory", "redis"])
def store_url(request: pytest.FixtureRequest) -> Iterator[str]:
    if request.param == "memory":
        yield "memory://"
    else:
        with redis_database("store") as url:
            yield url


def two_processes(url: str) -> tuple[SharedStore, SharedStore]:
    """Two stores on one URL, as two web processes have; memory:// is one process's own."""
    first = open_store(url)
    return first, (open_store(url) if first.shared else first)


def test_changes_made_together_by_two_processes_all_count(store_url: str) -> None:
    stores = two_processes(store_url)

    def add_one(record: dict | None) -> dict:
        return {"n": (record or {"n": 0})["n"] + 1}

    def work(store: SharedStore) -> None:
        for _ in range(50):
            store.update("test:counter", add_one, 60)

    threads = [threading.Thread(target=work, args=(stores[i % 2],)) for i in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert stores[1].records("test:") == {"test:counter": {"n": 200}}
    stores[0].delete("test:counter")
    assert stores[1].records("test:") == {}


def test_every_process_keys_a_client_alike_and_the_secret_ends_with_its_day(
    store_url: str,
) -> None:
    first, second = two_processes(store_url)
    today = dt.date.today()
    limiters = [AnonymousRateLimiter(store, "Europe/London") for store in (first, second)]
    assert limiters[0].client_key("198.51.100.7", today) == limiters[1].client_key(
        "198.51.100.7", today
    )
    assert limiters[0].client_key("198.51.100.7", today) != limiters[0].client_key(
        "198.51.100.8", today
    )
    # Ten hits in total across both processes, whichever serves.
    allowed = [
        limiters[n % 2].allow("10/hour", "receipt", "198.51.100.7", today) for n in range(25)
    ]
    assert allowed == [True] * 10 + [False] * 15
    if first.shared:
        ttl = first.redis.pttl(f"learnhub:day-secret:{today.isoformat()}") / 1000  # type: ignore[attr-defined]
        left_today = end_of_day(today, "Europe/London") - time.time()
        assert 0 < ttl <= left_today + 1


def test_a_process_reads_the_days_secret_once_a_minute_and_again_after_a_reset() -> None:
    """One Redis round trip fewer on every rate-limited request (a report's Send among them)."""
    with redis_database("store") as url:
        store, other = open_store(url), open_store(url)
        today = dt.date.today()
        name = f"learnhub:day-secret:{today.isoformat()}"
        secret = store.day_secret(today, end_of_day(today, "UTC"))
        store.redis.delete(name)  # type: ignore[attr-defined]
        assert store.day_secret(today, end_of_day(today, "UTC")) == secret
        assert store.redis.get(name) is None  # type: ignore[attr-defined]  # not read again
        store._secret_read_at -= store.SECRET_KEPT_SECONDS  # type: ignore[attr-defined]
        fresh = store.day_secret(today, end_of_day(today, "UTC"))
        assert fresh != secret
        assert other.day_secret(today, end_of_day(today, "UTC")) == fresh
        store.reset()
        assert store.day_secret(today, end_of_day(today, "UTC")) != fresh


def test_a_reset_leaves_keys_that_are_not_learnhubs(store_url: str) -> None:
    store = open_store(store_url)
    store.update("test:x", lambda record: {"n": 1}, 60)
    if store.shared:
        store.redis.set("someone-else", "kept")  # type: ignore[attr-defined]
    store.reset()
    assert store.records("test:") == {}
    if store.shared:
        assert store.redis.get("someone-else") == b"kept"  # type: ignore[attr-defined]


def test_two_processes_share_one_sign_in_throttle(store_url: str) -> None:
    clock = ManualClock(time.time())
    throttles = [
        LoginThrottle(store, POLICY, "secret", lambda client: "client", clock)
        for store in two_processes(store_url)
    ]
    keys = (throttles[0].account_key("someone@example.org"),)
    for n in range(POLICY.max_failures + 1):
        throttles[n % 2].end(throttles[n % 2].begin(keys), failed=True)
    with pytest.raises(Waiting) as waiting:
        throttles[1].begin(keys)
    assert waiting.value.seconds == 2
    clock.now += 2
    # Attempts sent together as the wait ends get one go between them: the first claims it.
    attempt = throttles[0].begin(keys)
    with pytest.raises(Waiting):
        throttles[1].begin(keys)
    throttles[0].end(attempt, failed=False)
    assert throttles[1].begin(keys).claimed == ()
    held = repr(throttles[0].store.records("login:"))
    assert "someone" not in held
    assert "example.org" not in held


@pytest.mark.parametrize(
    ("storage", "workers", "refused"),
    [("memory://", 2, True), ("memory://", 1, False), ("redis://127.0.0.1:6379/0", 4, False)],
)
def test_per_process_counting_is_named_as_a_problem_only_with_several_workers(
    storage: str, workers: int, refused: bool
) -> None:
    problem = per_process_problem({"RATE_LIMIT_STORAGE": storage}, workers)
    assert (problem is not None) is refused


def test_the_wait_until_a_limit_allows_again_is_told_in_memory_and_in_redis(
    store_url: str,
) -> None:
    limiter = AnonymousRateLimiter(open_store(store_url), "Europe/London")
    today = dt.date.today()
    assert limiter.wait_seconds("2/hour", "report", "198.51.100.7", today) == 0
    for _ in range(2):
        assert limiter.allow("2/hour", "report", "198.51.100.7", today)
    assert 3590 < limiter.wait_seconds("2/hour", "report", "198.51.100.7", today) <= 3600
    assert limiter.wait_seconds("2/hour", "report", "198.51.100.8", today) == 0
