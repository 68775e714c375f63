"""Theme detection finds planted themes among noise, stays quiet on noise, and keeps identities."""

from __future__ import annotations

import dataclasses
import datetime
import random
from collections import Counter

import numpy as np
import pytest
from scipy import sparse

from benchmarks.themes import TODAY, Synthetic, recovers, synthetic_reports
from learnhub.themes.detect import (
    FACTOR_COMBINATION,
    TEXT_CLUSTER,
    Candidate,
    DetectionParameters,
    ExistingTheme,
    ReportColumns,
    ReportInput,
    WordCache,
    _assured_tightness,
    detect,
    reconcile,
    words,
)

PARAMETERS = DetectionParameters()


@pytest.fixture(scope="module")
def planted() -> Synthetic:
    return synthetic_reports(7, 1500, theme_size=(20, 30), rising=True)


@pytest.fixture(scope="module")
def found(planted: Synthetic) -> list[Candidate]:
    return detect(planted.reports, today=TODAY, parameters=PARAMETERS)


def _match(found: list[Candidate], index: int, planted: Synthetic) -> Candidate:
    matches = [c for c in found if recovers(c, planted.planted[index])]
    assert len(matches) == 1, planted.planted[index]
    return matches[0]


def test_planted_code_combinations_are_found(planted: Synthetic, found: list[Candidate]) -> None:
    for index, theme in enumerate(planted.planted):
        if theme.kind == FACTOR_COMBINATION:
            candidate = _match(found, index, planted)
            assert candidate.statistics["adjusted_p_value"] <= PARAMETERS.alpha
            assert candidate.statistics["lift"] >= PARAMETERS.min_lift
            assert set(theme.members) <= set(candidate.members)


def test_a_pair_inside_a_planted_triple_is_not_proposed_twice(
    planted: Synthetic, found: list[Candidate]
) -> None:
    triples = [t for t in planted.planted if len(t.codes) == 3]
    assert triples
    for triple in triples:
        inside = [c for c in found if c.codes and set(c.codes) < set(triple.codes)]
        assert inside == []


def test_planted_narrative_clusters_are_found(planted: Synthetic, found: list[Candidate]) -> None:
    for index, theme in enumerate(planted.planted):
        if theme.kind == TEXT_CLUSTER:
            candidate = _match(found, index, planted)
            assert len(candidate.terms) >= 3
            assert candidate.statistics["tightness"] >= PARAMETERS.min_tightness


def test_few_false_candidates_among_planted(planted: Synthetic, found: list[Candidate]) -> None:
    false = [c for c in found if not any(recovers(c, p) for p in planted.planted)]
    assert len(false) <= 1


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_pure_noise_gives_almost_no_candidates(seed: int) -> None:
    noise = synthetic_reports(seed, 1500, combinations=0, clusters=0)
    assert len(detect(noise.reports, today=TODAY, parameters=PARAMETERS)) <= 1


def test_story_clusters_of_common_words_do_not_pass_as_themes_at_scale() -> None:
    # In ten thousand noise reports, k-means always finds groups that share a few common words;
    # only a closeness beyond what shuffled words reach makes a group a story.
    noise = synthetic_reports(4, 10_000, combinations=0, clusters=0)
    found = detect(noise.reports, today=TODAY, parameters=PARAMETERS)
    assert [c for c in found if c.kind == TEXT_CLUSTER] == []


def test_a_planted_story_beats_the_closeness_chance_reaches(found: list[Candidate]) -> None:
    stories = [c for c in found if c.kind == TEXT_CLUSTER]
    assert stories
    for story in stories:
        chance = story.statistics["chance_tightness"]
        assert chance >= PARAMETERS.min_tightness
        assert story.statistics["tightness"] > chance


