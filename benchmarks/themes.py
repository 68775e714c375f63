"""Theme detection on synthetic reports: recovery of planted themes over many seeds, and scale.

Run with ``python3 -m benchmarks.themes`` (``--recovery`` or ``--scale`` for one part;
``--sizes 10000,100000`` to choose the scale sizes). Each size runs in its own process, so its
peak memory is its own: a full run, then a second run after 1% more reports, as the nightly job
does after a day of reporting.
"""

from __future__ import annotations

import argparse
import dataclasses
import datetime
import resource
import subprocess
import sys
import time
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from benchmarks.results import MARKER, Row, emit, parse
from learnhub.themes.detect import (
    FACTOR_COMBINATION,
    TEXT_CLUSTER,
    Candidate,
    DetectionParameters,
    ExistingTheme,
    ReportColumns,
    ReportInput,
    WordCache,
    detect,
    reconcile,
)

TODAY = datetime.date(2026, 6, 15)
WINDOW = 12
TIERS = (
    "ACT-SKILL",
    "ACT-DEC",
    "PRE-TEAM",
    "PRE-ENV",
    "SUP-PLAN",
    "SUP-OVER",
    "ORG-RES",
    "ORG-PROC",
)
CODES = tuple(f"{tier}-{number}" for tier in TIERS for number in range(1, 6))
LETTERS = np.array(list("abcdefghijklmnoprstuvw"))


@dataclass(frozen=True)
class Planted:
    """A theme put into the synthetic data on purpose, and the reports that carry it."""

    kind: str
    codes: tuple[str, ...]
    members: frozenset[int]


@dataclass(frozen=True)
class Synthetic:
    reports: list[ReportInput]
    planted: list[Planted]


def _vocabulary(rng: np.random.Generator, size: int) -> np.ndarray:
    lengths = rng.integers(4, 10, size=size)
    words = {"".join(rng.choice(LETTERS, length)) for length in lengths}
    return np.array(sorted(words))


