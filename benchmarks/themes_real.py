"""Theme detection on real near-miss reports (SAFENET, ../shared/data/safenet; issue 18).

``python3 -m benchmarks.themes_real`` measures, and skips with a note when the folder is absent:

1. Purity against the crews' own labels. The codes are the reports' ``Human Factors`` and
   ``Contributing Factors`` (prefixed HF: and CF:), the text is the ``Narrative``; one run over
   every report (a window covering 1999-2021). A code theme's members carry its codes by
   construction (precision 1.0, printed for completeness); a narrative theme's precision is the
   share of its members carrying its dominant label. k-means (scikit-learn, spherical: TF-IDF
   rows are unit vectors) with as many clusters as the narrative themes found is cut to the same
   coverage by keeping the reports closest to their centroid, and measured the same way. Then
   the same run with the labels withheld (narratives only, as for reports nobody has coded yet):
   the fair test of the grouping, since code themes are pure by construction.
2. The rising flag on real background: as the history stood at the end of each fire season
   (September) 2004-2021 (a 24-month window, the last 3 months against the 21 before).
   Untouched: every flag, its reason, and whether the next 12 months show the same shift.
   Planted: a code theme's share of the coded reports in the last 3 months raised by a known
   factor (codes added to reports that lack them), recall by factor.
"""

from __future__ import annotations

import argparse
import csv
import dataclasses
import datetime
import pathlib
import sys
from collections import Counter
from collections.abc import Sequence

import numpy as np
from sklearn.cluster import KMeans
from sklearn.feature_extraction.text import TfidfVectorizer

from benchmarks.results import Row, emit
from learnhub.themes.detect import (
    FACTOR_COMBINATION,
    TEXT_CLUSTER,
    Candidate,
    DetectionParameters,
    ReportInput,
    detect,
    words,
)

ROOT = pathlib.Path(__file__).resolve().parent.parent


def _data_folder() -> pathlib.Path:
    """../shared/data/safenet from the repository root's parent; a git worktree placed one level
    deeper (/work/wt/NAME beside /work/main) looks one level further up."""
    candidates = [ROOT.parent / "shared" / "data" / "safenet"]
    candidates.append(ROOT.parent.parent / "shared" / "data" / "safenet")
    return next((folder for folder in candidates if folder.is_dir()), candidates[0])


DATA = _data_folder()
LABEL_COLUMNS = {"Human Factors": "HF", "Contributing Factors": "CF"}
COLUMNS_USED = "Event Start Date, Narrative, Human Factors, Contributing Factors"


def load(folder: pathlib.Path = DATA) -> list[ReportInput]:
    reports = []
    for path in sorted(folder.glob("SAFENET_*.csv")):
        with path.open(newline="", encoding="utf-8", errors="replace") as handle:
            for row in csv.DictReader(handle, skipinitialspace=True):
                text = (row.get("Narrative") or "").replace("<br/>", " ").strip()
                try:
                    day = datetime.datetime.strptime(
                        (row.get("Event Start Date") or "").strip()[:10], "%m/%d/%Y"
                    ).date()
                except ValueError:
                    continue
                codes = {
                    f"{prefix}:{label.strip()}"
                    for column, prefix in LABEL_COLUMNS.items()
                    for label in (row.get(column) or "").split(";")
                    if label.strip()
                }
                if text or codes:
                    reports.append(
                        ReportInput(len(reports) + 1, day.replace(day=1), frozenset(codes), text)
                    )
    return reports


def _months_between(first: datetime.date, last: datetime.date) -> int:
    return (last.year - first.year) * 12 + last.month - first.month + 1


def _dominant_share(members: Sequence[int], labels: dict[int, frozenset[str]]) -> float:
    counts = Counter(label for member in members for label in labels[member])
    return counts.most_common(1)[0][1] / len(members) if counts else 0.0


