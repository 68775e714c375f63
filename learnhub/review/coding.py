"""Human-factors coding of a report: the reporter's ticks and the system's suggestions are
shown beside the taxonomy, and a reviewer confirms, removes or adds codes. Every change is kept
with the reviewer and the time; the reporter's identity is never part of it."""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass

import sqlalchemy as sa
from sqlalchemy.orm import Session

from learnhub.auth.models import User
from learnhub.reports.models import Report, ReportStatus
from learnhub.suggestions import stored
from learnhub.suggestions.model import Suggester
from learnhub.taxonomy import services as taxonomy
from learnhub.taxonomy.models import (
    CodingAction,
    FactorChange,
    FactorSource,
    FactorStatus,
    ReportFactor,
    ReviewerCoding,
    TaxonomyCode,
    TaxonomyVersion,
)

SUGGESTION_SHOWN_FROM = 0.2  # below this a suggestion is noise on the page


@dataclass(frozen=True)
class CodeChoice:
    code: TaxonomyCode
    ticked_by_reporter: bool
    suggested_score: float | None
    confirmed: bool
    checked: bool  # ticked on the form: the confirmed codes, or the reporter's before any coding

    @property
    def worth_suggesting(self) -> bool:
        return (self.suggested_score or 0.0) >= SUGGESTION_SHOWN_FROM


def factors_of(session: Session, report: Report) -> list[ReportFactor]:
    return list(session.scalars(sa.select(ReportFactor).where(ReportFactor.report_id == report.id)))


def suggestions_for(
    session: Session, report: Report, version: TaxonomyVersion, suggester: Suggester, text: str
) -> dict[int, float]:
    """The suggestions to show, by code id: those stored when the report was coded in this
    version, otherwise the model's now. Reading them stores nothing (a page view writes
    nothing); they are stored when a reviewer saves the coding, beside the decision."""
    kept = stored.suggested_rows(session, report, version)
    if kept:
        return {f.code_id: f.confidence or 0.0 for f in kept}
    return stored.fresh_scores(version, suggester, text)


def coding_choices(
    session: Session, report: Report, version: TaxonomyVersion, suggested: Mapping[int, float]
) -> list[tuple[taxonomy.TierInfo, list[CodeChoice]]]:
    """Every code of the version by tier, with the reporter's ticks, the ``suggested`` scores
    (by code id, from ``suggestions_for``) and the confirmed codes."""
    factors = factors_of(session, report)
    ticked = {f.code_id for f in factors if f.source is FactorSource.REPORTER}
    confirmed = {
        f.code_id
        for f in factors
        if f.source is FactorSource.REVIEWER and f.status is FactorStatus.CONFIRMED
    }
    never_coded = not any(f.source is FactorSource.REVIEWER for f in factors)
    checked = confirmed | (ticked if never_coded else set())
    return [
        (
            tier,
            [
                CodeChoice(
                    code=code,
                    ticked_by_reporter=code.id in ticked,
                    suggested_score=suggested.get(code.id),
                    confirmed=code.id in confirmed,
                    checked=code.id in checked,
                )
                for code in codes
            ],
        )
        for tier, codes in taxonomy.codes_by_tier(version)
    ]


def confirmed_codes(session: Session, report: Report) -> list[TaxonomyCode]:
    return [
        f.code
        for f in factors_of(session, report)
        if f.source is FactorSource.REVIEWER and f.status is FactorStatus.CONFIRMED
    ]


def _prompt_for(code_id: int, factors: list[ReportFactor]) -> FactorSource | None:
    sources = {f.source for f in factors if f.code_id == code_id}
    if FactorSource.REPORTER in sources:
        return FactorSource.REPORTER
    if FactorSource.SUGGESTED in sources:
        return FactorSource.SUGGESTED
    return None


