"""Figures for leadership, read from the monthly roll-ups, every count published as
``learnhub.disclosure.counts`` decides (hidden below k, rounded, lines protected by secondary
hiding), so the dashboard's figures are the ones every other surface shows."""

from __future__ import annotations

import datetime as dt
import re
from collections import defaultdict
from collections.abc import Mapping
from dataclasses import dataclass, field

import sqlalchemy as sa
from sqlalchemy.orm import Session

from learnhub.actions.models import Action, ActionStatus
from learnhub.core.time import add_months, month_start, parse_month, utcnow
from learnhub.dashboard import spc
from learnhub.dashboard.models import (
    ALL_AREAS,
    ALL_TYPES,
    MonthlyCodes,
    MonthlyDelays,
    MonthlyReports,
    MonthlyTiers,
)
from learnhub.dashboard.rollups import detailed_rows, last_refresh
from learnhub.disclosure.counts import (
    Cell,
    publish,
    publish_line,
    publish_median,
    publish_share,
    too_few,
)
from learnhub.reports.models import EventType, Report, ServiceArea
from learnhub.taxonomy.services import active_version, codes_by_tier, packaged_catalogue
from learnhub.themes import sharing
from learnhub.themes.models import Theme

DEFAULT_MONTHS = 24
MAX_MONTHS = 120
TOP_THEMES = 5
OPEN_ACTIONS = (ActionStatus.OPEN, ActionStatus.IN_PROGRESS)


# --- Filters ------------------------------------------------------------------------------


class FiltersInvalid(Exception):
    def __init__(self, errors: dict[str, str]) -> None:
        super().__init__("invalid filters")
        self.errors = errors


@dataclass(frozen=True)
class Filters:
    start: dt.date
    end: dt.date
    service_area: ServiceArea | None = None
    event_type: EventType | None = None

    @property
    def months(self) -> list[dt.date]:
        count = (self.end.year - self.start.year) * 12 + self.end.month - self.start.month + 1
        return [add_months(self.start, i) for i in range(count)]

    def args(self) -> dict[str, str]:
        """The query string that asks for these filters again (for chart and export links)."""
        values = {"from": f"{self.start:%Y-%m}", "to": f"{self.end:%Y-%m}"}
        if self.service_area is not None:
            values["service_area"] = self.service_area.slug
        if self.event_type is not None:
            values["event_type"] = self.event_type.value
        return values

    def conditions(self, model: type) -> list[sa.ColumnElement[bool]]:
        area = self.service_area.id if self.service_area is not None else ALL_AREAS
        event_type = self.event_type.value if self.event_type is not None else ALL_TYPES
        return [
            model.month >= self.start,  # type: ignore[attr-defined]
            model.month <= self.end,  # type: ignore[attr-defined]
            model.service_area_id == area,  # type: ignore[attr-defined]
            model.event_type == event_type,  # type: ignore[attr-defined]
        ]


def service_areas(session: Session) -> list[ServiceArea]:
    return list(
        session.scalars(sa.select(ServiceArea).order_by(ServiceArea.position, ServiceArea.name))
    )


MONTH_PATTERN = re.compile(r"\d{4}-\d{2}")


def _month(text: str) -> dt.date:
    if not MONTH_PATTERN.fullmatch(text.strip()):
        raise ValueError(text)
    return parse_month(text)


def parse_filters(session: Session, args: Mapping[str, str], today: dt.date) -> Filters:
    """Filters from a query string; FiltersInvalid names each bad parameter."""
    errors: dict[str, str] = {}
    end = month_start(today)
    start = add_months(end, -(DEFAULT_MONTHS - 1))
    if args.get("to"):
        try:
            end = _month(args["to"])
        except ValueError:
            errors["to"] = "Enter the last month as YYYY-MM, for example 2026-03"
    if args.get("from"):
        try:
            start = _month(args["from"])
        except ValueError:
            errors["from"] = "Enter the first month as YYYY-MM, for example 2025-04"
        else:
            if not args.get("to"):
                end = min(add_months(start, DEFAULT_MONTHS - 1), max(start, month_start(today)))
    if not errors and start > end:
        errors["from"] = "The first month must be the same as or before the last month"
    elif not errors and (end.year - start.year) * 12 + end.month - start.month >= MAX_MONTHS:
        errors["from"] = f"Choose a period of at most {MAX_MONTHS} months"
    area = None
    if args.get("service_area"):
        area = session.scalar(
            sa.select(ServiceArea).where(ServiceArea.slug == args["service_area"])
        )
        if area is None:
            errors["service_area"] = "Choose a service area from the list"
    event_type = None
    if args.get("event_type"):
        try:
            event_type = EventType(args["event_type"])
        except ValueError:
            errors["event_type"] = "Choose a type of event from the list"
    if errors:
        raise FiltersInvalid(errors)
    return Filters(start, end, area, event_type)


