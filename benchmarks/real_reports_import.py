"""SAFENET through LearnHub's own path, for ``python3 -m benchmarks.real_reports --through-import``.

For each label set, on a fresh SQLite database whose only taxonomy is that label set: the
training years' reports go into a CSV with their crews' labels as ``panel_codes`` and the test
years' reports with none; ``learnhub import-reports --as`` imports the file as an organisation
would; the test reports' suggestions are stored as the review page stores them (day one); then
``learnhub taxonomy retrain`` trains on the panel-coded reports and refreshes the stored
suggestions; the test reports' stored suggestions are read back and scored with
``learnhub.suggestions.model.evaluate``. Nothing here trains or scores a model itself.
"""

from __future__ import annotations

import csv
import tempfile
import time
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import sqlalchemy as sa

from benchmarks.real_reports import (
    HEADER,
    LABEL_SETS,
    MARGINS,
    README_BASELINE,
    RealReport,
    catalogue_for,
    line,
    temporal_split,
)
from benchmarks.results import Row
from learnhub import create_app
from learnhub.auth import services as accounts
from learnhub.core.extensions import db
from learnhub.core.permissions import Role
from learnhub.reports.models import Report
from learnhub.setup import initialise
from learnhub.suggestions import stored, training
from learnhub.suggestions.model import LabelledReport, Scores, Suggestion, evaluate
from learnhub.taxonomy import services as taxonomy
from learnhub.taxonomy.models import FactorSource, ReportFactor, SuggestionModel

PANEL = "safenet.panel@example.org"


@dataclass(frozen=True)
class ProductPath:
    day_one: Scores
    trained: Scores
    imported: int
    import_seconds: float
    retrain_seconds: float
    retrain_message: str
    refreshed_by_model: bool  # every test report's stored suggestions came from the new model


class StoredSuggestions:
    """The suggestions stored on each test report, by reference: ``evaluate`` asks for a
    report's suggestions by its "text", which here is its reference."""

    algorithm = "stored"

    def __init__(self, by_reference: dict[str, list[Suggestion]]) -> None:
        self.by_reference = by_reference

    def suggest(self, text: str, limit: int = 5) -> list[Suggestion]:
        return self.by_reference.get(text, [])[:limit]


