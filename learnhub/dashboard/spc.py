"""XmR statistical process control, with the special-cause rules of NHS "Making Data Count".

Pure functions over plain numbers. The limits are the mean plus and minus 2.66 times the mean
moving range (3 sigma, with sigma estimated as the mean moving range / 1.128); the rules are:

- a point outside the limits;
- a shift: a run of 7 points all above or all below the mean (a point on the mean breaks it);
- a trend: a run of 7 points each higher, or each lower, than the one before (ties break it);
- two out of three points beyond 2 sigma on the same side of the mean.
"""

from __future__ import annotations

import enum
import itertools
from collections.abc import Sequence
from dataclasses import dataclass, field

LIMIT_FACTOR = 2.66  # 3 / d2, with d2 = 1.128 for moving ranges of two points
RUN_LENGTH = 7
MIN_POINTS = 2  # fewer points have no moving range; MDC advises at least 15 for firm limits
ADVISED_POINTS = 15


class Rule(enum.StrEnum):
    OUTSIDE = "outside"
    SHIFT = "shift"
    TREND = "trend"
    TWO_OF_THREE = "two_of_three"

    @property
    def label(self) -> str:
        return RULE_LABELS[self]


RULE_LABELS = {
    Rule.OUTSIDE: "outside the limits",
    Rule.SHIFT: f"{RUN_LENGTH} in a row on one side of the mean",
    Rule.TREND: f"{RUN_LENGTH} in a row going up or down",
    Rule.TWO_OF_THREE: "2 of 3 near a limit",
}


@dataclass(frozen=True)
class Signal:
    rule: Rule
    indexes: tuple[int, ...]  # the points that make up the signal
    direction: str  # "high" or "low"


@dataclass(frozen=True)
class XmR:
    values: tuple[float, ...]
    mean: float
    mean_moving_range: float
    upper: float
    lower: float
    signals: tuple[Signal, ...] = field(default_factory=tuple)

    @property
    def sigma(self) -> float:
        return (self.upper - self.mean) / 3

    def rules_at(self, index: int) -> list[Rule]:
        return [s.rule for s in self.signals if index in s.indexes]


def xmr(values: Sequence[float]) -> XmR | None:
    """The XmR chart of ``values`` in time order, or None with fewer than two points."""
    points = tuple(float(v) for v in values)
    if len(points) < MIN_POINTS:
        return None
    mean = sum(points) / len(points)
    ranges = [abs(b - a) for a, b in itertools.pairwise(points)]
    mean_range = sum(ranges) / len(ranges)
    upper, lower = mean + LIMIT_FACTOR * mean_range, mean - LIMIT_FACTOR * mean_range
    chart = XmR(points, mean, mean_range, upper, lower)
    signals = outside_limits(chart) + shifts(chart) + trends(chart) + two_of_three(chart)
    return XmR(points, mean, mean_range, upper, lower, tuple(signals))


def outside_limits(chart: XmR) -> list[Signal]:
    found = []
    for i, v in enumerate(chart.values):
        if v > chart.upper:
            found.append(Signal(Rule.OUTSIDE, (i,), "high"))
        elif v < chart.lower:
            found.append(Signal(Rule.OUTSIDE, (i,), "low"))
    return found


def _runs(flags: Sequence[int]) -> list[tuple[int, int, int]]:
    """Maximal runs of equal non-zero flags: (start, end exclusive, flag)."""
    runs, start = [], 0
    for i in range(1, len(flags) + 1):
        if i == len(flags) or flags[i] != flags[start]:
            if flags[start] != 0:
                runs.append((start, i, flags[start]))
            start = i
    return runs


def shifts(chart: XmR) -> list[Signal]:
    sides = [(v > chart.mean) - (v < chart.mean) for v in chart.values]
    return [
        Signal(Rule.SHIFT, tuple(range(start, end)), "high" if side > 0 else "low")
        for start, end, side in _runs(sides)
        if end - start >= RUN_LENGTH
    ]


def trends(chart: XmR) -> list[Signal]:
    v = chart.values
    steps = [(b > a) - (b < a) for a, b in itertools.pairwise(v)]
    # A run of k rising steps joins k + 1 points.
    return [
        Signal(Rule.TREND, tuple(range(start, end + 1)), "high" if step > 0 else "low")
        for start, end, step in _runs(steps)
        if end - start + 1 >= RUN_LENGTH
    ]


def two_of_three(chart: XmR) -> list[Signal]:
    found: list[Signal] = []
    two_sigma = 2 * chart.sigma
    for side, name in ((1, "high"), (-1, "low")):
        near = [side * (v - chart.mean) > two_sigma for v in chart.values]
        for start in range(len(near) - 2):
            window = [i for i in range(start, start + 3) if near[i]]
            if len(window) >= 2:
                found.append(Signal(Rule.TWO_OF_THREE, tuple(window), name))
    # Overlapping windows find the same points more than once: keep each set of points once.
    unique = {(s.direction, s.indexes): s for s in found}
    return list(unique.values())


def _fmt(value: float) -> str:
    return f"{max(value, 0):,.0f}"


def _span(labels: Sequence[str], indexes: tuple[int, ...]) -> str:
    first, last = labels[indexes[0]], labels[indexes[-1]]
    return first if first == last else f"{first} to {last}"


def describe(chart: XmR | None, labels: Sequence[str], what: str = "reports a month") -> str:
    """One or two plain-English sentences saying what the chart shows, newest signal first."""
    if chart is None:
        return f"There are not yet enough months to judge whether {what} are changing."
    if not chart.signals:
        return (
            f"The number of {what} is stable: every month is within the expected range of "
            f"{_fmt(chart.lower)} to {_fmt(chart.upper)} around an average of "
            f"{_fmt(chart.mean)}, so month-to-month changes are ordinary variation."
        )
    newest = sorted(chart.signals, key=lambda s: s.indexes[-1], reverse=True)
    sentences = []
    for signal in newest[:2]:
        when = _span(labels, signal.indexes)
        higher = signal.direction == "high"
        if signal.rule is Rule.OUTSIDE:
            limit = "upper" if higher else "lower"
            value = _fmt(chart.upper if higher else chart.lower)
            sentences.append(
                f"{when} was {'above' if higher else 'below'} the {limit} limit of {value}."
            )
        elif signal.rule is Rule.SHIFT:
            sentences.append(
                f"From {when}, {len(signal.indexes)} months in a row were "
                f"{'above' if higher else 'below'} the average of "
                f"{_fmt(chart.mean)}."
            )
        elif signal.rule is Rule.TREND:
            sentences.append(
                f"From {when}, the number {'rose' if higher else 'fell'} "
                f"{len(signal.indexes)} months in a row."
            )
        else:
            sentences.append(
                f"Two of three months ({when}) were close to the "
                f"{'upper' if higher else 'lower'} limit."
            )
    lead = "Something has changed (special-cause variation): "
    return (
        lead
        + " ".join(sentences)
        + (
            " More reports usually means people feel safer to report,"
            " not that practice is less safe."
        )
    )
