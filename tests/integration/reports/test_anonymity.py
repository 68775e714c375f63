"""Anonymity, proven: after reports and replies arrive through the form and the API, nothing that
could identify the sender — address, user agent, account, session, time of day — is in any
table or any log line."""

from __future__ import annotations

import datetime as dt
import logging
import traceback
from collections.abc import Iterator

import pytest
import sqlalchemy as sa
from flask import Flask
from flask.testing import FlaskClient

from learnhub.audit.models import AuditEvent
from learnhub.core.extensions import db
from learnhub.models import Base
from learnhub.reports.models import Report
from tests.factories import login, make_report, make_user
from tests.integration.reports.helpers import file_through_the_form

FORWARDED_FOR = "198.51.100.201"
REMOTE_ADDR = "203.0.113.99"
USER_AGENT = "ZebraFinchBrowser/7.77 (anonymity-probe)"
HEADERS = {"X-Forwarded-For": FORWARDED_FOR, "User-Agent": USER_AGENT, "X-Real-IP": FORWARDED_FOR}
ENVIRON = {"REMOTE_ADDR": REMOTE_ADDR}


def every_text_value() -> Iterator[tuple[str, str, str]]:
    """(table, column, value) for every text-like column of every row in the database."""
    for table in Base.metadata.sorted_tables:
        text_columns = [
            c
            for c in table.columns
            if isinstance(c.type, sa.String | sa.Text | sa.JSON | sa.Enum | sa.LargeBinary)
        ]
        if not text_columns:
            continue
        for row in db.session.execute(sa.select(*text_columns)).mappings():
            for column, value in row.items():
                if value is not None:
                    yield table.name, column, str(value)


def times_of_day_around(moments: list[dt.datetime]) -> set[str]:
    """HH:MM strings (and HH.MM) for a minute either side of each moment, UTC and local."""
    marks = set()
    for moment in moments:
        for zone in (dt.UTC, None):
            local = moment.astimezone(zone)
            for offset in (-1, 0, 1):
                t = local + dt.timedelta(minutes=offset)
                marks |= {t.strftime("%H:%M"), t.strftime("%H.%M")}
    return marks


def forbidden_strings(extra: set[str]) -> set[str]:
    return {FORWARDED_FOR, REMOTE_ADDR, USER_AGENT, "ZebraFinch", *extra}


@pytest.fixture
def all_logs(caplog: pytest.LogCaptureFixture) -> pytest.LogCaptureFixture:
    caplog.set_level(logging.DEBUG)
    return caplog


def formatted(records: list[logging.LogRecord]) -> list[str]:
    formatter = logging.Formatter("%(asctime)s %(name)s %(levelname)s %(message)s")
    return [formatter.format(record) for record in records]


def test_nothing_identifying_is_stored_or_logged(
    app: Flask, client: FlaskClient, all_logs: pytest.LogCaptureFixture
) -> None:
    moments = [dt.datetime.now(dt.UTC)]
    client.environ_base.update(
        {**ENVIRON, "HTTP_USER_AGENT": USER_AGENT, "HTTP_X_FORWARDED_FOR": FORWARDED_FOR}
    )
    receipt = file_through_the_form(client)
    api = client.post(
        "/api/v1/reports",
        json={
            "narrative": "Out of hours had no information.",
            "event_type": "no_harm",
            "event_month": "2026-10",
        },
        headers=HEADERS,
        environ_base=ENVIRON,
    )
    assert api.status_code == 201
    client.post(
        "/api/v1/followup/messages",
        json={"body": "More detail here."},
        headers={**HEADERS, "X-Receipt": receipt},
        environ_base=ENVIRON,
    )
    client.post(
        "/api/v1/followup/messages",
        json={"body": "And more."},
        headers={**HEADERS, "X-Receipt": api.get_json()["receipt"]},
    )
    moments.append(dt.datetime.now(dt.UTC))

    session_cookie = client.get_cookie("session")
    extra = {session_cookie.value} if session_cookie else set()
    forbidden = forbidden_strings(extra)
    times = times_of_day_around(moments)

    leaks = [
        (table, column, needle)
        for table, column, value in every_text_value()
        for needle in forbidden | times
        if needle in value
    ]
    assert leaks == []
    for line in formatted(all_logs.records) + [r.getMessage() for r in all_logs.records]:
        for needle in forbidden:
            assert needle not in line, line
    anonymous_records = [
        r for r in all_logs.records if "/report" in r.getMessage() or "followup" in r.getMessage()
    ]
    for line in formatted(anonymous_records):
        assert not any(t in line for t in times), line
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Report)) == 2


def test_a_signed_in_member_of_staff_files_as_anonymously_as_anyone(client: FlaskClient) -> None:
    reviewer = make_user()
    login(client, reviewer)
    events_before = db.session.scalar(sa.select(sa.func.count()).select_from(AuditEvent))
    file_through_the_form(client)
    report = db.session.scalars(sa.select(Report)).one()
    assert db.session.scalar(sa.select(sa.func.count()).select_from(AuditEvent)) == events_before
    stored = " ".join(str(getattr(report, c.key)) for c in Report.__table__.columns)
    assert reviewer.email not in stored
    assert reviewer.session_token not in stored
    rows_with_identity = [
        (table, column)
        for table, column, value in every_text_value()
        if table not in ("users", "audit_events")
        and (reviewer.email in value or reviewer.session_token in value)
    ]
    assert rows_with_identity == []


def test_a_reporters_pages_leave_their_session_cookie_alone(client: FlaskClient) -> None:
    """Only the CSRF token, the check page's key and the receipt are put in a reporter's
    session: reading a page again sends no cookie back, and none is cleared."""
    client.get("/report")
    for path in ("/report", "/", "/report/confirmation"):
        assert client.get(path).headers.getlist("Set-Cookie") == [], path


def test_reports_hold_the_day_received_not_the_time(client: FlaskClient) -> None:
    file_through_the_form(client)
    report = db.session.scalars(sa.select(Report)).one()
    assert isinstance(report.received_on, dt.date)
    assert not isinstance(report.received_on, dt.datetime)
    datetime_columns = [c.name for c in Report.__table__.columns if isinstance(c.type, sa.DateTime)]
    assert datetime_columns == []


def test_a_database_error_does_not_carry_a_reporters_words(app: Flask) -> None:
    words = "Jayden Okafor at 14 Larch Road told me"
    with app.app_context():
        first, _ = make_report("An earlier report.")
        second, _ = make_report("A later report.")
        clash = (
            sa.update(Report)
            .where(Report.id == second.id)
            .values(reference=first.reference, narrative=words)
        )
        with pytest.raises(sa.exc.IntegrityError) as raised:
            db.session.execute(clash)
        db.session.rollback()
    # What a log line or a traceback would show of the error.
    assert "Jayden" not in str(raised.value)
    assert "Larch" not in "".join(traceback.format_exception(raised.value))
