"""Which way a theme is going, worked out from its monthly counts, in words a team manager reads.

The theme job's own test ("rising", in ``detect.py``) asks a strict statistical question and
says no for most themes; this answers the plainer one a panel asks of every theme — more
lately, fewer lately, or about the same — by comparing the last three complete months with an
average three months before them. Pure: plain counts in, words out.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass

RECENT_MONTHS = 3
# "More" or "fewer" needs both a clear ratio and a difference of a few reports, so that 2
# against 1 is not news.
RATIO = 1.5
MIN_DIFFERENCE = 2


@dataclass(frozen=True)
class Trend:
    label: str  # Rising, More lately, Fewer lately, Steady, New, Too early to say
    sentence: str
    look: bool  # worth a look: rising, more lately or new


def _span(months: list[str]) -> str:
    first, last = (dt.date.fromisoformat(f"{m}-01") for m in (months[0], months[-1]))
    if first == last:
        return f"{last:%B %Y}"
    if first.year == last.year:
        return f"{first:%B} to {last:%B %Y}"
    return f"{first:%B %Y} to {last:%B %Y}"


def _reports(count: float) -> str:
    return f"{count:g} report" + ("" if count == 1 else "s")


def theme_trend(monthly: Mapping[str, int], *, rising: bool, today: dt.date) -> Trend:
    """The trend of monthly counts ("YYYY-MM" → reports), leaving out the month still running
    (it would read as a fall); ``rising``: the theme job's own verdict, which wins."""
    running = f"{today:%Y-%m}"
    months = sorted(m for m in monthly if m < running)
    if len(months) <= RECENT_MONTHS:
        return Trend("Too early to say", "Fewer than four complete months to compare.", False)
    recent_months, earlier_months = months[-RECENT_MONTHS:], months[:-RECENT_MONTHS]
    recent = sum(int(monthly[m]) for m in recent_months)
    earlier = sum(int(monthly[m]) for m in earlier_months)
    expected = earlier / len(earlier_months) * RECENT_MONTHS
    sentence = (
        f"{_reports(recent)} in {_span(recent_months)}, against about "
        f"{_reports(round(expected, 1))} in an average three months before."
    )
    if rising:
        return Trend("Rising", sentence + " The theme job's test finds it rising.", True)
    if earlier == 0:
        if recent == 0:
            return Trend("Steady", "No reports in the months compared.", False)
        return Trend("New", f"All {_reports(recent)} came in {_span(recent_months)}.", True)
    if recent >= RATIO * expected and recent - expected >= MIN_DIFFERENCE:
        return Trend("More lately", sentence, True)
    if recent * RATIO <= expected and expected - recent >= MIN_DIFFERENCE:
        return Trend("Fewer lately", sentence, False)
    return Trend("Steady", sentence, False)
