"""Theme detection as pure functions: recurring factor-code combinations, narrative clusters,
rising trends, and reconciliation with the themes found by earlier runs.

Everything here works on plain data (no database, no Flask) and is deterministic for the same
reports and parameters, whatever order the reports arrive in. Reports come as arrays
(``ReportColumns``) so that millions fit; a ``WordCache`` from the previous run saves reading
unchanged texts again and changes nothing else (docs/themes.md says why).

Statistics (the panel can read them in each candidate's ``statistics``):

* Code combinations (2 or 3 codes). A pair {A, B} is tested against independence of the two codes
  with the exact hypergeometric upper tail (Fisher's one-sided test, conditional on how often each
  code occurs). A triple is tested against the most generous explanation by one of its pairs plus an
  independent third code: given the reports holding the pair, the number also holding the third
  code is binomial with that code's overall rate; the triple's p-value is the largest of its three
  splits, so a triple counts only when no pair explains it. Every combination meeting the support
  threshold is tested and the p-values are corrected with Benjamini-Hochberg at ``alpha``: the
  panel's queue tolerates a few false candidates among many real ones (false discovery rate), BH
  keeps far more power than Bonferroni with hundreds of combinations, and when there is no real
  theme at all it still bounds the chance of any candidate by ``alpha``. Combinations below the
  support threshold cannot become candidates, so (Tarone's argument) they are not counted.
  A significant combination must also reach ``min_lift`` (at 1M reports a tiny, useless excess is
  "significant") and span ``min_months`` distinct months.
* Most specific wins. A significant pair inside a significant triple is kept only if it is still
  significant (at the BH cut-off) once the triple's reports are removed, i.e. only if it recurs
  beyond the triple.
* Single codes. One code alone is not a "combination"; it recurs more than chance when its share of
  reports rises, so a single code is a candidate when the rising test below passes, corrected with
  BH across codes and with the reports of its combination candidates removed (again: the most
  specific explanation wins). Concentration in place (team, area) is not measured: the reports
  carry no place here.
* Rising. The last ``rising_recent_months`` months of the window are compared with the months
  before (the baseline). Given the theme's reports in both periods, under "no change" the recent
  count is binomial with probability equal to the recent share of the theme's exposure (the exact
  conditional test for two Poisson rates with exposure). A theme is rising when the one-sided
  p-value is at most ``rising_alpha`` and it has at least ``min_support`` recent reports. Like is
  compared with like. The exposure of a narrative theme is all reports, so more reporting overall
  or the part-month at the end of the window does not make it rise. The exposure of a theme of
  k codes is the number of k-code sets recorded in each month (for one code: the codes recorded;
  for a pair: the pairs among each report's codes, and so on). Reporting volume and how densely
  reports are coded drift over the years (a taxonomy settles in, a panel codes more fully, the
  newest reports are not coded yet); a report coded with four factors holds six pairs where one
  coded with two holds one, so a test against all reports reads denser coding as a rise of more
  than half of all themes at once. Against the sets recorded, a combination rises only when it
  takes a larger share of what was coded in those months than before.
* Text clusters. TF-IDF (sublinear tf, l2) fitted on a deterministic sample of at most
  ``text_sample_size`` reports, chosen by a hash of the report id so that the sample barely changes
  from run to run; spherical k-means with a fixed seed on the sample; clusters whose members are
  close together are kept, similar centroids are merged, then every report in the window is
  assigned to its nearest kept centroid when its cosine similarity reaches ``member_similarity``.
  A cluster's closeness is its members' mean pairwise cosine similarity (its tightness) less
  ``chance_margin`` standard errors (Hoeffding's first-order variance of a U-statistic), so that
  a small cluster close by luck counts for less. Closeness is calibrated against chance in each
  run: the sample's words are dealt out again at random among its reports (each keeps its
  length, the window keeps its word frequencies, no words belong together) and k-means runs on
  that. The closeness of its clusters is roughly normal; the chance level is the value the
  closest of that many clusters exceeds with probability ``chance_alpha`` (Šidák), what the
  vocabulary and the number of clusters tried reach with no stories at all (never below
  ``min_tightness``). Without it, large windows propose clusters of reports that merely share
  a few common words, and they change from run to run.
  A cluster is a candidate when its closeness beats the chance level, it has ``min_support``
  members over ``min_months`` months, and at most
  ``explained_overlap`` of its members belong to one code candidate, unless the cluster is rising
  and that code candidate is not: the newest reports carry only their reporters' ticks until the
  panel codes them, so a story can show a rise before its codes do. At large n a theme rarer than
  about ``min_support / sample share`` may be missed by the sample; code combinations are counted on
  every report.
"""

from __future__ import annotations

import array
import datetime
import hashlib
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any, Literal

import numpy as np
from scipy import sparse
from scipy.special import comb
from scipy.stats import binom, hypergeom, norm
from sklearn.feature_extraction.text import ENGLISH_STOP_WORDS
from sklearn.preprocessing import normalize

from learnhub.disclosure.themes import WORD_PATTERN

CandidateKind = Literal["factor_combination", "text_cluster"]
FACTOR_COMBINATION: CandidateKind = "factor_combination"
TEXT_CLUSTER: CandidateKind = "text_cluster"

# The words a theme's terms are made of, as the disclosure rules read them in titles and text.
_WORD = WORD_PATTERN
_SIGNATURE_LENGTH = 64
_CHUNK = 100_000
_GOLDEN = np.uint64(0x9E3779B97F4A7C15)


@dataclass(frozen=True)
class ReportInput:
    """One report as the job sees it: the month of the event, its confirmed codes, its text."""

    report_id: int
    month: datetime.date
    codes: frozenset[str]
    text: str


