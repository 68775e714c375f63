"""Clock helpers: aware UTC for staff timestamps, local dates and months for reports."""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

from learnhub.core.inputs import FIRST_DAY, LAST_DAY, ascii_int


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
    year_text, _, month_text = text.strip().partition("-")
    year = ascii_int(year_text, FIRST_DAY.year, LAST_DAY.year)
    month = ascii_int(month_text, 1, 12)
    if year is None or month is None or len(year_text) != 4:
        raise ValueError("Enter a month as YYYY-MM, for example 2026-03")
    return dt.date(year, month, 1)
