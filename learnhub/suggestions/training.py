"""The suggestion model in use, and retraining it from reviewer-confirmed codes.

A trained model replaces the one in use only if it scores better on the same held-out reports;
until enough reports are coded, suggestions come from the taxonomy's own words.
"""

from __future__ import annotations

import logging
import threading
from dataclasses import dataclass

import sqlalchemy as sa
from sqlalchemy.orm import Session

from learnhub.reports.models import NARRATIVE_FIELDS, Report
from learnhub.suggestions import model as suggest
from learnhub.taxonomy.models import SuggestionModel, TaxonomyVersion
from learnhub.taxonomy.versions import catalogue_of, report_codes_in

MIN_CODED_REPORTS = 40
log = logging.getLogger(__name__)
_cache_lock = threading.Lock()
_cache: dict[tuple[int, int | None, object], suggest.Suggester] = {}


def report_text(report: Report) -> str:
    return "\n".join(getattr(report, name) or "" for name in NARRATIVE_FIELDS)


def active_model(session: Session, version: TaxonomyVersion) -> SuggestionModel | None:
    # The artefact (a megabyte or more) loads only when a cache miss needs it.
    return session.scalar(
        sa.select(SuggestionModel)
        .options(sa.orm.defer(SuggestionModel.artefact))
        .where(
            SuggestionModel.taxonomy_version_id == version.id,
            SuggestionModel.is_active.is_(True),
        )
    )


def suggester_for(session: Session, version: TaxonomyVersion) -> suggest.Suggester:
    """The trained model in use for this version, or the day-one suggester if there is none."""
    model = active_model(session, version)
    # The creation time joins the id because SQLite may reuse the id of a deleted row.
    key = (version.id, model.id if model else None, model.created_at if model else None)
    with _cache_lock:
        if key in _cache:
            return _cache[key]
    catalogue = catalogue_of(version)
    suggester: suggest.Suggester = suggest.day_one_suggester(catalogue)
    if model is not None and model.artefact:
        try:
            suggester = suggest.TrainedModel.from_json(model.artefact.decode(), catalogue)
        except (suggest.ModelInvalid, UnicodeDecodeError):
            # A damaged or mismatched model must not stop reviewers working: fall back.
            log.warning("Suggestion model %s could not be loaded; using day-one", model.id)
    with _cache_lock:
        _cache[key] = suggester
    return suggester


@dataclass(frozen=True)
class TrainingResult:
    trained: bool
    activated: bool
    reports: int
    message: str
    model: SuggestionModel | None = None


def labelled_reports(session: Session, version: TaxonomyVersion) -> list[suggest.LabelledReport]:
    """Every report with reviewer-confirmed codes, its codes carried into ``version``."""
    codes = report_codes_in(session, version, reviewer_only=True)
    if not codes:
        return []
    reports = session.scalars(sa.select(Report).where(Report.id.in_(codes)).order_by(Report.id))
    return [
        suggest.LabelledReport(text=report_text(r), codes=frozenset(codes[r.id]))
        for r in reports
        if codes[r.id]
    ]


def retrain(session: Session, version: TaxonomyVersion) -> TrainingResult:
    """Train on reviewer codes; keep the new model only if it beats the one in use."""
    labelled = labelled_reports(session, version)
    if len(labelled) < MIN_CODED_REPORTS:
        return TrainingResult(
            False,
            False,
            len(labelled),
            f"{len(labelled)} reviewer-coded reports: at least {MIN_CODED_REPORTS} are needed",
        )
    catalogue = catalogue_of(version)
    training, held_out = suggest.split_held_out(labelled)
    model = suggest.train_model(training, catalogue)
    new_scores = suggest.evaluate(model, held_out)
    current = suggester_for(session, version)
    current_scores = suggest.evaluate(current, held_out)
    activate = suggest.better(new_scores, current_scores)
    row = SuggestionModel(
        taxonomy_version_id=version.id,
        algorithm=model.algorithm,
        trained_on_reports=len(training),
        scores={
            "new": scores_dict(new_scores),
            "in_use_before": scores_dict(current_scores),
            "in_use_algorithm": current.algorithm,
        },
        artefact=model.to_json().encode(),
        is_active=False,
    )
    session.add(row)
    if activate:
        session.execute(
            sa.update(SuggestionModel)
            .where(SuggestionModel.taxonomy_version_id == version.id)
            .values(is_active=False)
        )
        row.is_active = True
    session.flush()
    verdict = "now in use" if activate else "kept the better model already in use"
    return TrainingResult(
        True,
        activate,
        len(labelled),
        f"Trained on {len(training)} reports, tested on {len(held_out)}: top-3 recall "
        f"{new_scores.top3_recall:.3f} against {current_scores.top3_recall:.3f}; {verdict}.",
        row,
    )


def scores_dict(scores: suggest.Scores) -> dict[str, float | int]:
    return {
        "micro_f1": round(scores.micro_f1, 4),
        "macro_f1": round(scores.macro_f1, 4),
        "top3_recall": round(scores.top3_recall, 4),
        "reports": scores.reports,
        "codes": scores.codes,
    }