@dataclass(frozen=True)
class DetectionParameters:
    """Thresholds of a run; the module docstring says what each test means."""

    window_months: int = 12
    min_support: int = 3
    min_months: int = 2
    max_codes: int = 3
    alpha: float = 0.01
    min_lift: float = 1.5
    rising_recent_months: int = 3
    rising_alpha: float = 0.01
    text_clusters: bool = True
    text_sample_size: int = 20_000
    docs_per_cluster: int = 40
    max_clusters: int = 200
    member_similarity: float = 0.25
    min_tightness: float = 0.12
    chance_margin: float = 1.0
    chance_alpha: float = 0.05
    merge_similarity: float = 0.3
    explained_overlap: float = 0.5
    max_terms: int = 5
    k_means_steps: int = 50
    seed: int = 0

    def __post_init__(self) -> None:
        if not 1 <= self.max_codes <= 3:
            raise ValueError("max_codes must be 1, 2 or 3")
        if not 0 < self.rising_recent_months < self.window_months:
            raise ValueError("rising_recent_months must be positive and shorter than the window")
        if self.min_support < 1 or self.min_months < 1:
            raise ValueError("min_support and min_months must be at least 1")
        if self.chance_margin < 0:
            raise ValueError("chance_margin must not be negative")
        if not 0 < self.chance_alpha < 1:
            raise ValueError("chance_alpha must be between 0 and 1")


@dataclass(frozen=True)
class Candidate:
    """A recurring theme found in one run."""

    signature: str
    kind: CandidateKind
    codes: tuple[str, ...]
    terms: tuple[str, ...]
    members: tuple[int, ...]
    monthly_counts: dict[str, int]
    statistics: dict[str, Any]
    rising: bool
    rising_reason: str


@dataclass(frozen=True)
class ExistingTheme:
    """A theme stored by an earlier run, with the panel's decision on it."""

    id: int
    signature: str
    status: str
    codes: tuple[str, ...]
    members: frozenset[int]
    dismissed_member_count: int | None = None
    kind: str | None = None


@dataclass(frozen=True)
class Reconciliation:
    """How this run's candidates continue, replace or repeat the stored themes."""

    matched: dict[int, Candidate]
    new: list[Candidate]
    retired: list[int]
    suppressed: list[Candidate]
    # Matched themes whose status should go back to "candidate": dismissed themes that have
    # clearly grown and retired themes that came back.
    reproposed: list[int] = field(default_factory=list)


# --- the reports as columns ----------------------------------------------------------------------


@dataclass(frozen=True)
class ReportColumns:
    """Reports as arrays, so that a run over millions holds no Python object per report.

    ``months`` are month numbers (``year * 12 + month - 1``); report ``i``'s codes are
    ``code_names[j]`` for ``j`` in ``code_indices[code_pointers[i] : code_pointers[i + 1]]``.
    """

    ids: np.ndarray
    months: np.ndarray
    code_names: tuple[str, ...]
    code_pointers: np.ndarray
    code_indices: np.ndarray
    texts: Sequence[str]

    def __len__(self) -> int:
        return len(self.ids)

    @classmethod
    def from_reports(cls, reports: Iterable[ReportInput]) -> ReportColumns:
        builder = ColumnsBuilder()
        for report in reports:
            builder.add(report.report_id, report.month, report.codes, report.text)
        return builder.build()


class ColumnsBuilder:
    """Collects reports one at a time (from a streamed query) into ``ReportColumns``."""

    def __init__(self) -> None:
        self._ids = array.array("q")
        self._months = array.array("i")
        self._lengths = array.array("q")
        self._indices = array.array("i")
        self._codes: dict[str, int] = {}
        self._texts: list[str] = []

    def add(self, report_id: int, month: datetime.date, codes: Iterable[str], text: str) -> None:
        distinct = set(codes)
        self._ids.append(report_id)
        self._months.append(_month_number(month))
        self._lengths.append(len(distinct))
        self._indices.extend(self._codes.setdefault(code, len(self._codes)) for code in distinct)
        self._texts.append(text)

    def build(self) -> ReportColumns:
        lengths = np.frombuffer(self._lengths, dtype=np.int64)
        return ReportColumns(
            ids=np.frombuffer(self._ids, dtype=np.int64).copy(),
            months=np.frombuffer(self._months, dtype=np.int32).copy(),
            code_names=tuple(self._codes),
            code_pointers=np.concatenate(([0], np.cumsum(lengths))).astype(np.int64),
            code_indices=np.frombuffer(self._indices, dtype=np.int32).copy(),
            texts=self._texts,
        )


# --- each report's words, and what a run keeps of them for the next ----------------------------

_SEPARATOR = "\x00"
_TOKENS = re.compile(f"{_WORD.pattern}|{_SEPARATOR}")


class WordCache:
    """Each report's words as counts, kept from one run to the next.

    Reading the words of every narrative is most of a large run's work and depends on nothing but
    the text, so a run that is given the cache of the previous run reads only the reports that are
    new or whose text changed (by id, and by a 64-bit hash of the text); every test after that is
    computed over the whole window again, so the themes are exactly those of a run without the
    cache. The cache lives in the memory of the process that runs the job (nothing is written
    anywhere) and after each run holds only that run's reports: a report deleted or purged for
    retention is gone from it at the next run.
    """

    def __init__(self) -> None:
        self.vocabulary: dict[str, int] = {_SEPARATOR: 0}
        self.ids = np.zeros(0, dtype=np.int64)  # sorted
        self.keys = np.zeros(0, dtype=np.int64)  # a hash of each report's text
        self.counts = sparse.csr_matrix((0, 1), dtype=np.int32)
        self.stop = np.ones(1, dtype=bool)  # the separator and the stop words
        self.read = 0  # texts read by the last run

    def words(self) -> np.ndarray:
        return np.array(list(self.vocabulary), dtype=object)

    def counts_for(self, ids: np.ndarray, texts: Sequence[str]) -> sparse.csr_matrix:
        """Word counts of these reports (``ids`` sorted), reading only the texts not cached, and
        the cache replaced by exactly these reports."""
        keys = np.fromiter(map(hash, texts), dtype=np.int64, count=len(texts))
        where = np.searchsorted(self.ids, ids).clip(max=max(len(self.ids) - 1, 0))
        cached = (
            (self.ids[where] == ids) & (self.keys[where] == keys)
            if len(self.ids)
            else np.zeros(len(ids), dtype=bool)
        )
        missing = np.nonzero(~cached)[0]
        # Emptied first: the previous run's reports not in this one are let go as soon as the
        # others are copied, and a run that fails leaves an empty cache, never a wrong one.
        previous = self.counts
        self.ids, self.keys = np.zeros(0, dtype=np.int64), np.zeros(0, dtype=np.int64)
        self.counts = sparse.csr_matrix((0, 1), dtype=np.int32)
        fresh = self._read([texts[i] for i in missing])
        width = len(self.vocabulary)
        previous.resize((previous.shape[0], width))
        fresh.resize((fresh.shape[0], width))
        source = np.where(cached, where, 0)
        source[missing] = previous.shape[0] + np.arange(len(missing))
        counts = sparse.vstack([previous, fresh], format="csr")[source]
        del previous
        self.ids, self.keys, self.counts, self.read = ids.copy(), keys, counts, len(missing)
        return counts

    def _read(self, texts: list[str]) -> sparse.csr_matrix:
        """Counts of the words of ``texts``, the words as ``words`` finds them (stop words out).

        A few thousand texts are joined and read by one regular expression, which is many times
        faster than one call per text; the separator keeps them apart.
        """
        blocks = [sparse.csr_matrix((0, 1), dtype=np.int32)]
        for start in range(0, len(texts), 10_000):
            chunk = texts[start : start + 10_000]
            joined = _SEPARATOR.join(text.replace(_SEPARATOR, " ") for text in chunk).lower()
            tokens = _TOKENS.findall(joined)
            index = self.vocabulary
            ids = np.array([index.setdefault(token, len(index)) for token in tokens], np.int64)
            self._grow_stop_words()
            document = np.cumsum(ids == 0)
            kept = ~self.stop[ids]
            block = sparse.csr_matrix(
                (np.ones(int(kept.sum()), dtype=np.int32), (document[kept], ids[kept])),
                shape=(len(chunk), len(index)),
            )
            block.sum_duplicates()
            blocks.append(block)
        width = len(self.vocabulary)
        for block in blocks:
            block.resize((block.shape[0], width))
        return sparse.vstack(blocks, format="csr", dtype=np.int32)

    def _grow_stop_words(self) -> None:
        added = list(self.vocabulary)[len(self.stop) :]
        self.stop = np.concatenate(
            (self.stop, np.fromiter((w in ENGLISH_STOP_WORDS for w in added), dtype=bool))
        )