def save_coding(
    session: Session,
    report: Report,
    reviewer: User,
    version: TaxonomyVersion,
    chosen: list[str],
    now: dt.datetime,
) -> list[FactorChange]:
    """Make ``chosen`` the report's confirmed codes; record each change and this reviewer's set."""
    codes = taxonomy.resolve_codes(session, version, chosen)
    wanted = {code.id for code in codes}
    factors = factors_of(session, report)
    reviewer_rows = {f.code_id: f for f in factors if f.source is FactorSource.REVIEWER}
    current = {cid for cid, f in reviewer_rows.items() if f.status is FactorStatus.CONFIRMED}
    changes = []
    for code_id in sorted(wanted - current):
        row = reviewer_rows.get(code_id) or ReportFactor(
            report_id=report.id, code_id=code_id, source=FactorSource.REVIEWER
        )
        row.status, row.decided_by_id, row.decided_at = FactorStatus.CONFIRMED, reviewer.id, now
        session.add(row)
        prompt = _prompt_for(code_id, factors)
        action = CodingAction.CONFIRMED if prompt else CodingAction.ADDED
        changes.append(
            FactorChange(
                report_id=report.id,
                code_id=code_id,
                action=action,
                prompted_by=prompt,
                user_id=reviewer.id,
                changed_at=now,
            )
        )
    for code_id in sorted(current - wanted):
        row = reviewer_rows[code_id]
        row.status, row.decided_by_id, row.decided_at = FactorStatus.REMOVED, reviewer.id, now
        changes.append(
            FactorChange(
                report_id=report.id,
                code_id=code_id,
                action=CodingAction.REMOVED,
                user_id=reviewer.id,
                changed_at=now,
            )
        )
    for factor in factors:
        if factor.source is not FactorSource.REVIEWER:
            # Ticks and suggestions read as confirmed or not, for measuring how good they were.
            factor.status = (
                FactorStatus.CONFIRMED if factor.code_id in wanted else FactorStatus.REMOVED
            )
    session.add_all(changes)
    record_reviewer_set(session, report, reviewer, version, sorted(c.code for c in codes), now)
    report.taxonomy_version_id = version.id
    report.triaged_on = report.triaged_on or now.date()
    if report.status is ReportStatus.NEW:
        report.status = ReportStatus.CODING
    session.flush()
    return changes


def record_reviewer_set(
    session: Session,
    report: Report,
    reviewer: User,
    version: TaxonomyVersion,
    codes: list[str],
    now: dt.datetime,
) -> None:
    coding = session.scalar(
        sa.select(ReviewerCoding).where(
            ReviewerCoding.report_id == report.id, ReviewerCoding.reviewer_id == reviewer.id
        )
    )
    if coding is None:
        coding = ReviewerCoding(report_id=report.id, reviewer_id=reviewer.id)
        session.add(coding)
    coding.codes, coding.taxonomy_version_id, coding.coded_at = codes, version.id, now


def coding_history(session: Session, report: Report) -> list[FactorChange]:
    return list(
        session.scalars(
            sa.select(FactorChange)
            .where(FactorChange.report_id == report.id)
            .order_by(FactorChange.changed_at, FactorChange.id)
        )
    )


def reviewer_pairs(
    session: Session, version: TaxonomyVersion
) -> list[tuple[frozenset[str], frozenset[str]]]:
    """For each report two reviewers coded in this version, the first two reviewers' sets."""
    by_report: dict[int, list[frozenset[str]]] = {}
    rows = session.scalars(
        sa.select(ReviewerCoding)
        .where(ReviewerCoding.taxonomy_version_id == version.id)
        .order_by(ReviewerCoding.report_id, ReviewerCoding.coded_at, ReviewerCoding.id)
    )
    for coding in rows:
        by_report.setdefault(coding.report_id, []).append(frozenset(coding.codes))
    return [(sets[0], sets[1]) for sets in by_report.values() if len(sets) >= 2]


def suggestion_pairs(
    session: Session, version: TaxonomyVersion, top: int = 3
) -> list[tuple[frozenset[str], frozenset[str]]]:
    """For each coded report, the system's top suggestions beside the reviewer's codes."""
    suggested: dict[int, list[tuple[float, str]]] = {}
    confirmed: dict[int, set[str]] = {}
    rows = session.execute(
        sa.select(
            ReportFactor.report_id,
            ReportFactor.source,
            ReportFactor.status,
            ReportFactor.confidence,
            TaxonomyCode.code,
        )
        .join(TaxonomyCode, ReportFactor.code_id == TaxonomyCode.id)
        .where(TaxonomyCode.version_id == version.id)
    )
    for report_id, source, status, confidence, code in rows:
        if source is FactorSource.SUGGESTED:
            suggested.setdefault(report_id, []).append((confidence or 0.0, code))
        elif source is FactorSource.REVIEWER and status is FactorStatus.CONFIRMED:
            confirmed.setdefault(report_id, set()).add(code)
    return [
        (
            frozenset(code for _, code in sorted(suggested.get(rid, []), reverse=True)[:top]),
            frozenset(codes),
        )
        for rid, codes in confirmed.items()
        if rid in suggested
    ]