def test_two_reports_alike_are_never_assured_whatever_the_margin() -> None:
    # No spread can be measured between two reports; with no margin, a standard error of
    # infinity times zero must not turn into a number that passes.
    twins = sparse.csr_matrix(np.array([[0.6, 0.8], [0.6, 0.8]]))
    no_margin = dataclasses.replace(PARAMETERS, chance_margin=0.0)
    assert _assured_tightness(twins, no_margin) == float("-inf")
    triplets = sparse.csr_matrix(np.array([[0.6, 0.8], [0.6, 0.8], [0.8, 0.6]]))
    assert _assured_tightness(triplets, no_margin) == pytest.approx((1 + 0.96 + 0.96) / 3)


def test_themes_keep_their_identity_after_more_reports_from_the_same_service() -> None:
    data = synthetic_reports(5, 5000, combinations=3, clusters=3, theme_size=(40, 60))
    first = detect(data.reports, today=TODAY, parameters=PARAMETERS)
    stored = [
        ExistingTheme(n, c.signature, "candidate", c.codes, frozenset(c.members), kind=c.kind)
        for n, c in enumerate(first, start=1)
    ]
    more = synthetic_reports(5, 50, combinations=0, clusters=0, draw_seed=1).reports
    start = max(r.report_id for r in data.reports) + 1
    arrived = [dataclasses.replace(r, report_id=start + i) for i, r in enumerate(more)]
    again = detect([*data.reports, *arrived], today=TODAY, parameters=PARAMETERS)
    result = reconcile(stored, again)
    assert len(first) >= len(data.planted)
    assert sorted(result.matched) == [theme.id for theme in stored]
    assert result.new == []
    assert result.retired == []


def test_same_input_in_any_order_gives_the_same_output(
    planted: Synthetic, found: list[Candidate]
) -> None:
    shuffled = list(planted.reports)
    random.Random(3).shuffle(shuffled)
    assert detect(shuffled, today=TODAY, parameters=PARAMETERS) == found
    assert detect(planted.reports, today=TODAY, parameters=PARAMETERS) == found


