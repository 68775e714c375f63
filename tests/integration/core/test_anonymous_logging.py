"""A reporter's request is recognised by where it routes, however its path is spelt, and nothing
it causes is written at the time: not by the app, not by the development server (the suite's
live_server and ``learnhub run`` use the same handler). Gunicorn: test_gunicorn_logging.py."""

from __future__ import annotations

import datetime as dt
import http.client
import json
import logging
import re
import time
from collections.abc import Iterator
from urllib.parse import urlsplit

import pytest
from flask import Flask

from learnhub import create_app
from learnhub.core.anonymous_routes import decoded_path, is_anonymous_endpoint, is_anonymous_request
from learnhub.core.extensions import db
from learnhub.core.log_summary import SUMMARY, SUMMARY_LOGGER
from learnhub.core.permissions import Permission, permission_of
from tests.conftest import LiveServer, app_settings
from tests.dev_server import development_server

# The API's public endpoints that are not a reporter's: adding a public endpoint to the API
# means deciding here whether it is one (test_every_public_api_endpoint_is_decided).
PUBLIC_API_ENDPOINTS_FOR_EVERYONE = {
    "api.openapi_document",
    "api.docs",
    "api.taxonomy",
    "api.taxonomy_versions",
}
REPORTERS_API_ENDPOINTS = {"api.create_report", "api.followup", "api.add_followup_message"}

# (method, raw request target): each is a reporter's request, spelt the ways a client may.
REPORTERS_TARGETS = [
    ("GET", "//report"),
    ("GET", "/report/"),
    ("GET", "/%72eport"),
    ("GET", "/%72%65%70%6F%72%74?x=1"),
    ("GET", "/REPORT"),
    ("GET", "/Report/Confirmation"),
    ("GET", "/report/no-such-page"),
    ("GET", "/report;jsessionid=1"),
    ("HEAD", "/report"),
    ("OPTIONS", "/report"),
    ("DELETE", "/report"),
    ("GET", "/report/submit"),  # a POST route: 405 for GET, still the reporter's
    ("POST", "/report//submit"),  # the URL map redirects this to /report/submit
    ("GET", "//followup"),
    ("GET", "/followup/thread/"),
    ("POST", "//api/v1/reports"),
    ("POST", "/api/v1/reports/"),
    ("POST", "/api/v1/%72eports"),
    ("GET", "/api/v1/reports"),
    ("GET", "/api//v1/followup"),
    ("POST", "/api/v1/followup/messages"),
]
STAFF_TARGETS = [
    ("GET", "/"),
    ("GET", "/staff"),
    ("GET", "//bulletins"),
    ("GET", "/reports"),
    ("GET", "/reportx"),
    ("GET", "/review/"),
    ("POST", "/api/v1/reports/LH-ABCD/suggestions"),
    ("GET", "/api/v1/themes"),
    ("GET", "/healthz"),
]


def test_every_reporting_and_followup_endpoint_is_a_reporters(app: Flask) -> None:
    endpoints = {rule.endpoint for rule in app.url_map.iter_rules()}
    reporting = {e for e in endpoints if e.split(".")[0] in {"reports", "followup"}}
    assert {"reports.new", "reports.submit", "followup.enter", "followup.thread"} <= reporting
    for endpoint in reporting | REPORTERS_API_ENDPOINTS:
        assert is_anonymous_endpoint(app, endpoint), endpoint
    others = endpoints - reporting - REPORTERS_API_ENDPOINTS
    assert "api.report_suggestions" in others
    for endpoint in others:
        assert not is_anonymous_endpoint(app, endpoint), endpoint


def test_every_public_api_endpoint_is_decided(app: Flask) -> None:
    public = {
        rule.endpoint
        for rule in app.url_map.iter_rules()
        if rule.endpoint.startswith("api.")
        and permission_of(app.view_functions[rule.endpoint]) is Permission.PUBLIC
    }
    assert public == REPORTERS_API_ENDPOINTS | PUBLIC_API_ENDPOINTS_FOR_EVERYONE


@pytest.mark.parametrize(("method", "target"), REPORTERS_TARGETS)
def test_a_reporters_request_is_recognised_however_it_is_spelt(
    app: Flask, method: str, target: str
) -> None:
    assert is_anonymous_request(app, method, decoded_path(target))


@pytest.mark.parametrize(("method", "target"), STAFF_TARGETS)
def test_other_requests_are_not_a_reporters(app: Flask, method: str, target: str) -> None:
    assert not is_anonymous_request(app, method, decoded_path(target))


def test_without_a_url_map_every_request_counts_as_a_reporters() -> None:
    assert is_anonymous_request(object(), "GET", "/staff")


# --- What is written -------------------------------------------------------------------------


@pytest.fixture
def all_logs(caplog: pytest.LogCaptureFixture) -> Iterator[pytest.LogCaptureFixture]:
    caplog.set_level(logging.DEBUG)
    SUMMARY.take()  # only what this test causes
    yield caplog
    SUMMARY.take()


@pytest.fixture
def unready_app(fresh_database: str) -> Iterator[Flask]:
    """The app on a database that was never initialised: every view that reads a table fails,
    a real error on a reporter's route and a staff one alike."""
    app = create_app(app_settings(fresh_database))
    yield app
    with app.app_context():
        db.engine.dispose()


def summary_messages(caplog: pytest.LogCaptureFixture) -> list[str]:
    return [r.getMessage() for r in caplog.records if r.name == SUMMARY_LOGGER]