# --- the window ---------------------------------------------------------------------------------


@dataclass
class _Window:
    months: list[str]
    ids: np.ndarray
    month: np.ndarray
    counts: sparse.csr_matrix  # reports x words seen: each report's word counts
    words: np.ndarray  # the words of counts' columns
    code_names: list[str]
    codes: sparse.csc_matrix  # reports x codes, 0/1
    totals: np.ndarray  # reports per month
    code_sets: np.ndarray  # months x (1, 2, 3): sets of that many codes recorded per month

    @property
    def size(self) -> int:
        return len(self.ids)

    def rows_with(self, code: int) -> np.ndarray:
        return self.codes.indices[self.codes.indptr[code] : self.codes.indptr[code + 1]]


def _month_number(day: datetime.date) -> int:
    return day.year * 12 + day.month - 1


def _window(
    reports: ReportColumns,
    today: datetime.date,
    parameters: DetectionParameters,
    cache: WordCache,
) -> _Window:
    last = _month_number(today)
    first = last - parameters.window_months + 1
    months = [f"{number // 12:04d}-{number % 12 + 1:02d}" for number in range(first, last + 1)]
    inside = np.nonzero((reports.months >= first) & (reports.months <= last))[0]
    # Sorting by id makes the run independent of the order the reports were read in.
    rows = inside[np.argsort(reports.ids[inside], kind="stable")]
    ids = reports.ids[rows]
    if len(ids) > 1 and np.any(ids[1:] == ids[:-1]):
        raise ValueError("report ids must be unique")
    month = (reports.months[rows] - first).astype(np.int32)
    all_codes = sparse.csr_matrix(
        (
            np.ones(len(reports.code_indices), dtype=np.int32),
            reports.code_indices,
            reports.code_pointers,
        ),
        shape=(len(reports), len(reports.code_names)),
    )[rows]
    # The codes the window holds, in the order of their names.
    used = np.unique(all_codes.indices)
    names = np.array(reports.code_names, dtype=object)[used]
    by_name = used[np.argsort(names.astype(str), kind="stable")] if len(used) else used
    matrix = all_codes[:, by_name].tocsc()
    matrix.sort_indices()
    lengths = np.diff(all_codes.indptr)
    totals = np.bincount(month, minlength=len(months))
    code_sets = np.stack(
        [np.bincount(month, weights=comb(lengths, k), minlength=len(months)) for k in (1, 2, 3)],
        axis=1,
    )
    counts = cache.counts_for(ids, np.asarray(reports.texts, dtype=object)[rows])
    return _Window(
        months,
        ids,
        month,
        counts,
        cache.words(),
        [str(reports.code_names[code]) for code in by_name],
        matrix,
        totals,
        code_sets,
    )


def _monthly(window: _Window, rows: np.ndarray) -> np.ndarray:
    return np.bincount(window.month[rows], minlength=len(window.months))


def _distinct_months(window: _Window, rows: np.ndarray) -> int:
    return int(np.count_nonzero(_monthly(window, rows)))


# --- shared statistics ---------------------------------------------------------------------------


def _benjamini_hochberg(p_values: np.ndarray, alpha: float) -> tuple[np.ndarray, float]:
    """Adjusted p-values and the largest raw p-value rejected (0 when none is)."""
    count = len(p_values)
    if count == 0:
        return np.array([], dtype=float), 0.0
    order = np.argsort(p_values, kind="stable")
    ranked = p_values[order] * count / np.arange(1, count + 1)
    adjusted_sorted = np.minimum.accumulate(ranked[::-1])[::-1].clip(max=1.0)
    adjusted = np.empty(count)
    adjusted[order] = adjusted_sorted
    passing = np.nonzero(p_values[order] <= alpha * np.arange(1, count + 1) / count)[0]
    cutoff = float(p_values[order][passing[-1]]) if len(passing) else 0.0
    return adjusted, cutoff


@dataclass(frozen=True)
class _Trend:
    p_value: float
    recent: int
    expected: float
    rising: bool
    reason: str


def _split(values: np.ndarray, parameters: DetectionParameters) -> tuple[float, float]:
    """(recent, baseline) sums of a monthly series."""
    split = len(values) - parameters.rising_recent_months
    return float(values[split:].sum()), float(values[:split].sum())


