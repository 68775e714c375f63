"""The dashboard's charts as SVG, drawn by matplotlib (object API, Agg canvas: no display and
no shared pyplot state, so safe in threaded web workers). Every chart has a table beside it on
the page with the same figures; colour is never the only carrier of meaning."""

from __future__ import annotations

import io
import math
import textwrap

import matplotlib as mpl
from matplotlib.backends.backend_svg import FigureCanvasSVG
from matplotlib.colors import ListedColormap
from matplotlib.figure import Figure

from learnhub.core.text import one_line
from learnhub.dashboard.services import Summary

mpl.rcParams.update(
    {
        "svg.fonttype": "none",  # text stays text: smaller files, readable by screen readers
        "svg.hashsalt": "learnhub",  # the same figures give the same bytes
        "font.family": "sans-serif",
        "font.size": 10,
        "axes.spines.top": False,
        "axes.spines.right": False,
    }
)

INK = "#0b0c0c"
GREY = "#505a5f"
TEAL = "#00707a"
# A special-cause signal, or a rising theme, is something to look at, not bad news (more
# reports usually means people feel safer to report): one colour for both directions, purple as
# in NHS England's "Making Data Count" for change that is neither good nor bad in itself, and a
# marker shape for the direction (^ higher, v lower), so colour never carries meaning alone.
LOOK = "#4c2c92"
NAMES = ("reports", "factors", "themes")
WIDE, NARROW = 8.0, 4.0  # inches: the page's column, and a phone's screen (drawn, not shrunk)


def _svg(figure: Figure) -> bytes:
    buffer = io.BytesIO()
    FigureCanvasSVG(figure).print_svg(buffer, metadata={"Date": None})
    return buffer.getvalue()


def _label(text: str) -> str:
    """A title as a chart label: written into SVG (XML 1.0, which cannot carry control
    characters) by matplotlib, which reads "$...$" as mathematics unless the "$" is escaped."""
    return one_line(text).replace("$", r"\$")


def _month_ticks(axes: object, labels: list[str], most: int = 12) -> None:
    step = max(1, math.ceil(len(labels) / most))
    positions = list(range(0, len(labels), step))
    axes.set_xticks(positions, [labels[i] for i in positions], rotation=45, ha="right")  # type: ignore[attr-defined]


def reports_chart(summary: Summary, narrow: bool = False) -> bytes:
    figure = Figure(
        figsize=(NARROW if narrow else WIDE, 3.4 if narrow else 3.6), layout="constrained"
    )
    axes = figure.add_subplot()
    months = summary.period_months
    index = {m: i for i, m in enumerate(months)}
    chart = summary.chart
    xs = [index[m] for m in summary.chart_months]
    if chart is not None:
        axes.plot(xs, chart.values, color=GREY, marker="o", markersize=4, label="Reports")
        axes.axhline(chart.mean, color=INK, linewidth=1, label=f"Mean {chart.mean:,.0f}")
        axes.axhline(chart.upper, color=TEAL, linestyle="--", linewidth=1, label="Limits")
        if chart.lower > 0:
            axes.axhline(chart.lower, color=TEAL, linestyle="--", linewidth=1)
        for signal in chart.signals:
            axes.scatter(
                [xs[i] for i in signal.indexes],
                [chart.values[i] for i in signal.indexes],
                color=LOOK,
                marker="^" if signal.direction == "high" else "v",
                s=45,
                zorder=3,
            )
        axes.legend(loc="upper left", frameon=False, fontsize=8, ncols=3)
    else:
        axes.plot(xs, [summary.months[index[m]].cell.value for m in summary.chart_months], "o")
    part = summary.part_month
    if part is not None and summary.months[index[part]].cell.value is not None:
        value = summary.months[index[part]].cell.value
        axes.scatter([index[part]], [value], facecolors="#ffffff", edgecolors=GREY, s=30, zorder=3)
        axes.annotate(
            "so far",
            (index[part], value),
            textcoords="offset points",
            xytext=(0, 7),
            ha="center",
            fontsize=8,
            color=INK,
        )
    axes.set_ylim(bottom=0)
    axes.set_ylabel("Reports received")
    _month_ticks(axes, [f"{m:%b %Y}" for m in months], most=6 if narrow else 12)
    axes.set_xlim(-0.5, len(months) - 0.5)
    return _svg(figure)


