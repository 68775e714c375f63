"""Measures code suggestions against reviewers' codes, on the demo and the hand-labelled reports.

Run with ``python3 -m benchmarks.suggestions``; the notes printed at the end say how to read it.
"""

from __future__ import annotations

import datetime
import json
import sys
import time
from collections.abc import Sequence
from pathlib import Path

from benchmarks.results import Row, emit
from learnhub.demo.narratives import DemoReport, generate_reports
from learnhub.demo.seed import HINT_CODES
from learnhub.suggestions.model import (
    LabelledReport,
    Scores,
    Suggester,
    day_one_suggester,
    evaluate,
    split_held_out,
    train_model,
)
from learnhub.taxonomy.catalogue import Catalogue, default_catalogue_path, load_catalogue_file

LABELLED = Path(__file__).resolve().parent.parent / "tests" / "data" / "coded_reports.jsonl"
DEMO_COUNT = 1000
DEMO_TODAY = datetime.date(2026, 11, 25)
TRAINING_SIZES = (100, 250, 500, 800)
HELD_OUT_FRACTION = 0.2
SEED = 0
SPLITS = 5

HEADER = (
    f"{'suggester':<44}{'micro F1':>9}{'macro F1':>9}{'top-3 rec':>10}{'reports':>8}{'codes':>6}"
)


def demo_text(report: DemoReport) -> str:
    """The reporter's answers joined, as a reviewer reads them."""
    return " ".join(
        (
            report.what_happened,
            report.what_nearly_happened,
            report.what_stopped_it,
            report.what_made_it_likely,
            report.what_would_help,
        )
    )


def demo_reports(count: int = DEMO_COUNT) -> list[LabelledReport]:
    return [
        LabelledReport(demo_text(report), frozenset(HINT_CODES[h] for h in report.factor_hints))
        for report in generate_reports(count, today=DEMO_TODAY)
    ]


def labelled_reports(path: Path = LABELLED) -> list[LabelledReport]:
    rows = (json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line)
    return [LabelledReport(row["text"], frozenset(row["codes"])) for row in rows]


def row(name: str, scores: Scores) -> str:
    return (
        f"{name:<44}{scores.micro_f1:>9.3f}{scores.macro_f1:>9.3f}{scores.top3_recall:>10.3f}"
        f"{scores.reports:>8}{scores.codes:>6}"
    )


def table(
    title: str, rows: Sequence[tuple[str, Suggester, Sequence[LabelledReport]]]
) -> tuple[str, dict[str, Scores]]:
    """The printed table, and each suggester's scores by name."""
    scores = {name: evaluate(suggester, held_out) for name, suggester, held_out in rows}
    lines = [title, HEADER, "-" * len(HEADER)]
    lines.extend(row(name, result) for name, result in scores.items())
    return "\n".join(lines), scores


def score_rows(prefix: str, scores: Scores) -> list[Row]:
    return [
        Row(f"{prefix} micro F1", round(scores.micro_f1, 3)),
        Row(f"{prefix} macro F1", round(scores.macro_f1, 3)),
        Row(f"{prefix} top-3 recall", round(scores.top3_recall, 3)),
    ]


def demo_section(catalogue: Catalogue) -> tuple[str, Suggester, list[Row]]:
    training, held_out = split_held_out(demo_reports(), HELD_OUT_FRACTION, SEED)
    day_one = day_one_suggester(catalogue)
    trained = train_model(training, catalogue, seed=SEED)
    text, scores = table(
        f"(a) demo reports: trained on {len(training)}, measured on {len(held_out)} held out",
        [("day one (no labelled data)", day_one, held_out), ("trained", trained, held_out)],
    )
    rows = score_rows("demo, day one:", scores["day one (no labelled data)"])
    return text, trained, rows + score_rows("demo, trained:", scores["trained"])