# --- The summary --------------------------------------------------------------------------


@dataclass(frozen=True)
class MonthCell:
    month: dt.date
    cell: Cell


@dataclass(frozen=True)
class TierRow:
    key: str
    title: str
    months: list[MonthCell]
    total: Cell


@dataclass(frozen=True)
class CodeRow:
    code: str
    title: str
    reports: Cell


@dataclass(frozen=True)
class ThemeRow:
    id: int
    title: str
    status: str
    members: Cell
    months: list[MonthCell]
    rising: bool
    rising_reason: str


@dataclass(frozen=True)
class Measure:
    key: str
    label: str
    value: float | None  # days or a percentage; None when too few reports to say
    unit: str
    based_on: Cell


@dataclass
class Summary:
    filters: Filters
    k: int
    refused: bool = False
    total: Cell = field(default_factory=lambda: Cell(0, False))
    months: list[MonthCell] = field(default_factory=list)
    chart: spc.XmR | None = None
    chart_months: list[dt.date] = field(default_factory=list)  # the months the chart plots
    sentence: str = ""
    tiers: list[TierRow] = field(default_factory=list)
    themes: list[ThemeRow] = field(default_factory=list)
    actions: dict[str, Cell] = field(default_factory=dict)
    measures: list[Measure] = field(default_factory=list)
    refreshed_at: dt.datetime | None = None
    # The months listed: from the first with a report to the end of the period.
    period_months: list[dt.date] = field(default_factory=list)
    part_month: dt.date | None = None  # the month still running, if listed
    coded: list[MonthCell] = field(default_factory=list)  # reports coded, month by month
    not_coded: set[dt.date] = field(default_factory=set)  # months with reports, none coded
    freshness: Freshness | None = None

    @property
    def as_of(self) -> dt.datetime | None:
        """When the figures were counted: now, when the newest months were counted live."""
        if self.freshness is not None and self.freshness.live_since is not None:
            return self.freshness.counted_at
        return self.refreshed_at

    def month_label(self, month: dt.date, style: str = "%b %Y") -> str:
        label = f"{month:{style}}"
        return f"{label} (so far)" if month == self.part_month else label


@dataclass(frozen=True)
class Freshness:
    """How current the roll-ups are. When reports were received after the last rebuild (and no
    scheduler has rebuilt them since), the months from ``live_since`` on are counted from the
    reports at read time, in memory: a GET never writes, and the page still shows every report."""

    refreshed_at: dt.datetime | None
    live_since: dt.date | None  # None: the roll-ups are current
    counted_at: dt.datetime


def freshness(session: Session, start: dt.date) -> Freshness:
    """Compare the reports received since the month of the last rebuild with what the roll-ups
    hold for those months (two index reads); ``start``: the first month the page shows."""
    refresh = last_refresh(session)
    now = utcnow()
    if refresh is None:
        return Freshness(None, start, now)
    # A day's reports may straddle the rebuild (reports keep a day, not a time): recount from
    # the month of the day before it.
    since = month_start(refresh.refreshed_at.date() - dt.timedelta(days=1))
    received = session.scalar(
        sa.select(sa.func.count()).select_from(Report).where(Report.received_on >= since)
    )
    m = MonthlyReports
    stored = session.scalar(
        sa.select(sa.func.coalesce(sa.func.sum(m.reports), 0)).where(
            m.service_area_id == ALL_AREAS, m.event_type == ALL_TYPES, m.month >= since
        )
    )
    if int(received or 0) == int(stored or 0):
        return Freshness(refresh.refreshed_at, None, now)
    return Freshness(refresh.refreshed_at, since, now)


def _rows(session: Session, model: type, filters: Filters, fresh: Freshness | None) -> sa.Subquery:
    """The rows of one roll-up at the filters' level, as a subquery with the roll-up's columns:
    stored rows, and, when reports arrived after the last rebuild, the newest months counted
    from the reports instead."""
    table = model.__table__  # type: ignore[attr-defined]
    stored = sa.select(*table.c).where(*filters.conditions(model))
    if fresh is None or fresh.live_since is None:
        return stored.subquery()
    stored = stored.where(table.c.month < fresh.live_since)
    detailed = detailed_rows(session, since=fresh.live_since)[model].subquery()
    wanted = [detailed.c.month >= filters.start, detailed.c.month <= filters.end]
    if filters.service_area is not None:
        wanted.append(detailed.c.service_area_id == filters.service_area.id)
    if filters.event_type is not None:
        wanted.append(detailed.c.event_type == filters.event_type.value)
    live = sa.select(*(detailed.c[column.name] for column in table.c)).where(*wanted)
    return sa.union_all(stored, live).subquery()


