"""The server the README's commands start (``learnhub run`` / ``learnhub demo``) writes no line
about the reporting routes, and no client address or user agent about anything."""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.databases import throwaway_database

PROBE_ADDRESS = "198.51.100.202"
PROBE_AGENT = "KestrelProbe/3.21 (server-log-test)"


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def wait_for(url: str, timeout: float = 30) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            urllib.request.urlopen(url, timeout=2).close()  # noqa: S310 - a local test server
            return
        except OSError:
            time.sleep(0.2)
    raise TimeoutError(url)


def request(url: str, data: bytes | None = None, headers: dict[str, str] | None = None) -> int:
    req = urllib.request.Request(url, data=data, headers=headers or {})  # noqa: S310 - local
    with urllib.request.urlopen(req, timeout=10) as response:  # noqa: S310 - local
        return response.status


@pytest.fixture
def server_output(tmp_path: Path) -> Iterator[tuple[str, Path]]:
    port = free_port()
    log_path = tmp_path / "server.log"
    with throwaway_database(tmp_path) as database_url:
        env = {**os.environ, "LEARNHUB_DATABASE_URL": database_url, "LEARNHUB_ENV": "testing"}
        subprocess.run(
            [sys.executable, "-m", "learnhub", "init"], env=env, check=True, capture_output=True
        )
        with log_path.open("w") as log:
            process = subprocess.Popen(  # noqa: S603 - fixed arguments
                [sys.executable, "-m", "learnhub", "run", "--port", str(port)],
                env=env,
                stdout=log,
                stderr=subprocess.STDOUT,
            )
            try:
                wait_for(f"http://127.0.0.1:{port}/healthz")
                yield f"http://127.0.0.1:{port}", log_path
            finally:
                process.terminate()
                process.wait(timeout=10)


def test_the_development_server_keeps_reporters_out_of_its_log(
    server_output: tuple[str, Path],
) -> None:
    base, log_path = server_output
    headers = {
        "User-Agent": PROBE_AGENT,
        "X-Forwarded-For": PROBE_ADDRESS,
        "Content-Type": "application/json",
    }
    report = json.dumps(
        {"narrative": "A visit was missed.", "event_type": "near_miss", "event_month": "2026-09"}
    ).encode()
    assert request(f"{base}/api/v1/reports", report, headers) == 201
    assert request(f"{base}/report", headers={"User-Agent": PROBE_AGENT}) == 200
    assert request(f"{base}/followup", headers={"User-Agent": PROBE_AGENT}) == 200
    assert request(f"{base}/", headers={"User-Agent": PROBE_AGENT}) == 200
    time.sleep(0.3)
    output = log_path.read_text()
    assert '"GET / HTTP/1.1" 200' in output  # the log works: ordinary pages are logged
    for needle in (
        PROBE_ADDRESS,
        PROBE_AGENT,
        "127.0.0.1 -",
        "/api/v1/reports",
        "/report",
        "/followup",
    ):
        assert needle not in output, needle
