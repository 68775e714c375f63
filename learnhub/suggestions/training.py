"""The suggestion model in use, and retraining it from reviewer-confirmed codes.

A retrain measures the training recipe on a held-out fifth of the coded reports; if it scores
better than the model in use, the model is fitted again on every coded report and goes into use.
Until enough reports are coded, suggestions come from the taxonomy's own words.
"""

from __future__ import annotations

import logging
import threading
from dataclasses import dataclass

import sqlalchemy as sa
from sqlalchemy.orm import Session

from learnhub.reports.models import Report
from learnhub.suggestions import model as suggest
from learnhub.suggestions import stored
from learnhub.suggestions.stored import report_text
from learnhub.taxonomy.models import SuggestionModel, TaxonomyVersion
from learnhub.taxonomy.versions import catalogue_of, report_codes_in

MIN_CODED_REPORTS = 40
log = logging.getLogger(__name__)
_cache_lock = threading.Lock()
_cache: dict[tuple[int, str, int | None, object], suggest.Suggester] = {}


__all__ = ["report_text"]  # kept here for callers that read a report's text through training


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
    # The version's checksum and the model's creation time join the ids because a database may
    # reuse the id of a deleted row, and one process may serve more than one database.
    key = (
        version.id,
        version.checksum,
        model.id if model else None,
        model.created_at if model else None,
    )
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


def current_suggester(
    session: Session, version: TaxonomyVersion
) -> tuple[suggest.Suggester, int | None]:
    """The suggester in use and the id of the trained model behind it (None for day one, also
    when a stored model could not be loaded), to store beside the suggestions it makes."""
    suggester = suggester_for(session, version)
    if isinstance(suggester, suggest.TrainedModel):
        model = active_model(session, version)
        return suggester, model.id if model else None
    return suggester, None


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
    """Train on reviewer codes; keep the new model only if it beats the one in use.

    The recipe is measured by training on four fifths of the coded reports and scoring the fifth
    held out. A trained model in use has learnt from every coded report, held-out ones included,
    so it is compared by the held-out scores recorded when it was trained; day one is scored on
    the held-out reports themselves. A better model is fitted again on every coded report before
    it goes into use: the held-out fifth teaches it too.
    """
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
    candidate = suggest.train_model(training, catalogue)
    new_scores = suggest.evaluate(candidate, held_out)
    current = suggester_for(session, version)
    current_scores, measured = _in_use_scores(session, version, current, held_out)
    # Compared as recorded (rounded), so a model is measured the same way now as when stored.
    activate = suggest.better(_as_recorded(new_scores), _as_recorded(current_scores))
    final = suggest.train_model(labelled, catalogue) if activate else None
    row = SuggestionModel(
        taxonomy_version_id=version.id,
        algorithm=candidate.algorithm,
        trained_on_reports=len(labelled) if final else len(training),
        scores={
            "new": scores_dict(new_scores),
            "in_use_before": scores_dict(current_scores),
            "in_use_algorithm": current.algorithm,
            "in_use_measured": measured,
            "settings": (final or candidate).settings,
        },
        # Only a model that goes into use is kept whole; a rejected one keeps its scores.
        artefact=final.to_json().encode() if final else None,
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
    verdict = (
        f"refitted on all {len(labelled)} and now in use"
        if activate
        else "kept the better model already in use"
    )
    return TrainingResult(
        True,
        activate,
        len(labelled),
        f"Trained on {len(training)} reports, tested on {len(held_out)}: micro F1 "
        f"{new_scores.micro_f1:.3f}, macro F1 {new_scores.macro_f1:.3f}, top-3 recall "
        f"{new_scores.top3_recall:.3f} against {current_scores.micro_f1:.3f}, "
        f"{current_scores.macro_f1:.3f}, {current_scores.top3_recall:.3f} ({measured}); "
        f"{verdict}.",
        row,
    )


def _in_use_scores(
    session: Session,
    version: TaxonomyVersion,
    current: suggest.Suggester,
    held_out: list[suggest.LabelledReport],
) -> tuple[suggest.Scores, str]:
    model = active_model(session, version) if isinstance(current, suggest.TrainedModel) else None
    recorded = (model.scores or {}).get("new") if model is not None else None
    if isinstance(recorded, dict) and set(recorded) >= set(suggest.Scores.__dataclass_fields__):
        return suggest.Scores(
            **{name: recorded[name] for name in suggest.Scores.__dataclass_fields__}
        ), ("held-out scores recorded when it was trained")
    return suggest.evaluate(current, held_out), "on these held-out reports"


def _as_recorded(scores: suggest.Scores) -> suggest.Scores:
    return suggest.Scores(**scores_dict(scores))  # type: ignore[arg-type]


def refresh_stored_suggestions(session: Session, version: TaxonomyVersion) -> int:
    """One batch of stale stored suggestions recomputed with the model in use (see
    ``stored.refresh_batch``); the caller commits and calls again until it returns 0."""
    suggester, model_id = current_suggester(session, version)
    return stored.refresh_batch(session, version, suggester, model_id)


def scores_dict(scores: suggest.Scores) -> dict[str, float | int]:
    return {
        "micro_f1": round(scores.micro_f1, 4),
        "macro_f1": round(scores.macro_f1, 4),
        "top3_recall": round(scores.top3_recall, 4),
        "reports": scores.reports,
        "codes": scores.codes,
    }
