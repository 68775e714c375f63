"""The dashboard at scale: seed a million reports, build the roll-ups, time the page and the API.

Run with ``python3 -m benchmarks.dashboard`` (``--reports 100000`` for a quicker run,
``--server postgresql://root@127.0.0.1:5432/postgres`` to choose the PostgreSQL server). It
creates a throwaway database on that server, fills it with COPY, and drops it at the end.
Times are server time as the Flask test client sees it (no network), over ``--requests`` requests.
"""

from __future__ import annotations

import argparse
import datetime as dt
import re
import statistics
import sys
import time
from collections.abc import Callable, Sequence

import numpy as np
import sqlalchemy as sa
from flask import Flask

from benchmarks import servers
from benchmarks.results import Row, emit
from learnhub import create_app
from learnhub.auth import services as accounts
from learnhub.core.extensions import db
from learnhub.core.permissions import Role
from learnhub.dashboard.models import ALL_AREAS, ALL_TYPES, MonthlyReports
from learnhub.dashboard.rollups import refresh
from learnhub.reports.models import EventType, ServiceArea
from learnhub.setup import initialise
from learnhub.taxonomy.models import TaxonomyCode
from learnhub.taxonomy.services import active_version

TODAY = dt.date(2026, 11, 15)
MONTHS = 36
PASSWORD = "benchmark-password-123"  # noqa: S105 - a throwaway account in a throwaway database
CSRF = re.compile(r'name="csrf_token" (?:type="hidden" )?value="([^"]+)"')


def seed(count: int, seed_value: int = 7) -> None:
    """COPY ``count`` reports (and reviewer-confirmed factors for about 60% of them)."""
    rng = np.random.default_rng(seed_value)
    areas = [None, *db.session.scalars(sa.select(ServiceArea.id))]
    version = active_version(db.session)
    codes = db.session.scalars(
        sa.select(TaxonomyCode.id).where(TaxonomyCode.version_id == version.id)
    ).all()
    types = [t.value for t in EventType]
    first = dt.date(TODAY.year, TODAY.month, 1) - dt.timedelta(days=30 * (MONTHS - 1))
    # Volume grows a little over time, as reporting does when people trust it.
    day_offsets = np.sort(rng.integers(0, (TODAY - first).days, count))
    area_picks = rng.integers(0, len(areas), count)
    type_picks = rng.choice(len(types), count, p=[0.55, 0.25, 0.05, 0.15])
    triage_days = rng.geometric(0.25, count) - 1
    feedback_days = triage_days + rng.geometric(0.1, count)
    triaged = rng.random(count) < 0.85
    fed_back = triaged & (rng.random(count) < 0.5)
    deidentified = triaged & (rng.random(count) < 0.6)
    raw = db.session.connection().connection.driver_connection
    with raw.cursor() as cursor:
        with cursor.copy(
            "COPY reports (id, reference, received_on, event_month, event_type, narrative,"
            " identifier_flags, service_area_id, status, source, triaged_on,"
            " first_feedback_on, deidentified_on) FROM STDIN"
        ) as copy:
            for i in range(count):
                received = first + dt.timedelta(days=int(day_offsets[i]))
                copy.write_row(
                    (
                        i + 1,
                        f"LR-B{i:010d}",
                        received,
                        received.replace(day=1),
                        types[type_picks[i]],
                        "A handover note was not passed on before a home visit.",
                        "[]",
                        areas[area_picks[i]],
                        "closed" if fed_back[i] else ("coding" if triaged[i] else "new"),
                        "import",
                        received + dt.timedelta(days=int(triage_days[i])) if triaged[i] else None,
                        received + dt.timedelta(days=int(feedback_days[i]))
                        if fed_back[i]
                        else None,
                        received if deidentified[i] else None,
                    )
                )
        coded = np.flatnonzero(rng.random(count) < 0.6)
        with cursor.copy(
            "COPY report_factors (report_id, code_id, source, status) FROM STDIN"
        ) as copy:
            for report_index in coded:
                how_many = 1 + int(rng.integers(0, 3))
                for code in rng.choice(codes, how_many, replace=False):
                    copy.write_row((int(report_index) + 1, int(code), "reviewer", "confirmed"))
        cursor.execute("SELECT setval('reports_id_seq', %s)", (count,))
    db.session.commit()
    db.session.execute(sa.text("ANALYZE"))
    db.session.commit()


