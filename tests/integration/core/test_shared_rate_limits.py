"""Rate limits hold in total across gunicorn workers sharing one Redis, and Redis holds no
client address (finding 9 of issue 16: the limits were per process, 10 wrong receipts per
worker)."""

from __future__ import annotations

import http.client
import os
import secrets
import subprocess
import sys
import time
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from pathlib import Path

import pytest

from benchmarks.servers import free_port, run_learnhub_init, stop
from tests.databases import throwaway_database
from tests.redis_dbs import redis_database

pytest.importorskip("gunicorn")
ROOT = Path(__file__).resolve().parents[3]
# A documentation address (RFC 5737), sent as the client's through one trusted proxy.
CLIENT = "198.51.100.23"
LIMIT = 10  # RECEIPT_LOOKUP_LIMIT's default, 10/15minute


def server_environment(
    database_url: str, storage: str, port: int, workers: int, anchor_file: Path
) -> dict[str, str]:
    environment = {
        **os.environ,
        "PYTHONPATH": str(ROOT),
        "LEARNHUB_ENV": "production",
        "LEARNHUB_SECRET_KEY": secrets.token_hex(32),
        "LEARNHUB_AUDIT_KEY": secrets.token_hex(32),
        "LEARNHUB_BASE_URL": "https://learnhub.example.org",
        "LEARNHUB_AUDIT_ANCHOR_FILE": str(anchor_file),
        "LEARNHUB_DATABASE_URL": database_url,
        "LEARNHUB_SESSION_COOKIE_SECURE": "false",
        "LEARNHUB_TRUSTED_PROXIES": "1",
        "LEARNHUB_RATE_LIMIT_STORAGE": storage,
        "LEARNHUB_WEB_WORKERS": str(workers),
        "LEARNHUB_WEB_THREADS": "1",
        "LEARNHUB_BIND": f"127.0.0.1:{port}",
        "LEARNHUB_LOG_LEVEL": "WARNING",
    }
    environment.pop("LEARNHUB_RATELIMIT_STORAGE_URL", None)
    return environment


def wait_until_ready(ready: Path, process: subprocess.Popen[bytes], workers: int) -> None:
    """Until every worker has loaded the app (slow on a busy machine: not a timing test)."""
    deadline = time.monotonic() + 300
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise AssertionError(f"gunicorn exited with {process.returncode}")
        if ready.exists() and len(ready.read_text().split()) >= workers:
            return
        time.sleep(0.2)
    raise AssertionError("the workers did not load the app within 300 s")


@contextmanager
def gunicorn(environment: dict[str, str], served_by: Path) -> Iterator[int]:
    """gunicorn with LearnHub's gunicorn.conf.py, plus a test-only hook that writes the pid of
    the worker that served each request to ``served_by``."""
    config = served_by.with_suffix(".conf.py")
    log = served_by.with_suffix(".log")
    ready = served_by.with_suffix(".ready")
    config.write_text(
        f"exec(open({str(ROOT / 'gunicorn.conf.py')!r}).read())\n"
        "def post_request(worker, req, environ, resp):\n"
        f"    with open({str(served_by)!r}, 'a') as f:\n"
        "        f.write(f'{worker.pid}\\n')\n"
        "def post_worker_init(worker):\n"
        f"    with open({str(ready)!r}, 'a') as f:\n"
        "        f.write(f'{worker.pid}\\n')\n"
    )
    run_learnhub_init(environment)
    port = int(environment["LEARNHUB_BIND"].rsplit(":", 1)[1])
    with log.open("wb") as errors:
        process = subprocess.Popen(  # noqa: S603 - our own interpreter and arguments
            [sys.executable, "-m", "gunicorn", "--config", str(config), "wsgi:app"],
            cwd=ROOT,
            env=environment,
            stdout=subprocess.DEVNULL,
            stderr=errors,
        )
        try:
            wait_until_ready(ready, process, workers=int(environment["LEARNHUB_WEB_WORKERS"]))
            yield port
        finally:
            stop(process)
            print(log.read_text(errors="replace")[-5000:])  # pytest shows it if the test fails


def guess_receipt(port: int) -> int:
    """One wrong receipt over a new connection (so either worker may take it)."""
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=120)
    try:
        connection.request(
            "GET",
            "/api/v1/followup",
            headers={
                "X-Receipt": f"WRONG-{secrets.token_hex(4)}",
                "X-Forwarded-For": CLIENT,
                "Connection": "close",
            },
        )
        response = connection.getresponse()
        response.read()
        return response.status
    finally:
        connection.close()


def test_two_workers_share_one_limit_and_redis_holds_no_address(tmp_path: Path) -> None:
    import redis

    with (
        redis_database("gunicorn") as redis_url,
        throwaway_database(tmp_path) as database_url,
    ):
        environment = server_environment(
            database_url, redis_url, free_port(), workers=2, anchor_file=tmp_path / "anchor"
        )
        served_by = tmp_path / "served-by.txt"
        with gunicorn(environment, served_by) as port:
            # One at a time up to the limit, so the count is exact...
            within = [guess_receipt(port) for _ in range(LIMIT)]
            # ...then two at a time: with one thread each, a busy worker leaves the next
            # connection to the other, so both answer (per-process counters would let the
            # second worker allow ten more).
            beyond: list[int] = []
            with ThreadPoolExecutor(2) as pool:
                while len(beyond) < 2 * LIMIT or len(set(served_by.read_text().split())) < 2:
                    beyond.extend(pool.map(guess_receipt, [port, port]))
                    assert len(beyond) < 200, "the second worker never took a connection"
        assert len(set(served_by.read_text().split())) == 2
        assert within == [404] * LIMIT
        assert beyond == [429] * len(beyond)

        store = redis.Redis.from_url(redis_url)
        try:
            held = []
            for key in store.scan_iter(count=1000):
                held.append(key)
                kind = store.type(key)
                if kind == b"string":
                    held.append(store.get(key) or b"")
                elif kind == b"list":
                    held.extend(store.lrange(key, 0, -1))
                elif kind == b"hash":
                    for field, value in store.hgetall(key).items():
                        held.extend((field, value))
                elif kind == b"zset":
                    held.extend(member for member, _ in store.zrange(key, 0, -1, withscores=True))
        finally:
            store.close()
        assert held, "the limit should be counted in Redis"
        packed = bytes(int(part) for part in CLIENT.split("."))
        for value in held:
            assert CLIENT.encode() not in value
            assert b"198.51.100" not in value
            assert packed not in value


def test_production_refuses_per_process_counters_with_several_workers(tmp_path: Path) -> None:
    with throwaway_database(tmp_path) as database_url:
        environment = server_environment(
            database_url, "memory://", free_port(), workers=2, anchor_file=tmp_path / "anchor"
        )
        run_learnhub_init(environment)
        result = subprocess.run(
            [sys.executable, "-m", "gunicorn", "--config", "gunicorn.conf.py", "wsgi:app"],
            cwd=ROOT,
            env=environment,
            capture_output=True,
            text=True,
            timeout=120,
        )
    assert result.returncode != 0
    assert "LEARNHUB_RATE_LIMIT_STORAGE" in result.stderr
