"""Figures for leadership, read from the monthly roll-ups, every small count hidden.

Small-number protection, in three layers (the README explains why):

1. a count from 1 to k - 1 is shown as "fewer than k", never as the number (primary);
2. in a line of cells that adds up to a total shown beside it (the months of a series, the
   months of one tier), when exactly one cell is hidden the smallest other non-zero cell is
   hidden too, so the total minus the visible cells gives two unknowns, not one (secondary);
3. every count that is shown is rounded to the nearest k, so two overlapping filters
   subtracted from each other give a range, not a number.

Zero is shown as zero: "none at all" identifies nobody.
"""

from __future__ import annotations

import datetime as dt
import re
import statistics
from collections import defaultdict
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

import sqlalchemy as sa
from sqlalchemy.orm import Session

from learnhub.actions.models import Action, ActionStatus
from learnhub.core.time import add_months, month_start, parse_month
from learnhub.dashboard import spc
from learnhub.dashboard.models import (
    ALL_AREAS,
    ALL_TYPES,
    MonthlyCodes,
    MonthlyDelays,
    MonthlyReports,
    MonthlyTiers,
)
from learnhub.dashboard.rollups import last_refresh
from learnhub.reports.models import EventType, ServiceArea
from learnhub.taxonomy.services import active_version, packaged_catalogue
from learnhub.themes import disclosure
from learnhub.themes.models import Theme

DEFAULT_MONTHS = 24
MAX_MONTHS = 120
TOP_THEMES = 5
OPEN_ACTIONS = (ActionStatus.OPEN, ActionStatus.IN_PROGRESS)


# --- Suppression -------------------------------------------------------------------------


@dataclass(frozen=True)
class Cell:
    """A count as a non-reviewer may see it: the number, or only that it is hidden."""

    value: int | None
    suppressed: bool
    secondary: bool = False  # hidden only so that a small count beside it cannot be worked out

    def label(self, k: int) -> str:
        if self.secondary:
            return "not shown"
        return f"fewer than {k}" if self.suppressed else f"{self.value:,}"


HIDDEN_BESIDE = Cell(value=None, suppressed=True, secondary=True)


def suppress(count: int, k: int) -> Cell:
    # Zero is shown as zero: "none at all" identifies nobody, and hiding it would mislead.
    if 0 < count < k:
        return Cell(value=None, suppressed=True)
    return Cell(value=count, suppressed=False)