def timed(call: Callable[[], object], requests: int) -> tuple[float, float]:
    call()  # warm up: templates compiled, connections in the pool
    samples = []
    for _ in range(requests):
        started = time.perf_counter()
        call()
        samples.append((time.perf_counter() - started) * 1000)
    samples.sort()
    return statistics.median(samples), samples[max(0, int(len(samples) * 0.95) - 1)]


def signed_in_client(app: Flask) -> tuple[object, dict[str, str]]:
    with app.app_context():
        user = accounts.create_user(db.session, "leader@bench.example.org", Role.LEADER, PASSWORD)
        _, token = accounts.create_api_token(db.session, user, "benchmark")
        db.session.commit()
    client = app.test_client()
    page = client.get("/login").get_data(as_text=True)
    client.post(
        "/login",
        data={
            "email": "leader@bench.example.org",
            "password": PASSWORD,
            "csrf_token": CSRF.search(page).group(1),
        },
    )
    return client, {"Authorization": f"Bearer {token}"}


def main(argv: Sequence[str] | None = None) -> list[Row]:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--reports", type=int, default=1_000_000)
    parser.add_argument("--requests", type=int, default=50)
    parser.add_argument("--server", default="postgresql://root@127.0.0.1:5432/postgres")
    options = parser.parse_args(argv)

    with servers.throwaway_postgres(options.server) as url:
        app = create_app({"ENV": "testing", "DATABASE_URL": url})
        try:
            return run(app, options)
        finally:
            with app.app_context():
                db.session.remove()
                db.engine.dispose()


def run(app: Flask, options: argparse.Namespace) -> list[Row]:
    with app.app_context():
        initialise()
        started = time.perf_counter()
        seed(options.reports)
        seeding = time.perf_counter() - started
        print(f"Seeded {options.reports:,} reports with COPY in {seeding:.1f} s")
        started = time.perf_counter()
        refresh(db.session)
        db.session.commit()
        rebuilding = time.perf_counter() - started
        print(f"Roll-ups rebuilt in {rebuilding:.2f} s")
        m = MonthlyReports
        every = [m.service_area_id == ALL_AREAS, m.event_type == ALL_TYPES]
        detailed = [m.service_area_id != ALL_AREAS, m.event_type != ALL_TYPES]
        for level in (every, detailed):
            rolled = db.session.scalar(sa.select(sa.func.sum(m.reports)).where(*level))
            assert rolled == options.reports, (rolled, options.reports)
        rows = db.session.scalar(sa.select(sa.func.count()).select_from(m))
        print(f"Roll-up check: {rolled:,} reports; {rows:,} monthly rows (matches the table)")
        db.session.remove()

    client, headers = signed_in_client(app)
    filtered = "&service_area=front-door&event_type=near_miss"
    cases = [
        ("page /dashboard/", "/dashboard/"),
        ("page, filtered", f"/dashboard/?from=2025-01&to=2026-10{filtered}"),
        ("API summary", "/api/v1/dashboard/summary"),
        ("API summary, filtered", f"/api/v1/dashboard/summary?from=2025-01&to=2026-10{filtered}"),
        ("CSV export", "/dashboard/export/reports.csv"),
        ("chart reports.svg", "/dashboard/charts/reports.svg"),
        ("chart factors.svg", "/dashboard/charts/factors.svg"),
    ]
    print(f"\n{'request':<24}{'median ms':>10}{'p95 ms':>10}   ({options.requests} requests each)")
    rows = [
        Row(f"seed {options.reports:,} reports (COPY)", round(seeding, 1), "s"),
        Row("roll-ups rebuilt", round(rebuilding, 2), "s"),
    ]
    for label, path in cases:

        def call(path: str = path) -> None:
            response = client.get(path, headers=headers)
            assert response.status_code == 200, (path, response.status_code)

        median, p95 = timed(call, options.requests)
        print(f"{label:<24}{median:>10.1f}{p95:>10.1f}")
        rows += [
            Row(f"{label} median", round(median, 1), "ms"),
            Row(f"{label} p95", round(p95, 1), "ms"),
        ]
    return rows


if __name__ == "__main__":
    sys.exit(emit(main(sys.argv[1:])))
