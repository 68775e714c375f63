"""Cohen's kappa per tier, checked against figures worked out by hand."""

import pytest

from learnhub.taxonomy.agreement import agreement_by_tier, cohens_kappa


def test_kappa_matches_a_textbook_table() -> None:
    # 20 both yes, 5 only A, 10 only B, 15 neither: po = 0.7, pe = 0.5, kappa = 0.4.
    observed, kappa = cohens_kappa(20, 5, 10, 15)
    assert observed == pytest.approx(0.7)
    assert kappa == pytest.approx(0.4)


def test_perfect_agreement_is_one_and_chance_only_is_undefined() -> None:
    assert cohens_kappa(10, 0, 0, 10) == (1.0, 1.0)
    assert cohens_kappa(0, 0, 0, 40) == (1.0, None)  # nobody ever says yes: nothing to measure
    assert cohens_kappa(0, 0, 0, 0) == (0.0, None)


def test_agreement_pools_decisions_within_each_tier() -> None:
    tiers = {"acts": ["A1", "A2"], "went_well": ["W1"]}
    pairs = [
        (frozenset({"A1", "W1"}), frozenset({"A1", "W1"})),
        (frozenset({"A2"}), frozenset({"A1"})),
    ]
    acts, went_well = agreement_by_tier(pairs * 5, tiers)
    # acts decisions per pair of reports: (A1 yes/yes), (A2 no/no), (A1 no/yes), (A2 yes/no)
    # -> po = 0.5, pe = 0.5, kappa = 0
    assert (acts.tier, acts.reports, acts.decisions) == ("acts", 10, 20)
    assert acts.observed == pytest.approx(0.5)
    assert acts.kappa == pytest.approx(0.0)
    assert went_well.observed == pytest.approx(1.0)
    assert went_well.kappa == pytest.approx(1.0)


def test_too_few_reports_give_no_kappa() -> None:
    pairs = [(frozenset({"A1"}), frozenset({"A1"}))] * 3
    (acts,) = agreement_by_tier(pairs, {"acts": ["A1", "A2"]})
    assert acts.observed == pytest.approx(1.0)
    assert acts.kappa is None
