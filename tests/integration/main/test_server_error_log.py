"""When an exception escapes the app, the development server logs "Error on request" with a
traceback. On a reporter's route that line is not written at all: it is counted in the daily
summary, which carries the day only."""

from __future__ import annotations

import datetime as dt
import logging
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from typing import Any

import pytest
from flask import Flask

from learnhub import create_app
from learnhub.core.extensions import db
from learnhub.core.log_summary import SUMMARY, SUMMARY_LOGGER
from tests.dev_server import development_server


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
    try:
        with development_server(app) as url:
            yield url
    finally:
        with app.app_context():
            db.engine.dispose()


def fail(url: str) -> None:
    with pytest.raises(urllib.error.HTTPError) as failed:
        urllib.request.urlopen(url, timeout=10)  # noqa: S310 - the test server on loopback
    failed.value.close()


def wait_for(caplog: pytest.LogCaptureFixture, text: str) -> list[logging.LogRecord]:
    deadline = time.monotonic() + 5  # the server logs the line after it has answered
    while True:
        records = [r for r in caplog.records if text in r.getMessage()]
        if records or time.monotonic() > deadline:
            return records
        time.sleep(0.02)


def is_midnight(record: logging.LogRecord) -> bool:
    moment = dt.datetime.fromtimestamp(record.created)
    return moment.time() == dt.time() and record.msecs == 0


def test_the_error_on_a_reporting_route_is_counted_in_the_days_summary(
    failing_server: str, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.INFO)
    SUMMARY.take()
    for path in ("/report/boom", "/followup/boom", "/api/v1/reports/boom", "//REPORT/boom"):
        fail(failing_server + path)
    fail(failing_server + "/staff/boom")
    assert len(wait_for(caplog, "Error on request")) == 1
    # The server logs each error after answering it, in the request's own thread.
    deadline = time.monotonic() + 5
    while SUMMARY.held() < 4 and time.monotonic() < deadline:
        time.sleep(0.02)
    assert [r for r in caplog.records if "report" in r.getMessage().lower()] == []

    caplog.clear()
    SUMMARY.write()
    summary = [r for r in caplog.records if r.name == SUMMARY_LOGGER]
    assert len(summary) == 1
    assert 'count=4 level="ERROR" logger="werkzeug"' in summary[0].getMessage()
    assert "boom" not in summary[0].getMessage()
    assert is_midnight(summary[0])


def test_the_error_line_on_a_staff_route_keeps_its_time(
    failing_server: str, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.INFO, logger="werkzeug")
    fail(failing_server + "/staff/boom")
    records = wait_for(caplog, "Error on request")
    assert len(records) == 1
    assert not is_midnight(records[0])  # (fails only in the first millisecond after midnight)
