"""Rebuilding the monthly roll-ups from the reports tables, in one transaction.

A rebuild is a handful of INSERT ... SELECT ... GROUP BY statements run by the database, so it
costs seconds at a million reports; readers keep seeing the previous roll-ups until it commits.
"""

from __future__ import annotations

import datetime as dt
import time
from dataclasses import dataclass

import sqlalchemy as sa
from sqlalchemy.orm import Session

from learnhub.core.time import utcnow
from learnhub.dashboard.models import (
    ALL_AREAS,
    ALL_TYPES,
    NO_AREA,
    MonthlyCodes,
    MonthlyDelays,
    MonthlyReports,
    MonthlyTiers,
    RollupRefresh,
)
from learnhub.reports.models import Report
from learnhub.taxonomy.models import (
    FactorSource,
    FactorStatus,
    ReportFactor,
    ReviewerCoding,
    TaxonomyCode,
)

REFRESH_ID = 1


@dataclass(frozen=True)
class RefreshResult:
    reports: int
    duration_ms: int

    def summary(self) -> str:
        return f"Dashboard roll-ups rebuilt from {self.reports:,} reports in {self.duration_ms} ms."


def month_of(session: Session, column: sa.ColumnElement[object]) -> sa.ColumnElement[object]:
    if session.get_bind().dialect.name == "postgresql":
        return sa.cast(sa.func.date_trunc("month", column), sa.Date)
    return sa.func.date(column, "start of month")


def days_between(
    session: Session, later: sa.ColumnElement[object], earlier: sa.ColumnElement[object]
) -> sa.ColumnElement[int]:
    if session.get_bind().dialect.name == "postgresql":
        return later - earlier  # type: ignore[operator,return-value]
    return sa.cast(sa.func.julianday(later) - sa.func.julianday(earlier), sa.Integer)


def _count_if(condition: sa.ColumnElement[bool]) -> sa.ColumnElement[int]:
    return sa.func.sum(sa.case((condition, 1), else_=0))


def detailed_rows(
    session: Session, since: dt.date | None = None
) -> dict[type, sa.Select[tuple[object, ...]]]:
    """Each roll-up's detailed rows (one month, one area, one event type) as a SELECT over the
    reports, with the roll-up's own column names: ``refresh`` stores them, and the dashboard
    counts the newest months with them when reports arrived after the last refresh. ``since``:
    only reports received on or after that day."""
    month = month_of(session, Report.received_on).label("month")
    area = sa.func.coalesce(Report.service_area_id, NO_AREA).label("service_area_id")
    event_type = Report.event_type.label("event_type")
    keys = (month, area, event_type)
    received = [Report.received_on >= since] if since is not None else []
    reviewed = sa.union(
        sa.select(ReportFactor.report_id).where(ReportFactor.source == FactorSource.REVIEWER),
        sa.select(ReviewerCoding.report_id),
    )
    rows: dict[type, sa.Select[tuple[object, ...]]] = {
        MonthlyReports: sa.select(
            *keys,
            sa.func.count().label("reports"),
            _count_if(Report.triaged_on.is_not(None)).label("triaged"),
            _count_if(Report.first_feedback_on.is_not(None)).label("with_feedback"),
            _count_if(Report.deidentified_on.is_not(None)).label("deidentified"),
            _count_if(Report.id.in_(reviewed)).label("coded"),
        )
        .where(*received)
        .group_by(*keys)
    }
    coded = (
        sa.select(Report.id)
        .join(ReportFactor, ReportFactor.report_id == Report.id)
        .join(TaxonomyCode, TaxonomyCode.id == ReportFactor.code_id)
        .where(
            ReportFactor.source == FactorSource.REVIEWER,
            ReportFactor.status == FactorStatus.CONFIRMED,
            *received,
        )
    )
    rows[MonthlyTiers] = coded.with_only_columns(
        *keys,
        TaxonomyCode.tier.label("tier"),
        sa.func.count(sa.distinct(Report.id)).label("reports"),
    ).group_by(*keys, TaxonomyCode.tier)
    rows[MonthlyCodes] = coded.with_only_columns(
        *keys,
        TaxonomyCode.code.label("code"),
        sa.func.min(TaxonomyCode.tier).label("tier"),
        sa.func.count(sa.distinct(Report.id)).label("reports"),
    ).group_by(*keys, TaxonomyCode.code)
    delays = []
    for measure, done_on in (("triage", Report.triaged_on), ("feedback", Report.first_feedback_on)):
        days = days_between(session, done_on, Report.received_on).label("days")
        delays.append(
            sa.select(
                *keys, sa.literal(measure).label("measure"), days, sa.func.count().label("reports")
            )
            .where(done_on.is_not(None), *received)
            .group_by(*keys, days)
        )
    rows[MonthlyDelays] = sa.union_all(*delays)  # type: ignore[assignment]
    return rows


def refresh(session: Session) -> RefreshResult:
    """Replace every roll-up with a fresh count; flushes, the caller commits."""
    started = time.perf_counter()
    for model in ROLLUPS:
        session.execute(sa.delete(model))
    for model, select in detailed_rows(session).items():
        names = [column.name for column in select.selected_columns]
        session.execute(sa.insert(model).from_select(names, select))
    for model in ROLLUPS:
        add_summed_levels(session, model)

    total = session.scalar(sa.select(sa.func.count()).select_from(Report)) or 0
    result = RefreshResult(reports=total, duration_ms=round((time.perf_counter() - started) * 1000))
    row = session.get(RollupRefresh, REFRESH_ID)
    if row is None:
        row = RollupRefresh(id=REFRESH_ID)
        session.add(row)
    row.refreshed_at, row.reports, row.duration_ms = utcnow(), total, result.duration_ms
    session.flush()
    return result


ROLLUPS = (MonthlyReports, MonthlyTiers, MonthlyCodes, MonthlyDelays)


SUMMED = ("reports", "triaged", "with_feedback", "deidentified", "coded")


def add_summed_levels(session: Session, model: type) -> None:
    """Add the rows for every area, every type, and both, summed from the detailed rows."""
    table = model.__table__  # type: ignore[attr-defined]
    columns = [c.name for c in table.columns]
    keys = [c for c in columns if c not in SUMMED and c not in ("service_area_id", "event_type")]
    detailed = [table.c.service_area_id != ALL_AREAS, table.c.event_type != ALL_TYPES]
    for area, event_type in ((True, False), (False, True), (True, True)):
        picked = []
        for name in columns:
            if name == "service_area_id":
                picked.append(sa.literal(ALL_AREAS) if area else table.c.service_area_id)
            elif name == "event_type":
                picked.append(sa.literal(ALL_TYPES) if event_type else table.c.event_type)
            elif name in SUMMED:
                picked.append(sa.func.sum(table.c[name]))
            elif name == "tier" and "code" in columns:
                picked.append(sa.func.min(table.c.tier))
            else:
                picked.append(table.c[name])
        group = [table.c[k] for k in keys if not (k == "tier" and "code" in columns)]
        if not area:
            group.append(table.c.service_area_id)
        if not event_type:
            group.append(table.c.event_type)
        session.execute(
            sa.insert(table).from_select(
                columns, sa.select(*picked).where(*detailed).group_by(*group)
            )
        )


def last_refresh(session: Session) -> RollupRefresh | None:
    return session.get(RollupRefresh, REFRESH_ID)
