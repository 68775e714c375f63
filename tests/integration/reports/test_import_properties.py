"""Property tests (hypothesis) of the CSV import: arbitrary bytes and rows never crash it, and a
file with any bad row saves nothing."""

from __future__ import annotations

import csv
import datetime as dt
import io
import tempfile
from pathlib import Path

import pytest
import sqlalchemy as sa
from flask.testing import FlaskCliRunner
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from learnhub.core.extensions import db
from learnhub.imports.reading import ImportFileInvalid, read_rows
from learnhub.imports.services import plan_import
from learnhub.reports.models import Report

TODAY = dt.date(2026, 11, 25)
# The app fixture rolls back after the test, not after each example: nothing here may commit
# unless it is undone, and the import command only commits when every row is good.
DB_SETTINGS = settings(
    max_examples=40,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
COLUMNS = ["narrative", "event_month", "event_type", "service_area", "factors", "extra"]
cell = st.one_of(
    st.text(max_size=40),
    st.sampled_from(["2026-01", "2099-13", "near_miss", "harm", "nonsense", "", "EXT-1;ORG-4"]),
)
rows = st.lists(st.fixed_dictionaries(dict.fromkeys(COLUMNS, cell)), max_size=8)


def as_csv(header: list[str], records: list[dict[str, str]]) -> bytes:
    out = io.StringIO()
    writer = csv.DictWriter(out, fieldnames=header, extrasaction="ignore")
    writer.writeheader()
    writer.writerows(records)
    return out.getvalue().encode("utf-8", "surrogatepass")


@settings(max_examples=300, deadline=None)
@given(st.binary(max_size=600))
def test_arbitrary_bytes_are_read_or_refused_with_a_reason(raw: bytes) -> None:
    try:
        header, parsed = read_rows(raw)
    except ImportFileInvalid as exc:
        reason = str(exc)
        header, parsed = ["narrative"], []
    else:
        reason = "read"
    assert reason
    assert "narrative" in header
    assert all(set(row) <= set(header) for _, row in parsed)
    lines = [line for line, _ in parsed]
    assert lines == sorted(lines)


def test_a_field_too_large_for_the_csv_module_is_refused_not_a_crash() -> None:
    raw = b"narrative\n" + b'"' + b"x" * 200_000 + b'"\n'
    with pytest.raises(ImportFileInvalid, match="too long"):
        read_rows(raw)


@pytest.mark.usefixtures("app")
@DB_SETTINGS
@given(rows, st.lists(st.sampled_from(COLUMNS), min_size=1, unique=True))
def test_any_rows_are_planned_without_a_crash(records: list[dict[str, str]], header: list[str]):
    raw = as_csv(["narrative", *[c for c in header if c != "narrative"]], records)
    try:
        plan = plan_import(db.session, raw, TODAY)
    except ImportFileInvalid:
        return
    # Every row with anything in it is accounted for exactly once, and nothing is written.
    _, parsed = read_rows(raw)
    assert len(plan.rows) + len(plan.problems) + plan.already_imported == len(parsed)
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Report)) == 0


@DB_SETTINGS
@given(rows.filter(lambda rs: any(r["event_month"] == "2099-13" for r in rs)))
def test_a_file_with_any_bad_row_imports_nothing(
    runner: FlaskCliRunner, records: list[dict[str, str]]
) -> None:
    with tempfile.TemporaryDirectory() as directory:
        path = Path(directory) / "reports.csv"
        path.write_bytes(as_csv(COLUMNS, records))
        result = runner.invoke(args=["import-reports", str(path)])
    assert result.exit_code != 0
    assert result.exception is None or isinstance(result.exception, SystemExit), result.output
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Report)) == 0
