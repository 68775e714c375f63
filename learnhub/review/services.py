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


def mark_replies_seen(report: Report) -> None:
    for message in report.messages:
        message.seen_by_panel = True