def _trend(
    counts: np.ndarray,
    exposure: np.ndarray,
    parameters: DetectionParameters,
    exposure_name: str = "reports",
) -> _Trend:
    """The conditional binomial test of the recent months against the baseline (docstring)."""
    recent, baseline = (int(value) for value in _split(counts, parameters))
    recent_total, baseline_total = _split(exposure, parameters)
    label = f"last {parameters.rising_recent_months} months"
    if baseline_total == 0 or recent_total == 0:
        return _Trend(1.0, recent, 0.0, False, f"no {exposure_name} in the baseline or the {label}")
    share = recent_total / (recent_total + baseline_total)
    expected = (recent + baseline) * share
    p_value = float(binom.sf(recent - 1, recent + baseline, share)) if recent else 1.0
    rising = p_value <= parameters.rising_alpha and recent >= parameters.min_support
    verdict = "rising" if rising else "not rising"
    reason = (
        f"{verdict}: {recent} reports in the {label} against {expected:.1f} expected from the"
        f" baseline share of {exposure_name} (one-sided conditional binomial"
        f" p = {p_value:.2g}, threshold {parameters.rising_alpha})"
    )
    return _Trend(p_value, recent, expected, rising, reason)


@dataclass(frozen=True)
class _Exposure:
    """What a theme's monthly counts are compared with."""

    totals: np.ndarray
    name: str


def _all_reports(window: _Window) -> _Exposure:
    return _Exposure(window.totals, "all reports")


def _candidate(
    window: _Window,
    *,
    kind: CandidateKind,
    signature: str,
    codes: Iterable[str],
    terms: Iterable[str],
    rows: np.ndarray,
    statistics: dict[str, Any],
    parameters: DetectionParameters,
    exposure: _Exposure,
) -> Candidate:
    counts = _monthly(window, rows)
    trend = _trend(counts, exposure.totals, parameters, exposure.name)
    statistics = {
        **statistics,
        "support": len(rows),
        "months": int(np.count_nonzero(counts)),
        "reports_in_window": window.size,
        "rising_p_value": trend.p_value,
        "rising_recent": trend.recent,
        "rising_expected": round(trend.expected, 3),
        "rising_exposure": exposure.name,
    }
    return Candidate(
        signature=signature,
        kind=kind,
        codes=tuple(codes),
        terms=tuple(terms),
        members=tuple(int(report_id) for report_id in window.ids[rows]),
        monthly_counts={
            month: int(count) for month, count in zip(window.months, counts, strict=True)
        },
        statistics=statistics,
        rising=trend.rising,
        rising_reason=trend.reason,
    )


def _code_signature(codes: Sequence[str]) -> str:
    signature = "codes:" + "+".join(codes)
    if len(signature) <= _SIGNATURE_LENGTH:
        return signature
    return "codes:" + hashlib.sha256(signature.encode()).hexdigest()[:32]


# --- code combinations ---------------------------------------------------------------------------


@dataclass
class _Combination:
    codes: tuple[int, ...]
    support: int
    expected: float
    p_value: float
    test: str
    adjusted: float = 1.0
    rows: np.ndarray = field(default_factory=lambda: np.array([], dtype=np.int64))


def _pairs(window: _Window, frequent: np.ndarray, minimum: int) -> list[_Combination]:
    matrix = window.codes[:, frequent]
    counts = (matrix.T @ matrix).toarray()
    margins = np.diag(counts)
    first, second = np.nonzero(np.triu(counts, k=1) >= minimum)
    observed = counts[first, second]
    n = window.size
    p_values = hypergeom.sf(observed - 1, n, margins[first], margins[second])
    expected = margins[first] * margins[second] / n
    return [
        _Combination(
            (int(frequent[a]), int(frequent[b])), int(o), float(e), float(p), "hypergeometric"
        )
        for a, b, o, e, p in zip(first, second, observed, expected, p_values, strict=True)
    ]


def _triples(
    window: _Window, frequent: np.ndarray, pair_counts: dict[tuple[int, int], int], minimum: int
) -> list[_Combination]:
    csr = window.codes[:, frequent].tocsr()
    rate = np.asarray(csr.sum(axis=0)).ravel() / window.size
    found: list[_Combination] = []
    for a in range(len(frequent)):
        # Only reports holding code a: the work is the number of triples that really occur.
        rows = window.rows_with(int(frequent[a]))
        sub = csr[rows][:, a + 1 :]
        counts = (sub.T @ sub).toarray()
        first, second = np.nonzero(np.triu(counts, k=1) >= minimum)
        if len(first) == 0:
            continue
        b, c = a + 1 + first, a + 1 + second
        observed = counts[first, second]
        # The three splits of each triple (pair, third code), tested at once for every triple
        # holding code a; the triple's p-value is its largest (module docstring).
        splits = [
            (_pair_counts(pair_counts, np.full_like(b, a), b), rate[c]),
            (_pair_counts(pair_counts, np.full_like(c, a), c), rate[b]),
            (_pair_counts(pair_counts, b, c), np.full(len(b), rate[a])),
        ]
        tails = np.stack([binom.sf(observed - 1, n, p) for n, p in splits])
        means = np.stack([n * p for n, p in splits])
        # max() over (tail, expected) tuples: the largest tail, ties broken by the expected count.
        order = np.lexsort((means, tails), axis=0)[-1]
        columns = np.arange(len(b))
        for index in columns:
            codes = (int(frequent[a]), int(frequent[b[index]]), int(frequent[c[index]]))
            found.append(
                _Combination(
                    codes,
                    int(observed[index]),
                    float(means[order[index], index]),
                    float(tails[order[index], index]),
                    "binomial, best pair + third code",
                )
            )
    return found


def _pair_counts(
    pair_counts: dict[tuple[int, int], int], left: np.ndarray, right: np.ndarray
) -> np.ndarray:
    return np.array([pair_counts[(int(x), int(y))] for x, y in zip(left, right, strict=True)])


def _rows_of(window: _Window, codes: Sequence[int]) -> np.ndarray:
    rows = window.rows_with(codes[0])
    for code in codes[1:]:
        rows = np.intersect1d(rows, window.rows_with(code), assume_unique=True)
    return rows