def purity(reports: list[ReportInput]) -> list[Row]:
    first = min(r.month for r in reports)
    last = max(r.month for r in reports)
    parameters = DetectionParameters(window_months=_months_between(first, last) + 1)
    found = detect(reports, today=last, parameters=parameters)
    labels = {r.report_id: r.codes for r in reports}
    print(f"1. Themes on {len(reports):,} SAFENET reports ({first:%Y-%m} to {last:%Y-%m});")
    print(f"   columns used: {COLUMNS_USED}")
    print(f"{'kind':<20}{'members':>8}{'precision':>11}  title")
    for c in found:
        share = 1.0 if c.kind == FACTOR_COMBINATION else _dominant_share(c.members, labels)
        title = " + ".join(c.codes) if c.kind == FACTOR_COMBINATION else ", ".join(c.terms)
        print(f"{c.kind:<20}{len(c.members):>8}{share:>11.3f}  {title}")
    text = [c for c in found if c.kind == TEXT_CLUSTER]
    covered_all = len({m for c in found for m in c.members}) / len(reports)
    # Every theme, code themes included: those are pure by construction (their codes ARE the
    # crews' labels), so this comparison flatters them; the narrative one below is the fair one.
    every = sum(
        (1.0 if c.kind == FACTOR_COMBINATION else _dominant_share(c.members, labels))
        * len(c.members)
        for c in found
    ) / max(sum(len(c.members) for c in found), 1)
    k_every = _kmeans_purity(reports, labels, max(len(found), 2), covered_all)
    print(
        f"all {len(found)} themes: coverage {covered_all:.3f}, member-weighted precision"
        f" {every:.3f} (code themes pure by construction); k-means (k = {len(found)}) on the"
        f" narratives at the same coverage: {k_every:.3f}"
    )
    rows = [
        Row("SAFENET: share of reports in some theme", round(covered_all, 3)),
        Row("SAFENET: all themes' precision (code themes pure by construction)", round(every, 3)),
        Row("SAFENET: k-means precision at that coverage", round(k_every, 3)),
    ]
    rows += _narrative_comparison(reports, labels, text, "")
    # The fair test of the grouping: the labels withheld, as for an organisation whose reports
    # nobody has coded yet, so that only the narratives can make a theme.
    withheld = [dataclasses.replace(r, codes=frozenset()) for r in reports]
    stories = detect(withheld, today=last, parameters=parameters)
    print("\n   the same run with the labels withheld (narratives only):")
    for c in stories:
        share = _dominant_share(c.members, labels)
        print(f"{c.kind:<20}{len(c.members):>8}{share:>11.3f}  {', '.join(c.terms)}")
    return rows + _narrative_comparison(reports, labels, stories, ", labels withheld")


def _narrative_comparison(
    reports: list[ReportInput],
    labels: dict[int, frozenset[str]],
    text: Sequence[Candidate],
    setting: str,
) -> list[Row]:
    """Narrative themes' member-weighted precision against k-means with as many clusters, cut
    to the same coverage."""
    if not text:
        print(
            f"no narrative themes found{setting}: the narratives' own clusters do not beat the"
            " closeness that shuffled words reach (or lie inside code themes), so there is no"
            " narrative-only comparison with k-means"
        )
        return [Row(f"SAFENET: narrative themes found{setting}", 0, "", "> 0", False)]
    members = {m for c in text for m in c.members}
    coverage = len(members) / len(reports)
    ours = sum(_dominant_share(c.members, labels) * len(c.members) for c in text) / sum(
        len(c.members) for c in text
    )
    theirs = _kmeans_purity(reports, labels, len(text), coverage)
    print(
        f"narrative themes{setting}: {len(text)}, coverage {coverage:.3f}, member-weighted"
        f" precision {ours:.3f}; k-means (k = {len(text)}) at the same coverage: {theirs:.3f}"
    )
    return [
        Row(f"SAFENET: narrative themes found{setting}", len(text)),
        Row(f"SAFENET: narrative themes' coverage{setting}", round(coverage, 3)),
        Row(
            f"SAFENET: narrative themes' precision (dominant crew label){setting}",
            round(ours, 3),
            "",
            f"> k-means {theirs:.3f}",
            ours > theirs,
        ),
        Row(f"SAFENET: k-means precision at equal coverage{setting}", round(theirs, 3)),
    ]


def _kmeans_purity(
    reports: list[ReportInput], labels: dict[int, frozenset[str]], k: int, coverage: float
) -> float:
    vectoriser = TfidfVectorizer(analyzer=words, min_df=2, max_df=0.5, sublinear_tf=True)
    matrix = vectoriser.fit_transform([r.text for r in reports])
    model = KMeans(n_clusters=max(k, 2), n_init=4, random_state=0).fit(matrix)
    centroids = model.cluster_centers_ / np.linalg.norm(model.cluster_centers_, axis=1)[:, None]
    closeness = np.asarray(matrix @ centroids.T)[np.arange(len(reports)), model.labels_]
    kept = np.argsort(-closeness, kind="stable")[: round(coverage * len(reports))]
    total = 0.0
    for cluster in np.unique(model.labels_[kept]):
        chosen = kept[model.labels_[kept] == cluster]
        ids = [reports[i].report_id for i in chosen]
        total += _dominant_share(ids, labels) * len(ids)
    return total / max(len(kept), 1)


RISING = DetectionParameters(window_months=24, rising_recent_months=3)
AS_OF = [datetime.date(year, 9, 1) for year in range(2004, 2022)]


