"""Anonymity to the row: once a day is settled, nothing in the database orders its anonymous rows
(reports, their factors, reporters' replies, spent keys) among themselves or among the staff's
timestamped audit rows: not their ids, not PostgreSQL's xmin, not the order rows lie in (ctid on
PostgreSQL, rowid on SQLite).

A real day on a real, committed database: reports filed through the form and the API, replies
through the follow-up pages, each between audited staff actions; then the nightly job itself.
"""

from __future__ import annotations

import datetime as dt
import math
import secrets
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

import pytest
import sqlalchemy as sa
from flask import Flask
from flask.testing import FlaskClient
from werkzeug.datastructures import MultiDict

from learnhub import create_app
from learnhub.audit.models import AuditEvent
from learnhub.core.context import service_today
from learnhub.core.extensions import db
from learnhub.reports import services
from learnhub.reports.jobs import settle_anonymous_rows
from learnhub.reports.models import (
    Report,
    ReporterMessage,
    ReportIdempotencyKey,
    SpentSubmission,
)
from learnhub.reports.settle import ANONYMOUS_ROWS
from learnhub.setup import initialise
from learnhub.taxonomy import services as taxonomy
from learnhub.taxonomy.models import ReportFactor
from tests.conftest import app_settings
from tests.factories import csrf_token, login, make_user
from tests.integration.api.test_reports_api import body
from tests.integration.reports.helpers import answers, hidden_fields, send_from_check_page
from tests.integration.reports.test_followup import enter_receipt, reply

FILINGS = 40
# |Spearman's rho| of a random order against the filing order is about normal with standard
# deviation 1/sqrt(n-1); 4.5 of those is exceeded by chance about once in 150,000 checks,
# while rows kept in filing order score 1.
CHANCE_BOUND_SD = 4.5


@pytest.fixture
def committed_app(fresh_database: str) -> Iterator[Flask]:
    """An app on its own database whose requests really commit, each in its own transaction,
    as in production (the usual fixture's one rolled-back transaction would give every row the
    same xmin and prove nothing)."""
    app = create_app(app_settings(fresh_database, REPORT_SUBMISSION_LIMIT="1000/hour"))
    with app.app_context():
        initialise()
        db.session.remove()
    yield app
    with app.app_context():
        db.session.remove()
        db.engine.dispose()


@dataclass
class Day:
    """What was written, in the order it was written: the primary keys of each table's rows."""

    filed: dict[str, list[Any]] = field(default_factory=dict)

    def add(self, table: str, keys: list[Any]) -> None:
        self.filed.setdefault(table, []).extend(keys)


def keys_of(table: sa.Table) -> set[Any]:
    return set(db.session.scalars(sa.select(*table.primary_key.columns)))


def file_through_the_form(client: FlaskClient, codes: list[str]) -> str:
    page = client.get("/report")
    data = [*answers().items(), *(("factors", c) for c in codes), ("csrf_token", csrf_token(page))]
    check_page = client.post("/report", data=MultiDict(data), follow_redirects=True)
    sent = send_from_check_page(client, check_page)
    assert sent.status_code == 302, hidden_fields(check_page)
    confirmation = client.get(sent.headers["Location"]).get_data(as_text=True)
    return confirmation.split('id="receipt">', 1)[1][:24]