def _significant_combinations(
    window: _Window, parameters: DetectionParameters
) -> tuple[list[_Combination], int, float]:
    if parameters.max_codes < 2 or window.size == 0:
        return [], 0, 0.0
    margins = np.diff(window.codes.indptr)
    frequent = np.nonzero(margins >= parameters.min_support)[0]
    pairs = _pairs(window, frequent, parameters.min_support)
    pair_counts = {}
    position = {int(code): index for index, code in enumerate(frequent)}
    for pair in pairs:
        pair_counts[(position[pair.codes[0]], position[pair.codes[1]])] = pair.support
    triples = (
        _triples(window, frequent, pair_counts, parameters.min_support)
        if parameters.max_codes >= 3
        else []
    )
    tested = pairs + triples
    adjusted, cutoff = _benjamini_hochberg(
        np.array([item.p_value for item in tested]), parameters.alpha
    )
    significant = []
    for item, adjusted_p in zip(tested, adjusted, strict=True):
        item.adjusted = float(adjusted_p)
        if adjusted_p > parameters.alpha or item.support < parameters.min_lift * item.expected:
            continue
        item.rows = _rows_of(window, item.codes)
        if _distinct_months(window, item.rows) >= parameters.min_months:
            significant.append(item)
    return _most_specific(window, significant, cutoff), len(tested), cutoff


def _most_specific(
    window: _Window, significant: list[_Combination], cutoff: float
) -> list[_Combination]:
    """Drop a pair whose excess is explained by significant triples containing it."""
    triples = [item for item in significant if len(item.codes) == 3]
    kept = []
    for item in significant:
        if len(item.codes) == 2:
            covering = [t.rows for t in triples if set(item.codes) <= set(t.codes)]
            if covering:
                removed = len(np.unique(np.concatenate(covering)))
                n = window.size - removed
                a, b = (int(np.diff(window.codes.indptr)[code]) - removed for code in item.codes)
                p_value = float(hypergeom.sf(item.support - removed - 1, n, a, b))
                if p_value > cutoff:
                    continue
        kept.append(item)
    return kept


_SET_NAMES = {1: "codes recorded", 2: "pairs of codes recorded", 3: "sets of three codes recorded"}


def _code_sets(window: _Window, size: int) -> _Exposure:
    """The exposure of a theme of ``size`` codes (module docstring)."""
    return _Exposure(window.code_sets[:, size - 1], _SET_NAMES[size])


def _single_codes(
    window: _Window, combinations: list[_Combination], parameters: DetectionParameters
) -> list[Candidate]:
    margins = np.diff(window.codes.indptr)
    eligible = [int(code) for code in np.nonzero(margins >= parameters.min_support)[0]]
    exposure = _code_sets(window, 1)
    trends = [
        _trend(_monthly(window, window.rows_with(c)), exposure.totals, parameters, exposure.name)
        for c in eligible
    ]
    p_values = np.array([trend.p_value for trend in trends])
    adjusted, cutoff = _benjamini_hochberg(p_values, parameters.rising_alpha)
    codes_per_report = np.diff(window.codes.tocsr().indptr)
    found = []
    for code, trend, adjusted_p in zip(eligible, trends, adjusted, strict=True):
        if adjusted_p > parameters.rising_alpha or not trend.rising:
            continue
        rows = window.rows_with(code)
        if _distinct_months(window, rows) < parameters.min_months:
            continue
        explained = [item.rows for item in combinations if code in item.codes]
        if explained:
            removed = np.unique(np.concatenate(explained))
            rest = np.setdiff1d(rows, removed, assume_unique=True)
            totals = exposure.totals - np.bincount(
                window.month[removed],
                weights=codes_per_report[removed],
                minlength=len(window.months),
            )
            rest_trend = _trend(_monthly(window, rest), totals, parameters)
            if rest_trend.p_value > cutoff:
                continue
        name = window.code_names[code]
        statistics = {
            "test": "rising share (conditional binomial)",
            "p_value": trend.p_value,
            "adjusted_p_value": float(adjusted_p),
            "correction": "benjamini-hochberg",
            "tests": len(eligible),
        }
        found.append(
            _candidate(
                window,
                kind=FACTOR_COMBINATION,
                signature=_code_signature([name]),
                codes=[name],
                terms=[],
                rows=rows,
                statistics=statistics,
                parameters=parameters,
                exposure=exposure,
            )
        )
    return found


def _combination_candidates(
    window: _Window, parameters: DetectionParameters
) -> tuple[list[Candidate], list[_Combination]]:
    combinations, tested, _cutoff = _significant_combinations(window, parameters)
    found = []
    for item in combinations:
        names = [window.code_names[code] for code in item.codes]
        statistics = {
            "test": item.test,
            "expected": round(item.expected, 3),
            "lift": round(item.support / item.expected, 3) if item.expected else None,
            "p_value": item.p_value,
            "adjusted_p_value": item.adjusted,
            "correction": "benjamini-hochberg",
            "tests": tested,
        }
        found.append(
            _candidate(
                window,
                kind=FACTOR_COMBINATION,
                signature=_code_signature(names),
                codes=names,
                terms=[],
                rows=item.rows,
                statistics=statistics,
                parameters=parameters,
                exposure=_code_sets(window, len(item.codes)),
            )
        )
    return found, combinations


# --- text clusters -------------------------------------------------------------------------------


def words(text: str) -> list[str]:
    return [word for word in _WORD.findall(text.lower()) if word not in ENGLISH_STOP_WORDS]


def _sample(ids: np.ndarray, size: int, seed: int) -> np.ndarray:
    """Positions of a deterministic sample that keeps its members as reports come and go."""
    if len(ids) <= size:
        return np.arange(len(ids))
    with np.errstate(over="ignore"):
        keys = (ids.astype(np.uint64) + np.uint64(seed)) * _GOLDEN
    return np.sort(np.argsort(keys, kind="stable")[:size])


def _normalise(vectors: np.ndarray) -> np.ndarray:
    norms = np.linalg.norm(vectors, axis=1, keepdims=True)
    return vectors / np.where(norms == 0, 1.0, norms)


