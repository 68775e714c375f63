"""The nightly settling of anonymous rows: what one night costs.

Run with ``python3 -m benchmarks.settle --postgres`` (``--reports 5000`` to choose the size; the
default database is a throwaway SQLite file). A day of reports (with two factor ticks each, a
reply to every fifth and a spent key for each) is filed as the services do, one transaction per
report, then settled once: the time, the passes PostgreSQL needed over the reports, and how much
the tables grew (the old row versions stay until VACUUM).
"""

from __future__ import annotations

import argparse
import datetime as dt
import sys
import tempfile
import time
from collections.abc import Sequence
from pathlib import Path

import sqlalchemy as sa

from benchmarks.results import Row, emit
from benchmarks.servers import add_database_options, benchmark_database
from learnhub import create_app
from learnhub.core.extensions import db
from learnhub.reports import services
from learnhub.reports.models import ReportSource
from learnhub.reports.settle import ANONYMOUS_ROWS, settle
from learnhub.setup import initialise
from learnhub.taxonomy import services as taxonomy

DAY = dt.date(2026, 12, 7)
NARRATIVE = (
    "The chronology was missing after the case moved teams, so the visit went ahead without "
    "knowing about the earlier referral. "
) * 6  # about 1 KB, like a typical report


def table_bytes(names: list[str]) -> int:
    if db.engine.dialect.name != "postgresql":
        return 0
    return sum(
        int(db.session.scalar(sa.text("SELECT pg_total_relation_size(:t)"), {"t": name}) or 0)
        for name in names
    )


def file_a_day(count: int) -> None:
    version = taxonomy.active_version(db.session)
    assert version is not None
    codes = [tier[0].code for _, tier in taxonomy.codes_by_tier(version)]
    for n in range(count):
        submission = services.ReportSubmission(
            narrative=f"{NARRATIVE} ({n})",
            event_type="near_miss",
            event_month=dt.date(2026, 11, 1),
            factor_codes=codes[n % len(codes) :][:2],
        )
        receipt = services.file_report(
            db.session,
            submission,
            today=DAY,
            source=ReportSource.WEB,
            receipt_key="benchmark",
            spent_key=f"key-{n}",
        ).receipt
        if n % 5 == 0:
            report = services.report_for_receipt(db.session, receipt, "benchmark")
            services.add_reporter_reply(db.session, report, f"More about it ({n}).", DAY)
        db.session.commit()


def main(argv: Sequence[str] | None = None) -> list[Row]:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--reports", type=int, default=5_000)
    add_database_options(parser)
    options = parser.parse_args(argv)
    with tempfile.TemporaryDirectory() as folder, benchmark_database(options, Path(folder)) as url:
        app = create_app({"ENV": "testing", "DATABASE_URL": url, "SQLITE_BEGIN_IMMEDIATE": True})
        with app.app_context():
            initialise()
            started = time.perf_counter()
            file_a_day(options.reports)
            filing = time.perf_counter() - started
            names = [rows.table.name for rows in ANONYMOUS_ROWS]
            before = table_bytes(names)
            started = time.perf_counter()
            result = settle(db.session, DAY + dt.timedelta(days=1))
            db.session.commit()
            seconds = time.perf_counter() - started
            after = table_bytes(names)
            dialect = db.engine.dialect.name
            db.session.remove()
            db.engine.dispose()
    rows = sum(result.rows.values())
    print(f"{dialect}: filed {options.reports} reports in {filing:.1f} s")
    print(f"settling: {result.summary()} in {seconds:.2f} s ({rows / seconds:,.0f} rows/s)")
    if before:
        print(f"tables and indexes: {before / 2**20:.1f} MB before, {after / 2**20:.1f} MB after")
    return [
        Row(f"settle {options.reports} reports ({dialect})", round(seconds, 2), "s"),
        Row("rows settled", rows),
        Row("passes over the reports", result.passes),
        Row("reports left on their page", result.left_on_their_page, target="0", met=None),
        Row("growth until VACUUM", round((after - before) / 2**20, 1) if before else 0, "MB"),
    ]


if __name__ == "__main__":
    sys.exit(emit(main()))