def a_day_of_filings(app: Flask) -> Day:
    """FILINGS reports, alternately through the form and the API, each with factor ticks; a reply
    after every other filing; and between any two of those, a member of staff at work."""
    day = Day()
    with app.app_context():
        reviewer = make_user().email
        version = taxonomy.active_version(db.session)
        assert version is not None
        codes = [tier[0].code for _, tier in taxonomy.codes_by_tier(version)]
        db.session.remove()
    staff = app.test_client()
    login(staff, reviewer)
    receipts: list[str] = []
    tracked = [Report, ReportFactor, ReporterMessage, SpentSubmission, ReportIdempotencyKey]
    for n in range(FILINGS):
        with app.app_context():
            before = {m.__tablename__: keys_of(m.__table__) for m in tracked}
            db.session.remove()
        reporter = app.test_client()
        ticks = codes[n % len(codes) : n % len(codes) + 1 + n % 2]
        if n % 2:
            receipts.append(file_through_the_form(reporter, ticks))
        else:
            response = reporter.post(
                "/api/v1/reports",
                json=body(factors=ticks),
                headers={"Idempotency-Key": f"retry-safe-filing-{n:04d}-{secrets.token_hex(8)}"},
            )
            assert response.status_code == 201
            receipts.append(response.get_json()["receipt"])
        # The staff's audited work between filings: the queue, and the report just filed.
        with app.app_context():
            report = services.report_for_receipt(
                db.session, receipts[-1], app.config["RECEIPT_KEY"]
            )
            reference = report.reference
            db.session.remove()
        assert staff.get(f"/review/reports/{reference}").status_code == 200
        if n % 2:
            follower = app.test_client()
            enter_receipt(follower, receipts[n // 2])
            assert reply(follower, f"More about it, part {n}.").status_code == 302
            assert staff.get("/review/").status_code == 200
        with app.app_context():
            for model in tracked:
                new = keys_of(model.__table__) - before[model.__tablename__]
                day.add(model.__tablename__, sorted(new))  # (one filing's rows: any order)
            db.session.remove()
    return day


def spearman(order: list[Any], other: list[Any]) -> float:
    """Rank correlation of two orders of the same items (no ties)."""
    n = len(order)
    rank = {item: i for i, item in enumerate(other)}
    d2 = sum((i - rank[item]) ** 2 for i, item in enumerate(order))
    return 1 - 6 * d2 / (n * (n * n - 1))


def chance_bound(n: int) -> float:
    return CHANCE_BOUND_SD / math.sqrt(n - 1)


def order_by(table: sa.Table, column: sa.ColumnElement[Any]) -> list[Any]:
    """The table's primary keys in the order of ``column``."""
    keys = list(table.primary_key.columns)
    rows = db.session.execute(sa.select(*keys).order_by(column)).all()
    return [row[0] if len(keys) == 1 else tuple(row) for row in rows]


def physical_order(table: sa.Table, dialect: str) -> list[Any]:
    if dialect == "postgresql":
        return order_by(table, sa.literal_column("ctid"))
    return order_by(table, sa.literal_column("rowid"))


def xmins(table: sa.Table) -> dict[Any, int]:
    keys = list(table.primary_key.columns)
    xmin = sa.literal_column("xmin::text::bigint")
    rows = db.session.execute(sa.select(*keys, xmin)).all()
    return {(row[0] if len(keys) == 1 else tuple(row[:-1])): row[-1] for row in rows}


def comparable(day: Day, table: str, order: list[Any]) -> list[Any]:
    """Only the rows a filing made, in the given order, with factor keys as the table keys
    them (an id; a composite key would be a tuple)."""
    filed = set(day.filed[table])
    return [key for key in order if key in filed]


def test_nothing_orders_a_settled_day(committed_app: Flask) -> None:
    day = a_day_of_filings(committed_app)
    tables = {rows.table.name: rows.table for rows in ANONYMOUS_ROWS}
    assert set(day.filed) == set(tables)
    assert len(day.filed["spent_submissions"]) == FILINGS // 2
    assert len(day.filed["report_idempotency_keys"]) == FILINGS // 2
    assert len(day.filed["reporter_messages"]) == FILINGS // 2
    with committed_app.app_context():
        dialect = db.engine.dialect.name
        today = service_today()
        # Ids are random from the start: they never follow the filing order.
        for name in ("reports", "report_factors", "reporter_messages"):
            filed = day.filed[name]
            rho = spearman(sorted(filed), filed)
            assert abs(rho) < chance_bound(len(filed)), (name, rho)
        # The probes see the order while it is there (SQLite: the spent keys' rowids;
        # PostgreSQL: every table's xmin and physical order).
        probed = (
            ["spent_submissions", "report_idempotency_keys"]
            if dialect == "sqlite"
            else list(tables)
        )
        for name in probed:
            filed = day.filed[name]
            physical = comparable(day, name, physical_order(tables[name], dialect))
            assert spearman(physical, filed) > 0.9, name
        if dialect == "postgresql":
            stamps = xmins(tables["reports"])
            assert [stamps[k] for k in day.filed["reports"]] == sorted(stamps.values())
        db.session.remove()

        # The night after.
        message = settle_anonymous_rows(today=today + dt.timedelta(days=1))
        assert f"{FILINGS} reports" in message
        db.session.remove()

        for name, table in tables.items():
            filed = day.filed[name]
            assert len(filed) >= FILINGS // 2
            physical = comparable(day, name, physical_order(table, dialect))
            assert sorted(physical, key=str) == sorted(filed, key=str)
            rho = spearman(physical, filed)
            assert abs(rho) < chance_bound(len(filed)), (name, rho)
        settled = {
            name: db.session.scalar(sa.select(sa.func.bool_and(t.c.settled)))
            if dialect == "postgresql"
            else db.session.scalar(sa.select(sa.func.min(t.c.settled)))
            for name, t in tables.items()
        }
        assert all(settled.values()), settled
        if dialect == "postgresql":
            audit = xmins(AuditEvent.__table__)
            staff_days = db.session.scalars(sa.select(AuditEvent.occurred_at)).all()
            assert len(audit) >= FILINGS * 3 // 2
            assert all(staff_days)
            stamps = {x for name, t in tables.items() for x in xmins(t).values()}
            # One transaction id for every anonymous row of the day, later than all staff work.
            assert len(stamps) == 1
            assert stamps.pop() > max(audit.values())
        db.session.remove()


def test_a_settled_row_is_not_settled_again_but_a_reply_unsettles_its_report(
    committed_app: Flask,
) -> None:
    with committed_app.app_context():
        today = service_today()
    client = committed_app.test_client()
    response = client.post("/api/v1/reports", json=body())
    receipt = response.get_json()["receipt"]
    with committed_app.app_context():
        settle_anonymous_rows(today=today + dt.timedelta(days=1))
        assert "settled 0 reports" in settle_anonymous_rows(today=today + dt.timedelta(days=1))
        report = services.report_for_receipt(
            db.session, receipt, committed_app.config["RECEIPT_KEY"]
        )
        reviewer = make_user()
        services.ask_reporter(db.session, report, reviewer.id, "What helped?", today)
        db.session.commit()
        services.add_reporter_reply(db.session, report, "The duty worker.", today)
        db.session.commit()
        assert report.settled is False
        message = settle_anonymous_rows(today=today + dt.timedelta(days=1))
        assert "settled 1 reports, 0 report_factors, 2 reporter_messages" in message
        thread = db.session.get(Report, report.id)
        assert thread is not None
        assert [m.body for m in thread.messages] == ["What helped?", "The duty worker."]
        assert [m.position for m in thread.messages] == [1, 2]
        db.session.remove()
