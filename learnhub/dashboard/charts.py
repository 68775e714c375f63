"""The dashboard's charts as SVG, drawn by matplotlib (object API, Agg canvas: no display and
no shared pyplot state, so safe in threaded web workers). Every chart has a table beside it on
the page with the same figures; colour is never the only carrier of meaning."""

from __future__ import annotations

import io
import math

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
HIGH = "#d4351c"  # special cause, higher (also a different marker: ^)
LOW = "#1d70b8"  # special cause, lower (marker: v)
NAMES = ("reports", "factors", "themes")


def _svg(figure: Figure) -> bytes:
    buffer = io.BytesIO()
    FigureCanvasSVG(figure).print_svg(buffer, metadata={"Date": None})
    return buffer.getvalue()


def _label(text: str) -> str:
    """A title as a chart label: written into SVG (XML 1.0, which cannot carry control
    characters) by matplotlib, which reads "$...$" as mathematics unless the "$" is escaped."""
    return one_line(text).replace("$", r"\$")


def _month_ticks(axes: object, labels: list[str]) -> None:
    step = max(1, math.ceil(len(labels) / 12))
    positions = list(range(0, len(labels), step))
    axes.set_xticks(positions, [labels[i] for i in positions], rotation=45, ha="right")  # type: ignore[attr-defined]


def reports_chart(summary: Summary) -> bytes:
    figure = Figure(figsize=(8, 3.6), layout="constrained")
    axes = figure.add_subplot()
    months = summary.filters.months
    index = {m: i for i, m in enumerate(months)}
    chart = summary.chart
    xs = [index[m] for m in summary.chart_months]
    if chart is not None:
        axes.plot(xs, chart.values, color=GREY, marker="o", markersize=4, label="Reports")
        axes.axhline(chart.mean, color=INK, linewidth=1, label=f"Mean {chart.mean:,.0f}")
        axes.axhline(chart.upper, color=TEAL, linestyle="--", linewidth=1, label="Process limits")
        if chart.lower > 0:
            axes.axhline(chart.lower, color=TEAL, linestyle="--", linewidth=1)
        for signal in chart.signals:
            colour, marker = (HIGH, "^") if signal.direction == "high" else (LOW, "v")
            axes.scatter(
                [xs[i] for i in signal.indexes],
                [chart.values[i] for i in signal.indexes],
                color=colour,
                marker=marker,
                s=45,
                zorder=3,
            )
        axes.legend(loc="upper left", frameon=False, fontsize=8, ncols=3)
    else:
        axes.plot(xs, [summary.months[index[m]].cell.value for m in summary.chart_months], "o")
    axes.set_ylim(bottom=0)
    axes.set_ylabel("Reports received")
    _month_ticks(axes, [f"{m:%b %Y}" for m in months])
    axes.set_xlim(-0.5, len(months) - 0.5)
    return _svg(figure)


def factors_chart(summary: Summary) -> bytes:
    months = summary.filters.months
    rows = summary.tiers
    figure = Figure(figsize=(8, 0.5 * len(rows) + 1.6), layout="constrained")
    axes = figure.add_subplot()
    grid = [
        [c.cell.value if c.cell.value is not None else math.nan for c in row.months] for row in rows
    ]
    cmap = ListedColormap(["#f3f2f1", "#b3d5d8", "#66aab0", "#00707a", "#004a50"]).with_extremes(
        bad="#ffffff"
    )
    image = axes.imshow(grid, aspect="auto", cmap=cmap, interpolation="nearest")
    for y, row in enumerate(rows):
        for x, cell in enumerate(row.months):
            if cell.cell.value is None:
                axes.text(
                    x,
                    y,
                    f"<{summary.k}" if not cell.cell.secondary else "hidden",
                    ha="center",
                    va="center",
                    fontsize=6,
                    color=INK,
                )
    axes.set_yticks(range(len(rows)), [_label(row.title) for row in rows])
    _month_ticks(axes, [f"{m:%b %Y}" for m in months])
    figure.colorbar(image, ax=axes, label="Reports with a factor in the tier", shrink=0.8)
    return _svg(figure)


def themes_chart(summary: Summary) -> bytes:
    rows = list(reversed(summary.themes))
    figure = Figure(figsize=(8, 0.5 * max(len(rows), 1) + 1.2), layout="constrained")
    axes = figure.add_subplot()
    values = [row.members.value or 0 for row in rows]
    bars = axes.barh(
        range(len(rows)),
        values,
        color=[HIGH if row.rising else TEAL for row in rows],
        hatch=["//" if row.rising else "" for row in rows],
    )
    labels = [f"{_label(row.title[:48])}{' (rising)' if row.rising else ''}" for row in rows]
    axes.set_yticks(range(len(rows)), labels)
    axes.bar_label(bars, labels=[row.members.label(summary.k) for row in rows], padding=3)
    axes.set_xlabel("Reports in the theme")
    return _svg(figure)


CHARTS = {"reports": reports_chart, "factors": factors_chart, "themes": themes_chart}
