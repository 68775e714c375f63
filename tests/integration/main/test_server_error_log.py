"""When an exception escapes the app, the development server logs "Error on request" with a
traceback. On a reporter's route that line must carry the day only, never the time."""

from __future__ import annotations

import datetime as dt
import logging
import threading
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from typing import Any

import pytest
from flask import Flask
from werkzeug.serving import make_server

from learnhub import create_app
from learnhub.core.logging import AnonymousRequestHandler
from learnhub.extensions import db


class FailingMiddleware:
    """A WSGI layer that fails outside Flask's own error handling, as a broken proxy fix or a
    failing response iterator would."""

    def __init__(self, app: Any) -> None:
        self.app = app

    def __call__(self, environ: dict[str, Any], start_response: Any) -> Any:
        if environ["PATH_INFO"].endswith("/boom"):
            raise RuntimeError("middleware failed")
        return self.app(environ, start_response)


@pytest.fixture
def failing_server() -> Iterator[str]:
    app: Flask = create_app({"ENV": "testing", "DATABASE_URL": "sqlite://"})
    app.wsgi_app = FailingMiddleware(app.wsgi_app)  # type: ignore[method-assign]
    server = make_server(
        "127.0.0.1", 0, app, threaded=True, request_handler=AnonymousRequestHandler
    )
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.port}"
    finally:
        server.shutdown()
        thread.join(timeout=10)
        server.server_close()
        with app.app_context():
            db.engine.dispose()


def error_record(caplog: pytest.LogCaptureFixture, url: str) -> logging.LogRecord:
    caplog.clear()
    with pytest.raises(urllib.error.HTTPError) as failed:
        urllib.request.urlopen(url, timeout=10)  # noqa: S310 - the test server on loopback
    failed.value.close()
    deadline = time.monotonic() + 5  # the server logs the line after it has answered
    while True:
        records = [r for r in caplog.records if "Error on request" in r.getMessage()]
        if records or time.monotonic() > deadline:
            break
        time.sleep(0.02)
    assert len(records) == 1, [r.getMessage()[:80] for r in caplog.records]
    return records[0]


def is_midnight(record: logging.LogRecord) -> bool:
    moment = dt.datetime.fromtimestamp(record.created)
    return moment.time() == dt.time() and record.msecs == 0


def test_the_error_line_on_a_reporting_route_carries_the_day_only(
    failing_server: str, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.INFO, logger="werkzeug")
    for path in ("/report/boom", "/followup/boom", "/api/v1/reports/boom"):
        record = error_record(caplog, failing_server + path)
        assert is_midnight(record), path
        assert dt.datetime.fromtimestamp(record.created).date() == dt.date.today()


def test_the_error_line_on_a_staff_route_keeps_its_time(
    failing_server: str, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.INFO, logger="werkzeug")
    record = error_record(caplog, failing_server + "/staff/boom")
    assert not is_midnight(record)  # (fails only in the first millisecond after midnight)
