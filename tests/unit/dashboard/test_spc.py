"""The XmR chart and the Making Data Count rules on textbook series, each rule both ways."""

from __future__ import annotations

import pytest

from learnhub.dashboard.spc import Rule, describe, xmr

# Common-cause noise: alternating around 20, no rule fires.
STABLE = [20, 22, 19, 21, 18, 22, 20, 19, 21, 20, 22, 18, 21, 19, 20]


def rules(values: list[float]) -> set[Rule]:
    chart = xmr(values)
    assert chart is not None
    return {signal.rule for signal in chart.signals}


def test_limits_are_the_mean_plus_and_minus_2_66_mean_moving_ranges() -> None:
    chart = xmr([10, 14, 10, 14])
    assert chart is not None
    assert chart.mean == 12
    assert chart.mean_moving_range == 4
    assert chart.upper == pytest.approx(12 + 2.66 * 4)
    assert chart.lower == pytest.approx(12 - 2.66 * 4)


def test_a_stable_process_signals_nothing() -> None:
    assert rules(STABLE) == set()
    assert "stable" in describe(xmr(STABLE), [f"m{i}" for i in range(len(STABLE))])


def test_too_few_points_give_no_chart() -> None:
    assert xmr([5]) is None
    assert "not yet enough months" in describe(None, [])


def test_a_point_outside_the_limits() -> None:
    chart = xmr([*STABLE[:10], 40, *STABLE[10:]])
    assert chart is not None
    outside = [s for s in chart.signals if s.rule is Rule.OUTSIDE]
    assert [(s.indexes, s.direction) for s in outside] == [((10,), "high")]
    low = xmr([*STABLE, 5])
    assert [(s.indexes, s.direction) for s in low.signals if s.rule is Rule.OUTSIDE] == [
        ((15,), "low")
    ]
    # Just inside the limit is not a signal.
    inside = STABLE[:10]
    chart = xmr(inside)
    assert Rule.OUTSIDE not in rules([*inside[:-1], chart.upper - 0.5])


def test_a_run_of_seven_on_one_side_of_the_mean() -> None:
    seven_above = [19, 22, 19, 22, 19, 22, 19, 19, 23, 22, 23, 22, 23, 22, 22]
    chart = xmr(seven_above)
    shifts = [s for s in chart.signals if s.rule is Rule.SHIFT]
    assert [(s.indexes, s.direction) for s in shifts] == [((8, 9, 10, 11, 12, 13, 14), "high")]
    six_above = [*seven_above[:-1], 19]
    assert Rule.SHIFT not in rules(six_above)


def test_a_point_on_the_mean_breaks_a_run() -> None:
    # The mean is exactly 21; the point at 21 splits seven points into runs of 3 and 3.
    values = [17, 22, 19, 22, 19, 22, 19, 19, 23, 22, 23, 21, 23, 22, 22]
    chart = xmr(values)
    assert chart.mean == 21
    assert Rule.SHIFT not in rules(values)


def test_a_run_of_seven_going_up_or_down() -> None:
    rising = [20, 19, 21, 20, 15, 16, 17, 18, 19, 20, 21, 20, 19, 21, 20]
    chart = xmr(rising)
    trends = [s for s in chart.signals if s.rule is Rule.TREND]
    assert [(s.indexes, s.direction) for s in trends] == [((4, 5, 6, 7, 8, 9, 10), "high")]
    falling = [20, 19, 21, 20, 25, 24, 23, 22, 21, 20, 19, 20, 21, 19, 20]
    assert [s.direction for s in xmr(falling).signals if s.rule is Rule.TREND] == ["low"]
    six_rising = [20, 19, 21, 20, 15, 16, 17, 18, 19, 20, 19, 20, 19, 21, 20]
    assert Rule.TREND not in rules(six_rising)
    level = [20, 19, 21, 20, 15, 16, 17, 17, 19, 20, 21, 20, 19, 21, 20]  # a tie breaks it
    assert Rule.TREND not in rules(level)


def two_sigma_band(values: list[float]) -> tuple[float, float]:
    chart = xmr(values)
    return chart.mean + 2 * chart.sigma, chart.upper


def test_two_of_three_points_near_a_limit() -> None:
    base = [20, 22, 19, 21, 18, 22, 20, 19, 21, 20, 22, 18, 21, 19, 20, 21, 20]
    # Place two of three points between 2 sigma and 3 sigma; repeat until the band settles.
    near = base[:]
    for _ in range(5):
        low, high = two_sigma_band(near)
        point = (low + high) / 2
        near = [*base[:14], point, 20, point]
    chart = xmr(near)
    low, high = chart.mean + 2 * chart.sigma, chart.upper
    assert low < near[14] < high
    found = [s for s in chart.signals if s.rule is Rule.TWO_OF_THREE]
    assert [(s.indexes, s.direction) for s in found] == [((14, 16), "high")]
    assert Rule.OUTSIDE not in {s.rule for s in chart.signals}
    # One near point in three is not a signal.
    one = [*base[:14], near[14], 20, 20]
    assert Rule.TWO_OF_THREE not in rules(one)


def test_the_sentence_names_the_newest_signal_in_plain_words() -> None:
    values = [*STABLE[:10], 40, *STABLE[10:]]
    labels = [f"Month {i}" for i in range(len(values))]
    sentence = describe(xmr(values), labels)
    assert sentence.startswith("Something has changed")
    assert "Month 10 was above the upper limit" in sentence
