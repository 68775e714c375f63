"""Small-number suppression: hidden below k, rounded otherwise, and totals that cannot be
differenced to recover a hidden count — checked by brute force over every set of true counts
that would have given the same published figures."""

from __future__ import annotations

import itertools
import random

import pytest

from learnhub.disclosure.counts import (
    Cell,
    publish,
    publish_keyed,
    publish_line,
    round_to,
    shown,
    suppress,
)

K = 5


def test_counts_below_k_are_hidden_and_zero_is_shown() -> None:
    assert suppress(0, K) == Cell(0, False)
    assert [publish(n, K).suppressed for n in range(1, 5)] == [True] * 4
    assert publish(3, K).label(K) == "fewer than 5"
    assert publish(0, K).label(K) == "0"


@pytest.mark.parametrize(("count", "shown"), [(5, 5), (7, 5), (8, 10), (12, 10), (13, 15)])
def test_other_counts_are_rounded_to_the_nearest_k(count: int, shown: int) -> None:
    assert publish(count, K).value == shown
    assert round_to(count, K) == shown


def test_a_lone_hidden_cell_takes_the_next_smallest_with_it() -> None:
    cells, total = publish_line([12, 3, 9, 40, 0], K)
    assert [c.label(K) for c in cells] == ["10", "fewer than 5", "not shown", "40", "0"]
    assert total.value == 65  # 64 rounded
    # Two hidden cells already protect each other.
    cells, _ = publish_line([12, 3, 2, 40], K)
    assert [c.secondary for c in cells] == [False, False, False, False]


def test_a_hidden_cell_with_nothing_else_to_hide_hides_the_total() -> None:
    _, total = publish_line([0, 3, 0], K)
    assert total.suppressed


def published(counts: tuple[int, ...]) -> tuple[tuple[Cell, ...], Cell]:
    cells, total = publish_line(list(counts), K)
    return tuple(cells), total


def consistent_hidden_values(counts: tuple[int, ...], hidden: int, box: int = 30) -> set[int]:
    """Every value the hidden cell could take, over all true tables (cells 0..box) that would
    publish exactly the same figures: what an attacker who knows the rules can work out."""
    target = published(counts)
    values = set()
    for candidate in itertools.product(range(box + 1), repeat=len(counts)):
        if published(candidate) == target:
            values.add(candidate[hidden])
    return values


@pytest.mark.parametrize(
    "counts",
    [
        (8, 8, 1),  # rounding alone would give it away: 10 + 10 + ? = 15 forces ? = 1
        (12, 3, 9),
        (6, 2, 5),
        (12, 4, 7, 11),
    ],
)
def test_total_minus_visible_cells_does_not_recover_a_hidden_count(
    counts: tuple[int, ...],
) -> None:
    hidden = next(i for i, c in enumerate(counts) if 0 < c < K)
    box = 20 if len(counts) == 3 else 14
    assert len(consistent_hidden_values(counts, hidden, box)) >= 2


def test_without_the_protection_differencing_would_work() -> None:
    # The attack the rules defend against: exact totals minus exact visible cells.
    counts = (12, 3, 9)
    assert sum(counts) - counts[0] - counts[2] == 3


def test_random_lines_never_give_away_a_hidden_count() -> None:
    generator = random.Random(7)
    for _ in range(30):
        counts = tuple(generator.choice([0, 1, 2, 3, 4, 5, 6, 8, 11]) for _ in range(3))
        for hidden, value in enumerate(counts):
            if 0 < value < K:
                assert len(consistent_hidden_values(counts, hidden, box=12)) >= 2, counts


def test_two_overlapping_filters_do_not_recover_a_hidden_count() -> None:
    # Area A has 13 near misses, 9 harm and 3 good practice reports in a month. Asking for
    # "all types" and then for each other type, and subtracting, gives a range, not 3.
    all_types = publish(13 + 9 + 3, K).value
    near_miss, harm = publish(13, K).value, publish(9, K).value
    good_practice = publish(3, K)
    assert good_practice.suppressed
    # What the attacker can say: each shown count is within 2 of the true one.
    possible = {
        total - nm - h
        for total in range(all_types - 2, all_types + 3)
        for nm in range(near_miss - 2, near_miss + 3)
        for h in range(harm - 2, harm + 3)
        if 0 < total - nm - h < K
    }
    assert possible == {1, 2, 3, 4}


def test_one_wording_for_a_lone_count() -> None:
    assert [shown(n, K) for n in (0, 3, 12, 42)] == ["0", "fewer than 5", "10", "40"]


def test_a_named_line_is_decided_whole_so_each_cell_reads_the_same_wherever_shown() -> None:
    months = {"2026-08": 3, "2026-09": 17, "2026-10": 22}
    cells, total = publish_keyed(months, K)
    assert {key: cell.label(K) for key, cell in cells.items()} == {
        "2026-08": "fewer than 5",
        "2026-09": "not shown",  # hidden beside the 3, so the total cannot be differenced
        "2026-10": "20",
    }
    assert total.label(K) == "40"
    # A page showing only the last month shows the cell decided over the whole line.
    only_last, _ = publish_line([22], K)
    assert only_last[0] == cells["2026-10"]
