"""Measures the identifying-details detector on the labelled sentences, per kind of identifier.

Run with ``python3 -m benchmarks.identifiers``. It prints one table for all sentences and one for
the held-out part (written after the detector was finished, never used to tune it), then the time
per sentence.

Matching is span-level and lenient about edges, since a reviewer redacts a region, not a token:
- a finding is a true positive when it is of the labelled kind and overlaps a labelled span of
  that kind by at least one character;
- a labelled span that no finding of its kind overlaps is a false negative;
- a finding that overlaps no labelled span of its kind is a false positive (so a finding of the
  wrong kind over a labelled span counts against both kinds).
Precision is TP / (TP + FP) and recall is TP / support, where support counts labelled spans.
"""

from __future__ import annotations

import json
import sys
import time
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from benchmarks.results import Row, emit
from learnhub.reports.identifiers import IdentifierKind, find_identifiers

LABELLED = Path(__file__).resolve().parent.parent / "tests" / "data" / "identifier_sentences.jsonl"
HELD_OUT = "held-out"


@dataclass(frozen=True)
class Labelled:
    text: str
    spans: tuple[tuple[IdentifierKind, int, int], ...]
    split: str


@dataclass
class Score:
    support: int = 0
    true_positives: int = 0
    false_positives: int = 0
    false_negatives: int = 0

    @property
    def precision(self) -> float:
        found = self.true_positives + self.false_positives
        return self.true_positives / found if found else 1.0

    @property
    def recall(self) -> float:
        return self.true_positives / self.support if self.support else 1.0

    def add(self, other: Score) -> None:
        self.support += other.support
        self.true_positives += other.true_positives
        self.false_positives += other.false_positives
        self.false_negatives += other.false_negatives


@dataclass
class Report:
    scores: dict[IdentifierKind, Score] = field(
        default_factory=lambda: {kind: Score() for kind in IdentifierKind}
    )
    sentences: int = 0
    seconds: float = 0.0

    @property
    def total(self) -> Score:
        total = Score()
        for score in self.scores.values():
            total.add(score)
        return total


def load_labelled(path: Path = LABELLED) -> list[Labelled]:
    rows = []
    for line in path.read_text(encoding="utf-8").splitlines():
        if not line.strip():
            continue
        row = json.loads(line)
        spans = tuple(
            (IdentifierKind(span["kind"]), span["start"], span["end"]) for span in row["spans"]
        )
        rows.append(Labelled(row["text"], spans, row.get("split", "dev")))
    return rows


def _overlaps(a_start: int, a_end: int, b_start: int, b_end: int) -> bool:
    return a_start < b_end and b_start < a_end


def evaluate(sentences: Iterable[Labelled]) -> Report:
    report = Report()
    for sentence in sentences:
        started = time.perf_counter()
        findings = find_identifiers(sentence.text)
        report.seconds += time.perf_counter() - started
        report.sentences += 1
        for kind, start, end in sentence.spans:
            score = report.scores[kind]
            score.support += 1
            if any(f.kind == kind and _overlaps(f.start, f.end, start, end) for f in findings):
                score.true_positives += 1
            else:
                score.false_negatives += 1
        for finding in findings:
            if not any(
                kind == finding.kind and _overlaps(finding.start, finding.end, start, end)
                for kind, start, end in sentence.spans
            ):
                report.scores[finding.kind].false_positives += 1
    return report


def format_report(title: str, report: Report) -> str:
    header = f"{'kind':<15}{'support':>8}{'TP':>6}{'FP':>6}{'FN':>6}{'precision':>11}{'recall':>8}"
    lines = [f"{title} ({report.sentences} sentences)", header, "-" * len(header)]
    rows: list[tuple[str, Score]] = [(kind.value, s) for kind, s in report.scores.items()]
    rows.append(("total", report.total))
    for name, score in rows:
        if name == "total":
            lines.append("-" * len(header))
        lines.append(
            f"{name:<15}{score.support:>8}{score.true_positives:>6}{score.false_positives:>6}"
            f"{score.false_negatives:>6}{score.precision:>11.3f}{score.recall:>8.3f}"
        )
    per_sentence = report.seconds / report.sentences * 1000 if report.sentences else 0.0
    lines.append(f"time per sentence: {per_sentence:.3f} ms")
    return "\n".join(lines)


def main(argv: Sequence[str] = ()) -> list[Row]:
    sentences = load_labelled(Path(argv[0]) if argv else LABELLED)
    find_identifiers("Warm up the caches before timing.")
    everything = evaluate(sentences)
    print(format_report("all", everything))
    print()
    held_out = evaluate(s for s in sentences if s.split == HELD_OUT)
    print(format_report(HELD_OUT, held_out))
    return [
        Row("held-out precision (all kinds)", round(held_out.total.precision, 3)),
        Row("held-out recall (all kinds)", round(held_out.total.recall, 3)),
        Row("time per sentence", round(everything.seconds / everything.sentences * 1000, 3), "ms"),
    ]


if __name__ == "__main__":
    sys.exit(emit(main(sys.argv[1:])))
