"""Stored themes for tests of the panel pages and actions, made as the theme job stores them."""

from __future__ import annotations

import datetime as dt
from collections import Counter
from typing import Any

from learnhub.core.extensions import db
from learnhub.reports.models import Report
from learnhub.themes.models import Theme, ThemeKind, ThemeMember, ThemeStatus
from tests.factories import make_report

MONTHS = [dt.date(2026, month, 1) for month in range(1, 12)]


def member_reports(count: int, *, deidentified: int = 0, first_month: int = 6) -> list[Report]:
    """``count`` reports spread over months from ``first_month``; the first ``deidentified``
    have a reviewer-confirmed redacted version."""
    reports = []
    for index in range(count):
        month = dt.date(2026, first_month + index % 4, 1)
        report, _ = make_report(
            f"Raw story {index}: Jayden's handover note was lost before the visit.",
            event_month=month,
            received_on=month + dt.timedelta(days=20),
        )
        if index < deidentified:
            report.redacted = {"narrative": f"Redacted story {index}: a handover note was lost."}
            report.deidentified_on = month + dt.timedelta(days=25)
        reports.append(report)
    db.session.commit()
    return reports


def make_theme(
    reports: list[Report],
    *,
    signature: str,
    status: ThemeStatus = ThemeStatus.CANDIDATE,
    codes: tuple[str, ...] = ("PRE-TEAM-1", "PRE-TECH-1"),
    rising: bool = False,
    lift: float = 3.0,
    title: str | None = None,
    **fields: Any,
) -> Theme:
    counts = Counter(f"{r.event_month:%Y-%m}" for r in reports)
    monthly = {f"{m:%Y-%m}": counts.get(f"{m:%Y-%m}", 0) for m in MONTHS}
    theme = Theme(
        signature=signature,
        kind=ThemeKind.FACTOR_COMBINATION,
        status=status,
        title=title or "Recurring factors: " + " + ".join(codes),
        defining_codes=list(codes),
        terms=["handover", "note"],
        member_count=len(reports),
        monthly_counts=monthly,
        statistics={
            "support": len(reports),
            "months": len(counts),
            "reports_in_window": 400,
            "expected": round(len(reports) / lift, 3),
            "lift": lift,
            "p_value": 0.00002,
            "adjusted_p_value": 0.0004,
            "tests": 120,
            "test": "hypergeometric",
            "rising_reason": ("rising" if rising else "not rising") + ": 6 reports in the last 3",
        },
        is_rising=rising,
        **fields,
    )
    db.session.add(theme)
    db.session.flush()
    db.session.add_all(ThemeMember(theme_id=theme.id, report_id=r.id) for r in reports)
    db.session.commit()
    return theme