def tier_titles(session: Session | None = None) -> dict[str, str]:
    """Tier key → title, in the dashboard's order: the active version's tiers (an organisation
    that brought its own taxonomy sees its own), or the packaged ones without a session or an
    active version."""
    version = active_version(session) if session is not None else None
    if version is None:
        return {tier.key: tier.title for tier in packaged_catalogue().tiers}
    return {tier.key: tier.title for tier, _ in codes_by_tier(version)}


def summarise(session: Session, filters: Filters, today: dt.date, k: int) -> Summary:
    """Everything the dashboard shows for these filters, from the roll-ups (and, for months
    with reports newer than the last rebuild, from the reports themselves)."""
    refresh = last_refresh(session)
    fresh = freshness(session, filters.start)
    summary = Summary(
        filters=filters,
        k=k,
        refreshed_at=refresh.refreshed_at if refresh else None,
        freshness=fresh,
    )
    totals = _monthly_totals(session, filters, fresh)
    reports = sum(row[0] for row in totals.values())
    if too_few(reports, k):
        summary.refused = True
        return summary
    # Months before the first report are before the service began (or before the filter's
    # area or type had any): listing them as zeros would pad the page with empty months.
    months = filters.months
    first = next((i for i, m in enumerate(months) if totals.get(m, (0,))[0] > 0), 0)
    months = summary.period_months = months[first:]
    running = month_start(today)
    summary.part_month = running if running in months else None
    cells, summary.total = publish_line([totals.get(m, (0,))[0] for m in months], k)
    summary.months = [MonthCell(m, c) for m, c in zip(months, cells, strict=True)]
    coded, _ = publish_line([totals.get(m, (0, 0, 0, 0, 0))[4] for m in months], k)
    summary.coded = [MonthCell(m, c) for m, c in zip(months, coded, strict=True)]
    summary.not_coded = {
        m for m in months if totals.get(m, (0,))[0] > 0 and totals.get(m, (0, 0, 0, 0, 0))[4] == 0
    }
    # The month still running is shown, marked, but left out of the control chart: a part
    # month would read as a fall.
    plotted = [
        (mc.month, mc.cell.value)
        for mc in summary.months
        if mc.cell.value is not None and mc.month != summary.part_month
    ]
    summary.chart_months = [m for m, _ in plotted]
    summary.chart = spc.xmr([v for _, v in plotted])
    summary.sentence = spc.describe(summary.chart, [f"{m:%B %Y}" for m in summary.chart_months])
    summary.tiers = _tiers(session, filters, months, k, fresh)
    summary.themes = _themes(session, filters, k)
    summary.actions = _actions(session, today, k)
    summary.measures = _measures(session, filters, totals, k, fresh)
    return summary


def _monthly_totals(
    session: Session, filters: Filters, fresh: Freshness | None = None
) -> dict[dt.date, tuple[int, int, int, int, int]]:
    r = _rows(session, MonthlyReports, filters, fresh)
    rows = session.execute(
        sa.select(
            r.c.month,
            sa.func.sum(r.c.reports),
            sa.func.sum(r.c.triaged),
            sa.func.sum(r.c.with_feedback),
            sa.func.sum(r.c.deidentified),
            sa.func.sum(r.c.coded),
        ).group_by(r.c.month)
    )
    return {
        _as_date(month): (int(a), int(b), int(c), int(d), int(e)) for month, a, b, c, d, e in rows
    }


def _as_date(value: object) -> dt.date:
    """A month read through a UNION: SQLite hands back the text it stores."""
    return value if isinstance(value, dt.date) else dt.date.fromisoformat(str(value)[:10])


