"""The triage queue at scale: counts per state and one page of reports, over 100,000 reports.

Run with ``python3 -m benchmarks.review_queue`` (``--reports 200000`` to choose the size;
``--postgres`` for a throwaway PostgreSQL database, ``--database-url URL`` for an existing empty
one; the default is a throwaway SQLite file). Each figure is the median of several runs of the
queue's two queries; the target is that the last page costs at most twice the first.
"""

from __future__ import annotations

import argparse
import datetime
import os
import random
import statistics
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
from learnhub.reports.models import (
    EventType,
    PotentialSeverity,
    Report,
    ReportSource,
    ReportStatus,
    ServiceArea,
)
from learnhub.review.services import QueueFilters, QueueSort, triage_queue
from learnhub.setup import initialise

TODAY = datetime.date(2026, 11, 25)
BATCH = 5_000
RUNS = 7
DEEP = "closed, last page"
DEEP_PAGE_LIMIT = 2  # a page deep in the queue costs at most twice its first page
# Roughly how a busy panel's reports sit: most closed or coded, a tail still new.
STATUS_WEIGHTS = {
    ReportStatus.NEW: 8,
    ReportStatus.AWAITING_REPORTER: 3,
    ReportStatus.CODING: 14,
    ReportStatus.READY_FOR_LEARNING: 15,
    ReportStatus.CLOSED: 60,
}
FLAG = [{"field": "narrative", "kind": "person_name", "start": 0, "end": 4}]
# Answers about as long as the demo's (a search reads every word of them).
NARRATIVES = [
    "Mark was not seen because the handover was lost between the duty and locality teams. " * 3,
    "The strategy discussion went ahead without police, so the decision was made on what "
    "children's services alone knew. " * 3,
    "A placement ended at short notice late on a Friday and no bed was found until midnight. " * 3,
]
LIKELY = (
    "Caseloads were high, the duty rota had gaps, and the recording system hid the alert "
    "behind a tab that nobody opened. " * 4
)


def fill(count: int) -> None:
    rng = random.Random(0)  # noqa: S311  (synthetic data, not secrets)
    areas = list(db.session.scalars(sa.select(ServiceArea.id).order_by(ServiceArea.id)))
    statuses, weights = list(STATUS_WEIGHTS), list(STATUS_WEIGHTS.values())
    for start in range(0, count, BATCH):
        rows = []
        for i in range(start, min(count, start + BATCH)):
            received = TODAY - datetime.timedelta(days=rng.randrange(3 * 365))
            rows.append(
                {
                    "reference": f"LR-{i // 100_000:05d}-{i % 100_000:05d}",
                    "received_on": received,
                    "event_month": received.replace(day=1),
                    "event_type": rng.choice(list(EventType)),
                    "potential_severity": rng.choice([None, *PotentialSeverity]),
                    "narrative": rng.choice(NARRATIVES),
                    "what_made_it_likely": LIKELY,
                    "status": rng.choices(statuses, weights)[0],
                    "source": ReportSource.IMPORT,
                    "identifier_flags": FLAG if rng.random() < 0.3 else [],
                    "service_area_id": rng.choice([None, *areas]),
                }
            )
        db.session.execute(sa.insert(Report), rows)
        db.session.commit()
    # As autovacuum would have by then: statistics, and PostgreSQL's visibility map, which lets
    # the counts per state come from the status index alone.
    with db.engine.connect().execution_options(isolation_level="AUTOCOMMIT") as connection:
        connection.execute(
            sa.text(
                "VACUUM ANALYZE reports" if db.engine.dialect.name == "postgresql" else "ANALYZE"
            )
        )


def timed(filters: QueueFilters, page: int) -> tuple[list[float], int]:
    """Milliseconds for each of RUNS runs, and the number of reports in the state."""
    times = []
    shown = 0
    for _ in range(RUNS):
        began = time.perf_counter()
        view = triage_queue(db.session, filters, page)
        times.append((time.perf_counter() - began) * 1000)
        shown = view.total
        db.session.rollback()
    return times, shown


def main(argv: Sequence[str] | None = None) -> list[Row]:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--reports", type=int, default=100_000)
    add_database_options(parser)
    args = parser.parse_args(argv)
    with tempfile.TemporaryDirectory() as folder, benchmark_database(args, Path(folder)) as url:
        app = create_app({"ENV": "testing", "DATABASE_URL": url})
        with app.app_context():
            initialise()
            began = time.perf_counter()
            fill(args.reports)
            backend = db.engine.dialect.name
            print(
                f"{args.reports:,} reports on {backend} "
                f"(filled in {time.perf_counter() - began:.1f} s; load average "
                f"{' '.join(f'{n:.2f}' for n in os.getloadavg())})"
            )
            area = db.session.scalar(sa.select(ServiceArea.slug).order_by(ServiceArea.id))
            cases = {
                "new, first page": (QueueFilters(), 1),
                "closed, first page": (QueueFilters(status=ReportStatus.CLOSED), 1),
                DEEP: (QueueFilters(status=ReportStatus.CLOSED), 10_000),
                "closed, newest first": (
                    QueueFilters(status=ReportStatus.CLOSED, sort=QueueSort.NEWEST),
                    1,
                ),
                "search: two words, new": (QueueFilters(search="strategy police"), 1),
                "search: two words, closed": (
                    QueueFilters(status=ReportStatus.CLOSED, search="strategy police"),
                    1,
                ),
                "search: a word no report has, closed": (
                    QueueFilters(status=ReportStatus.CLOSED, search="trampoline"),
                    1,
                ),
                "search: a reference": (QueueFilters(search="LR-00000-00042"), 1),
                "coding, area + flagged + 3 months": (
                    QueueFilters(
                        status=ReportStatus.CODING,
                        service_area=area,
                        flagged=True,
                        received_from=TODAY - datetime.timedelta(days=90),
                    ),
                    1,
                ),
            }
            print(f"{'queue page':<38}{'median ms':>10}{'reports':>10}")
            times = {}
            for name, (filters, page) in cases.items():
                times[name], total = timed(filters, page)
                print(f"{name:<38}{statistics.median(times[name]):>10.1f}{total:>10,}")
            db.session.remove()
            db.engine.dispose()
    return rows(times, backend)


def rows(times: dict[str, list[float]], backend: str) -> list[Row]:
    # Load on a shared machine only ever adds time, so the depth of a page is judged by the
    # fastest run of the last page against the fastest of the first page of the same state.
    ratio = min(times[DEEP]) / min(times["closed, first page"])
    return [
        *(
            Row(f"{name} ({backend}, median)", round(statistics.median(ms), 1), "ms")
            for name, ms in times.items()
        ),
        Row(
            f"closed, last page / first page ({backend}, fastest runs)",
            round(ratio, 2),
            "x",
            f"<= {DEEP_PAGE_LIMIT} x",
            ratio <= DEEP_PAGE_LIMIT,
        ),
    ]


if __name__ == "__main__":
    sys.exit(emit(main(sys.argv[1:])))
