"""file_report, the one way a report is filed (the form's Send, the API, CSV import, the demo)."""

from __future__ import annotations

import ast
import datetime as dt
from pathlib import Path

import pytest
import sqlalchemy as sa
from flask import Flask

from learnhub.core.extensions import db
from learnhub.reports import services
from learnhub.reports.models import Report, ReportSource, SpentSubmission
from learnhub.reports.receipts import new_reference

TODAY = dt.date(2026, 10, 2)
PACKAGE = Path(services.__file__).resolve().parents[1]


def submission(narrative: str = "A handover note was not passed on.") -> services.ReportSubmission:
    return services.ReportSubmission(
        narrative=narrative, event_type="near_miss", event_month=dt.date(2026, 9, 1)
    )


def file(
    narrative: str = "A handover note was not passed on.", spent_key: str | None = None
) -> Report:
    filed = services.file_report(
        db.session,
        submission(narrative),
        today=TODAY,
        source=ReportSource.IMPORT,
        receipt_key="testing-receipt-key",
        spent_key=spent_key,
    )
    return filed.report


def test_a_clash_refiles_that_report_and_keeps_the_ones_before_it(
    app: Flask, monkeypatch: pytest.MonkeyPatch
) -> None:
    """An import files every row in one transaction: a reference clash on one row must not
    undo the rows filed before it."""
    first = file("The first row.")
    drawn: list[str] = []

    def clashing_once() -> str:
        drawn.append(first.reference if not drawn else new_reference())
        return drawn[-1]

    monkeypatch.setattr(services, "new_reference", clashing_once)
    second = file("The second row.")

    assert second.reference == drawn[1] != first.reference
    narratives = db.session.scalars(sa.select(Report.narrative).order_by(Report.narrative))
    assert list(narratives) == ["The first row.", "The second row."]


def test_a_reference_that_keeps_clashing_is_refused(
    app: Flask, monkeypatch: pytest.MonkeyPatch
) -> None:
    first = file()
    monkeypatch.setattr(services, "new_reference", lambda: first.reference)
    with pytest.raises(services.ReferenceTaken):
        file("Another report.")
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Report)) == 1


def test_a_spent_key_files_nothing_again(app: Flask) -> None:
    file(spent_key="a-check-page-key")
    with pytest.raises(services.AlreadySubmitted):
        file("Sent again from the same check page.", spent_key="a-check-page-key")
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Report)) == 1
    assert db.session.scalar(sa.select(sa.func.count()).select_from(SpentSubmission)) == 1


def test_the_answers_are_scanned_whoever_files_them(app: Flask) -> None:
    report = file("Mum's number is 07700 900123 and the visit was missed.")
    assert {flag["kind"] for flag in report.identifier_flags} == {"phone"}


def names_report(node: ast.expr) -> bool:
    if isinstance(node, ast.Attribute):
        return names_report(node.value)
    return isinstance(node, ast.Name) and node.id == "Report"


def report_constructions(path: Path) -> list[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    return [
        f"{path.relative_to(PACKAGE.parent)}:{node.lineno}"
        for node in ast.walk(tree)
        if isinstance(node, ast.Call)
        and (
            (isinstance(node.func, ast.Name) and node.func.id == "Report")
            or (  # sa.insert(Report) or sa.insert(Report.__table__), a Core insert
                isinstance(node.func, ast.Attribute | ast.Name)
                and getattr(node.func, "attr", getattr(node.func, "id", "")) == "insert"
                and any(names_report(a) for a in node.args)
            )
        )
    ]


def test_only_file_report_adds_reports() -> None:
    """The form, the API, import and the demo cannot drift apart again: none builds its own."""
    found = [hit for path in PACKAGE.rglob("*.py") for hit in report_constructions(path)]
    assert len(found) == 1, found
    assert found[0].startswith("learnhub/reports/services.py:")