def _tiers(
    session: Session,
    filters: Filters,
    months: list[dt.date],
    k: int,
    fresh: Freshness | None = None,
) -> list[TierRow]:
    t = _rows(session, MonthlyTiers, filters, fresh)
    counts: dict[str, dict[dt.date, int]] = defaultdict(dict)
    for month, tier, reports in session.execute(
        sa.select(t.c.month, t.c.tier, sa.func.sum(t.c.reports)).group_by(t.c.month, t.c.tier)
    ):
        counts[tier][_as_date(month)] = int(reports)
    titles = tier_titles(session)
    keys = list(titles) + sorted(set(counts) - set(titles))
    # Reports counted under a tier the active version no longer has keep its packaged title.
    titles = {**tier_titles(), **titles}
    rows = []
    for key in keys:
        cells, total = publish_line([counts[key].get(m, 0) for m in months], k)
        rows.append(
            TierRow(
                key,
                titles.get(key, key),
                [MonthCell(m, c) for m, c in zip(months, cells, strict=True)],
                total,
            )
        )
    return rows


def tier_codes(session: Session, filters: Filters, tier: str, k: int) -> list[CodeRow]:
    """The codes of one tier with the reports that had each over the period (drill-down)."""
    c = _rows(session, MonthlyCodes, filters, freshness(session, filters.start))
    counts = dict(
        session.execute(
            sa.select(c.c.code, sa.func.sum(c.c.reports)).where(c.c.tier == tier).group_by(c.c.code)
        ).all()
    )
    version = active_version(session)
    titles = (
        {code.code: code.title for code in version.codes if code.tier == tier} if version else {}
    )
    codes = list(titles) + sorted(set(counts) - set(titles))
    return [
        CodeRow(code, titles.get(code, code), publish(int(counts.get(code, 0)), k))
        for code in codes
    ]


def _themes(session: Session, filters: Filters, k: int) -> list[ThemeRow]:
    """The top accepted themes, as they may be shown outside the panel (candidates never are)."""
    themes = session.scalars(
        sharing.shared_query()
        .order_by(Theme.is_rising.desc(), Theme.member_count.desc(), Theme.id)
        .limit(TOP_THEMES)
    ).all()
    shared = sharing.shared_themes(session, themes)
    rows = []
    months = filters.months[-12:]
    for theme in themes:
        counts = sharing.shared_counts(theme, k)
        rows.append(
            ThemeRow(
                id=theme.id,
                title=shared[theme.id].title,
                status=theme.status.value,
                members=counts.members,
                months=[MonthCell(m, counts.month(f"{m:%Y-%m}")) for m in months],
                rising=theme.is_rising,
                rising_reason=str((theme.statistics or {}).get("rising_reason", "")),
            )
        )
    return rows


def quarter_start(day: dt.date) -> dt.date:
    return dt.date(day.year, 3 * ((day.month - 1) // 3) + 1, 1)


def _actions(session: Session, today: dt.date, k: int) -> dict[str, Cell]:
    def count(*where: sa.ColumnElement[bool]) -> int:
        return session.scalar(sa.select(sa.func.count()).select_from(Action).where(*where)) or 0

    open_now = Action.status.in_(OPEN_ACTIONS)
    return {
        "open": publish(count(open_now), k),
        "overdue": publish(count(open_now, Action.due_on < today), k),
        "completed_this_quarter": publish(
            count(
                Action.status == ActionStatus.COMPLETED, Action.completed_on >= quarter_start(today)
            ),
            k,
        ),
    }


def _measures(
    session: Session,
    filters: Filters,
    totals: Mapping[dt.date, tuple[int, ...]],
    k: int,
    fresh: Freshness | None = None,
) -> list[Measure]:
    d = _rows(session, MonthlyDelays, filters, fresh)
    histograms: dict[str, dict[int, int]] = defaultdict(dict)
    for measure, days, reports in session.execute(
        sa.select(d.c.measure, d.c.days, sa.func.sum(d.c.reports)).group_by(d.c.measure, d.c.days)
    ):
        histograms[measure][int(days)] = int(reports)
    reports = sum(row[0] for row in totals.values())
    feedback = sum(row[2] for row in totals.values())
    deidentified = sum(row[3] for row in totals.values())

    def median(measure: str, key: str, label: str) -> Measure:
        counts = histograms.get(measure, {})
        based_on = sum(counts.values())
        return Measure(key, label, publish_median(counts, k), "days", publish(based_on, k))

    def share(part: int, key: str, label: str) -> Measure:
        return Measure(key, label, publish_share(part, reports, k), "%", publish(reports, k))

    return [
        median("triage", "median_days_to_triage", "Median days from receipt to triage"),
        median("feedback", "median_days_to_feedback", "Median days from receipt to first feedback"),
        share(feedback, "share_with_feedback", "Reports whose reporter received feedback"),
        share(deidentified, "share_deidentified", "Reports de-identified"),
    ]
