"""The review panel's triage queue."""

from __future__ import annotations

from dataclasses import dataclass

import sqlalchemy as sa
from sqlalchemy.orm import Session

from learnhub.reports.models import Report, ReportStatus

QUEUE_PAGE_SIZE = 50


@dataclass(frozen=True)
class QueueView:
    status: ReportStatus
    counts: dict[ReportStatus, int]
    reports: list[Report]


def status_counts(session: Session) -> dict[ReportStatus, int]:
    rows = session.execute(sa.select(Report.status, sa.func.count()).group_by(Report.status))
    counts = dict.fromkeys(ReportStatus, 0)
    counts.update(dict(rows.all()))
    return counts


def triage_queue(session: Session, status: ReportStatus, limit: int = QUEUE_PAGE_SIZE) -> QueueView:
    """Reports in one state, oldest first: the longest-waiting reporter is answered first."""
    reports = session.scalars(
        sa.select(Report)
        .where(Report.status == status)
        .order_by(Report.received_on, Report.id)
        .limit(limit)
    )
    return QueueView(status=status, counts=status_counts(session), reports=list(reports))


def flags_by_field(report: Report) -> dict[str, list[dict[str, object]]]:
    grouped: dict[str, list[dict[str, object]]] = {}
    for flag in report.identifier_flags or []:
        grouped.setdefault(str(flag.get("field")), []).append(flag)
    return grouped


def flagged_segments(text: str, flags: list[dict[str, object]]) -> list[tuple[str, str | None]]:
    """Split text into (piece, kind-or-None) so a page can highlight what may identify someone."""
    segments: list[tuple[str, str | None]] = []
    position = 0
    for flag in sorted(flags, key=lambda f: int(f["start"])):  # type: ignore[arg-type]
        start, end = int(flag["start"]), int(flag["end"])  # type: ignore[arg-type]
        if start < position or end > len(text):
            continue  # the text changed since it was scanned: show it plain rather than wrongly
        segments.append((text[position:start], None))
        segments.append((text[start:end], str(flag["kind"])))
        position = end
    segments.append((text[position:], None))
    return [segment for segment in segments if segment[0]]


def mark_replies_seen(report: Report) -> None:
    for message in report.messages:
        message.seen_by_panel = True