TIME_OF_DAY = re.compile(r"\b\d{2}:\d{2}(:\d{2})?\b")


def assert_day_stamped(caplog: pytest.LogCaptureFixture) -> None:
    formatter = logging.Formatter("%(asctime)s %(message)s")
    midnight = dt.datetime.combine(dt.date.today(), dt.time()).timestamp()
    for record in caplog.records:
        if record.name == SUMMARY_LOGGER:
            assert record.created == midnight
            text = formatter.format(record)
            assert TIME_OF_DAY.findall(text) == [("00", "00", ":00")] or "00:00:00" in text
            assert len(TIME_OF_DAY.findall(record.getMessage())) == 0, text


def test_an_error_on_a_reporters_route_is_counted_not_written(
    unready_app: Flask, all_logs: pytest.LogCaptureFixture
) -> None:
    client = unready_app.test_client()
    assert client.get("/report", headers={"User-Agent": "ZebraFinch/7"}).status_code == 500
    assert client.post("/api/v1/reports", json={"narrative": "Larch Road"}).status_code >= 400
    assert client.get("/report/").status_code == 404
    assert all_logs.records == []  # (a) nothing at the time

    assert client.get("/bulletins").status_code == 500  # a staff page's error is written now
    staff_errors = [r for r in all_logs.records if r.levelno == logging.ERROR]
    assert len(staff_errors) == 1
    assert staff_errors[0].exc_info is not None
    assert dt.datetime.fromtimestamp(staff_errors[0].created).time() != dt.time()

    all_logs.clear()
    SUMMARY.write()  # what the day change or the end of the process does
    messages = summary_messages(all_logs)
    errors = [m for m in messages if 'level="ERROR"' in m]
    assert len(errors) == 1, messages  # (b) counted, once for the kind
    assert 'exception="sqlalchemy.exc.' in errors[0]
    assert 'logger="learnhub.core.errors"' in errors[0]
    assert 'message="Unhandled error on %s %s"' in errors[0]
    assert 'raised_at="learnhub/' in errors[0]
    text = "\n".join(messages)
    for request_data in ("ZebraFinch", "Larch", "/report", "127.0.0.1", "SELECT"):
        assert request_data not in text
    assert_day_stamped(all_logs)  # (c)


# --- The development server --------------------------------------------------------------------


def raw_request(
    base_url: str, method: str, target: str, body: bytes | None = None
) -> tuple[int, bytes]:
    """Send ``target`` exactly as written (no normalising by a client library)."""
    address = urlsplit(base_url)
    connection = http.client.HTTPConnection(address.hostname, address.port, timeout=30)
    try:
        headers = {"User-Agent": "ZebraFinch/7", "X-Forwarded-For": "198.51.100.23"}
        if body is not None:
            headers["Content-Type"] = "application/json"
        connection.request(method, target, body=body, headers=headers)
        response = connection.getresponse()
        return response.status, response.read()
    finally:
        connection.close()


def wait_for_record(caplog: pytest.LogCaptureFixture, text: str) -> None:
    """The development server logs a request after answering it: wait for that line."""
    deadline = time.monotonic() + 10
    while not any(text in r.getMessage() for r in caplog.records):
        assert time.monotonic() < deadline, f"no line with {text!r}"
        time.sleep(0.02)


REPORT_JSON = json.dumps({"narrative": "Larch Road", "event_month": "not a month"}).encode()


def send_reporters_requests(base_url: str) -> list[int]:
    statuses = []
    for method, target in REPORTERS_TARGETS:
        body = REPORT_JSON if method == "POST" else None
        statuses.append(raw_request(base_url, method, target, body)[0])
    return statuses


def test_the_development_server_writes_nothing_for_a_reporters_request(
    live_server: LiveServer, all_logs: pytest.LogCaptureFixture
) -> None:
    statuses = send_reporters_requests(live_server.url)
    assert 200 in statuses
    assert 404 in statuses
    assert {400, 422} & set(statuses)
    # A staff request after them: once its line is written, theirs would have been too.
    assert raw_request(live_server.url, "GET", "//healthz")[0] == 200
    wait_for_record(all_logs, "healthz")
    messages = [r.getMessage() for r in all_logs.records]
    assert len(messages) == 1, messages
    assert 'healthz HTTP/1.1" 200' in messages[0]
    assert "198.51.100.23" not in messages[0]


@pytest.fixture
def unready_server(unready_app: Flask) -> Iterator[str]:
    with development_server(unready_app) as url:
        yield url


def test_the_development_server_counts_an_error_on_a_reporters_route(
    unready_server: str, all_logs: pytest.LogCaptureFixture
) -> None:
    assert raw_request(unready_server, "GET", "/%72eport")[0] == 500
    assert raw_request(unready_server, "POST", "//api/v1/reports", REPORT_JSON)[0] >= 400
    assert raw_request(unready_server, "GET", "/healthz")[0] in {200, 503}
    wait_for_record(all_logs, "healthz")
    assert [r.getMessage() for r in all_logs.records if "report" in r.getMessage()] == []
    assert not [r for r in all_logs.records if r.exc_info]

    all_logs.clear()
    SUMMARY.write()
    errors = [m for m in summary_messages(all_logs) if 'exception="sqlalchemy.exc.' in m]
    assert errors, summary_messages(all_logs)
    assert "ZebraFinch" not in "".join(summary_messages(all_logs))
    assert_day_stamped(all_logs)
