"""Keeping reporters anonymous outside the database: logs and rate limits.

Requests to the reporting and follow-up routes are never access-logged, any other log line made
while handling one is stamped with the day only, and rate limits key on a hash of the client
address under a random secret that changes every day and is forgotten when the day ends.
"""

from __future__ import annotations

import contextvars
import datetime as dt
import functools
import hashlib
import hmac
import logging
import threading
import time
from collections import deque
from collections.abc import Callable
from typing import TYPE_CHECKING

from limits import RateLimitItem, parse

from learnhub.core.time import end_of_day

if TYPE_CHECKING:
    from learnhub.core.shared_store import SharedStore

ANONYMOUS_PATH_PREFIXES = ("/report", "/followup", "/api/v1/reports", "/api/v1/followup")

_handling_anonymous_route: contextvars.ContextVar[bool] = contextvars.ContextVar(
    "handling_anonymous_route", default=False
)


def is_anonymous_path(path: str) -> bool:
    return any(
        path == prefix or path.startswith(prefix + "/") or path.startswith(prefix + "?")
        for prefix in ANONYMOUS_PATH_PREFIXES
    )


def mark_anonymous_request(path: str) -> contextvars.Token[bool]:
    """Stamp log records made from here on with the day only, if ``path`` is a reporter's;
    ``unmark`` with the returned token restores what was there before."""
    return _handling_anonymous_route.set(is_anonymous_path(path))


def unmark(token: contextvars.Token[bool]) -> None:
    _handling_anonymous_route.reset(token)


def coarsen_to_day(record: logging.LogRecord) -> None:
    day = dt.datetime.fromtimestamp(record.created).date()
    record.created = dt.datetime.combine(day, dt.time()).timestamp()
    record.msecs = 0
    record.relativeCreated = 0


def install_log_record_factory() -> None:
    """Stamp log records made while serving a reporter with the day only, whatever handler or
    format later writes them (set once per process, at record creation)."""
    current = logging.getLogRecordFactory()
    if getattr(current, "learnhub_day_only", False):
        return

    def day_only_factory(*args: object, **kwargs: object) -> logging.LogRecord:
        record = current(*args, **kwargs)
        if _handling_anonymous_route.get():
            coarsen_to_day(record)
        return record

    day_only_factory.learnhub_day_only = True  # type: ignore[attr-defined]
    logging.setLogRecordFactory(day_only_factory)


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

    def reset(self) -> None:
        self.store.reset()