def _assign(matrix: sparse.csr_matrix, centroids: np.ndarray, threshold: float) -> np.ndarray:
    """Each row's nearest centroid, or -1 when none is similar enough."""
    labels = np.full(matrix.shape[0], -1, dtype=np.int64)
    if len(centroids) == 0:
        return labels
    for start in range(0, matrix.shape[0], _CHUNK):
        similarity = np.asarray(matrix[start : start + _CHUNK] @ centroids.T)
        best = similarity.argmax(axis=1)
        close = similarity[np.arange(len(best)), best] >= threshold
        labels[start : start + len(best)] = np.where(close, best, -1)
    return labels


def _centroids(matrix: sparse.csr_matrix, labels: np.ndarray, count: int) -> np.ndarray:
    chosen = labels >= 0
    indicator = sparse.csr_matrix(
        (np.ones(int(chosen.sum())), (labels[chosen], np.nonzero(chosen)[0])),
        shape=(count, matrix.shape[0]),
    )
    return _normalise(np.asarray((indicator @ matrix).todense()))


def _tightness(matrix: sparse.csr_matrix) -> float:
    """Mean pairwise cosine similarity of l2-normalised rows."""
    size = matrix.shape[0]
    if size < 2:
        return 0.0
    total = np.asarray(matrix.sum(axis=0)).ravel()
    return float((total @ total - size) / (size * (size - 1)))


def _tightness_standard_error(matrix: sparse.csr_matrix) -> float:
    """The standard error of a cluster's tightness, from how alike each member is to the rest.

    Tightness is a U-statistic over pairs; to first order its variance is four times the variance
    of each member's mean similarity to the others, over the number of members (Hoeffding).
    Needs three members or more (``_assured_tightness`` sees to it).
    """
    size = matrix.shape[0]
    total = np.asarray(matrix.sum(axis=0)).ravel()
    to_others = (matrix @ total - 1.0) / (size - 1)
    return float(2 * np.std(to_others, ddof=1) / np.sqrt(size))


def _merge(centroids: np.ndarray, threshold: float) -> np.ndarray:
    """Labels joining centroids that are similar (one theme split by k-means)."""
    similar = sparse.csr_matrix(centroids @ centroids.T >= threshold)
    _count, labels = sparse.csgraph.connected_components(similar, directed=False)
    return labels


