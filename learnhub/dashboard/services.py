"""Figures for leadership, every count below the threshold k hidden."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import sqlalchemy as sa
from sqlalchemy.orm import Session

from learnhub.core.time import add_months, month_start
from learnhub.reports.models import Report


@dataclass(frozen=True)
class Cell:
    """A count as a non-reviewer may see it: the number, or only that it is below k."""

    value: int | None
    suppressed: bool

    def label(self, k: int) -> str:
        return f"fewer than {k}" if self.suppressed else f"{self.value:,}"


def suppress(count: int, k: int) -> Cell:
    # Zero is shown as zero: "none at all" identifies nobody, and hiding it would mislead.
    if 0 < count < k:
        return Cell(value=None, suppressed=True)
    return Cell(value=count, suppressed=False)


@dataclass(frozen=True)
class MonthlyVolume:
    month: dt.date
    reports: Cell


def monthly_volumes(session: Session, today: dt.date, months: int, k: int) -> list[MonthlyVolume]:
    """Reports received per month, for the ``months`` months ending with this one."""
    first = add_months(month_start(today), -(months - 1))
    rows = session.execute(
        sa.select(Report.event_month, sa.func.count())
        .where(Report.event_month >= first)
        .group_by(Report.event_month)
    )
    counts: dict[dt.date, int] = dict(rows.all())
    return [
        MonthlyVolume(month=m, reports=suppress(counts.get(m, 0), k))
        for m in (add_months(first, i) for i in range(months))
    ]
