"""Small-number protection for every count a non-reviewer sees, in three layers:

1. a count from 1 to k - 1 is shown as "fewer than k", never as the number (primary);
2. in a line of cells that adds up to a total shown beside it (the months of a series, the
   months of one tier, the event types of a month), when exactly one cell is hidden the
   smallest other non-zero cell is hidden too, so the total minus the visible cells gives two
   unknowns, not one (secondary);
3. every count that is shown is rounded to the nearest k, so two overlapping filters
   subtracted from each other give a range, not a number.

Zero is shown as zero: "none at all" identifies nobody, and hiding it would mislead.
k is the setting ``K_THRESHOLD`` (default 5).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import TypeVar

from flask import current_app

Key = TypeVar("Key")


@dataclass(frozen=True)
class Cell:
    """A count as a non-reviewer may see it: the number, or only that it is hidden."""

    value: int | None
    suppressed: bool
    secondary: bool = False  # hidden only so that a small count beside it cannot be worked out

    def label(self, k: int) -> str:
        """The one wording of a count, on every page, export, email and feed."""
        if self.secondary:
            return "not shown"
        return f"fewer than {k}" if self.suppressed else f"{self.value:,}"


HIDDEN_BESIDE = Cell(value=None, suppressed=True, secondary=True)


def threshold() -> int:
    """k, from the settings of the running app."""
    return int(current_app.config["K_THRESHOLD"])


def suppress(count: int, k: int) -> Cell:
    """Primary suppression alone: hidden below k, otherwise the exact count."""
    if too_few(count, k):
        return Cell(value=None, suppressed=True)
    return Cell(value=count, suppressed=False)


def round_to(count: int, base: int) -> int:
    """Round half up to a multiple of ``base``: with base 5, 7 → 5 and 8 → 10."""
    return base * ((count + base // 2) // base) if base > 1 else count


def too_few(count: int, k: int) -> bool:
    """A count from 1 to k - 1: such a cell is hidden, and a selection (a combination of
    filters) matching that many reports is refused outright, no figure about it given."""
    return 0 < count < k


def publish(count: int, k: int) -> Cell:
    """A count as a non-reviewer sees it: hidden below k, otherwise rounded to the nearest k
    (never below k, so a shown count never looks like a small one)."""
    cell = suppress(count, k)
    if cell.suppressed or count == 0:
        return cell
    return Cell(value=max(round_to(count, k), k), suppressed=False)


def shown(count: int, k: int) -> str:
    """A lone count as a non-reviewer reads it: "12" becomes "10", 3 "fewer than 5", 0 "0"."""
    return publish(count, k).label(k)


def publish_line(counts: Sequence[int], k: int) -> tuple[list[Cell], Cell]:
    """Cells that add up to a total shown beside them, and that total (layer 2 above)."""
    cells = [publish(c, k) for c in counts]
    hidden = [i for i, cell in enumerate(cells) if cell.suppressed]
    if len(hidden) == 1:
        others = [i for i, c in enumerate(counts) if i != hidden[0] and c > 0]
        if others:
            cells[min(others, key=lambda i: (counts[i], i))] = HIDDEN_BESIDE
    return cells, publish(sum(counts), k)


def publish_keyed(counts: Mapping[Key, int], k: int) -> tuple[dict[Key, Cell], Cell]:
    """``publish_line`` for a line whose cells have names (months, event types), in the
    mapping's order: a surface that shows only some of the cells shows them as decided over
    the whole line, so the same cell reads the same wherever it appears."""
    keys = list(counts)
    cells, total = publish_line([counts[key] for key in keys], k)
    return dict(zip(keys, cells, strict=True)), total


# --- Figures derived from counts: medians and shares ------------------------------------------
# A median or a share says something about the reports behind it, so it follows the same rule
# as a count: it is given only when at least k reports stand behind every part of it.


def median_of(histogram: Mapping[int, int]) -> float | None:
    """The median of values given as value → how many; None when there are none."""
    total = sum(histogram.values())
    if total == 0:
        return None
    ordered = sorted(histogram.items())

    def nth(n: int) -> int:
        seen = 0
        for value, count in ordered:
            seen += count
            if seen > n:
                return value
        return ordered[-1][0]

    return (nth((total - 1) // 2) + nth(total // 2)) / 2


def publish_median(histogram: Mapping[int, int], k: int) -> float | None:
    """A median (of days, say) as a non-reviewer sees it: only over at least k reports."""
    if sum(histogram.values()) < k:
        return None
    return median_of(histogram)


def publish_share(part: int, whole: int, k: int) -> int | None:
    """A percentage as a non-reviewer sees it, or None: given only when the whole is at least
    k and neither the part nor the rest is a small count (1 to k - 1), so that "4%" of a
    known total can never give away the two reports it is. Whole percentages only."""
    if whole < k or too_few(part, k) or too_few(whole - part, k):
        return None
    return round(100 * part / whole)