def _shift_after(reports: list[ReportInput], codes: tuple[str, ...], as_of: datetime.date) -> str:
    """The theme's share of coded reports in the 12 months after, against the 21 before the
    last 3: does the rise persist?"""

    def share(first: datetime.date, last: datetime.date) -> tuple[int, int]:
        inside = [r for r in reports if first <= r.month <= last and r.codes]
        return sum(set(codes) <= r.codes for r in inside), len(inside)

    def months_back(day: datetime.date, count: int) -> datetime.date:
        number = day.year * 12 + day.month - 1 - count
        return datetime.date(number // 12, number % 12 + 1, 1)

    before = share(months_back(as_of, 23), months_back(as_of, 3))
    after = share(months_back(as_of, -1), months_back(as_of, -12))
    rate = [hit / total if total else float("nan") for hit, total in (before, after)]
    verdict = "persists" if after[1] and rate[1] > 1.25 * rate[0] else "does not persist"
    return (
        f"share of coded reports {rate[0]:.2f} before, {rate[1]:.2f} in the next 12 months"
        f" ({after[1]} coded): {verdict}"
    )


def rising_untouched(reports: list[ReportInput]) -> list[Row]:
    print(
        "\n2a. Rising flags on the untouched reports, as the history stood at the end of each"
        " fire season (September)"
    )
    flags = themes = 0
    for as_of in AS_OF:
        found = detect(reports, today=as_of, parameters=RISING)
        themes += len(found)
        for c in found:
            if c.rising:
                flags += 1
                print(f"  {as_of:%Y-%m} {c.kind} {' + '.join(c.codes) or ', '.join(c.terms)}")
                print(f"    {c.rising_reason}")
                if c.kind == FACTOR_COMBINATION:
                    print(f"    {_shift_after(reports, c.codes, as_of)}")
    print(f"  {flags} flags over {len(AS_OF)} runs, {themes} themes in all")
    return [
        Row(
            f"SAFENET: rising flags on untouched reports ({len(AS_OF)} runs)",
            flags,
            "",
            "a few per run",
            flags <= 3 * len(AS_OF) and flags <= max(1, themes // 2),
        ),
        Row("SAFENET: themes over those runs", themes),
    ]


def _plant(
    reports: list[ReportInput],
    codes: tuple[str, ...],
    as_of: datetime.date,
    factor: float,
    seed: int,
) -> list[ReportInput]:
    """Raise the share of coded reports holding ``codes`` in the last 3 months to ``factor``
    times its share in the 21 months before, by adding the codes to coded reports lacking them."""
    rng = np.random.default_rng(seed)
    number = as_of.year * 12 + as_of.month - 1

    def age(report: ReportInput) -> int:
        return number - (report.month.year * 12 + report.month.month - 1)

    recent = [i for i, r in enumerate(reports) if r.codes and 0 <= age(r) < 3]
    baseline = [r for r in reports if r.codes and 3 <= age(r) < 24]
    rate = sum(set(codes) <= r.codes for r in baseline) / max(len(baseline), 1)
    holding = sum(set(codes) <= reports[i].codes for i in recent)
    wanted = round(rate * factor * len(recent)) - holding
    lacking = [i for i in recent if not set(codes) <= reports[i].codes]
    changed = list(reports)
    for i in rng.permutation(lacking)[: max(wanted, 0)]:
        changed[i] = dataclasses.replace(reports[i], codes=reports[i].codes | frozenset(codes))
    return changed


def rising_planted(reports: list[ReportInput], factors: Sequence[float]) -> list[Row]:
    print(
        "\n2b. Planted rises: at each season end, the two largest code themes that are not rising"
        "\n    get their share of coded reports in the last 3 months raised x factor"
    )
    parameters = dataclasses.replace(RISING, text_clusters=False)
    targets = []
    for as_of in AS_OF:
        found = detect(reports, today=as_of, parameters=parameters)
        flat = [c for c in found if c.kind == FACTOR_COMBINATION and not c.rising]
        targets += [(as_of, c.codes) for c in flat[:2]]
    rows = []
    for factor in factors:
        hits = 0
        for seed, (as_of, codes) in enumerate(targets):
            planted = _plant(reports, codes, as_of, factor, seed)
            found = detect(planted, today=as_of, parameters=parameters)
            hits += any(set(c.codes) >= set(codes) and c.rising for c in found)
        recall = hits / max(len(targets), 1)
        print(f"  x{factor:g}: flagged in {hits} of {len(targets)} runs (recall {recall:.2f})")
        rows.append(Row(f"SAFENET: planted rise x{factor:g}, recall", round(recall, 2)))
    return rows


def main(argv: Sequence[str] | None = None) -> list[Row]:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--factors", default="1.5,2,3,4")
    args = parser.parse_args(argv)
    if not DATA.is_dir():
        print(f"skipped: {DATA} is absent (the real SAFENET reports; see its README)")
        return []
    reports = load()
    rows = purity(reports)
    rows += rising_untouched(reports)
    rows += rising_planted(reports, [float(f) for f in args.factors.split(",")])
    return rows


if __name__ == "__main__":
    sys.exit(emit(main()))