def _k_means(sample: sparse.csr_matrix, parameters: DetectionParameters) -> np.ndarray:
    """Unit centroids of spherical k-means on the sample, about one per ``docs_per_cluster``.

    Seeded like k-means++ (each next seed drawn with probability growing with its cosine distance
    from the seeds so far), then Lloyd's steps on cosine similarity until no report changes its
    cluster; deterministic for the same sample and seed. (scikit-learn's KMeans took 30 s of a
    100,000-report run on sparse rows; this takes a second or two.)
    """
    size = sample.shape[0]
    clusters = min(parameters.max_clusters, max(2, size // parameters.docs_per_cluster), size // 2)
    if clusters < 2:
        return np.zeros((0, sample.shape[1]))
    rng = np.random.default_rng(parameters.seed)
    trials = 2 + int(np.log(clusters))
    # Rows' similarity to a few rows, through the words those rows hold: a word's row here lists
    # the reports holding it, far fewer than all the sample's words.
    by_word = sample.T.tocsr()

    def similarity_to(rows: np.ndarray) -> np.ndarray:
        return np.asarray((sample[rows] @ by_word).todense()).T

    seeds = [int(rng.integers(size))]
    nearest = similarity_to(np.array(seeds))[:, 0]
    for _ in range(1, clusters):
        # Greedy k-means++ (as scikit-learn seeds): of a few draws, the one that leaves the
        # reports closest to their nearest seed.
        distance = np.clip(1.0 - nearest, 0.0, None).astype(np.float64)
        total = distance.sum()
        if total <= 0:
            break
        draws = np.searchsorted(np.cumsum(distance), rng.random(trials) * total, side="right")
        draws = np.minimum(draws, size - 1)
        similarity = np.maximum(nearest[:, None], similarity_to(draws))
        best = int(np.argmin((1.0 - similarity).sum(axis=0)))
        seeds.append(int(draws[best]))
        nearest = similarity[:, best]
    centroids = sample[seeds].toarray().astype(np.float32)
    labels = np.full(size, -1)
    for _ in range(parameters.k_means_steps):
        similarity = np.asarray(sample @ centroids.T)
        moved = similarity.argmax(axis=1)
        if np.array_equal(moved, labels):
            break
        labels = moved
        indicator = sparse.csr_matrix(
            (np.ones(size, dtype=np.float32), (labels, np.arange(size))),
            shape=(len(centroids), size),
        )
        summed = np.asarray((indicator @ sample).todense())
        empty = np.asarray(indicator.sum(axis=1)).ravel() == 0
        centroids = np.where(empty[:, None], centroids, _normalise(summed)).astype(np.float32)
    return _normalise(centroids)


def _sample_clusters(sample: sparse.csr_matrix, parameters: DetectionParameters) -> np.ndarray:
    """Centroids of the tight clusters in the sample (rows are unit vectors)."""
    centroids = _k_means(sample, parameters)
    if len(centroids) == 0:
        return centroids
    for _round in range(2):
        labels = _assign(sample, centroids, parameters.member_similarity)
        keep = [
            label
            for label in range(len(centroids))
            if np.count_nonzero(labels == label) >= 2
            and _tightness(sample[labels == label]) >= parameters.min_tightness
        ]
        if not keep:
            return np.zeros((0, sample.shape[1]))
        joined = _merge(centroids[keep], parameters.merge_similarity)
        relabel = np.full(len(centroids), -1)
        relabel[keep] = joined
        merged_labels = np.where(labels >= 0, relabel[labels], -1)
        centroids = _centroids(sample, merged_labels, int(joined.max()) + 1)
    return centroids


def _shuffled(sample: sparse.csr_matrix, idf: np.ndarray, seed: int) -> sparse.csr_matrix:
    """The sample with its words dealt out again at random (the null model of no stories).

    Each report keeps how many distinct words it has and their term-frequency weights, and the
    window keeps how often each word is used, but which words share a report is chance alone.
    """
    rng = np.random.default_rng(seed)
    term_frequency = sample.data / idf[sample.indices]
    words = rng.permutation(sample.indices)
    null = sparse.csr_matrix(
        (term_frequency * idf[words], words, sample.indptr.copy()), shape=sample.shape
    )
    null.sum_duplicates()
    return normalize(null)


def _assured_tightness(matrix: sparse.csr_matrix, parameters: DetectionParameters) -> float:
    """Tightness less ``chance_margin`` standard errors: what a cluster this size surely reaches.
    Two reports give no spread to measure, so nothing is assured of them."""
    if matrix.shape[0] < 3:
        return float("-inf")
    return _tightness(matrix) - parameters.chance_margin * _tightness_standard_error(matrix)


def _chance_tightness(
    sample: sparse.csr_matrix, idf: np.ndarray, parameters: DetectionParameters
) -> float:
    """The assured tightness that no cluster should reach when there are no stories to find.

    k-means runs on the shuffled sample and every cluster of ``min_support`` or more is measured.
    Their assured tightness is roughly normal; the bar is the value that the closest of that many
    clusters exceeds with probability ``chance_alpha`` (Šidák), so the number of clusters tried
    is paid for. A single shuffle's closest cluster would be beaten by pure noise every other run.
    Never below ``min_tightness``.
    """
    null = _shuffled(sample, idf, parameters.seed)
    centroids = _k_means(null, parameters).astype(np.float32)
    labels = _assign(null, centroids, parameters.member_similarity)
    reached = np.array(
        [
            _assured_tightness(null[labels == label], parameters)
            for label in range(len(centroids))
            if np.count_nonzero(labels == label) >= parameters.min_support
        ]
    )
    if len(reached) < 2:
        return parameters.min_tightness
    tail = 1 - (1 - parameters.chance_alpha) ** (1 / len(reached))
    bar = reached.mean() + reached.std(ddof=1) * norm.isf(tail)
    return max(parameters.min_tightness, float(bar))


def _label_terms(
    members: sparse.csr_matrix,
    document_frequency: np.ndarray,
    documents: int,
    vocabulary: np.ndarray,
    limit: int,
) -> list[str]:
    inside = (np.asarray((members > 0).sum(axis=0)).ravel() + 0.5) / (members.shape[0] + 1)
    overall = (document_frequency + 0.5) / (documents + 1)
    # Each term's share of the divergence of the cluster from the whole window.
    score = np.where(inside >= 0.2, inside * np.log(inside / overall), 0.0)
    order = np.lexsort((vocabulary, -score))
    return [str(vocabulary[i]) for i in order[:limit] if score[i] > 0]


def _label_codes(window: _Window, rows: np.ndarray) -> list[str]:
    inside = np.asarray(window.codes[rows].sum(axis=0)).ravel() / max(len(rows), 1)
    overall = np.diff(window.codes.indptr) / max(window.size, 1)
    lift = np.divide(inside, overall, out=np.zeros_like(inside), where=overall > 0)
    chosen = np.nonzero((inside >= 0.3) & (lift >= 2))[0]
    ranked = sorted(chosen, key=lambda code: (-lift[code], window.code_names[code]))
    return [window.code_names[code] for code in ranked[:3]]


def _story_rising(window: _Window, rows: np.ndarray, parameters: DetectionParameters) -> bool:
    exposure = _all_reports(window)
    return _trend(_monthly(window, rows), exposure.totals, parameters).rising


@dataclass(frozen=True)
class _Space:
    """TF-IDF as scikit-learn's TfidfVectorizer(min_df=2, max_df=0.5, sublinear_tf=True) fits it
    on the sample: the words in at least two and at most half of the sample's reports, in
    alphabetical order, weighted by their smoothed inverse document frequency in the sample."""

    column: np.ndarray  # per word seen: its column, or -1
    idf: np.ndarray
    vocabulary: np.ndarray
    document_frequency: np.ndarray

    @classmethod
    def fit(cls, sample_counts: sparse.csr_matrix, words: np.ndarray) -> _Space | None:
        documents = sample_counts.shape[0]
        frequency = np.bincount(sample_counts.indices, minlength=sample_counts.shape[1])
        chosen = np.nonzero((frequency >= 2) & (frequency <= 0.5 * documents))[0]
        if len(chosen) == 0:
            return None
        chosen = chosen[np.argsort(words[chosen].astype(str), kind="stable")]
        column = np.full(sample_counts.shape[1], -1, dtype=np.int64)
        column[chosen] = np.arange(len(chosen))
        idf = (np.log((1 + documents) / (1 + frequency[chosen])) + 1).astype(np.float32)
        return cls(column, idf, words[chosen], frequency[chosen])

    def transform(self, counts: sparse.csr_matrix) -> sparse.csr_matrix:
        """Unit rows of sublinear tf times idf (rows without a chosen word stay zero), built a
        block of rows at a time so that a window of millions needs little more than its result."""
        blocks = [
            self._transform(counts[start : start + _CHUNK])
            for start in range(0, counts.shape[0], _CHUNK)
        ]
        return blocks[0] if len(blocks) == 1 else sparse.vstack(blocks, format="csr")

    def _transform(self, counts: sparse.csr_matrix) -> sparse.csr_matrix:
        column = self.column[counts.indices]
        kept = column >= 0
        rows = np.repeat(np.arange(counts.shape[0]), np.diff(counts.indptr))
        per_row = np.bincount(rows[kept], minlength=counts.shape[0])
        weight = (1 + np.log(counts.data[kept].astype(np.float32))) * self.idf[column[kept]]
        matrix = sparse.csr_matrix(
            (weight, column[kept], np.concatenate(([0], np.cumsum(per_row)))),
            shape=(counts.shape[0], len(self.idf)),
        )
        # Columns in word order within each row: the sums below then add in the same order
        # whichever run first saw a word.
        matrix.sort_indices()
        return normalize(matrix, copy=False)


def _text_candidates(
    window: _Window, code_candidates: list[Candidate], parameters: DetectionParameters
) -> list[Candidate]:
    if not parameters.text_clusters or window.size < 2 * parameters.min_support:
        return []
    positions = _sample(window.ids, parameters.text_sample_size, parameters.seed)
    space = _Space.fit(window.counts[positions], window.words)
    if space is None:  # no word occurs in two reports: nothing to cluster
        return []
    sample = space.transform(window.counts[positions])
    centroids = _sample_clusters(sample, parameters).astype(np.float32)
    if len(centroids) == 0:
        return []
    chance = _chance_tightness(sample, space.idf, parameters)
    full = sample if len(positions) == window.size else space.transform(window.counts)
    labels = _assign(full, centroids, parameters.member_similarity)
    document_frequency = space.document_frequency
    vocabulary = space.vocabulary
    explained = [(set(candidate.members), candidate.rising) for candidate in code_candidates]
    found = []
    for label in range(len(centroids)):
        rows = np.nonzero(labels == label)[0]
        if len(rows) < parameters.min_support:
            continue
        tightness = _tightness(full[rows])
        if _assured_tightness(full[rows], parameters) <= chance:
            continue
        if _distinct_months(window, rows) < parameters.min_months:
            continue
        ids = set(window.ids[rows].tolist())
        explaining = [
            rising
            for other, rising in explained
            if len(ids & other) > parameters.explained_overlap * len(ids)
        ]
        # A story the codes already tell adds nothing, unless the story is rising while the codes
        # are not: recent reports carry fewer codes until the panel has coded them.
        if explaining and (any(explaining) or not _story_rising(window, rows, parameters)):
            continue
        terms = _label_terms(
            full[rows], document_frequency, sample.shape[0], vocabulary, parameters.max_terms
        )
        codes = _label_codes(window, rows)
        digest = hashlib.sha256("|".join(sorted(terms)).encode()).hexdigest()[:24]
        statistics = {
            "tightness": round(tightness, 4),
            "chance_tightness": round(chance, 4),
            "tightness_standard_error": round(_tightness_standard_error(full[rows]), 4),
            "share_of_window": round(len(rows) / window.size, 6),
            "method": "tf-idf, spherical k-means on a sample, nearest-centroid assignment",
            "sample_size": int(sample.shape[0]),
        }
        found.append(
            _candidate(
                window,
                kind=TEXT_CLUSTER,
                signature=f"text:{digest}",
                codes=codes,
                terms=terms,
                rows=rows,
                statistics=statistics,
                parameters=parameters,
                exposure=_all_reports(window),
            )
        )
    return found


# --- the run -------------------------------------------------------------------------------------


def detect(
    reports: Sequence[ReportInput] | ReportColumns,
    *,
    today: datetime.date,
    parameters: DetectionParameters | None = None,
    cache: WordCache | None = None,
) -> list[Candidate]:
    """Candidate themes among the reports of the window ending in ``today``'s month.

    Sorted by kind (code combinations first), then by support (largest first), then signature.
    Given the ``cache`` of the previous run, only new or changed texts are read; the themes are
    the same as without it (``WordCache``).
    """
    parameters = parameters or DetectionParameters()
    if not isinstance(reports, ReportColumns):
        reports = ReportColumns.from_reports(reports)
    window = _window(reports, today, parameters, cache or WordCache())
    combination_candidates, combinations = _combination_candidates(window, parameters)
    code_candidates = combination_candidates + _single_codes(window, combinations, parameters)
    text = _text_candidates(window, code_candidates, parameters)
    unique: dict[str, Candidate] = {}
    for candidate in code_candidates + text:
        # Two clusters labelled alike keep one identity: the larger.
        held = unique.get(candidate.signature)
        if held is None or len(candidate.members) > len(held.members):
            unique[candidate.signature] = candidate
    return sorted(
        unique.values(),
        key=lambda c: (c.kind != FACTOR_COMBINATION, -len(c.members), c.signature),
    )


# --- reconciliation ------------------------------------------------------------------------------


def _overlap(left: frozenset[int], right: frozenset[int]) -> float:
    """Share of the smaller group that is also in the other (robust to a theme growing)."""
    smaller = min(len(left), len(right))
    return len(left & right) / smaller if smaller else 0.0


def _match_score(theme: ExistingTheme, candidate: Candidate, min_overlap: float) -> float:
    if theme.signature == candidate.signature:
        return 3.0
    same_codes = candidate.kind == FACTOR_COMBINATION and theme.kind in (None, FACTOR_COMBINATION)
    if same_codes and theme.codes and sorted(theme.codes) == sorted(candidate.codes):
        return 2.0
    if theme.kind is not None and theme.kind != candidate.kind:
        return 0.0
    overlap = _overlap(theme.members, frozenset(candidate.members))
    return overlap if overlap >= min_overlap else 0.0


def reconcile(
    existing: Sequence[ExistingTheme],
    found: Sequence[Candidate],
    *,
    growth_factor: float = 1.5,
    min_overlap: float = 0.5,
) -> Reconciliation:
    """Match this run's candidates to stored themes, one to one, best match first.

    A candidate continues a theme with the same signature, else a code combination with the same
    codes, else the theme sharing at least ``min_overlap`` of the smaller member set. Continuing a
    candidate, accepted or retired theme updates it (a retired one is re-proposed); continuing a
    dismissed or merged theme is suppressed unless it now has ``growth_factor`` times the members it
    had when dismissed. Candidate themes that nothing continues are retired; accepted themes are the
    panel's and are never retired here.
    """
    pairs = []
    for theme in existing:
        for index, candidate in enumerate(found):
            score = _match_score(theme, candidate, min_overlap)
            if score > 0:
                pairs.append((-score, theme.id, candidate.signature, index, theme))
    pairs.sort(key=lambda pair: pair[:4])
    used_themes: set[int] = set()
    used_candidates: set[int] = set()
    matched: dict[int, Candidate] = {}
    suppressed: list[Candidate] = []
    reproposed: list[int] = []
    for _score, theme_id, _signature, index, theme in pairs:
        if theme_id in used_themes or index in used_candidates:
            continue
        used_themes.add(theme_id)
        used_candidates.add(index)
        candidate = found[index]
        if theme.status in ("dismissed", "merged"):
            before = theme.dismissed_member_count or len(theme.members)
            if len(candidate.members) < growth_factor * before:
                suppressed.append(candidate)
                continue
            reproposed.append(theme_id)
        elif theme.status == "retired":
            reproposed.append(theme_id)
        matched[theme_id] = candidate
    new = [candidate for index, candidate in enumerate(found) if index not in used_candidates]
    retired = sorted(
        theme.id for theme in existing if theme.status == "candidate" and theme.id not in matched
    )
    return Reconciliation(
        matched=dict(sorted(matched.items())),
        new=new,
        retired=retired,
        suppressed=suppressed,
        reproposed=sorted(reproposed),
    )
