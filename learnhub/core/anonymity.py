"""Keeping reporters anonymous in rate limits: they key on a hash of the client address under a
secret that lives only in this process's memory and changes every day. (Logs: see
``learnhub.core.anonymous_routes`` and ``learnhub.core.log_summary``.)
"""

from __future__ import annotations

import datetime as dt
import functools
import hashlib
import hmac
import secrets
import threading
import time
from collections import deque
from collections.abc import Callable

from limits import RateLimitItem, parse
from limits.storage import Storage, storage_from_string
from limits.strategies import MovingWindowRateLimiter


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

    The key is random, held in memory, and replaced each day, so a counter — even one kept in
    Redis — can never be turned back into an address once its day has passed.
    """

    def __init__(self, storage_url: str) -> None:
        self.memory = MemoryWindows() if storage_url.startswith("memory://") else None
        self.storage: Storage | None = None
        self.limiter: MemoryWindows | MovingWindowRateLimiter
        if self.memory is not None:
            self.limiter = self.memory
        else:
            self.storage = storage_from_string(storage_url)
            self.limiter = MovingWindowRateLimiter(self.storage)
        self._lock = threading.Lock()
        self._day: dt.date | None = None
        self._secret = b""

    def _client_key(self, client: str, today: dt.date) -> str:
        with self._lock:
            if self._day != today:
                self._day, self._secret = today, secrets.token_bytes(32)
                if self.memory is not None:
                    self.memory.reset()  # yesterday's keys can never be made again
            secret = self._secret
        return hmac.new(secret, client.encode(), hashlib.sha256).hexdigest()[:32]

    def allow(self, limit: str, scope: str, client: str, today: dt.date) -> bool:
        """Count one hit against ``limit`` (e.g. "10/15minute"); False when over it."""
        return self.limiter.hit(parsed_limit(limit), scope, self._client_key(client, today))

    def would_allow(self, limit: str, scope: str, client: str, today: dt.date) -> bool:
        return self.limiter.test(parsed_limit(limit), scope, self._client_key(client, today))

    def reset(self) -> None:
        if self.memory is not None:
            self.memory.reset()
        if self.storage is not None:
            self.storage.reset()