def round_to(count: int, base: int) -> int:
    """Round half up to a multiple of ``base``: with base 5, 7 → 5 and 8 → 10."""
    return base * ((count + base // 2) // base) if base > 1 else count


def publish(count: int, k: int) -> Cell:
    """A count as the dashboard shows it: hidden below k, otherwise rounded to the nearest k."""
    cell = suppress(count, k)
    if cell.suppressed or count == 0:
        return cell
    return Cell(value=max(round_to(count, k), k), suppressed=False)


def publish_line(counts: Sequence[int], k: int) -> tuple[list[Cell], Cell]:
    """Cells that add up to a total shown beside them, and that total (see layer 2 above)."""
    cells = [publish(c, k) for c in counts]
    hidden = [i for i, cell in enumerate(cells) if cell.suppressed]
    if len(hidden) == 1:
        others = [i for i, c in enumerate(counts) if i != hidden[0] and c > 0]
        if others:
            cells[min(others, key=lambda i: (counts[i], i))] = HIDDEN_BESIDE
    return cells, publish(sum(counts), k)


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


def tier_titles() -> dict[str, str]:
    return {tier.key: tier.title for tier in packaged_catalogue().tiers}


def summarise(session: Session, filters: Filters, today: dt.date, k: int) -> Summary:
    """Everything the dashboard shows for these filters, from the roll-ups alone."""
    refresh = last_refresh(session)
    summary = Summary(filters=filters, k=k, refreshed_at=refresh.refreshed_at if refresh else None)
    totals = _monthly_totals(session, filters)
    reports = sum(row[0] for row in totals.values())
    if 0 < reports < k:
        summary.refused = True
        return summary
    months = filters.months
    cells, summary.total = publish_line([totals.get(m, (0,))[0] for m in months], k)
    summary.months = [MonthCell(m, c) for m, c in zip(months, cells, strict=True)]
    plotted = [(mc.month, mc.cell.value) for mc in summary.months if mc.cell.value is not None]
    # Months before the first report are before the service began, not a process at zero.
    while plotted and plotted[0][1] == 0:
        plotted.pop(0)
    summary.chart_months = [m for m, _ in plotted]
    summary.chart = spc.xmr([v for _, v in plotted])
    summary.sentence = spc.describe(summary.chart, [f"{m:%B %Y}" for m in summary.chart_months])
    summary.tiers = _tiers(session, filters, k)
    summary.themes = _themes(session, filters, k)
    summary.actions = _actions(session, today, k)
    summary.measures = _measures(session, filters, totals, k)
    return summary


def _monthly_totals(session: Session, filters: Filters) -> dict[dt.date, tuple[int, int, int, int]]:
    m = MonthlyReports
    rows = session.execute(
        sa.select(
            m.month,
            sa.func.sum(m.reports),
            sa.func.sum(m.triaged),
            sa.func.sum(m.with_feedback),
            sa.func.sum(m.deidentified),
        )
        .where(*filters.conditions(m))
        .group_by(m.month)
    )
    return {month: (int(a), int(b), int(c), int(d)) for month, a, b, c, d in rows}


def _tiers(session: Session, filters: Filters, k: int) -> list[TierRow]:
    t = MonthlyTiers
    counts: dict[str, dict[dt.date, int]] = defaultdict(dict)
    for month, tier, reports in session.execute(
        sa.select(t.month, t.tier, sa.func.sum(t.reports))
        .where(*filters.conditions(t))
        .group_by(t.month, t.tier)
    ):
        counts[tier][month] = int(reports)
    titles = tier_titles()
    keys = list(titles) + sorted(set(counts) - set(titles))
    rows = []
    for key in keys:
        cells, total = publish_line([counts[key].get(m, 0) for m in filters.months], k)
        rows.append(
            TierRow(
                key,
                titles.get(key, key),
                [MonthCell(m, c) for m, c in zip(filters.months, cells, strict=True)],
                total,
            )
        )
    return rows


def tier_codes(session: Session, filters: Filters, tier: str, k: int) -> list[CodeRow]:
    """The codes of one tier with the reports that had each over the period (drill-down)."""
    c = MonthlyCodes
    counts = dict(
        session.execute(
            sa.select(c.code, sa.func.sum(c.reports))
            .where(*filters.conditions(c), c.tier == tier)
            .group_by(c.code)
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
        disclosure.shared_query()
        .order_by(Theme.is_rising.desc(), Theme.member_count.desc(), Theme.id)
        .limit(TOP_THEMES)
    ).all()
    shared = disclosure.shared_themes(session, themes)
    rows = []
    months = filters.months[-12:]
    for theme in themes:
        monthly = theme.monthly_counts or {}
        rows.append(
            ThemeRow(
                id=theme.id,
                title=shared[theme.id].title,
                status=theme.status.value,
                members=publish(theme.member_count, k),
                months=[
                    MonthCell(m, publish(int(monthly.get(f"{m:%Y-%m}", 0)), k)) for m in months
                ],
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


def median_from_histogram(histogram: Mapping[int, int]) -> float | None:
    """The median of values given as value → how many; None when there are none."""
    total = sum(histogram.values())
    if total == 0:
        return None
    ordered = sorted(histogram.items())

    def nth(n: int) -> int:
        seen = 0
        for value, count in ordered:
            seen += count
            if seen > n:
                return value
        return ordered[-1][0]

    return statistics.fmean([nth((total - 1) // 2), nth(total // 2)])


def _measures(
    session: Session, filters: Filters, totals: Mapping[dt.date, tuple[int, int, int, int]], k: int
) -> list[Measure]:
    d = MonthlyDelays
    histograms: dict[str, dict[int, int]] = defaultdict(dict)
    for measure, days, reports in session.execute(
        sa.select(d.measure, d.days, sa.func.sum(d.reports))
        .where(*filters.conditions(d))
        .group_by(d.measure, d.days)
    ):
        histograms[measure][int(days)] = int(reports)
    reports = sum(row[0] for row in totals.values())
    feedback = sum(row[2] for row in totals.values())
    deidentified = sum(row[3] for row in totals.values())

    def median(measure: str, key: str, label: str) -> Measure:
        counts = histograms.get(measure, {})
        based_on = sum(counts.values())
        value = median_from_histogram(counts) if based_on >= k else None
        return Measure(key, label, value, "days", publish(based_on, k))

    def share(part: int, key: str, label: str) -> Measure:
        value = round(100 * part / reports) if reports >= k else None
        return Measure(key, label, value, "%", publish(reports, k))

    return [
        median("triage", "median_days_to_triage", "Median days from receipt to triage"),
        median("feedback", "median_days_to_feedback", "Median days from receipt to first feedback"),
        share(feedback, "share_with_feedback", "Reports whose reporter received feedback"),
        share(deidentified, "share_deidentified", "Reports de-identified"),
    ]
