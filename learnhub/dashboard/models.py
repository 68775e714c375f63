"""Monthly roll-ups of the reports tables: what the dashboard reads instead of the reports.

Each row counts reports received in one month (the 1st of the month of ``received_on``), in one
service area (0 when the reporter gave none) and of one event type. The roll-ups are derived
data: ``learnhub.dashboard.rollups.refresh`` rebuilds them in one transaction. Besides these
detailed rows each table holds summed rows for every area (``ALL_AREAS``), every event type
(``ALL_TYPES``) and both.
"""

from __future__ import annotations

import datetime as dt

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column

from learnhub.core.database import Base

NO_AREA = 0  # the service-area key of reports that named none
# Each roll-up also holds pre-summed rows for "every area", "every type" and both, so a query
# reads only the rows of its own level: the unfiltered page sums a few hundred rows, not 100k.
# The primary keys lead with (area, type, month) so each level's months are one index range.
ALL_AREAS = -1
ALL_TYPES = "*"


class MonthlyReports(Base):
    __tablename__ = "dashboard_monthly_reports"

    service_area_id: Mapped[int] = mapped_column(primary_key=True)
    event_type: Mapped[str] = mapped_column(sa.String(20), primary_key=True)
    month: Mapped[dt.date] = mapped_column(primary_key=True)
    reports: Mapped[int]
    triaged: Mapped[int]
    with_feedback: Mapped[int]
    deidentified: Mapped[int]
    # Reports a reviewer has coded (saved a coding, or confirmed or removed a factor): the
    # month's factor counts are complete only when this is close to ``reports``.
    coded: Mapped[int] = mapped_column(server_default="0")


class MonthlyTiers(Base):
    """Reports with at least one reviewer-confirmed factor in a tier."""

    __tablename__ = "dashboard_monthly_tiers"

    service_area_id: Mapped[int] = mapped_column(primary_key=True)
    event_type: Mapped[str] = mapped_column(sa.String(20), primary_key=True)
    month: Mapped[dt.date] = mapped_column(primary_key=True)
    tier: Mapped[str] = mapped_column(sa.String(40), primary_key=True)
    reports: Mapped[int]


class MonthlyCodes(Base):
    """Reports with a reviewer-confirmed factor code (codes are stable across versions)."""

    __tablename__ = "dashboard_monthly_codes"

    service_area_id: Mapped[int] = mapped_column(primary_key=True)
    event_type: Mapped[str] = mapped_column(sa.String(20), primary_key=True)
    month: Mapped[dt.date] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(sa.String(32), primary_key=True)
    tier: Mapped[str] = mapped_column(sa.String(40))
    reports: Mapped[int]


class MonthlyDelays(Base):
    """How many reports took ``days`` days to reach triage or first feedback: a histogram, so
    medians over any filter are exact."""

    __tablename__ = "dashboard_monthly_delays"

    service_area_id: Mapped[int] = mapped_column(primary_key=True)
    event_type: Mapped[str] = mapped_column(sa.String(20), primary_key=True)
    month: Mapped[dt.date] = mapped_column(primary_key=True)
    measure: Mapped[str] = mapped_column(sa.String(20), primary_key=True)  # triage | feedback
    days: Mapped[int] = mapped_column(primary_key=True)
    reports: Mapped[int]


class RollupRefresh(Base):
    """When the roll-ups were last rebuilt (one row), so the page can say how fresh it is."""

    __tablename__ = "dashboard_refreshes"

    id: Mapped[int] = mapped_column(primary_key=True)
    refreshed_at: Mapped[dt.datetime]
    reports: Mapped[int]
    duration_ms: Mapped[int]
