"""How far coders agree: Cohen's kappa per tier, between two reviewers or a suggester and a
reviewer. Each (report, code) pair is one yes/no decision; a tier pools its codes' decisions."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

MIN_REPORTS = 10


@dataclass(frozen=True)
class Agreement:
    tier: str
    reports: int
    decisions: int
    observed: float  # share of decisions the two coders made alike
    kappa: float | None  # None when chance agreement is total (nothing to agree about)


def cohens_kappa(both: int, only_a: int, only_b: int, neither: int) -> tuple[float, float | None]:
    """Observed agreement and kappa from a 2-by-2 table of yes/no decisions."""
    total = both + only_a + only_b + neither
    if total == 0:
        return 0.0, None
    observed = (both + neither) / total
    a_yes = (both + only_a) / total
    b_yes = (both + only_b) / total
    expected = a_yes * b_yes + (1 - a_yes) * (1 - b_yes)
    if expected >= 1.0:
        return observed, None
    return observed, (observed - expected) / (1 - expected)


def agreement_by_tier(
    pairs: Iterable[tuple[frozenset[str], frozenset[str]]], tiers: dict[str, list[str]]
) -> list[Agreement]:
    """``pairs``: each report's two code sets; ``tiers``: tier key → its codes, in order."""
    pairs = list(pairs)
    results = []
    for tier, codes in tiers.items():
        both = only_a = only_b = neither = 0
        for first, second in pairs:
            for code in codes:
                a, b = code in first, code in second
                both += a and b
                only_a += a and not b
                only_b += b and not a
                neither += not a and not b
        observed, kappa = cohens_kappa(both, only_a, only_b, neither)
        if len(pairs) < MIN_REPORTS:
            kappa = None  # a handful of reports says nothing about how people read the codes
        results.append(
            Agreement(tier, len(pairs), both + only_a + only_b + neither, observed, kappa)
        )
    return results