def test_a_run_reusing_the_last_runs_words_finds_exactly_the_themes_of_a_fresh_run(
    planted: Synthetic,
) -> None:
    cache = WordCache()
    detect(planted.reports, today=TODAY, parameters=PARAMETERS, cache=cache)
    # The next run: a month later (the window moves on), with new reports (some telling a planted
    # story), one text edited, one report recoded and some deleted for retention.
    later = datetime.date(TODAY.year + TODAY.month // 12, TODAY.month % 12 + 1, 1)
    story = next(t for t in planted.planted if t.kind == TEXT_CLUSTER)
    texts = {r.report_id: r.text for r in planted.reports}
    start = max(texts) + 1
    arrived = [
        ReportInput(start + i, later, frozenset(), texts[member])
        for i, member in enumerate(sorted(story.members)[:12])
    ]
    arrived += synthetic_reports(7, 60, combinations=0, clusters=0, draw_seed=2).reports
    arrived[12:] = [
        dataclasses.replace(r, report_id=start + 100 + i, month=later)
        for i, r in enumerate(arrived[12:])
    ]
    kept = sorted(planted.reports, key=lambda r: r.report_id)[40:]
    edited = dataclasses.replace(kept[0], text=kept[0].text + " amended")
    recoded = dataclasses.replace(kept[1], codes=kept[1].codes | {"ORG-RES-1"})
    reports = [edited, recoded, *kept[2:], *arrived]

    again = detect(reports, today=later, parameters=PARAMETERS, cache=cache)

    in_window = [r for r in reports if r.month > TODAY.replace(year=TODAY.year - 1)]
    assert cache.read == len(arrived) + 1 < len(in_window)  # only the new and edited texts
    assert again == detect(reports, today=later, parameters=PARAMETERS)
    assert any(len(set(c.members) & {r.report_id for r in arrived}) >= 12 for c in again)


def test_the_word_cache_reads_words_as_words_does() -> None:
    texts = [
        "The visit was missed; the team's caseload was high.",
        "",
        "A line\x00with a null in it, and CAPITALS Handover handover",
        "don't split words' apostrophes: o'neill",
    ]
    cache = WordCache()
    counts = cache.counts_for(np.arange(len(texts)), texts)
    vocabulary = cache.words()
    for row, text in enumerate(texts):
        line = counts[row]
        read = {
            vocabulary[column]: count for column, count in zip(line.indices, line.data, strict=True)
        }
        assert read == Counter(words(text.replace("\x00", " ")))


def test_reports_read_as_columns_give_the_same_themes(
    planted: Synthetic, found: list[Candidate]
) -> None:
    columns = ReportColumns.from_reports(reversed(planted.reports))
    assert detect(columns, today=TODAY, parameters=PARAMETERS) == found


def test_a_planted_rising_theme_is_flagged_and_flat_ones_are_not(
    planted: Synthetic, found: list[Candidate]
) -> None:
    # The generator makes the first code theme and the first narrative theme rise.
    first_text = next(i for i, t in enumerate(planted.planted) if t.kind == TEXT_CLUSTER)
    for index in range(len(planted.planted)):
        candidate = _match(found, index, planted)
        assert candidate.rising is (index in (0, first_text)), candidate.rising_reason
    assert "binomial" in _match(found, 0, planted).rising_reason


def _report(report_id: int, month: int, codes: set[str], text: str = "") -> ReportInput:
    return ReportInput(report_id, datetime.date(2026, month, 1), frozenset(codes), text)


def test_a_single_code_is_a_candidate_only_when_its_share_rises() -> None:
    reports = [_report(i, 1 + i % 12, {f"X-{i % 7}"}) for i in range(1, 1201)]
    extra = [_report(2000 + i, 10 + i % 3, {"RISE-1"}) for i in range(30)]
    extra += [_report(3000 + i, 1 + i % 9, {"RISE-1"}) for i in range(9)]
    found = detect(reports + extra, today=datetime.date(2026, 12, 31), parameters=PARAMETERS)
    assert [c.codes for c in found] == [("RISE-1",)]
    assert found[0].rising
    assert found[0].signature == "codes:RISE-1"


def test_reports_outside_the_window_are_ignored() -> None:
    old = [_report(i, 1, {"A-1", "B-1"}) for i in range(1, 40)]
    shifted = [dataclasses.replace(r, month=datetime.date(2024, 1, 1)) for r in old]
    assert detect(shifted, today=datetime.date(2026, 6, 1), parameters=PARAMETERS) == []


def test_parameters_are_checked() -> None:
    with pytest.raises(ValueError, match="max_codes"):
        DetectionParameters(max_codes=4)
    with pytest.raises(ValueError, match="chance_margin"):
        DetectionParameters(chance_margin=-1)
    with pytest.raises(ValueError, match="chance_alpha"):
        DetectionParameters(chance_alpha=1)


def _candidate(signature: str, members: range, codes: tuple[str, ...] = ()) -> Candidate:
    return Candidate(
        signature=signature,
        kind=FACTOR_COMBINATION if codes else TEXT_CLUSTER,
        codes=codes,
        terms=(),
        members=tuple(members),
        monthly_counts={},
        statistics={},
        rising=False,
        rising_reason="",
    )


def _theme(
    theme_id: int, signature: str, status: str, members: range, dismissed: int | None = None
) -> ExistingTheme:
    return ExistingTheme(theme_id, signature, status, (), frozenset(members), dismissed)


def test_reconcile_keeps_identity_when_members_overlap() -> None:
    existing = [_theme(1, "text:old", "candidate", range(10)), _theme(2, "x", "accepted", range(5))]
    grown = _candidate("text:new", range(4, 20))
    fresh = _candidate("text:other", range(100, 110))
    result = reconcile(existing, [grown, fresh])
    assert result.matched == {1: grown}
    assert result.new == [fresh]
    assert result.retired == []  # an accepted theme is the panel's: never retired by the job


def test_reconcile_matches_code_themes_by_codes_and_retires_vanished_candidates() -> None:
    stored = ExistingTheme(5, "codes:A+B", "candidate", ("B", "A"), frozenset(range(10)))
    gone = _theme(6, "text:gone", "candidate", range(50, 60))
    same_codes = _candidate("codes:A+B", range(200, 210), ("A", "B"))
    result = reconcile([stored, gone], [same_codes])
    assert result.matched == {5: same_codes}
    assert result.retired == [6]


def test_reconcile_suppresses_a_dismissed_theme_until_it_has_clearly_grown() -> None:
    dismissed = _theme(9, "text:d", "dismissed", range(10), dismissed=10)
    small = _candidate("text:d", range(14))
    result = reconcile([dismissed], [small])
    assert result.suppressed == [small]
    assert result.matched == {}
    assert result.new == []
    assert result.retired == []

    big = _candidate("text:d2", range(15))
    result = reconcile([dismissed], [big], growth_factor=1.5)
    assert result.matched == {9: big}
    assert result.reproposed == [9]
    assert result.suppressed == []


def test_reconcile_matches_one_to_one() -> None:
    existing = [_theme(1, "a", "candidate", range(10)), _theme(2, "b", "candidate", range(10))]
    only = _candidate("c", range(10))
    result = reconcile(existing, [only])
    assert result.matched == {1: only}
    assert result.retired == [2]


def test_a_rising_story_is_kept_when_its_codes_lag_behind() -> None:
    # The same story all year; the recent reports rise but carry only some of their codes yet
    # (reporters tick fewer than the panel confirms), so the code combination does not rise.
    rng = random.Random(3)
    vocabulary = [f"w{letter}{number}" for letter in "abcdefghij" for number in range(40)]
    words = ["placement", "found", "office", "night", "emergency", "carer", "search", "budget"]
    noise = [
        _report(i, 1 + i % 12, {f"X-{i % 9}"}, " ".join(rng.sample(vocabulary, 8)))
        for i in range(1, 1201)
    ]
    story = []
    for i in range(60):
        month = 1 + i % 9 if i < 24 else 10 + i % 3
        coded = i < 24 or i % 4 == 0
        story.append(
            _report(5000 + i, month, {"EXT-1", "ORG-4"} if coded else set(), " ".join(words))
        )
    found = detect(noise + story, today=datetime.date(2026, 12, 31), parameters=PARAMETERS)

    codes = [c for c in found if c.codes == ("EXT-1", "ORG-4") and c.kind == "factor_combination"]
    stories = [c for c in found if c.kind == "text_cluster" and "emergency" in c.terms]
    assert codes
    assert not codes[0].rising
    assert stories
    assert stories[0].rising


def _coded_history(rng: random.Random, doubling: bool) -> list[ReportInput]:
    """A year where reporting grows and coding grows denser and more complete: each report's
    true factors are recorded with a chance rising from 0.35 to 0.9 over the year, as a panel
    settles in. Factors "A-1" and "B-1" happen together in 8% of reports, or in 16% in the last
    three months; the other twelve factors happen independently."""
    codes = [f"C-{number}" for number in range(12)]
    reports = []
    report_id = 0
    for month in range(1, 13):
        recorded = 0.3 + 0.05 * month
        together = 0.16 if doubling and month >= 10 else 0.08
        for _ in range(150 + 10 * month):
            report_id += 1
            factors = {code for code in codes if rng.random() < 0.15}
            if rng.random() < together:
                factors |= {"A-1", "B-1"}
            chosen = {factor for factor in sorted(factors) if rng.random() < recorded}
            reports.append(_report(report_id, month, chosen))
    return reports


def _rising_codes(reports: list[ReportInput]) -> list[tuple[str, ...]]:
    parameters = dataclasses.replace(PARAMETERS, text_clusters=False)
    found = detect(reports, today=datetime.date(2026, 12, 31), parameters=parameters)
    return [c.codes for c in found if c.rising]


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_a_drift_in_coding_density_alone_raises_no_flag(seed: int) -> None:
    assert _rising_codes(_coded_history(random.Random(seed), doubling=False)) == []


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_a_planted_doubling_is_flagged_against_denser_coding(seed: int) -> None:
    assert ("A-1", "B-1") in _rising_codes(_coded_history(random.Random(seed), doubling=True))