def factors_chart(summary: Summary, narrow: bool = False) -> bytes:
    """Months down, tiers across (as in the table), each cell written in the table's words, so
    no label has to squeeze into a narrow month column."""
    months = summary.period_months
    rows = summary.tiers
    width = NARROW if narrow else WIDE
    figure = Figure(figsize=(width, 0.26 * len(months) + 1.4), layout="constrained")
    axes = figure.add_subplot()
    grid = [
        [
            math.nan
            if month in summary.not_coded or row.months[i].cell.value is None
            else row.months[i].cell.value
            for row in rows
        ]
        for i, month in enumerate(months)
    ]
    cmap = ListedColormap(["#f3f2f1", "#b3d5d8", "#66aab0", "#00707a", "#004a50"]).with_extremes(
        bad="#ffffff"
    )
    axes.imshow(grid, aspect="auto", cmap=cmap, interpolation="nearest")
    peak = max((v for line in grid for v in line if not math.isnan(v)), default=0) or 1
    size = 6.5 if narrow else 8
    for y, month in enumerate(months):
        if month in summary.not_coded:
            axes.text(
                (len(rows) - 1) / 2,
                y,
                "not yet coded",
                ha="center",
                va="center",
                fontsize=size,
                color=INK,
                style="italic",
            )
            continue
        for x, row in enumerate(rows):
            cell = row.months[y].cell
            light = cell.value is None or cell.value < 0.6 * peak
            axes.text(
                x,
                y,
                cell.label(summary.k),
                ha="center",
                va="center",
                fontsize=size,
                color=INK if light else "#ffffff",
            )
    if narrow:  # a phone's columns are too narrow for a title across: it stands upright
        titles = [_label(row.title) for row in rows]
        axes.set_xticks(range(len(rows)), titles, fontsize=7, rotation=90)
    else:  # linespacing: the lines of a wrapped tier title clear each other
        titles = [textwrap.fill(_label(row.title), 10, break_long_words=False) for row in rows]
        axes.set_xticks(range(len(rows)), titles, fontsize=7.5, linespacing=2.2)
    axes.xaxis.tick_top()
    axes.set_yticks(
        range(len(months)), [summary.month_label(m) for m in months], fontsize=7 if narrow else 9
    )
    axes.tick_params(length=0)
    # No colour bar: every cell is written out, the shading only helps the eye.
    return _svg(figure)


def themes_chart(summary: Summary, narrow: bool = False) -> bytes:
    rows = list(reversed(summary.themes))
    figure = Figure(
        figsize=(NARROW if narrow else WIDE, 0.5 * max(len(rows), 1) + 1.2), layout="constrained"
    )
    axes = figure.add_subplot()
    values = [row.members.value or 0 for row in rows]
    bars = axes.barh(
        range(len(rows)),
        values,
        color=[LOOK if row.rising else TEAL for row in rows],
        hatch=["//" if row.rising else "" for row in rows],
    )
    length = 24 if narrow else 48
    labels = [
        textwrap.shorten(_label(row.title), length, placeholder="…")
        + (" (rising)" if row.rising else "")
        for row in rows
    ]
    axes.set_yticks(range(len(rows)), labels, fontsize=7 if narrow else 10)
    axes.bar_label(bars, labels=[row.members.label(summary.k) for row in rows], padding=3)
    axes.set_xlabel("Reports in the theme")
    axes.margins(x=0.15)
    return _svg(figure)


CHARTS = {"reports": reports_chart, "factors": factors_chart, "themes": themes_chart}
