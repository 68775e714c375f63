"""When a published issue goes to subscribers: the first working day that has not passed."""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

import pytest

from learnhub.bulletins.services import send_moment

LONDON = ZoneInfo("Europe/London")


def at(*parts: int) -> dt.datetime:
    return dt.datetime(*parts, tzinfo=LONDON)


@pytest.mark.parametrize(
    ("published", "goes"),
    [
        # 1 December 2026 (a Tuesday) has passed: the next month's first working day, 4 January
        # (1 January is a bank holiday, then a weekend).
        (at(2026, 12, 7, 14, 0), at(2027, 1, 4, 9, 0)),
        # Before this month's first working day: that day.
        (at(2026, 11, 28, 10, 0), at(2026, 12, 1, 9, 0)),
        # On the day, before 09:00: the same day; after 09:00: next month's.
        (at(2026, 12, 1, 8, 30), at(2026, 12, 1, 9, 0)),
        (at(2026, 12, 1, 9, 30), at(2027, 1, 4, 9, 0)),
        # A UTC time late on 31 December is already 1 January here only in winter-free zones;
        # in London (UTC+0 in winter) it stays 31 December.
        (dt.datetime(2026, 12, 31, 23, 30, tzinfo=dt.UTC), at(2027, 1, 4, 9, 0)),
    ],
)
def test_send_moment(published: dt.datetime, goes: dt.datetime) -> None:
    assert send_moment(published, "Europe/London") == goes
