"""The suggestions stored on a report, each carrying the model that made it, and their refresh
after a retrain.

Suggestions are worked out once per report and model and stored, so a reviewer sees the same
list each time they open the report. When a new model goes into use, the suggestions of reports
still open for coding are recomputed in batches. A report a reviewer has already coded keeps the
suggestions they were shown: those are the record behind "confirmed a suggestion" in its
history, and the new model learnt from that reviewer's codes, so new suggestions there would only
echo them.
"""

from __future__ import annotations

import sqlalchemy as sa
from sqlalchemy.orm import Session

from learnhub.reports.models import NARRATIVE_FIELDS, Report, ReportStatus
from learnhub.suggestions.model import Suggester
from learnhub.taxonomy.models import (
    FactorSource,
    FactorStatus,
    ReportFactor,
    TaxonomyCode,
    TaxonomyVersion,
)

SUGGESTIONS_KEPT = 5
# Statuses in which a report may still be coded; later ones keep what they were shown.
OPEN_FOR_CODING = (ReportStatus.NEW, ReportStatus.AWAITING_REPORTER, ReportStatus.CODING)
REFRESH_BATCH = 200


def suggested_rows(
    session: Session, report: Report, version: TaxonomyVersion
) -> list[ReportFactor]:
    return list(
        session.scalars(
            sa.select(ReportFactor)
            .join(TaxonomyCode, ReportFactor.code_id == TaxonomyCode.id)
            .where(
                ReportFactor.report_id == report.id,
                ReportFactor.source == FactorSource.SUGGESTED,
                TaxonomyCode.version_id == version.id,
            )
        )
    )


def store_suggestions(
    session: Session,
    report: Report,
    version: TaxonomyVersion,
    suggester: Suggester,
    text: str,
    model_id: int | None = None,
) -> list[ReportFactor]:
    """The report's stored suggestions in this version, worked out now if there are none or if
    another model made them and no reviewer has coded the report yet. ``model_id`` names the
    trained model behind ``suggester`` (None for day one)."""
    existing = suggested_rows(session, report, version)
    if existing and (
        all(row.suggestion_model_id == model_id for row in existing)
        or _reviewer_coded(session, report.id, version)
    ):
        return existing
    for row in existing:
        session.delete(row)
    session.flush()
    rows = [
        ReportFactor(
            report_id=report.id,
            code_id=code_id,
            source=FactorSource.SUGGESTED,
            confidence=score,
            suggestion_model_id=model_id,
        )
        for code_id, score in fresh_scores(version, suggester, text).items()
    ]
    session.add_all(rows)
    session.flush()
    return rows


def fresh_scores(version: TaxonomyVersion, suggester: Suggester, text: str) -> dict[int, float]:
    """The model's suggestions now, by code id, each score kept within 0 to 1."""
    by_code = {code.code: code for code in version.codes}
    return {
        by_code[s.code].id: round(min(max(s.score, 0.0), 1.0), 4)
        for s in suggester.suggest(text, limit=SUGGESTIONS_KEPT)
        if s.code in by_code
    }


def refresh_batch(
    session: Session,
    version: TaxonomyVersion,
    suggester: Suggester,
    model_id: int | None,
    limit: int = REFRESH_BATCH,
) -> int:
    """Recompute, with ``suggester``, the suggestions of up to ``limit`` reports still open for
    coding and not yet reviewer-coded whose stored suggestions another model made; returns how
    many were refreshed (0 when none is left). The caller commits each batch."""
    stale = (
        sa.select(ReportFactor.report_id)
        .join(TaxonomyCode, ReportFactor.code_id == TaxonomyCode.id)
        .where(
            ReportFactor.source == FactorSource.SUGGESTED,
            TaxonomyCode.version_id == version.id,
            ReportFactor.suggestion_model_id.is_distinct_from(model_id),
        )
    )
    reports = session.scalars(
        sa.select(Report)
        .where(
            Report.id.in_(stale),
            Report.status.in_(OPEN_FOR_CODING),
            Report.id.not_in(_reviewer_coded_reports(version)),
        )
        .order_by(Report.id)
        .limit(limit)
    ).all()
    for report in reports:
        store_suggestions(session, report, version, suggester, report_text(report), model_id)
    return len(reports)


def report_text(report: Report) -> str:
    return "\n".join(getattr(report, name) or "" for name in NARRATIVE_FIELDS)


def _reviewer_coded(session: Session, report_id: int, version: TaxonomyVersion) -> bool:
    coded = _reviewer_coded_reports(version).where(ReportFactor.report_id == report_id)
    return bool(session.scalar(sa.select(sa.exists(coded))))


def _reviewer_coded_reports(version: TaxonomyVersion) -> sa.Select:
    """Ids of reports with a reviewer-confirmed code in this version."""
    return (
        sa.select(ReportFactor.report_id)
        .join(TaxonomyCode, ReportFactor.code_id == TaxonomyCode.id)
        .where(
            ReportFactor.source == FactorSource.REVIEWER,
            ReportFactor.status == FactorStatus.CONFIRMED,
            TaxonomyCode.version_id == version.id,
        )
    )
