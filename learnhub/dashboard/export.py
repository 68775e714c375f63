"""The dashboard's tables as rows of text, for the CSV downloads (and nothing else).

Each cell is written as the page shows it ("fewer than 5" for a hidden count), and any cell
that a spreadsheet would read as a formula is defused with a leading apostrophe.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence

from learnhub.dashboard.services import CodeRow, Summary

ACTION_LABELS = {
    "open": "Open",
    "overdue": "Overdue",
    "completed_this_quarter": "Completed this quarter",
}
TABLES = ("reports", "factors", "themes", "actions", "measures")


def measure_text(value: float | None, unit: str) -> str:
    if value is None:
        return "too few reports to say"
    return f"{value:g}%" if unit == "%" else f"{value:g} days"


def month_key(summary: Summary, month: dt.date) -> str:
    """A month as the CSV names it: YYYY-MM, for a spreadsheet to read as a month. (The page
    marks the month still running; a download says when it was made in its file name.)"""
    return f"{month:%Y-%m}"


def table_rows(summary: Summary, table: str) -> list[list[str]]:
    k = summary.k
    if table == "reports":
        signals = {}
        if summary.chart is not None:
            for i, month in enumerate(summary.chart_months):
                signals[month] = "; ".join(r.label for r in summary.chart.rules_at(i))
        rows = [["Month", "Reports received", "Special-cause signal"]]
        rows += [
            [month_key(summary, m.month), m.cell.label(k), signals.get(m.month, "")]
            for m in summary.months
        ]
        rows.append(["Whole period", summary.total.label(k), ""])
        return rows
    if table == "factors":
        rows = [["Month", "Reports coded", *(tier.title for tier in summary.tiers)]]
        for i, month in enumerate(summary.period_months):
            tiers = [
                "not yet coded" if month in summary.not_coded else tier.months[i].cell.label(k)
                for tier in summary.tiers
            ]
            rows.append([month_key(summary, month), summary.coded[i].cell.label(k), *tiers])
        rows.append(["Whole period", "", *(tier.total.label(k) for tier in summary.tiers)])
        return rows
    if table == "themes":
        rows = [["Theme", "Status", "Reports", "Rising", "Why rising"]]
        rows += [
            [t.title, t.status, t.members.label(k), "yes" if t.rising else "no", t.rising_reason]
            for t in summary.themes
        ]
        return rows
    if table == "actions":
        return [["Actions", "Number"]] + [
            [ACTION_LABELS[key], cell.label(k)] for key, cell in summary.actions.items()
        ]
    if table == "measures":
        return [["Measure", "Value", "Reports it is based on"]] + [
            [m.label, measure_text(m.value, m.unit), m.based_on.label(k)] for m in summary.measures
        ]
    raise KeyError(table)


def code_rows(codes: Sequence[CodeRow], k: int) -> list[list[str]]:
    return [["Code", "Factor", "Reports"]] + [[c.code, c.title, c.reports.label(k)] for c in codes]
