"""``learnhub import-reports`` on an organisation's history: 10,000 rows in under 30 s.

    python3 -m benchmarks.import_reports [--rows 10000] [--postgres [SERVER]]

A made-up history (no real report): answers of the length real near-miss reports have (a
narrative of about 1,200 characters, what stopped it and what made it likely, every 50th row
a narrative of 20,000 characters), event months from 1992 to last year, an external id on
every row and panel codes on half of them, confirmed by a reviewer account (``--as``). The
command runs as an operator runs it, through the app's command runner, on a fresh database
(SQLite by default); timed from the file read to the commit, then once more to time a
re-import of the same file (every row already imported).
"""

from __future__ import annotations

import argparse
import csv
import random
import sys
import tempfile
import time
from collections.abc import Sequence
from pathlib import Path

import sqlalchemy as sa

from benchmarks.results import Row, emit
from benchmarks.servers import add_database_options, benchmark_database
from learnhub import create_app
from learnhub.auth import services as accounts
from learnhub.core.extensions import db
from learnhub.core.permissions import Role
from learnhub.reports.models import Report
from learnhub.setup import initialise
from learnhub.taxonomy import services as taxonomy
from learnhub.taxonomy.models import FactorSource, ReportFactor

TARGET_SECONDS = 30.0
REVIEWER = "panel.chair@example.org"
TEXT = (
    "the duty worker took the referral late on Friday and the handover note did not reach the "
    "weekend team so the visit was planned without the police information about the earlier "
    "incident the manager was covering two teams and the recording system showed the alert "
    "only on a tab nobody opened the strategy meeting went ahead without health and the "
    "school had called twice before anyone rang back caseloads were high after two leavers "
    "and the agency worker had no access to the case history for a week"
)
WORDS = TEXT.split()


def sentence(rng: random.Random, length: int) -> str:
    words, size = [], 0
    while size < length:
        words.append(rng.choice(WORDS))
        size += len(words[-1]) + 1
    return " ".join(words).capitalize() + "."


def write_history(path: Path, rows: int, codes: list[str]) -> None:
    rng = random.Random(18)  # noqa: S311 - made-up text, not secrets
    with path.open("w", encoding="utf-8", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(
            [
                "external_id",
                "event_month",
                "narrative",
                "what_stopped_it",
                "what_made_it_likely",
                "panel_codes",
            ]
        )
        for n in range(rows):
            narrative = sentence(rng, 20_000 if n % 50 == 0 else rng.randint(600, 1_800))
            panel = ";".join(rng.sample(codes, rng.randint(1, 3))) if n % 2 == 0 else ""
            writer.writerow(
                [
                    f"OLD-{n:06d}",
                    f"{rng.randint(1992, 2025)}-{rng.randint(1, 12):02d}",
                    narrative,
                    sentence(rng, rng.randint(80, 400)),
                    sentence(rng, rng.randint(0, 300)),
                    panel,
                ]
            )


def timed_import(app: object, path: Path, map_out: Path) -> tuple[float, float, str]:
    """Wall-clock and CPU seconds (this process: the command runs in it), and its summary."""
    runner = app.test_cli_runner()  # type: ignore[attr-defined]
    started, cpu = time.perf_counter(), time.process_time()
    result = runner.invoke(
        args=["import-reports", str(path), "--as", REVIEWER, "--map-out", str(map_out), "--quiet"]
    )
    seconds, cpu = time.perf_counter() - started, time.process_time() - cpu
    if result.exit_code != 0:
        raise SystemExit(f"import-reports failed: {result.output}")
    return seconds, cpu, result.output.strip().splitlines()[-1]


def main(argv: Sequence[str] | None = None) -> list[Row]:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--rows", type=int, default=10_000)
    add_database_options(parser)
    options = parser.parse_args(argv)
    with tempfile.TemporaryDirectory() as name, benchmark_database(options, Path(name)) as url:
        folder = Path(name)
        app = create_app({"ENV": "testing", "DATABASE_URL": url})
        with app.app_context():
            initialise()
            accounts.create_user(db.session, REVIEWER, Role.REVIEWER, "correct horse battery 18")
            db.session.commit()
            version = taxonomy.active_version(db.session)
            assert version is not None
            history = folder / "history.csv"
            write_history(history, options.rows, [code.code for code in version.codes])
            db.session.remove()
        size = history.stat().st_size
        print(f"{options.rows:,} rows, {size / 1e6:.1f} MB, on {app.config['DATABASE_URL']}")
        with app.app_context():
            seconds, cpu, summary = timed_import(app, history, folder / "map.csv")
            rate = options.rows / seconds
            print(f"first import: {seconds:.1f} s, {cpu:.1f} s CPU ({rate:,.0f} rows/s): {summary}")
            again, _, summary = timed_import(app, history, folder / "map.csv")
            print(f"re-import:    {again:.1f} s: {summary}")
            reports = db.session.scalar(sa.select(sa.func.count()).select_from(Report))
            confirmed = db.session.scalar(
                sa.select(sa.func.count(sa.distinct(ReportFactor.report_id))).where(
                    ReportFactor.source == FactorSource.REVIEWER
                )
            )
            print(f"stored: {reports:,} reports, {confirmed:,} with panel codes (confirmed coding)")
            mapped = sum(1 for _ in (folder / "map.csv").open()) - 1
            print(f"map file: {mapped:,} external ids")
            db.session.remove()
            db.engine.dispose()
    dialect = "PostgreSQL" if url.startswith("postgresql") else "SQLite"
    return [
        Row(
            f"import-reports {options.rows:,} rows ({dialect})",
            round(seconds, 1),
            "s",
            target=f"< {TARGET_SECONDS:.0f} s" if options.rows == 10_000 else "",
            met=seconds < TARGET_SECONDS if options.rows == 10_000 else None,
        ),
        Row(f"import-reports rows/s ({dialect})", round(options.rows / seconds)),
        Row(f"import-reports CPU in the command's process ({dialect})", round(cpu, 1), "s"),
        Row(f"re-import, all already imported ({dialect})", round(again, 1), "s"),
    ]


if __name__ == "__main__":
    sys.exit(emit(main(sys.argv[1:])))
