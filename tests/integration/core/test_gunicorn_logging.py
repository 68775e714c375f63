"""gunicorn.conf.py, run for real: access lines carry no address or user agent; a reporter's
request, however its path is spelt, gets no access line, and nothing it causes (the app's
error, gunicorn's) is written until the day's summary, which carries the day only."""

from __future__ import annotations

import contextlib
import datetime as dt
import http.client
import json
import os
import re
import secrets
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

pytest.importorskip("gunicorn")

ROOT = Path(__file__).resolve().parents[3]
FORWARDED_FOR = "198.51.100.77"
USER_AGENT = "ZebraFinchBrowser/7.77"
SUMMARY_MARK = "Reporting routes, daily summary"
# Each is a reporter's request, spelt as a client may send it (the app answers 404, 422 or,
# on this database that was never initialised, 500).
REPORTERS_REQUESTS = [
    ("GET", "//report"),
    ("GET", "/report/"),
    ("GET", "/%72eport"),
    ("GET", "/REPORT"),
    ("GET", "/report/confirmation?receipt=ABCD"),
    ("POST", "//api/v1/reports"),
    ("POST", "/api/v1/%72eports"),
    ("GET", "//followup/thread"),
    ("POST", "/api/v1/followup/messages"),
]
REPORTER_PATH = re.compile(r"report|followup|%72", re.IGNORECASE)
DAY_STAMP = re.compile(r"^(\d{4}-\d{2}-\d{2}) (\d{2}:\d{2}:\d{2}),(\d{3}) ")


@dataclass
class Gunicorn:
    url: str
    process: subprocess.Popen[bytes]
    stdout: Path
    stderr: Path

    def logs(self) -> tuple[str, str]:
        return self.stdout.read_text(), self.stderr.read_text()

    def stop(self) -> None:
        """Stop gracefully, as systemd or docker would (SIGTERM): workers exit cleanly."""
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
            try:
                self.process.wait(timeout=60)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def wait_until_listening(port: int, process: subprocess.Popen[bytes]) -> None:
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline:
        assert process.poll() is None, "gunicorn exited before listening"
        with contextlib.suppress(OSError), socket.create_connection(("127.0.0.1", port), 0.5):
            return
        time.sleep(0.1)
    pytest.fail("gunicorn did not listen")


@pytest.fixture
def gunicorn(fresh_database: str, tmp_path: Path) -> Iterator[Gunicorn]:
    """gunicorn -c gunicorn.conf.py wsgi:app, one worker, on a database that was never
    initialised: every view that reads a table fails, a reporter's and a staff one alike."""
    port = free_port()
    environment = {
        **os.environ,
        "PYTHONPATH": str(ROOT),
        "LEARNHUB_ENV": "development",
        "LEARNHUB_SECRET_KEY": secrets.token_hex(32),
        "LEARNHUB_DATABASE_URL": fresh_database,
        "LEARNHUB_BIND": f"127.0.0.1:{port}",
        "LEARNHUB_WEB_WORKERS": "1",
        "LEARNHUB_WEB_THREADS": "2",
        "LEARNHUB_LOG_LEVEL": "INFO",
    }
    stdout, stderr = tmp_path / "stdout.log", tmp_path / "stderr.log"
    with stdout.open("wb") as out, stderr.open("wb") as err:
        process = subprocess.Popen(
            [sys.executable, "-m", "gunicorn", "-c", "gunicorn.conf.py", "wsgi:app"],
            cwd=ROOT,
            env=environment,
            stdout=out,
            stderr=err,
        )
    server = Gunicorn(f"127.0.0.1:{port}", process, stdout, stderr)
    try:
        wait_until_listening(port, process)
        yield server
    finally:
        server.stop()


def raw_request(server: Gunicorn, method: str, target: str) -> int:
    """Send ``target`` exactly as written, with an address and a user agent to leak."""
    host, port = server.url.split(":")
    connection = http.client.HTTPConnection(host, int(port), timeout=60)
    body = json.dumps({"narrative": "Larch Road"}).encode() if method == "POST" else None
    headers = {"User-Agent": USER_AGENT, "X-Forwarded-For": FORWARDED_FOR}
    if body is not None:
        headers["Content-Type"] = "application/json"
    try:
        connection.request(method, target, body=body, headers=headers)
        response = connection.getresponse()
        response.read()
        return response.status
    finally:
        connection.close()


def wait_for_access_line(server: Gunicorn, text: str) -> None:
    deadline = time.monotonic() + 30
    while text not in server.logs()[0]:
        assert time.monotonic() < deadline, f"no access line with {text!r}"
        time.sleep(0.05)


def test_a_reporters_request_leaves_no_line_until_the_days_summary(gunicorn: Gunicorn) -> None:
    statuses = [raw_request(gunicorn, method, target) for method, target in REPORTERS_REQUESTS]
    assert 500 in statuses  # an error in a reporter's view
    assert 404 in statuses
    # Staff requests after them: once their lines are written, the reporters' would have been.
    assert raw_request(gunicorn, "GET", "//bulletins") == 500
    assert raw_request(gunicorn, "GET", "/healthz") in {200, 503}
    wait_for_access_line(gunicorn, "GET /healthz")

    access, errors = gunicorn.logs()
    # (a) Nothing about the reporters' requests while the day runs: no access line, no error.
    assert REPORTER_PATH.findall(access) == [], access
    assert "GET //bulletins 500" in access
    assert REPORTER_PATH.findall(errors) == [], errors
    # The staff page's error alone, with its time.
    assert re.findall(r"ERROR learnhub.core.errors: (.*)", errors) == [
        "Unhandled error on GET /bulletins"
    ]
    assert SUMMARY_MARK not in errors

    gunicorn.stop()
    access, errors = gunicorn.logs()
    assert REPORTER_PATH.findall(access) == []
    summary = [line for line in errors.splitlines() if SUMMARY_MARK in line]
    # (b) The reporters' errors are counted, by kind, with nothing from the requests.
    failed = [line for line in summary if 'exception="sqlalchemy.exc.' in line]
    assert len(failed) == 1, summary
    assert 'logger="learnhub.core.errors"' in failed[0]
    assert int(re.search(r"count=(\d+)", failed[0]).group(1)) == statuses.count(500)  # type: ignore[union-attr]
    assert len(re.findall(r"ERROR learnhub.core.errors: ", errors)) == 1
    # (c) Stamped with the day only, and written at the end of the worker's life, not at the
    # moments the requests came in.
    today = dt.date.today().isoformat()
    for line in summary:
        stamp = DAY_STAMP.match(line)
        assert stamp is not None, line
        assert stamp.groups() == (today, "00:00:00", "000"), line
        assert REPORTER_PATH.findall(line.split(SUMMARY_MARK)[1]) == [], line
    assert errors.index(SUMMARY_MARK) > errors.index("Unhandled error on GET /bulletins")
    everything = access + errors
    for leak in (FORWARDED_FOR, USER_AGENT, "ZebraFinch", "Larch", "127.0.0.1 -"):
        assert leak not in everything