def _months(rng: np.random.Generator, count: int, rising: bool = False) -> list[datetime.date]:
    first = TODAY.year * 12 + TODAY.month - WINDOW
    weights = np.ones(WINDOW)
    if rising:
        weights[-3:] = 8.0
    chosen = rng.choice(WINDOW, size=count, p=weights / weights.sum())
    return [datetime.date((first + m) // 12, (first + m) % 12 + 1, 1) for m in chosen]


def synthetic_reports(
    seed: int,
    noise: int,
    *,
    combinations: int = 3,
    clusters: int = 3,
    theme_size: tuple[int, int] = (12, 30),
    rising: bool = False,
    draw_seed: int | None = None,
) -> Synthetic:
    """Random reports (independent codes, random words) with planted recurring themes.

    Noise reports carry 1-3 codes drawn with unequal frequencies and 10-18 words drawn with
    Zipf-like frequencies, so common words and codes co-occur by chance as in real data. The
    vocabulary and the frequencies come from ``seed``; ``draw_seed`` draws other reports from that
    same population (more reports of the same service), where ``seed`` alone draws a new one.
    """
    rng = np.random.default_rng(seed)
    vocabulary = _vocabulary(rng, 4000)
    word_weights = 1 / np.arange(1, len(vocabulary) + 1) ** 0.8
    word_weights /= word_weights.sum()
    code_weights = rng.uniform(0.3, 3.0, size=len(CODES))
    code_weights /= code_weights.sum()
    if draw_seed is not None:
        rng = np.random.default_rng([seed, draw_seed])

    def noise_codes() -> set[str]:
        count = int(rng.integers(1, 4))
        return {str(c) for c in rng.choice(CODES, size=count, replace=False, p=code_weights)}

    def words(count: int) -> list[str]:
        return [str(w) for w in rng.choice(vocabulary, size=count, p=word_weights)]

    rows: list[tuple[datetime.date, set[str], str]] = [
        (month, noise_codes(), " ".join(words(int(rng.integers(10, 19)))))
        for month in _months(rng, noise)
    ]
    planted: list[tuple[str, tuple[str, ...], range]] = []
    chosen_codes = [str(c) for c in rng.permutation(CODES)]
    for index in range(combinations):
        size = int(rng.integers(*theme_size))
        codes = tuple(sorted(chosen_codes[3 * index : 3 * index + 2 + index % 2]))
        start = len(rows)
        for month in _months(rng, size, rising=rising and index == 0):
            extra = {str(rng.choice(CODES))} if rng.random() < 0.5 else set()
            rows.append((month, set(codes) | extra, " ".join(words(int(rng.integers(10, 19))))))
        planted.append((FACTOR_COMBINATION, codes, range(start, len(rows))))
    for index in range(clusters):
        size = int(rng.integers(*theme_size))
        theme_words = rng.choice(vocabulary[1000:], size=8, replace=False)
        start = len(rows)
        for month in _months(rng, size, rising=rising and index == 0):
            own = [str(w) for w in rng.choice(theme_words, size=int(rng.integers(4, 7)))]
            text = " ".join(rng.permutation([*own, *words(int(rng.integers(6, 12)))]))
            rows.append((month, noise_codes(), text))
        planted.append((TEXT_CLUSTER, (), range(start, len(rows))))
    # Report ids are a shuffle so that planted reports are not contiguous.
    ids = rng.permutation(len(rows)) + 1
    reports = [
        ReportInput(int(ids[i]), month, frozenset(codes), text)
        for i, (month, codes, text) in enumerate(rows)
    ]
    themes = [
        Planted(kind, codes, frozenset(int(ids[i]) for i in members))
        for kind, codes, members in planted
    ]
    return Synthetic(reports, themes)


def recovers(candidate: Candidate, planted: Planted) -> bool:
    """A code theme by its exact codes; a narrative theme by sharing half of its reports."""
    if planted.kind == FACTOR_COMBINATION:
        return candidate.kind == FACTOR_COMBINATION and set(candidate.codes) == set(planted.codes)
    shared = len(planted.members & set(candidate.members))
    return candidate.kind == TEXT_CLUSTER and shared >= 0.5 * max(
        len(planted.members), len(candidate.members)
    )


def score(found: Sequence[Candidate], planted: Sequence[Planted]) -> tuple[int, int, int]:
    """(true candidates, candidates, planted themes recovered)."""
    true = sum(any(recovers(c, p) for p in planted) for c in found)
    recovered = sum(any(recovers(c, p) for c in found) for p in planted)
    return true, len(found), recovered


def recovery(seeds: int = 20, noise: int = 2000) -> list[Row]:
    parameters = DetectionParameters()
    print(f"Recovery over {seeds} seeds, {noise} noise reports, 3 code + 3 narrative themes each")
    print(f"{'seed':>5}{'found':>7}{'true':>6}{'recovered':>11}{'noise-only found':>18}")
    totals = np.zeros(5, dtype=int)
    for seed in range(seeds):
        data = synthetic_reports(seed, noise)
        true, found, recovered = score(
            detect(data.reports, today=TODAY, parameters=parameters), data.planted
        )
        pure = synthetic_reports(seed, noise, combinations=0, clusters=0)
        false = len(detect(pure.reports, today=TODAY, parameters=parameters))
        totals += (found, true, recovered, len(data.planted), false)
        print(f"{seed:>5}{found:>7}{true:>6}{recovered:>8}/{len(data.planted):<2}{false:>18}")
    found, true, recovered, planted, false = totals
    precision, recall = true / max(found, 1), recovered / planted
    print(f"precision {precision:.3f}  recall {recall:.3f}  ", end="")
    print(f"candidates from pure noise: {false} over {seeds} runs")
    return [
        Row(f"planted-theme precision ({seeds} seeds)", round(precision, 3)),
        Row(f"planted-theme recall ({seeds} seeds)", round(recall, 3)),
        Row("candidates from pure noise, per run", round(false / seeds, 2)),
    ]


def _peak_mb() -> float:
    # ru_maxrss is the whole process's peak resident set, in KiB on Linux.
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def _as_existing(found: Sequence[Candidate]) -> list[ExistingTheme]:
    """The first run's candidates as the second run finds them stored."""
    return [
        ExistingTheme(
            id=index + 1,
            signature=c.signature,
            status="candidate",
            codes=c.codes,
            members=frozenset(c.members),
            kind=c.kind,
        )
        for index, c in enumerate(found)
    ]


def _noise_columns(
    seed: int, count: int, draw: int, first_id: int, months: np.ndarray | None = None
) -> ReportColumns:
    """``count`` noise reports of ``seed``'s population, drawn as ``synthetic_reports`` draws them
    (1-3 codes by their weights, 10-18 Zipf-like words) but a million at a time, as arrays."""
    rng = np.random.default_rng(seed)
    vocabulary = _vocabulary(rng, 4000)
    word_weights = 1 / np.arange(1, len(vocabulary) + 1) ** 0.8
    word_weights /= word_weights.sum()
    code_weights = rng.uniform(0.3, 3.0, size=len(CODES))
    code_weights /= code_weights.sum()
    rng = np.random.default_rng([seed, draw])
    if months is None:
        months = _month_numbers(rng.integers(0, WINDOW, size=count))
    ids = rng.permutation(count).astype(np.int64) + first_id
    lengths = rng.integers(1, 4, size=count)
    indices = []
    for start in range(0, count, 100_000):
        # Weighted draws without replacement: the largest log-weight plus Gumbel noise.
        block = min(100_000, count - start)
        keys = np.log(code_weights) + rng.gumbel(size=(block, len(CODES)))
        top = np.argsort(-keys, axis=1)[:, :3]
        indices.append(top[np.arange(3) < lengths[start : start + block, None]])
    texts: list[str] = []
    vocabulary = vocabulary.astype(object)  # Python strings: a numpy string is 4 bytes a letter
    for start in range(0, count, 100_000):
        word_counts = rng.integers(10, 19, size=min(100_000, count - start))
        chosen = rng.choice(len(vocabulary), size=int(word_counts.sum()), p=word_weights)
        words = vocabulary[chosen].tolist()
        ends = np.cumsum(word_counts).tolist()
        texts += [
            " ".join(words[end - n : end])
            for end, n in zip(ends, word_counts.tolist(), strict=True)
        ]
    return ReportColumns(
        ids=ids,
        months=months.astype(np.int32),
        code_names=CODES,
        code_pointers=np.concatenate(([0], np.cumsum(lengths))).astype(np.int64),
        code_indices=np.concatenate(indices).astype(np.int32),
        texts=texts,
    )


def _month_numbers(offsets: np.ndarray) -> np.ndarray:
    first = TODAY.year * 12 + TODAY.month - 1 - (WINDOW - 1)
    return first + offsets


def _joined(parts: Sequence[ReportColumns]) -> ReportColumns:
    """Several column sets with the same ``code_names`` as one."""
    pointers = [parts[0].code_pointers]
    for part in parts[1:]:
        pointers.append(part.code_pointers[1:] + pointers[-1][-1])
    return ReportColumns(
        ids=np.concatenate([p.ids for p in parts]),
        months=np.concatenate([p.months for p in parts]),
        code_names=parts[0].code_names,
        code_pointers=np.concatenate(pointers),
        code_indices=np.concatenate([p.code_indices for p in parts]),
        texts=[text for p in parts for text in p.texts],
    )


def scale_data(size: int) -> tuple[ReportColumns, list[Planted]]:
    """``size`` reports: noise, and five code and five story themes planted as in
    ``synthetic_reports``, each 200-400 reports and 0.2-0.4% of the reports at large sizes (a
    recurring theme grows with the service; a fixed 300 among a million is no longer a theme)."""
    theme_size = (max(200, size // 500), max(400, size // 250))
    planted = synthetic_reports(0, 0, combinations=5, clusters=5, theme_size=theme_size)
    themes = ReportColumns.from_reports(planted.reports)
    # The same code order as the noise, so the two join.
    index = {code: i for i, code in enumerate(CODES)}
    recode = np.array([index[name] for name in themes.code_names], dtype=np.int32)
    themes = dataclasses.replace(themes, code_names=CODES, code_indices=recode[themes.code_indices])
    noise = _noise_columns(0, size - len(themes), draw=1, first_id=len(themes) + 1)
    return _joined([themes, noise]), planted.planted


def _new_reports(reports: ReportColumns, share: float, seed: int) -> ReportColumns:
    """``share`` more reports from the same population as ``seed``'s, arriving this month, with
    ids after every existing one."""
    count = max(1, int(len(reports) * share))
    this_month = np.full(count, _month_numbers(np.array([WINDOW - 1]))[0])
    return _noise_columns(
        seed, count, draw=2, first_id=int(reports.ids.max()) + 1, months=this_month
    )


def scale_one(size: int, check: bool) -> list[Row]:
    """One size, in its own process so that the peak memory is this size's own."""
    data, planted = scale_data(size)
    parameters = DetectionParameters()
    cache = WordCache()
    started, cpu = time.perf_counter(), time.process_time()
    found = detect(data, today=TODAY, parameters=parameters, cache=cache)
    full, full_cpu = time.perf_counter() - started, time.process_time() - cpu
    # The nightly run after a day's reports: 1% more, reusing the first run's word cache, and
    # reconciled with the stored themes.
    reports = _joined([data, _new_reports(data, 0.01, seed=0)])
    del data
    started, cpu = time.perf_counter(), time.process_time()
    again = detect(reports, today=TODAY, parameters=parameters, cache=cache)
    reconciliation = reconcile(_as_existing(found), again)
    nightly, nightly_cpu = time.perf_counter() - started, time.process_time() - cpu
    peak = _peak_mb()
    same = None
    if check:
        del cache
        same = detect(reports, today=TODAY, parameters=parameters) == again
    kept = len(reconciliation.matched)
    _true, _found, recovered = score(found, planted)
    print(
        f"{size:>9}{full:>8.1f}{full_cpu:>7.1f}{nightly:>8.1f}{nightly_cpu:>7.1f}{peak:>9.0f}"
        f"{len(found):>7}{recovered:>5}/{len(planted):<3}{kept:>6}"
        f"{'' if same is None else ('  yes' if same else '  NO'):>7}",
        flush=True,
    )
    at_target = size >= 2_000_000
    rows = [
        Row(
            f"{size:,} reports: full run",
            round(full, 1),
            "s",
            "< 60 s" if at_target else "",
            full < 60 if at_target else None,
        ),
        Row(f"{size:,} reports: full run, CPU", round(full_cpu, 1), "s"),
        Row(
            f"{size:,} reports: nightly run after 1% more (word cache reused)",
            round(nightly, 1),
            "s",
            "< 10 s" if at_target else "",
            nightly < 10 if at_target else None,
        ),
        Row(f"{size:,} reports: nightly run, CPU", round(nightly_cpu, 1), "s"),
        Row(
            f"{size:,} reports: peak memory",
            round(peak),
            "MB",
            "< 2 GB" if at_target else "",
            peak < 2048 if at_target else None,
        ),
        Row(f"{size:,} reports: planted themes found", f"{recovered} of {len(planted)}"),
        Row(
            f"{size:,} reports: themes that kept identity",
            f"{kept} of {len(found)}",
            "",
            "all",
            kept == len(found),
        ),
    ]
    if same is not None:
        rows.append(
            Row(
                f"{size:,} reports: nightly themes = a run without the cache",
                "yes" if same else "no",
                "",
                "yes",
                same,
            )
        )
    return rows


def scale(sizes: Sequence[int], check: bool = False) -> list[Row]:
    print("full: one run over the window, wall and CPU seconds; nightly: a second run after 1%")
    print("more reports arrive, reusing the first run's word cache and reconciled with its themes")
    print("('kept': themes that kept their identity; 'same': the nightly run's themes equal those")
    print("of a run without the cache, with --check).")
    print(
        f"{'reports':>9}{'full s':>8}{'CPU':>7}{'nightly':>8}{'CPU':>7}{'peak MB':>9}"
        f"{'found':>7}{'planted':>9}{'kept':>6}{'same':>7}",
        flush=True,
    )
    rows: list[Row] = []
    for size in sizes:
        # Exit status 1 only says a target was missed: the rows say which.
        result = subprocess.run(  # noqa: S603 - this interpreter running this module
            [
                sys.executable,
                "-m",
                "benchmarks.themes",
                "--scale-one",
                str(size),
                *(["--check"] if check else []),
            ],
            check=False,
            stdout=subprocess.PIPE,
            text=True,
        )
        if result.returncode not in (0, 1):
            raise subprocess.CalledProcessError(result.returncode, result.args)
        output = result.stdout
        lines = output.splitlines(True)
        print("".join(line for line in lines if not line.startswith(MARKER)), end="")
        rows += parse(output) or []
    return rows


def main(argv: Sequence[str] | None = None) -> list[Row]:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--recovery", action="store_true")
    parser.add_argument("--scale", action="store_true")
    parser.add_argument("--seeds", type=int, default=20)
    parser.add_argument("--sizes", default="10000,100000,1000000")
    parser.add_argument(
        "--check", action="store_true", help="also compare the nightly run with a run from scratch"
    )
    parser.add_argument("--scale-one", type=int, help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.scale_one:
        return scale_one(args.scale_one, args.check)
    both = not args.recovery and not args.scale
    rows: list[Row] = []
    if args.recovery or both:
        rows += recovery(args.seeds)
    if args.scale or both:
        rows += scale([int(size) for size in args.sizes.split(",")], args.check)
    return rows


if __name__ == "__main__":
    sys.exit(emit(main()))
