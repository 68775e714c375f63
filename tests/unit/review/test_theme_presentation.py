"""A theme's monthly chart as plain data: bars from the first month with a report, on a
0-based axis with round steps."""

from __future__ import annotations

import datetime as dt

from learnhub.review.theme_presentation import month_chart, nice_step


def test_the_chart_starts_at_the_first_month_with_a_report_and_scales_to_the_busiest() -> None:
    chart = month_chart({"2026-03": 2, "2026-01": 0, "2026-02": 4})

    assert [bar.month for bar in chart.bars] == [dt.date(2026, 2, 1), dt.date(2026, 3, 1)]
    tallest, half = chart.bars
    assert tallest.height == chart.bottom - chart.top
    assert half.height == tallest.height / 2
    assert all(round(bar.y + bar.height, 2) == chart.bottom for bar in chart.bars)
    assert half.x > tallest.x
    assert "February 2026 to March 2026" in chart.description
    assert "most in one month is 4" in chart.description


def test_an_empty_chart_has_no_bars() -> None:
    chart = month_chart({})
    assert chart.bars == []
    assert chart.description == "No months to show."


def test_axis_steps_are_round_numbers() -> None:
    assert [nice_step(peak) for peak in (1, 4, 9, 40, 130)] == [1, 1, 5, 10, 50]
