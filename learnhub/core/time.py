"""Clock helpers: aware UTC for staff timestamps, local dates and months for reports."""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo


def utcnow() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


def local_today(timezone: str) -> dt.date:
    """Today's date where the service runs: a report received at 00:30 BST is that day's."""
    return dt.datetime.now(ZoneInfo(timezone)).date()


def end_of_day(day: dt.date, timezone: str) -> float:
    """The moment ``day`` ends where the service runs, as a Unix time."""
    next_midnight = dt.datetime.combine(day + dt.timedelta(days=1), dt.time(), ZoneInfo(timezone))
    return next_midnight.timestamp()


def month_start(day: dt.date) -> dt.date:
    return day.replace(day=1)


def add_months(month: dt.date, count: int) -> dt.date:
    index = month.year * 12 + (month.month - 1) + count
    return dt.date(index // 12, index % 12 + 1, 1)


def parse_month(text: str) -> dt.date:
    """Parse ``YYYY-MM`` into the first day of that month; ValueError with a plain message."""
    try:
        year_text, month_text = text.strip().split("-")
        return dt.date(int(year_text), int(month_text), 1)
    except ValueError as exc:
        raise ValueError("Enter a month as YYYY-MM, for example 2026-03") from exc
