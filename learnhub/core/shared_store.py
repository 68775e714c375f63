"""The expiring store that anonymous rate limits and sign-in throttling keep their counts in:
this process's memory (``memory://``, for a single web process) or Redis (``redis://…``,
shared by every web process, so a limit holds in total however many workers serve).

It holds small JSON records under keys the callers have already made anonymous (keyed hashes),
the moving windows of the rate limits, and each day's random secret those hashes are keyed on.
"""

from __future__ import annotations

import datetime as dt
import json
import secrets
import threading
import time
from collections.abc import Callable
from typing import Any

from limits.storage import storage_from_string
from limits.strategies import MovingWindowRateLimiter

from learnhub.core.anonymity import MemoryWindows

Record = dict[str, Any]
Change = Callable[[Record | None], Record | None]
KEY_PREFIX = "learnhub:"
LIMITS_PREFIX = "learnhub-limits"


def is_memory_url(url: str) -> bool:
    return url.startswith("memory://")


class SharedStore:
    """Records with an expiry, moving windows and the day's secret; ``memory://`` keeps them in
    this process (a lock makes each change atomic between its threads)."""

    shared = False

    def __init__(self, url: str = "memory://") -> None:
        self.url = url
        self.windows: MemoryWindows | MovingWindowRateLimiter = MemoryWindows()
        self._records: dict[str, tuple[float, Record]] = {}
        self._secrets: dict[dt.date, bytes] = {}
        self._lock = threading.Lock()

    def update(self, key: str, change: Change, ttl_seconds: float) -> Record | None:
        """Replace the record under ``key`` with ``change(record)`` in one step (None removes
        it), keep it for ``ttl_seconds`` from now, and return it. A change that returns the
        record it was given writes nothing."""
        with self._lock:
            expires, record = self._records.get(key, (0.0, None))
            old = record if expires > time.time() else None
            new = change(old)
            if new is old:
                return new  # unchanged: not written, so its expiry is not put back
            if new is None:
                self._records.pop(key, None)
            else:
                self._records[key] = (time.time() + ttl_seconds, new)
            return new

    def put(self, key: str, record: Record, expires_at: float) -> None:
        """Keep ``record`` under ``key`` until ``expires_at`` (a Unix time), whatever was there."""
        with self._lock:
            self._records[key] = (expires_at, record)

    def get(self, key: str) -> Record | None:
        with self._lock:
            expires, record = self._records.get(key, (0.0, None))
            return record if expires > time.time() else None

    def records(self, prefix: str) -> dict[str, Record]:
        now = time.time()
        with self._lock:
            for key in [k for k, (expires, _) in self._records.items() if expires <= now]:
                del self._records[key]
            return {k: r for k, (_, r) in self._records.items() if k.startswith(prefix)}

    def delete(self, *keys: str) -> None:
        with self._lock:
            for key in keys:
                self._records.pop(key, None)

    def day_secret(self, day: dt.date, expires_at: float) -> bytes:
        """The random secret of ``day``, made on first use; other days' are forgotten, so a key
        made with one can never be made again once its day is over."""
        with self._lock:
            if day not in self._secrets:
                self._secrets = {day: secrets.token_bytes(32)}
                if isinstance(self.windows, MemoryWindows):
                    self.windows.reset()  # yesterday's counts could not be found again anyway
            return self._secrets[day]

    def reset(self) -> None:
        """Forget everything (tests, and an operator's clear-all)."""
        with self._lock:
            self._records.clear()
            self._secrets.clear()
            if isinstance(self.windows, MemoryWindows):
                self.windows.reset()


