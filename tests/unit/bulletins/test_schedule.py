"""The first working day of the month in England and Wales."""

from __future__ import annotations

import datetime as dt

import pytest

from learnhub.bulletins.jobs import first_working_day, is_working_day


@pytest.mark.parametrize(
    ("year", "month", "expected"),
    [
        (2027, 1, dt.date(2027, 1, 4)),  # Fri 1 Jan is New Year's Day; the weekend follows
        (2026, 8, dt.date(2026, 8, 3)),  # the month starts on a Saturday: Monday
        (2026, 11, dt.date(2026, 11, 2)),  # starts on a Sunday
        (2026, 12, dt.date(2026, 12, 1)),  # a Tuesday: that day
        (2028, 1, dt.date(2028, 1, 4)),  # Sat 1 Jan: the bank holiday moves to Mon 3 Jan
        (2027, 3, dt.date(2027, 3, 1)),
    ],
)
def test_first_working_day(year: int, month: int, expected: dt.date) -> None:
    assert first_working_day(year, month) == expected


def test_bank_holidays_of_england_and_wales() -> None:
    assert not is_working_day(dt.date(2027, 1, 1))
    assert not is_working_day(dt.date(2026, 12, 28))  # Boxing Day substitute
    assert not is_working_day(dt.date(2026, 8, 31))  # summer bank holiday (not Scotland's)
    assert is_working_day(dt.date(2026, 8, 3))  # Scotland's summer holiday is not ours
    assert is_working_day(dt.date(2026, 12, 29))