def write_history(path: Path, reports: Sequence[RealReport], labels: dict[int, list[str]]) -> None:
    """The CSV an organisation would export: the narrative as what happened, the event year
    (SAFENET's month is not kept by ``load_reports``: January stands in), an external id, and
    the panel's codes where the report is a training one."""
    with path.open("w", encoding="utf-8", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(["external_id", "event_month", "narrative", "panel_codes"])
        for index, report in enumerate(reports):
            codes = labels.get(index, [])
            writer.writerow(
                [f"SAFENET-{index}", f"{report.year}-01", report.narrative, ";".join(codes)]
            )


def stored_by_reference(references: Sequence[str]) -> tuple[dict[str, list[Suggestion]], set]:
    rows = db.session.execute(
        sa.select(Report.reference, ReportFactor.code_id, ReportFactor.confidence)
        .join(ReportFactor, ReportFactor.report_id == Report.id)
        .where(Report.reference.in_(references), ReportFactor.source == FactorSource.SUGGESTED)
    ).all()
    model_ids = set(
        db.session.scalars(
            sa.select(ReportFactor.suggestion_model_id)
            .join(Report, ReportFactor.report_id == Report.id)
            .where(Report.reference.in_(references), ReportFactor.source == FactorSource.SUGGESTED)
        )
    )
    version = taxonomy.active_version(db.session)
    assert version is not None
    code_of = {code.id: code.code for code in version.codes}
    found: dict[str, list[Suggestion]] = {}
    for reference, code_id, confidence in rows:
        found.setdefault(reference, []).append(Suggestion(code_of[code_id], confidence or 0.0))
    for suggestions in found.values():
        suggestions.sort(key=lambda s: (-s.score, s.code))
    return found, model_ids


def through_import(reports: Sequence[RealReport], label_set: str) -> ProductPath:
    catalogue, codes = catalogue_for(label_set)
    split = temporal_split(reports, label_set)
    rows = [*split.train, *split.test]
    panel = {
        i: sorted(codes[label] for label in r.labels[label_set]) for i, r in enumerate(split.train)
    }
    with tempfile.TemporaryDirectory(prefix="safenet-") as name:
        folder = Path(name)
        app = create_app({"ENV": "testing", "DATABASE_URL": f"sqlite:///{folder / 'safenet.db'}"})
        runner = app.test_cli_runner()
        with app.app_context():
            initialise(taxonomy.TaxonomyChoice(catalogue, f"SAFENET {label_set}"))
            accounts.create_user(db.session, PANEL, Role.REVIEWER, "safenet panel benchmark 18")
            db.session.commit()
            history, mapped = folder / "history.csv", folder / "map.csv"
            write_history(history, rows, panel)

            started = time.perf_counter()
            result = runner.invoke(
                args=[
                    "import-reports",
                    str(history),
                    "--as",
                    PANEL,
                    "--map-out",
                    str(mapped),
                    "--quiet",
                ]
            )
            import_seconds = time.perf_counter() - started
            if result.exit_code != 0:
                raise SystemExit(f"import-reports failed: {result.output}")
            with mapped.open(encoding="utf-8", newline="") as handle:
                reference_of = {r["external_id"]: r["reference"] for r in csv.DictReader(handle)}
            first_test = len(split.train)
            test_references = [
                reference_of[f"SAFENET-{first_test + i}"] for i in range(len(split.test))
            ]
            truth = [
                LabelledReport(reference, frozenset(codes[label] for label in r.labels[label_set]))
                for reference, r in zip(test_references, split.test, strict=True)
            ]

            # Day one: the suggestions stored as the review page stores them, beside a decision.
            version = taxonomy.active_version(db.session)
            assert version is not None
            suggester, model_id = training.current_suggester(db.session, version)
            for report in db.session.scalars(
                sa.select(Report).where(Report.reference.in_(test_references))
            ):
                stored.store_suggestions(
                    db.session, report, version, suggester, stored.report_text(report), model_id
                )
            db.session.commit()
            day_one = evaluate(StoredSuggestions(stored_by_reference(test_references)[0]), truth)

            started = time.perf_counter()
            retrained = runner.invoke(args=["taxonomy", "retrain"])
            retrain_seconds = time.perf_counter() - started
            if retrained.exit_code != 0:
                raise SystemExit(f"taxonomy retrain failed: {retrained.output}")
            db.session.remove()
            found, model_ids = stored_by_reference(test_references)
            active = db.session.scalar(
                sa.select(SuggestionModel.id).where(SuggestionModel.is_active.is_(True))
            )
            trained = evaluate(StoredSuggestions(found), truth)
            db.session.remove()
            db.engine.dispose()
    return ProductPath(
        day_one=day_one,
        trained=trained,
        imported=len(rows),
        import_seconds=import_seconds,
        retrain_seconds=retrain_seconds,
        retrain_message=retrained.output.strip(),
        refreshed_by_model=active is not None and model_ids == {active},
    )


def product_path_section(reports: Sequence[RealReport]) -> tuple[str, list[Row]]:
    """The table's section for the product's own path, and its rows against the issue's targets."""
    lines = [
        "Through the product's own path (import-reports --as, taxonomy retrain, stored suggestions)"
    ]
    rows: list[Row] = []
    for label_set in LABEL_SETS:
        path = through_import(reports, label_set)
        train = path.imported - path.trained.reports
        lines += [
            f"{label_set}: {path.imported} reports imported in {path.import_seconds:.1f} s "
            f"({train} with panel codes); retrain {path.retrain_seconds:.0f} s",
            HEADER,
            line("LearnHub day one, stored on the reports", path.day_one, 0, "Narrative"),
            line("LearnHub trained, stored after the retrain", path.trained, train, "Narrative"),
            f"  retrain said: {path.retrain_message}",
            "  every test report's stored suggestions came from the model in use: "
            + ("yes" if path.refreshed_by_model else "NO"),
            "",
        ]
        micro_margin, macro_margin = MARGINS[label_set]
        readme = README_BASELINE[label_set]
        for name, value, target in (
            ("micro F1", path.trained.micro_f1, readme.micro_f1 + micro_margin),
            ("macro F1", path.trained.macro_f1, readme.macro_f1 + macro_margin),
            ("top-3 recall", path.trained.top3_recall, readme.top3_recall),
        ):
            rows.append(
                Row(
                    f"SAFENET {label_set}, through import + retrain: {name}",
                    round(value, 3),
                    target=f">= {target:.3f}",
                    met=round(value, 3) >= round(target, 3),
                )
            )
    lines.append(
        "Stored suggestions are the five a report keeps (learnhub/suggestions/stored.py), so a "
        "sixth Human Factors code is never predicted on this path."
    )
    return "\n".join(lines), rows
