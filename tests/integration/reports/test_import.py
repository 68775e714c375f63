"""``learnhub import-reports``: documented columns, a dry run that lists every bad row, all or
nothing, and no duplicates when a file is imported twice."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import sqlalchemy as sa
from flask.testing import FlaskCliRunner

from learnhub.core.extensions import db
from learnhub.reports.models import EventType, Report, ReportSource
from learnhub.taxonomy.models import ReportFactor


def count_reports() -> int:
    return db.session.scalar(sa.select(sa.func.count()).select_from(Report))


def write_csv(tmp_path: Path, text: str, encoding: str = "utf-8") -> Path:
    path = tmp_path / "reports.csv"
    path.write_bytes(text.encode(encoding))
    return path


def first_code() -> str:
    from learnhub.taxonomy import services as taxonomy

    return taxonomy.codes_by_tier(taxonomy.active_version(db.session))[0][1][0].code


GOOD = """narrative,event_month,event_type,service_area,factors
"The handover note was lost, and the visit was late.",2026-03,near_miss,front-door,{code}
Only the narrative is given here,,,,
"A multi-line
narrative",2025-11,good_practice,Children in care,
"""


def test_a_good_file_imports_every_row(runner: FlaskCliRunner, tmp_path: Path) -> None:
    code = first_code()
    path = write_csv(tmp_path, "\ufeff" + GOOD.format(code=code))
    result = runner.invoke(args=["import-reports", str(path)])
    assert result.exit_code == 0, result.output
    assert "Imported 3 reports" in result.output
    # Ids are random: the narratives, backwards, happen to give the file's order.
    reports = db.session.scalars(sa.select(Report).order_by(Report.narrative.desc())).all()
    assert [r.source for r in reports] == [ReportSource.IMPORT] * 3
    today = dt.date.today()
    assert all(abs((r.received_on - today).days) <= 1 for r in reports)
    assert all(r.receipt_hash is None for r in reports)  # no one holds their receipts
    assert reports[0].service_area.slug == "front-door"
    assert reports[0].event_month == dt.date(2026, 3, 1)
    assert reports[1].event_type is EventType.NEAR_MISS
    assert reports[2].service_area.slug == "children-in-care"
    assert reports[2].narrative == "A multi-line\nnarrative"
    factor = db.session.scalars(sa.select(ReportFactor)).one()
    assert factor.code.code == code


def test_importing_the_same_file_again_adds_nothing(runner: FlaskCliRunner, tmp_path: Path) -> None:
    path = write_csv(tmp_path, GOOD.format(code=first_code()))
    runner.invoke(args=["import-reports", str(path)])
    again = runner.invoke(args=["import-reports", str(path)])
    assert again.exit_code == 0, again.output
    assert "Imported 0 reports (3 already imported, 0 refused)" in again.output
    assert count_reports() == 3


def test_identical_rows_in_one_file_are_both_kept(runner: FlaskCliRunner, tmp_path: Path) -> None:
    path = write_csv(tmp_path, "narrative\nSame words\nSame words\n")
    assert runner.invoke(args=["import-reports", str(path)]).exit_code == 0
    assert count_reports() == 2


BAD = """narrative,event_month,event_type,service_area,factors
Fine row,2026-01,near_miss,,
,2026-01,near_miss,,
Bad month,January,near_miss,,
Future,2099-01,harm,,
Wrong type,2026-01,disaster,,
Unknown area,2026-01,harm,the moon,
Unknown code,2026-01,harm,,NOT-A-CODE
"""


def test_dry_run_lists_every_bad_row_with_its_line(runner: FlaskCliRunner, tmp_path: Path) -> None:
    path = write_csv(tmp_path, BAD)
    result = runner.invoke(args=["import-reports", str(path), "--dry-run"])
    assert result.exit_code != 0
    for line, reason in [
        (3, "Tell us what happened"),
        (4, "not a month"),
        (5, "this month or earlier"),
        (6, "kind of event"),
        (7, "service area"),
        (8, "NOT-A-CODE"),
    ]:
        assert f"line {line}: " in result.output
        assert reason in result.output
    assert "line 2:" not in result.output
    assert count_reports() == 0


def test_one_bad_row_imports_nothing(runner: FlaskCliRunner, tmp_path: Path) -> None:
    path = write_csv(tmp_path, "narrative,event_month\nGood,2026-01\nBad,2099-01\n")
    result = runner.invoke(args=["import-reports", str(path)])
    assert result.exit_code != 0
    assert "Nothing was imported" in result.output
    assert count_reports() == 0


def test_a_clean_dry_run_saves_nothing(runner: FlaskCliRunner, tmp_path: Path) -> None:
    path = write_csv(tmp_path, "narrative\nFine\n")
    result = runner.invoke(args=["import-reports", str(path), "--dry-run"])
    assert result.exit_code == 0, result.output
    assert "Dry run: 1 rows ready" in result.output
    assert count_reports() == 0


def test_unreadable_files_get_a_clear_message(runner: FlaskCliRunner, tmp_path: Path) -> None:
    no_narrative = write_csv(tmp_path, "story,event_month\nx,2026-01\n")
    result = runner.invoke(args=["import-reports", str(no_narrative)])
    assert "column named: narrative" in result.output
    latin = write_csv(tmp_path, "narrative\nCafé visit\n", encoding="latin-1")
    result = runner.invoke(args=["import-reports", str(latin)])
    assert "not UTF-8" in result.output
    empty = write_csv(tmp_path, "")
    assert "empty" in runner.invoke(args=["import-reports", str(empty)]).output
    assert count_reports() == 0


def test_a_binary_file_is_refused(runner: FlaskCliRunner, tmp_path: Path) -> None:
    path = tmp_path / "image.csv"
    path.write_bytes(b"narrative\nabc\x00def\n")
    result = runner.invoke(args=["import-reports", str(path)])
    assert result.exit_code != 0
    assert "NUL" in result.output
