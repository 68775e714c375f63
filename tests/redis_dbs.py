"""Redis databases for tests of the shared rate-limit store.

Set LEARNHUB_TEST_REDIS to a Redis server URL (default redis://127.0.0.1:6379) to choose the
server. The tests use databases 5 to 9 only, one per purpose and pytest-xdist worker, and flush
only the database they were given: never another.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from contextlib import contextmanager

import pytest

REDIS_ENV = "LEARNHUB_TEST_REDIS"
FIRST_DB = 5
# Unit tests of the store take 5 and 6 (one per xdist worker); the gunicorn tests 7 and 8.
PURPOSE_OFFSET = {"store": 0, "gunicorn": 2}


def redis_server() -> str:
    return (os.environ.get(REDIS_ENV) or "redis://127.0.0.1:6379").rstrip("/")


def worker_index() -> int:
    worker = os.environ.get("PYTEST_XDIST_WORKER", "gw0")
    return int(worker[2:]) % 2 if worker.startswith("gw") else 0


@contextmanager
def redis_database(purpose: str) -> Iterator[str]:
    """Yield the URL of an emptied Redis database for ``purpose``; empty it again afterwards.
    Skips the test when no Redis answers (say so with -ra)."""
    redis = pytest.importorskip("redis")
    url = f"{redis_server()}/{FIRST_DB + PURPOSE_OFFSET[purpose] + worker_index()}"
    client = redis.Redis.from_url(url)
    try:
        client.ping()
    except redis.ConnectionError:
        client.close()
        pytest.skip(f"no Redis at {url} (set {REDIS_ENV})")
    client.flushdb()
    try:
        yield url
    finally:
        client.flushdb()
        client.close()
