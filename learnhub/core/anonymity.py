"""Keeping reporters anonymous in rate limits: they key on a hash of the client address under a
random secret that changes every day and is forgotten when the day ends. (Logs: see
``learnhub.core.anonymous_routes`` and ``learnhub.core.log_summary``.)
"""

from __future__ import annotations

import datetime as dt
import functools
import hashlib
import hmac
import threading
import time
from collections import deque
from collections.abc import Callable
from typing import TYPE_CHECKING

from limits import RateLimitItem, parse

from learnhub.core.time import end_of_day

if TYPE_CHECKING:
    from learnhub.core.shared_store import SharedStore


class MemoryWindows:
    """Moving-window counts held in this process, for ``memory://``: what limits'
    MovingWindowRateLimiter does over its memory storage, without the expiry timer thread that
    storage starts on nearly every hit (a new thread per report sent, under load). A key's
    old hits are dropped when the key is next used."""

    def __init__(self, clock: Callable[[], float] = time.monotonic) -> None:
        self.clock = clock
        self._hits: dict[str, deque[float]] = {}
        self._lock = threading.Lock()

    def _window(self, item: RateLimitItem, identifiers: tuple[str, ...]) -> deque[float]:
        key = item.key_for(*identifiers)
        hits = self._hits.setdefault(key, deque())
        oldest = self.clock() - item.get_expiry()
        while hits and hits[0] <= oldest:
            hits.popleft()
        return hits

    def hit(self, item: RateLimitItem, *identifiers: str) -> bool:
        with self._lock:
            hits = self._window(item, identifiers)
            if len(hits) >= item.amount:
                return False
            hits.append(self.clock())
            return True

    def test(self, item: RateLimitItem, *identifiers: str) -> bool:
        with self._lock:
            return len(self._window(item, identifiers)) < item.amount

    def wait_seconds(self, item: RateLimitItem, *identifiers: str) -> float:
        """How long until one more hit is allowed (0 if it is now)."""
        with self._lock:
            hits = self._window(item, identifiers)
            if len(hits) < item.amount:
                return 0.0
            return max(0.0, hits[0] + item.get_expiry() - self.clock())

    def keys(self) -> list[str]:
        with self._lock:
            return list(self._hits)

    def reset(self) -> None:
        with self._lock:
            self._hits.clear()


@functools.lru_cache(maxsize=32)
def parsed_limit(text: str) -> RateLimitItem:
    return parse(text)


class AnonymousRateLimiter:
    """Rate limits for anonymous routes, keyed on a keyed hash of the client address.

    The key is random, made each day and forgotten when the day ends (in Redis it expires
    then; in memory it is replaced), so a counter can never be turned back into an address
    once its day has passed. With Redis every web process uses the same key and the same
    counts, so a limit holds in total however many processes serve.
    """

    def __init__(self, store: SharedStore, timezone: str = "UTC") -> None:
        self.store = store
        self.timezone = timezone

    def client_key(self, client: str, today: dt.date) -> str:
        secret = self.store.day_secret(today, end_of_day(today, self.timezone))
        return hmac.new(secret, client.encode(), hashlib.sha256).hexdigest()[:32]

    def allow(self, limit: str, scope: str, client: str, today: dt.date) -> bool:
        """Count one hit against ``limit`` (e.g. "10/15minute"); False when over it."""
        key = self.client_key(client, today)
        return self.store.windows.hit(parsed_limit(limit), scope, key)

    def would_allow(self, limit: str, scope: str, client: str, today: dt.date) -> bool:
        key = self.client_key(client, today)
        return self.store.windows.test(parsed_limit(limit), scope, key)

    def wait_seconds(self, limit: str, scope: str, client: str, today: dt.date) -> float:
        """How long this client must wait before ``limit`` allows it one more hit."""
        key = self.client_key(client, today)
        windows = self.store.windows
        if isinstance(windows, MemoryWindows):
            return windows.wait_seconds(parsed_limit(limit), scope, key)
        stats = windows.get_window_stats(parsed_limit(limit), scope, key)
        return 0.0 if stats.remaining > 0 else max(0.0, stats.reset_time - time.time())

    def reset(self) -> None:
        self.store.reset()