def labelled_section(catalogue: Catalogue, demo_model: Suggester) -> tuple[str, list[Row]]:
    reports = labelled_reports()
    training, held_out = split_held_out(reports, HELD_OUT_FRACTION, SEED)
    day_one = day_one_suggester(catalogue)
    text, _ = table(
        f"(b) hand-labelled reports ({len(reports)}): trained on {len(training)}, "
        f"measured on {len(held_out)} held out",
        [
            ("day one, on all (it learns nothing)", day_one, reports),
            ("day one, on the held-out part", day_one, held_out),
            ("trained on the training part", train_model(training, catalogue), held_out),
            ("trained on 800 demo reports, on all", demo_model, reports),
        ],
    )
    # One split of ~40 reports is noisy; the mean over several splits steadies the comparison.
    day_one_runs, trained_runs = [], []
    for seed in range(SPLITS):
        training, held_out = split_held_out(reports, HELD_OUT_FRACTION, seed)
        day_one_runs.append(evaluate(day_one, held_out))
        trained_runs.append(evaluate(train_model(training, catalogue, seed=seed), held_out))
    day_one_mean, trained_mean = mean(day_one_runs), mean(trained_runs)
    text = "\n".join(
        (
            text,
            row(f"day one, mean of {SPLITS} splits", day_one_mean),
            row(f"trained, mean of {SPLITS} splits", trained_mean),
        )
    )
    return text, [
        *score_rows(f"hand-labelled, day one (mean of {SPLITS} splits):", day_one_mean),
        *score_rows(f"hand-labelled, trained (mean of {SPLITS} splits):", trained_mean),
    ]


def mean(runs: Sequence[Scores]) -> Scores:
    count = len(runs)
    return Scores(
        micro_f1=sum(run.micro_f1 for run in runs) / count,
        macro_f1=sum(run.macro_f1 for run in runs) / count,
        top3_recall=sum(run.top3_recall for run in runs) / count,
        reports=round(sum(run.reports for run in runs) / count),
        codes=round(sum(run.codes for run in runs) / count),
    )


def learning_curve(catalogue: Catalogue) -> str:
    training, held_out = split_held_out(demo_reports(), HELD_OUT_FRACTION, SEED)
    lines = [
        f"(a) demo reports by how many are reviewer-coded, measured on {len(held_out)} held out",
        f"{'coded reports':<16}{'micro F1':>9}{'macro F1':>9}{'top-3 rec':>10}{'train s':>9}",
    ]
    scores = evaluate(day_one_suggester(catalogue), held_out)
    lines.append(
        f"{0:<16}{scores.micro_f1:>9.3f}{scores.macro_f1:>9.3f}{scores.top3_recall:>10.3f}"
    )
    for size in TRAINING_SIZES:
        started = time.perf_counter()
        model = train_model(training[:size], catalogue, seed=SEED)
        seconds = time.perf_counter() - started
        scores = evaluate(model, held_out)
        lines.append(
            f"{size:<16}{scores.micro_f1:>9.3f}{scores.macro_f1:>9.3f}"
            f"{scores.top3_recall:>10.3f}{seconds:>9.2f}"
        )
    return "\n".join(lines)


def timing(model: Suggester, reports: Sequence[LabelledReport]) -> float:
    """Milliseconds to suggest codes for one report."""
    started = time.perf_counter()
    for report in reports:
        model.suggest(report.text)
    return (time.perf_counter() - started) / len(reports) * 1000


NOTES = """\
Notes
- Figures as in learnhub.suggestions.model: micro and macro F1 of the predicted sets (codes scoring
  at least 0.5, or the best code when none does); top-3 recall is micro (of all reviewer codes,
  the share found among their own report's top three).
- (a) is optimistic. A demo report's "reviewer codes" are its planted factor hints, and the
  generator writes the text from the same scenario as the hints, so the text gives most of them
  away. Yet about a fifth of demo codes are extras drawn at random and never reflected in the
  text: no suggester can find those, which caps demo top-3 recall near 0.83.
- (b) was written apart from the demo templates and from the catalogue's examples, and coded as a
  careful reviewer would, across all 52 codes (about six reports per code). ~170 reports teach a
  model little about 52 codes: the trained model there is no better than day one, which is why a
  retrained model replaces the one in use only when it scores better on the same held-out reports.
  The model trained on demo reports does badly on (b): the demo uses 29 codes and template phrasing.
- The suggester's settings were chosen on the demo data; (b) served only to check that learning
  from few reports was not made worse."""


def main(argv: Sequence[str] = ()) -> list[Row]:
    catalogue = load_catalogue_file(Path(argv[0]) if argv else default_catalogue_path())
    demo_table, demo_model, demo_rows = demo_section(catalogue)
    print(demo_table)
    print()
    labelled_table, labelled_rows = labelled_section(catalogue, demo_model)
    print(labelled_table)
    print()
    print(learning_curve(catalogue))
    print()
    per_report = timing(demo_model, demo_reports(200))
    print(f"time to suggest for one report (trained model): {per_report:.2f} ms")
    print()
    print(NOTES)
    return [
        *demo_rows,
        *labelled_rows,
        Row("time to suggest for one report", round(per_report, 2), "ms"),
    ]


if __name__ == "__main__":
    sys.exit(emit(main(sys.argv[1:])))
