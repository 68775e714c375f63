"""How the panel's theme pages say what a theme is: one sentence in the taxonomy's words, the
trend, and the monthly chart with its axes. Presentation only: the figures come from the theme
as the job stored it; the statistics stay available behind "How this was found"."""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from learnhub.core.words import counted
from learnhub.disclosure.themes import listed
from learnhub.themes.models import Theme, ThemeKind


def first_month(monthly: Mapping[str, int]) -> dt.date | None:
    months = sorted(m for m, n in monthly.items() if int(n) > 0)
    return dt.date.fromisoformat(f"{months[0]}-01") if months else None


def headline(theme: Theme, code_titles: Mapping[str, str]) -> str:
    """ "Time pressure and Workload came up together in 14 reports since May 2026"."""
    names = [code_titles.get(code, code) for code in theme.defining_codes or ()]
    count = counted(theme.member_count, "report")
    start = first_month(theme.monthly_counts or {})
    since = f" since {start:%B %Y}" if start else ""
    if theme.kind is ThemeKind.FACTOR_COMBINATION:
        if len(names) > 1:
            return f"{listed(names)} came up together in {count}{since}."
        if names:
            return f"{names[0]} came up in {count}{since}, more often than usual."
        return f"The same factors came up in {count}{since}."
    about = f", about {listed(list(theme.terms or ())[:4])}" if theme.terms else ""
    return f"{count}{since} told similar stories{about}."


def found_because(theme: Theme) -> str:
    """Why the job thinks it is more than chance, in one plain sentence."""
    s = theme.statistics or {}
    if theme.kind is ThemeKind.FACTOR_COMBINATION and s.get("lift"):
        return (
            f"That is about {float(s['lift']):.1f} times as often as it would happen by chance, "
            f"among {s.get('reports_in_window', 'the')} reports in the months the theme job reads."
        )
    if s.get("tightness") is not None:
        return (
            "Their wording is closer than reports that are only alike by chance, "
            "so they are probably about the same kind of event."
        )
    return "The theme job found these reports recur more than chance would explain."


# --- the monthly chart ------------------------------------------------------------------------


@dataclass(frozen=True)
class Bar:
    month: dt.date
    count: int
    x: float
    y: float
    width: float
    height: float


@dataclass(frozen=True)
class Tick:
    text: str
    position: float  # x for a month, y for a value


@dataclass(frozen=True)
class MonthChart:
    """A bar chart of reports a month, drawn on the server: geometry in the SVG's own units."""

    bars: list[Bar]
    y_ticks: list[Tick]
    x_ticks: list[Tick]
    peak: int
    width: int = 480
    height: int = 240
    left: int = 44
    right: int = 472
    top: int = 12
    bottom: int = 196

    @property
    def description(self) -> str:
        if not self.bars:
            return "No months to show."
        first, last = self.bars[0].month, self.bars[-1].month
        return (
            f"Bar chart of reports each month from {first:%B %Y} to {last:%B %Y}; "
            f"the most in one month is {self.peak}. The table below gives every figure."
        )


def nice_step(peak: int, ticks: int = 4) -> int:
    """A round step (1, 2, 5, 10, 20, ...) that covers ``peak`` in about ``ticks`` steps."""
    raw = max(peak, 1) / ticks
    power = 10 ** math.floor(math.log10(raw)) if raw >= 1 else 1
    for factor in (1, 2, 5, 10):
        if factor * power >= raw:
            return int(factor * power)
    return int(10 * power)


def month_chart(monthly: Mapping[str, int], most_labels: int = 6) -> MonthChart:
    # From the first month with a report: empty months before it would only pad the axis.
    months: Sequence[str] = sorted(monthly)
    while months and int(monthly[months[0]]) == 0:
        months = months[1:]
    peak = max((int(v) for v in monthly.values()), default=0)
    step = nice_step(peak)
    top_value = max(step * math.ceil(max(peak, 1) / step), step)
    chart = MonthChart(bars=[], y_ticks=[], x_ticks=[], peak=peak)
    plot_height = chart.bottom - chart.top
    slot = (chart.right - chart.left) / max(len(months), 1)

    def y_of(value: float) -> float:
        return round(chart.bottom - plot_height * value / top_value, 2)

    bars = []
    for index, key in enumerate(months):
        count = int(monthly[key])
        bars.append(
            Bar(
                month=dt.date.fromisoformat(f"{key}-01"),
                count=count,
                x=round(chart.left + index * slot + slot * 0.15, 2),
                y=y_of(count),
                width=round(slot * 0.7, 2),
                height=round(chart.bottom - y_of(count), 2),
            )
        )
    every = max(1, math.ceil(len(months) / most_labels))
    x_ticks = [
        Tick(f"{bar.month:%b %Y}", round(bar.x + bar.width / 2, 2))
        for i, bar in enumerate(bars)
        if i % every == 0
    ]
    y_ticks = [Tick(str(v), y_of(v)) for v in range(0, top_value + 1, step)]
    return MonthChart(bars=bars, y_ticks=y_ticks, x_ticks=x_ticks, peak=peak)