class RedisStore(SharedStore):
    """The same, in Redis: every web process reads and writes one set of counts, and the day's
    secret is made once (by whichever process asks first) with an expiry at the day's end."""

    shared = True

    def __init__(self, url: str) -> None:
        super().__init__(url)
        self._secret_read_at = 0.0
        storage = storage_from_string(url, key_prefix=LIMITS_PREFIX)
        self.limits_storage = storage
        self.windows = MovingWindowRateLimiter(storage)
        self.redis: Any = storage.storage  # type: ignore[attr-defined]

    def update(self, key: str, change: Change, ttl_seconds: float) -> Record | None:
        name = KEY_PREFIX + key
        result: list[Record | None] = []

        def apply(pipe: Any) -> None:
            raw = pipe.get(name)
            old = None if raw is None else json.loads(raw)
            new = change(old)
            result[:] = [new]
            if new is old:
                return  # unchanged: not written, so its expiry is not put back
            pipe.multi()
            if new is None:
                pipe.delete(name)
            else:
                pipe.set(name, json.dumps(new), px=max(1, int(ttl_seconds * 1000)))

        # WATCH, read, MULTI, write: retried if another process changed the key meanwhile.
        self.redis.transaction(apply, name)
        return result[0]

    def put(self, key: str, record: Record, expires_at: float) -> None:
        self.redis.set(KEY_PREFIX + key, json.dumps(record), pxat=int(expires_at * 1000))

    def get(self, key: str) -> Record | None:
        raw = self.redis.get(KEY_PREFIX + key)
        return None if raw is None else json.loads(raw)  # type: ignore[no-any-return]

    def records(self, prefix: str) -> dict[str, Record]:
        names = list(self.redis.scan_iter(match=KEY_PREFIX + prefix + "*", count=500))
        values = self.redis.mget(names) if names else []
        return {
            name.decode()[len(KEY_PREFIX) :]: json.loads(raw)
            for name, raw in zip(names, values, strict=True)
            if raw is not None
        }

    def delete(self, *keys: str) -> None:
        if keys:
            self.redis.delete(*(KEY_PREFIX + key for key in keys))

    # How long this process keeps the day's secret it read: one Redis round trip fewer on every
    # rate-limited request (a report's Send among them). The secret changes only when the day
    # does or everything is reset; after a reset elsewhere this process follows within a minute.
    SECRET_KEPT_SECONDS = 60.0

    def day_secret(self, day: dt.date, expires_at: float) -> bytes:
        kept = self._secrets.get(day)
        if kept is not None and self._secret_read_at > time.monotonic() - self.SECRET_KEPT_SECONDS:
            return kept
        secret = self._read_day_secret(day, expires_at)
        self._secrets = {day: secret}  # other days' are forgotten
        self._secret_read_at = time.monotonic()
        return secret

    def _read_day_secret(self, day: dt.date, expires_at: float) -> bytes:
        name = f"{KEY_PREFIX}day-secret:{day.isoformat()}"
        secret = self.redis.get(name)
        if secret is None:
            # Only the first process's secret is kept (NX); every process then reads that one.
            expires_ms = max(int(expires_at * 1000), int(time.time() * 1000) + 1000)
            self.redis.set(name, secrets.token_bytes(32), nx=True, pxat=expires_ms)
            secret = self.redis.get(name)
        return bytes(secret)

    def reset(self) -> None:
        self._secrets = {}
        for name in self.redis.scan_iter(match=KEY_PREFIX + "*", count=500):
            self.redis.delete(name)
        self.limits_storage.reset()


def open_store(url: str) -> SharedStore:
    """The store ``url`` names: ``memory://``, or ``redis://host:port/db`` (also ``rediss://``,
    ``redis+unix://``)."""
    return SharedStore(url) if is_memory_url(url) else RedisStore(url)


def per_process_problem(settings: dict[str, Any], workers: int) -> str | None:
    """What is wrong with counting in each process's memory when ``workers`` processes serve:
    every limit would allow that many times as much."""
    if workers <= 1 or not is_memory_url(settings["RATE_LIMIT_STORAGE"]):
        return None
    return (
        f"LEARNHUB_RATE_LIMIT_STORAGE is memory:// but {workers} web workers would serve: each "
        f"would keep its own counts, so rate limits and sign-in throttling would allow {workers} "
        "times as much. Set LEARNHUB_RATE_LIMIT_STORAGE=redis://127.0.0.1:6379/0 (any Redis "
        "every worker reaches), or run one worker (LEARNHUB_WEB_WORKERS=1)."
    )
