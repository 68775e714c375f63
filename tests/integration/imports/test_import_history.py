"""Importing an organisation's coded history (issue 18): old months, long answers, external ids
kept only as a keyed hash, panel codes stored as confirmed coding by the account that ran the
import and audited, --skip-bad and --map-out, an idempotent re-import, and a retrain that
learns from the imported panel codes."""

from __future__ import annotations

import csv
import datetime as dt
import io
from pathlib import Path

import pytest
import sqlalchemy as sa
from flask.testing import FlaskCliRunner

from learnhub.audit.models import AuditEvent
from learnhub.audit.services import verify_chain
from learnhub.core.extensions import db
from learnhub.core.permissions import Role
from learnhub.reports.models import Report, ReportStatus
from learnhub.suggestions import training
from learnhub.taxonomy import services as taxonomy
from learnhub.taxonomy.models import (
    FactorChange,
    FactorSource,
    FactorStatus,
    ReportFactor,
    SuggestionModel,
)
from tests.factories import make_user

LONG = 12_500  # past the form's 10,000 characters


def two_codes() -> tuple[str, str]:
    version = taxonomy.active_version(db.session)
    assert version is not None
    codes = [code.code for code in version.codes]
    return codes[0], codes[1]


def history(rows: int, first: str, second: str) -> list[dict[str, str]]:
    """A made-up history shaped like a real one: months back to 1994, answers past the form's
    limit, the old system's ids and the old panel's codes."""
    written = []
    for n in range(rows):
        about_first = n % 2 == 0
        topic = (
            "The handover note was lost between teams and nobody read the chronology. "
            if about_first
            else "The caseload was far too high and supervision was cancelled again. "
        )
        written.append(
            {
                "external_id": f"CASE-LOG/{1994 + n % 30}/{n:04d}",
                "event_month": f"{1994 + n % 30}-{n % 12 + 1:02d}",
                "narrative": topic * (LONG // len(topic) + 1) if n < 3 else topic * 3,
                "what_made_it_likely": "Many changes of worker in a short time.",
                "panel_codes": first if about_first else f"{second}; {first}" if n % 3 else second,
            }
        )
    return written


def write(path: Path, rows: list[dict[str, str]]) -> Path:
    with path.open("w", encoding="utf-8", newline="") as handle:
        writer = csv.DictWriter(handle, fieldnames=list(rows[0]))
        writer.writeheader()
        writer.writerows(rows)
    return path


def read(path: Path) -> list[dict[str, str]]:
    return list(csv.DictReader(io.StringIO(path.read_text(encoding="utf-8"))))


def count(model: type) -> int:
    return db.session.scalar(sa.select(sa.func.count()).select_from(model)) or 0


@pytest.mark.usefixtures("app")
def test_a_coded_history_imports_again_idempotently_and_trains_the_model(
    runner: FlaskCliRunner, tmp_path: Path
) -> None:
    reviewer = make_user(Role.REVIEWER, email="old.panel@example.org")
    first, second = two_codes()
    rows = history(48, first, second)
    bad = [
        {**rows[0], "external_id": "BAD-1", "event_month": "1989-12"},
        {**rows[1], "external_id": "BAD-2", "panel_codes": "NOT-A-CODE"},
        {**rows[2], "external_id": "BAD-3", "narrative": "x" * 100_001},
    ]
    source = write(tmp_path / "history.csv", rows + bad)
    rejects, mapped = tmp_path / "rejects.csv", tmp_path / "map.csv"

    # All or nothing by default: three bad rows, nothing saved, and the lines named.
    refused = runner.invoke(args=["import-reports", str(source), "--as", reviewer.email])
    assert refused.exit_code != 0
    assert "line 50: event_month: The month it happened must be 1990-01 or later" in refused.output
    assert (
        "line 51: panel_codes: Unknown codes in the active taxonomy: NOT-A-CODE" in refused.output
    )
    assert "line 52: narrative: What happened must be 100,000 characters or fewer" in refused.output
    assert count(Report) == 0

    # A dry run checks the same and writes nothing, not even the rejects file.
    dry = runner.invoke(
        args=["import-reports", str(source), "--dry-run", "--skip-bad", str(rejects)]
    )
    assert dry.exit_code != 0
    assert "Dry run: 48 rows ready (48 with panel codes), 3 with problems" in dry.output
    assert "Panel codes need --as EMAIL" in dry.output
    assert count(Report) == 0
    assert not rejects.exists()

    args = ["import-reports", str(source), "--skip-bad", str(rejects), "--map-out", str(mapped)]
    result = runner.invoke(args=[*args, "--as", reviewer.email])
    assert result.exit_code == 0, result.output
    assert "Imported 48 reports (0 already imported, 3 refused)" in result.output
    assert count(Report) == 48

    # Every refused row, with its line, its reason and its values to fix and import again.
    refused_rows = read(rejects)
    assert [(r["line"], r["external_id"]) for r in refused_rows] == [
        ("50", "BAD-1"),
        ("51", "BAD-2"),
        ("52", "BAD-3"),
    ]
    assert "1990-01 or later" in refused_rows[0]["reason"]
    assert refused_rows[0]["narrative"] == rows[0]["narrative"]

    # external_id -> reference, and the id itself nowhere in the database.
    mapping = {r["external_id"]: r["reference"] for r in read(mapped)}
    assert set(mapping) == {row["external_id"] for row in rows}
    report = db.session.scalar(
        sa.select(Report).where(Report.reference == mapping[rows[0]["external_id"]])
    )
    assert report is not None
    assert report.event_month == dt.date(1994, 1, 1)
    assert len(report.narrative) > LONG
    assert report.import_key is not None
    assert "CASE-LOG" not in report.import_key
    assert report.receipt_hash is None
    assert report.status is ReportStatus.CODING
    dumped = "\n".join(
        str(value) for row in db.session.execute(sa.select(Report.__table__)).all() for value in row
    )
    assert "CASE-LOG" not in dumped

    # The panel's codes are confirmed coding, decided by the account that ran the import.
    factors = db.session.scalars(
        sa.select(ReportFactor).where(ReportFactor.report_id == report.id)
    ).all()
    assert [(f.code.code, f.source, f.status, f.decided_by_id) for f in factors] == [
        (first, FactorSource.REVIEWER, FactorStatus.CONFIRMED, reviewer.id)
    ]
    history_rows = db.session.scalars(
        sa.select(FactorChange).where(FactorChange.report_id == report.id)
    ).all()
    assert [(c.code.code, c.user_id) for c in history_rows] == [(first, reviewer.id)]

    # Audited like a reviewer's confirmation: one entry per report, by that reviewer.
    entry = db.session.scalar(
        sa.select(AuditEvent).where(
            AuditEvent.object_type == "report_codes", AuditEvent.object_id == report.reference
        )
    )
    assert entry is not None
    assert (entry.actor_id, entry.actor_label, entry.action) == (
        reviewer.id,
        reviewer.email,
        "update",
    )
    assert entry.details["codes"] == [first]
    assert entry.details["via"] == "import"
    summary = db.session.scalar(sa.select(AuditEvent).where(AuditEvent.action == "import"))
    assert summary is not None
    assert summary.details["panel_coded"] == 48
    assert verify_chain(db.session).intact

    # Importing the same file again adds nothing, and maps every row to its first reference.
    again = runner.invoke(args=[*args, "--as", reviewer.email])
    assert again.exit_code == 0, again.output
    assert "Imported 0 reports (48 already imported, 3 refused)" in again.output
    assert count(Report) == 48
    assert {r["external_id"]: r["reference"] for r in read(mapped)} == mapping
    assert {r["status"] for r in read(mapped)} == {"already imported"}

    # The retrain counts the imported panel codes as reviewer-coded reports.
    version = taxonomy.active_version(db.session)
    assert version is not None
    assert len(training.labelled_reports(db.session, version)) == 48
    retrained = runner.invoke(args=["taxonomy", "retrain"])
    assert retrained.exit_code == 0, retrained.output
    assert "reviewer-coded reports: at least" not in retrained.output
    model = db.session.scalar(sa.select(SuggestionModel).order_by(SuggestionModel.id.desc()))
    assert model is not None
    assert model.scores["new"]["reports"] > 0


@pytest.mark.usefixtures("app")
def test_panel_codes_need_an_account_that_codes_reports(
    runner: FlaskCliRunner, tmp_path: Path
) -> None:
    first, second = two_codes()
    source = write(tmp_path / "history.csv", history(2, first, second))
    nobody = runner.invoke(args=["import-reports", str(source)])
    assert nobody.exit_code != 0
    assert "--as EMAIL" in nobody.output
    editor = make_user(Role.EDITOR)
    not_a_coder = runner.invoke(args=["import-reports", str(source), "--as", editor.email])
    assert not_a_coder.exit_code != 0
    assert "cannot code reports" in not_a_coder.output
    unknown = runner.invoke(args=["import-reports", str(source), "--as", "who@example.org"])
    assert "No staff account" in unknown.output
    assert count(Report) == 0


@pytest.mark.usefixtures("app")
def test_an_external_id_given_twice_in_one_file_is_refused(
    runner: FlaskCliRunner, tmp_path: Path
) -> None:
    source = tmp_path / "twice.csv"
    source.write_text("external_id,narrative\nA-1,First\nA-1,Second\n", encoding="utf-8")
    result = runner.invoke(args=["import-reports", str(source)])
    assert result.exit_code != 0
    assert "line 3: external_id: the same as line 2's" in result.output
    assert count(Report) == 0


@pytest.mark.usefixtures("app")
def test_the_form_keeps_its_own_window_and_length() -> None:
    """The import's wider limits are the import's: the reporter's form still refuses both."""
    from learnhub.reports.services import ReportInvalid, ReportSubmission, check_submission

    old_and_long = ReportSubmission(
        narrative="x" * LONG, event_type="near_miss", event_month=dt.date(1994, 3, 1)
    )
    with pytest.raises(ReportInvalid) as refused:
        check_submission(db.session, old_and_long, dt.date(2026, 12, 7))
    assert set(refused.value.errors) == {"narrative", "event_month"}
