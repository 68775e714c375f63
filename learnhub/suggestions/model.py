"""Suggest human-factors codes for a report's text, from the taxonomy's wording on day one and then
from reviewer-confirmed codes, and measure them. Pure; prediction needs numpy only."""

from __future__ import annotations

import itertools
import json
import math
import random
import re
from collections import Counter
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Protocol

import numpy as np

from learnhub.taxonomy.catalogue import Catalogue, CodeSpec

DAY_ONE_ALGORITHM = "day-one-tfidf-similarity/1"
TRAINED_ALGORITHM = "tfidf-words-chars-logistic-ovr-balanced-calibrated/2"
MODEL_FORMAT = "learnhub-suggestion-model"
# Version 2 added character n-grams, per-code thresholds and the chosen settings. A version 1
# model in the database is refused on loading, so day one serves until the next retrain.
MODEL_VERSION = 2
WENT_WELL_TIER = "went_well"

# A code gets its own classifier once reviewers have given it this many times (and withheld it as
# often); below that its score is the day-one similarity, recalibrated on the reviewers' codes.
MIN_EXAMPLES = 3
# A classified code's score is w * classifier + (1 - w) * back-off, w = n / (n + BLEND_PRIOR) for
# n confirmed reports. The classifier already sees the day-one similarity as a feature, so the
# back-off only needs to steady the first handful of examples.
BLEND_PRIOR = 1.0
# The regularisation strengths tried by cross-validation on the reports being learnt from; the
# one with the best ``selection_figure`` is kept. REGULARISATION_C is used when there are too
# few reports to hold any out.
REGULARISATION_GRID = (1.0, 4.0, 16.0)
REGULARISATION_C = 4.0
FOLDS = 5
MIN_FOLD_SIZE = 8
# A code's threshold is fitted on cross-validated scores only once reviewers have given it this
# often; below that it stays at 0.5. Thresholds are kept inside THRESHOLD_RANGE.
MIN_THRESHOLD_EXAMPLES = 5
THRESHOLD_RANGE = (0.02, 0.98)
CLASS_WEIGHT = "balanced"
# How far the ranked list moves from raw scores towards threshold-calibrated ones (0 raw, 1 fully
# calibrated), chosen by cross-validation with the regularisation.
RANK_SHIFTS = (0.0, 0.5, 1.0)
SOLVER = "liblinear"
# The day-one similarity enters each classifier as one extra column; scaled so that it stands
# comparison with the unit-length TF-IDF features under the same regularisation.
STACK_SCALE = 5.0
# The back-off curve has only three parameters but is fitted in-sample, where a code no reviewer
# has given is never right; mild regularisation keeps it from calling such codes impossible.
BACK_OFF_C = 1.0
BACK_OFF_SCALE = 10.0
MAX_ITERATIONS = 2000
MIN_DOCUMENT_FREQUENCY = 2
MAX_FEATURES = 6000
# Character 3- to 5-grams within words, the most frequent MAX_CHAR_FEATURES of them.
CHAR_GRAM_SIZES = (3, 4, 5)
MAX_CHAR_FEATURES = 6000
# Stored figures are rounded to keep the JSON small. The model in memory holds the same rounded
# figures, so a round trip through JSON gives identical scores.
STORED_DECIMALS = 4
IDF_DECIMALS = 6

# Day one has no labelled data to calibrate on, so the curve from cosine similarity to a score
# is set by hand: a text that shares a code's distinctive phrases scores above one half.
DAY_ONE_MIDPOINT = 0.13
DAY_ONE_STEEPNESS = 18.0
# Below this share of good-practice wording the went-well codes are held right down; at the floor
# plus the span they count in full, and beyond it up to double.
GOOD_PRACTICE_FLOOR = 0.45
GOOD_PRACTICE_SPAN = 0.4

# How strongly each field of a code speaks for it: titles and prompts are the plainest statements.
# Exclusion notes are left out: they name other codes' situations.
FIELD_WEIGHTS = {
    "title": 3,
    "prompt": 2,
    "definition": 1,
    "includes": 1,
    "examples": 1,
    "category": 1,
    "ycff_domain": 1,
}


class ModelInvalid(ValueError):
    """A stored model that cannot be used: not JSON, the wrong shape, or another catalogue's."""


@dataclass(frozen=True)
class Suggestion:
    code: str
    score: float


@dataclass(frozen=True)
class LabelledReport:
    text: str
    codes: frozenset[str]


@dataclass(frozen=True)
class Scores:
    """How well suggestions agree with reviewers on held-out reports (see ``evaluate``).

    - ``micro_f1``: F1 over every (report, code) decision pooled together.
    - ``macro_f1``: per-code F1 averaged over the codes reviewers gave in the held-out reports.
    - ``top3_recall``: of all reviewer codes in the held-out reports, the share found among their
      report's top k suggestions (micro: a report with three codes counts three times).
    """

    micro_f1: float
    macro_f1: float
    top3_recall: float
    reports: int
    codes: int


class Suggester(Protocol):
    algorithm: str

    def suggest(self, text: str, limit: int = 5) -> list[Suggestion]:
        """Up to ``limit`` codes, best first, scored in [0, 1]; none if the text gives nothing to
        go on (no words, or for day one no word the catalogue uses)."""
        ...


# --- Words ---------------------------------------------------------------------------------


def _word_set(words: str) -> frozenset[str]:
    return frozenset(words.split())


# Social-care shorthand and near-synonyms, rewritten to the words the taxonomy uses. Applied to
# the catalogue and to reports alike, so "EDT" in a report meets "out-of-hours" in a definition.
SYNONYMS: dict[str, str] = {
    "out of hours": "outofhours",
    "ooh": "outofhours",
    "edt": "outofhours",
    "emergency duty team": "outofhours",
    "emergency duty service": "outofhours",
    "night team": "outofhours",
    "multi agency safeguarding hub": "frontdoor",
    "mash": "frontdoor",
    "front door": "frontdoor",
    "duty desk": "frontdoor",
    "strategy meeting": "strategy discussion",
    "strategy call": "strategy discussion",
    "strat meeting": "strategy discussion",
    "section 47": "enquiry",
    "s47": "enquiry",
    "s 47": "enquiry",
    "child protection enquiry": "enquiry",
    "camhs": "child mental health service",
    "gp": "gp health",
    "health visitor": "healthvisitor health",
    "hv": "healthvisitor health",
    "midwife": "midwife health",
    "paediatrician": "paediatrician health",
    "hospital": "hospital health",
    "dsl": "school safeguarding lead",
    "designated safeguarding lead": "school safeguarding lead",
    "ofsted": "ofsted inspection",
    "inspectors": "inspection",
    "locum": "locum agency",
    "agency contract": "agency staff",
    "nqsw": "newly qualified",
    "asye": "newly qualified",
    "new starter": "new newly qualified",
    "just qualified": "newly qualified",
    "iro": "independent reviewing officer",
    "icpc": "child protection conference",
    "rcpc": "child protection conference",
    "cp plan": "child protection plan",
    "cpp": "child protection plan",
    "cin": "child in need",
    "lac": "looked after in care",
    "cla": "looked after in care",
    "cic": "looked after in care",
    "yos": "youth justice",
    "yjs": "youth justice",
    "yot": "youth justice",
    "nfa": "no further action",
    "cse": "exploitation",
    "cce": "exploitation",
    "county lines": "exploitation",
    "dv": "domestic abuse",
    "domestic violence": "domestic abuse",
    "fgc": "family group conference",
    "bsl": "british sign language interpreter",
    "signs": "sign language",
    "translate": "interpret",
    "translator": "interpreter",
    "language line": "telephone interpreter",
    "mosaic": "recording system",
    "liquidlogic": "recording system",
    "lcs": "recording system",
    "eclipse": "recording system",
    "case management system": "recording system",
    "case system": "recording system",
    "electronic file": "record",
    "caseloads": "caseload",
    "case load": "caseload",
    "carrying": "holding",
    "burnt out": "tired stressed",
    "burned out": "tired stressed",
    "exhausted": "tired",
    "shattered": "tired",
    "anxiety": "stress worry",
    "frightened": "fear stress",
    "scared": "fear stress",
    "unregulated": "unregistered",
    "tablet": "laptop device",
    "handset": "phone device",
    "vpn": "remote access",
    "wifi": "connection",
    "signal": "phone signal",
    "bumped": "moved cancelled",
    "postponed": "moved cancelled",
    "chron": "chronology",
    "sign off": "approval",
    "signed off": "approved",
    "authorisation": "approval",
    "funding panel": "panel funding",
    "resource panel": "panel funding",
    "head of service": "senior manager",
    "no one": "nobody",
    "noone": "nobody",
    # Every report is about a child; these say nothing about which factor was at work.
    "young person": "child",
    "young people": "child",
}

# Words that mark a story of good practice (the catch, the recovery, the help) and words of
# failure; their balance tells a good-practice story from a near miss.
GOOD_CUES = _word_set(
    """well good helped help helpful quickly quick straight immediately promptly same
    thanks thanked praised noticed spotted caught asked checked realised together joint
    shared trusted trust confided reflective difference safe worked agreed centre own
    stopped prevented recovered apologised openly learn spoke listened curiosity challenged
    rang phoned alert"""
)
BAD_CUES = _word_set(
    """not nobody never without missed lost late delay delayed waited waiting failed
    unable wrong forgot forgotten short gap gaps drift drifted lapsed vanished
    bounced down hidden buried unclear no nothing disagreed refused stuck"""
)

_STOPWORDS = _word_set(
    """a about above after again against all also am an and any are as at be because been
    before being below between both but by can could did do does doing during each
    few for from further had has have having he her here hers herself him himself his how
    i if in into is it its itself just me more most my myself of on once only or other
    our ours ourselves out over she should so some such than that the their theirs
    them themselves then there these they this those through to too under until up very was
    we were what when where which while who whom why will with would you your yours yourself
    yourselves one two three four five six seven eight nine ten us got get went go going
    still even every really much many lot lots back away around time day days week weeks
    month months year years"""
)
_IRREGULAR = {
    "children": "child",
    "childrens": "child",
    "seen": "see",
    "saw": "see",
    "told": "tell",
    "spoke": "speak",
    "spoken": "speak",
    "made": "make",
    "took": "take",
    "taken": "take",
    "knew": "know",
    "known": "know",
    "thought": "think",
    "felt": "feel",
    "found": "find",
    "lost": "lose",
    "met": "meet",
    "left": "leave",
    "sent": "send",
    "kept": "keep",
    "held": "hold",
    "brought": "bring",
    "gave": "give",
    "given": "give",
    "wrote": "write",
    "written": "write",
    "women": "woman",
    "men": "man",
    "people": "person",
    "cannot": "not",
}
# The light stemmer's suffixes, longest first, each with the shortest stem it may leave behind.
_SUFFIXES = (
    ("ements", 4),
    ("ations", 4),
    ("ement", 4),
    ("ments", 4),
    ("ation", 4),
    ("itions", 4),
    ("ition", 4),
    ("ators", 4),
    ("ions", 4),
    ("ated", 4),
    ("ates", 4),
    ("ings", 3),
    ("ion", 4),
    ("ing", 3),
    ("ate", 4),
    ("ers", 4),
    ("ors", 4),
    ("ed", 3),
    ("er", 4),
    ("or", 4),
    ("ly", 4),
    ("s", 3),
)
_KEEP_WHOLE = _word_set(
    """family reply apply supply early likely daily only elderly july process address
    across access business status analysis crisis basis yes unless series"""
)
_WORD = re.compile(r"[a-z0-9]+")
_SYNONYM = re.compile(
    r"\b(" + "|".join(re.escape(p) for p in sorted(SYNONYMS, key=len, reverse=True)) + r")\b"
)


def _words(text: str) -> list[str]:
    """The text as stemmed content words, with social-care synonyms mapped onto shared terms."""
    # "IT" the department, not the pronoun: only the capitals tell them apart.
    text = re.sub(r"\bIT\b", " computer systems ", text).lower()
    text = text.replace("\u2019", "'").replace("-", " ").replace("/", " ")
    text = re.sub(r"\bcan't\b", "can not", text)
    text = re.sub(r"\bwon't\b", "will not", text)
    text = re.sub(r"n't\b", " not", text)
    text = re.sub(r"'s\b", "", text)
    text = _SYNONYM.sub(lambda match: SYNONYMS[match.group(1)], text)
    words = (_IRREGULAR.get(word, word) for word in _WORD.findall(text))
    return [_stem(word) for word in words if word not in _STOPWORDS and not word.isdigit()]


def _stem(word: str) -> str:
    if len(word) <= 3 or word in _KEEP_WHOLE:
        return word
    if word.endswith(("ies", "ied")) and len(word) > 4:
        return word[:-3] + "y"
    for suffix, shortest in _SUFFIXES:
        stem = word[: -len(suffix)]
        if not word.endswith(suffix) or len(stem) < shortest:
            continue
        if suffix == "s" and word.endswith(("ss", "us", "is")):
            return word
        return _tidy(stem)
    return _tidy(word)


def _tidy(stem: str) -> str:
    # So that "stopped" and "stop" meet, and "shared" and "share".
    if len(stem) >= 4 and stem[-1] == stem[-2] and stem[-1] not in "lsz":
        stem = stem[:-1]
    if len(stem) >= 4 and stem.endswith("e"):
        stem = stem[:-1]
    return stem


def _terms(text: str) -> Counter[str]:
    """Word and word-pair counts: the pairs keep phrases such as "not seen" or "strategy
    discussion" apart from their words used separately."""
    words = _words(text)
    counts = Counter(words)
    counts.update(f"{first} {second}" for first, second in itertools.pairwise(words))
    return counts


_NEGATORS = frozenset({"not", "no", "never", "without", "nobody", "nothing"})
_GOOD_STEMS = frozenset(_stem(_IRREGULAR.get(word, word)) for word in GOOD_CUES)
_BAD_STEMS = frozenset(_stem(_IRREGULAR.get(word, word)) for word in BAD_CUES)


def _good_practice_share(counts: Counter[str]) -> float:
    """Between 0 and 1: how far the wording leans towards good practice rather than problems."""
    good = bad = 0
    for term, count in counts.items():
        first, _, second = term.partition(" ")
        if not second:
            good += count * (term in _GOOD_STEMS)
            bad += count * (term in _BAD_STEMS)
        elif first in _NEGATORS and second in _GOOD_STEMS:
            # "not shared" is a failure word, though "shared" alone is not.
            good -= count
    return (good + 1) / (max(good, 0) + bad + 2)


# --- Vectors --------------------------------------------------------------------------------


@dataclass(frozen=True, eq=False)
class _Vectoriser:
    """TF-IDF over a fixed vocabulary, with sublinear term frequency and unit length."""

    vocabulary: Mapping[str, int]
    idf: np.ndarray

    @classmethod
    def fit(
        cls, documents: Sequence[Counter[str]], *, min_df: int = 1, max_features: int | None = None
    ) -> _Vectoriser:
        frequency: Counter[str] = Counter()
        for document in documents:
            frequency.update(document.keys())
        kept = [term for term, count in frequency.items() if count >= min_df]
        # Ties are broken by the term itself, so the vocabulary never depends on input order.
        kept.sort(key=lambda term: (-frequency[term], term))
        kept = sorted(kept[:max_features] if max_features else kept)
        total = len(documents)
        # Rounded as stored, so that training and every later prediction use the same figures.
        idf = [round(math.log((1 + total) / (1 + frequency[t])) + 1, IDF_DECIMALS) for t in kept]
        return cls({term: index for index, term in enumerate(kept)}, np.array(idf))

    @classmethod
    def from_terms(cls, terms: Sequence[str], idf: Sequence[float]) -> _Vectoriser:
        return cls({term: index for index, term in enumerate(terms)}, np.array(idf, dtype=float))

    @property
    def size(self) -> int:
        return len(self.vocabulary)

    def terms(self) -> list[str]:
        return sorted(self.vocabulary, key=self.vocabulary.__getitem__)

    def sparse(self, counts: Counter[str]) -> tuple[np.ndarray, np.ndarray]:
        """Column indices and unit-length weights of the terms this vocabulary knows."""
        known = sorted(
            (self.vocabulary[term], count)
            for term, count in counts.items()
            if term in self.vocabulary
        )
        if not known:
            return np.zeros(0, dtype=np.int64), np.zeros(0)
        columns = np.array([column for column, _ in known], dtype=np.int64)
        weights = np.array([1 + math.log(count) for _, count in known]) * self.idf[columns]
        return columns, weights / np.linalg.norm(weights)

    def dense(self, counts: Counter[str]) -> np.ndarray:
        vector = np.zeros(self.size)
        columns, weights = self.sparse(counts)
        vector[columns] = weights
        return vector


# --- Day one: similarity to the catalogue's wording -----------------------------------------


def _code_document(code: CodeSpec) -> Counter[str]:
    counts: Counter[str] = Counter()
    for name, weight in FIELD_WEIGHTS.items():
        value = getattr(code, name)
        for text in value if isinstance(value, tuple) else (value,):
            for term, count in _terms(text).items():
                counts[term] += count * weight
    return counts


class DayOneSuggester(Suggester):
    """Ranks codes by TF-IDF cosine similarity between the text and each code's description,
    tilted towards the went-well codes when the text reads as good practice."""

    algorithm = DAY_ONE_ALGORITHM

    def __init__(self, catalogue: Catalogue) -> None:
        self.catalogue = catalogue
        self.codes = tuple(code.code for code in catalogue.codes)
        documents = [_code_document(code) for code in catalogue.codes]
        self._vectoriser = _Vectoriser.fit(documents)
        self._matrix = np.vstack([self._vectoriser.dense(document) for document in documents])
        self._went_well = np.array([code.tier == WENT_WELL_TIER for code in catalogue.codes])

    def similarities(self, counts: Counter[str]) -> np.ndarray:
        """Tilted cosine similarity to every code, in catalogue order."""
        columns, weights = self._vectoriser.sparse(counts)
        if columns.size == 0:
            return np.zeros(len(self.codes))
        cosine = self._matrix[:, columns] @ weights
        # Bag-of-words alone cannot tell "shared quickly" from "not shared", so the balance of
        # good-practice and failure words decides between the went-well and the problem codes.
        share = _good_practice_share(counts)
        went_well = 2 * np.clip((share - GOOD_PRACTICE_FLOOR) / GOOD_PRACTICE_SPAN, 0, 1)
        return cosine * np.where(self._went_well, went_well, 1.5 - share)

    def suggest(self, text: str, limit: int = 5) -> list[Suggestion]:
        similarities = self.similarities(_terms(text))
        if not similarities.any():
            # No word the catalogue uses: any ranking would be arbitrary.
            return []
        scores = _sigmoid(DAY_ONE_STEEPNESS * (similarities - DAY_ONE_MIDPOINT))
        return _ranked(self.codes, scores, limit)


def day_one_suggester(catalogue: Catalogue) -> DayOneSuggester:
    """Suggestions from the catalogue alone, for before any reviewer has confirmed a code."""
    return DayOneSuggester(catalogue)


def _ranked(
    codes: Sequence[str], scores: np.ndarray, limit: int, ranking: np.ndarray | None = None
) -> list[Suggestion]:
    """The codes in order of ``ranking`` (by default their scores), each with its score."""
    ranking = scores if ranking is None else ranking
    # Equal figures fall back to catalogue order, so the ranking is reproducible.
    order = sorted(range(len(codes)), key=lambda index: (-ranking[index], index))
    clipped = np.clip(scores, 0.0, 1.0)
    return [Suggestion(codes[index], float(clipped[index])) for index in order[: max(limit, 0)]]


def _sigmoid(values: np.ndarray) -> np.ndarray:
    return 1.0 / (1.0 + np.exp(-np.clip(values, -60, 60)))


def _rarity(positives: np.ndarray, reports: int) -> np.ndarray:
    # Half a report is added so that a code no reviewer has given yet is rare, not impossible.
    return np.log((positives + 0.5) / (reports + 1.0))


# --- Learnt from reviewer-confirmed codes ---------------------------------------------------


def _char_grams(text: str) -> Counter[str]:
    """Character 3- to 5-grams inside each word, padded with a space at either end: they match
    inflections, compounds and misspellings ("comms", "communication") that whole words miss."""
    counts: Counter[str] = Counter()
    for word in _CHAR_WORD.findall(text.lower()):
        padded = f" {word} "
        for size in CHAR_GRAM_SIZES:
            if len(padded) <= size:
                counts[padded] += 1
                break
            counts.update(padded[start : start + size] for start in range(len(padded) - size + 1))
    return counts


_CHAR_WORD = re.compile(r"[a-z0-9']+")


@dataclass(frozen=True)
class _Document:
    """A report's text as the trained model reads it: stemmed words and word pairs (``_terms``),
    and character n-grams."""

    terms: Counter[str]
    chars: Counter[str]

    @classmethod
    def of(cls, text: str) -> _Document:
        return cls(_terms(text), _char_grams(text))


@dataclass(frozen=True)
class _Classifiers:
    """One logistic regression per well-attested code, over the word features, then the
    character features, plus the code's day-one similarity."""

    codes: tuple[str, ...]
    coefficients: np.ndarray  # codes x (word vocabulary + character vocabulary)
    day_one_weights: np.ndarray
    intercepts: np.ndarray


@dataclass(frozen=True)
class _BackOff:
    """One logistic curve, pooled over all codes, from day-one similarity and how rarely
    reviewers have given a code to the chance that a reviewer gives it."""

    similarity_slope: float
    rarity_slope: float
    intercept: float


class TrainedModel(Suggester):
    """Suggestions learnt from reviewer-confirmed codes; see ``train_model``.

    A code's score is its calibrated chance: the blended classifier and back-off score moved so
    that the code's own threshold, chosen by cross-validation, sits at 0.5. A score of at least
    0.5 therefore means "predicted" for every code, however rare.
    """

    algorithm = TRAINED_ALGORITHM

    def __init__(
        self,
        catalogue: Catalogue,
        vectorisers: tuple[_Vectoriser, _Vectoriser],
        classifiers: _Classifiers,
        back_off: _BackOff,
        blend_weights: Mapping[str, float],
        code_counts: Mapping[str, int],
        trained_on: int,
        seed: int,
        thresholds: Mapping[str, float] | None = None,
        settings: Mapping[str, float] | None = None,
    ) -> None:
        self.catalogue = catalogue
        self.day_one = DayOneSuggester(catalogue)
        self.codes = self.day_one.codes
        self.vectoriser, self.char_vectoriser = vectorisers
        self.classifiers = classifiers
        self.back_off = back_off
        self.blend_weights = dict(blend_weights)
        self.code_counts = {code: count for code, count in code_counts.items() if count}
        self.trained_on = trained_on
        self.seed = seed
        self.thresholds = {code: (thresholds or {}).get(code, 0.5) for code in self.codes}
        self.settings = dict(settings or {})
        counts = np.array([self.code_counts.get(code, 0) for code in self.codes], dtype=float)
        self._rows = np.array([self.codes.index(code) for code in classifiers.codes], dtype=int)
        self._blend = np.array([self.blend_weights.get(code, 0.0) for code in self.codes])
        self._back_off_offset = back_off.rarity_slope * _rarity(counts, trained_on)
        self._back_off_offset += back_off.intercept
        self._threshold_logits = _logit(np.array([self.thresholds[c] for c in self.codes]))
        self._rank_shift = float(self.settings.get("rank_shift", 1.0))

    def scores(self, text: str) -> np.ndarray:
        """Every code's calibrated score, in catalogue order."""
        return self._calibrated(self._raw_scores(_Document.of(text)))

    def raw_scores(self, text: str) -> np.ndarray:
        """Every code's score before its threshold is applied, in catalogue order."""
        return self._raw_scores(_Document.of(text))

    def _raw_scores(self, document: _Document) -> np.ndarray:
        similarity = self.day_one.similarities(document.terms)
        backed_off = _sigmoid(self.back_off.similarity_slope * similarity + self._back_off_offset)
        learnt = np.zeros(len(self.codes))
        if self._rows.size:
            columns, weights = self._features(document)
            linear = self.classifiers.coefficients[:, columns] @ weights
            linear += self.classifiers.day_one_weights * similarity[self._rows]
            learnt[self._rows] = _sigmoid(linear + self.classifiers.intercepts)
        return self._blend * learnt + (1 - self._blend) * backed_off

    def _features(self, document: _Document) -> tuple[np.ndarray, np.ndarray]:
        word_columns, word_weights = self.vectoriser.sparse(document.terms)
        char_columns, char_weights = self.char_vectoriser.sparse(document.chars)
        return (
            np.concatenate([word_columns, char_columns + self.vectoriser.size]),
            np.concatenate([word_weights, char_weights]),
        )

    def raw_matrix(self, features: Any, similarities: np.ndarray) -> np.ndarray:
        """Raw scores of many reports at once from their feature rows (words then characters)
        and day-one similarities: how cross-validation scores a fold in one step."""
        offset = self._back_off_offset
        backed_off = _sigmoid(self.back_off.similarity_slope * similarities + offset)
        learnt = np.zeros(similarities.shape)
        if self._rows.size:
            linear = np.asarray(features @ self.classifiers.coefficients.T)
            linear += similarities[:, self._rows] * self.classifiers.day_one_weights
            learnt[:, self._rows] = _sigmoid(linear + self.classifiers.intercepts)
        return self._blend * learnt + (1 - self._blend) * backed_off

    def _calibrated(self, raw: np.ndarray) -> np.ndarray:
        # Moving each code's threshold to 0.5 on the log-odds scale keeps the order of one code's
        # scores, and lets codes be compared with one another on how far they clear their bar.
        return _sigmoid(_logit(raw) - self._threshold_logits)

    def suggest(self, text: str, limit: int = 5) -> list[Suggestion]:
        document = _Document.of(text)
        if not document.terms:
            return []
        raw = self._raw_scores(document)
        # The list is ordered by the raw log-odds moved part of the way (``rank_shift``, chosen
        # by cross-validation) towards each code's threshold: thresholds tuned for F1 can push a
        # rare code too far up or down a short list for top-3 recall.
        ranking = _logit(raw) - self._rank_shift * self._threshold_logits
        return _ranked(self.codes, self._calibrated(raw), limit, ranking)

    def to_json(self) -> str:
        """The whole model as JSON: plain numbers and strings, safe to load from a database."""
        data = {
            "format": MODEL_FORMAT,
            "version": MODEL_VERSION,
            "algorithm": self.algorithm,
            "catalogue_checksum": self.catalogue.checksum,
            "trained_on": self.trained_on,
            "seed": self.seed,
            "settings": self.settings,
            "code_counts": self.code_counts,
            "vocabulary": self.vectoriser.terms(),
            "idf": self.vectoriser.idf.tolist(),
            "char_vocabulary": self.char_vectoriser.terms(),
            "char_idf": self.char_vectoriser.idf.tolist(),
            "classifiers": {
                "codes": list(self.classifiers.codes),
                "coefficients": self.classifiers.coefficients.tolist(),
                "day_one_weights": self.classifiers.day_one_weights.tolist(),
                "intercepts": self.classifiers.intercepts.tolist(),
            },
            "blend_weights": self.blend_weights,
            "back_off": {
                "similarity_slope": self.back_off.similarity_slope,
                "rarity_slope": self.back_off.rarity_slope,
                "intercept": self.back_off.intercept,
            },
            "thresholds": self.thresholds,
        }
        return json.dumps(data, separators=(",", ":"), allow_nan=False)

    @classmethod
    def from_json(cls, text: str, catalogue: Catalogue) -> TrainedModel:
        """Load a model saved by ``to_json``, raising ``ModelInvalid`` if it cannot be used with
        this catalogue. Only JSON is parsed: nothing in the text can run as code."""
        return _model_from_data(_load_json(text), catalogue)


def _logit(values: np.ndarray) -> np.ndarray:
    clipped = np.clip(values, 1e-9, 1 - 1e-9)
    return np.log(clipped / (1 - clipped))


def train_model(
    reports: Sequence[LabelledReport], catalogue: Catalogue, *, seed: int = 0
) -> TrainedModel:
    """Learn from reviewer-confirmed codes. The same reports, catalogue and seed always give the
    same model.

    Each code given at least ``MIN_EXAMPLES`` times gets a logistic regression, weighted so that
    a code's few reports count as much as the many without it, over TF-IDF word, word-pair and
    character n-gram features plus its day-one similarity; every code also has a back-off score,
    the day-one similarity recalibrated on these reports; the two are blended by how much
    evidence the code has. The regularisation and every code's threshold are chosen by
    cross-validation on these reports (``choose_settings``), then the model is fitted again on
    all of them.
    """
    _check_training(reports, {code.code for code in catalogue.codes})
    prepared = _Prepared.of(reports, catalogue)
    choice = _choose_settings(prepared, seed)
    fitted = _fit(prepared, np.arange(len(reports)), choice.regularisation, seed)
    settings = {
        "regularisation_c": choice.regularisation,
        "rank_shift": choice.rank_shift,
        # The cross-validated figures the settings were chosen on, for the record.
        "cv_micro_f1": round(choice.scores.micro_f1, STORED_DECIMALS),
        "cv_macro_f1": round(choice.scores.macro_f1, STORED_DECIMALS),
        "cv_top3_recall": round(choice.scores.top3_recall, STORED_DECIMALS),
    }
    return fitted.model(choice.thresholds, settings)


def _check_training(reports: Sequence[LabelledReport], known: set[str]) -> None:
    if not reports:
        raise ValueError("training needs at least one reviewer-coded report")
    unknown = sorted({code for report in reports for code in report.codes} - known)
    if unknown:
        # Codes from an earlier taxonomy version must be mapped before training, not dropped.
        raise ValueError(f"codes not in the catalogue: {', '.join(unknown)}")


@dataclass(frozen=True)
class _Prepared:
    """Everything about the training reports that needs no labels: fitted once and shared by
    every cross-validation fold and the final fit, so the folds differ only in what they learn
    from the codes."""

    catalogue: Catalogue
    codes: list[str]
    vectorisers: tuple[_Vectoriser, _Vectoriser]
    features: Any  # reports x (words + characters), sparse
    similarities: np.ndarray
    labels: np.ndarray

    @classmethod
    def of(cls, reports: Sequence[LabelledReport], catalogue: Catalogue) -> _Prepared:
        codes = [code.code for code in catalogue.codes]
        documents = [_Document.of(report.text) for report in reports]
        words = _Vectoriser.fit(
            [d.terms for d in documents], min_df=MIN_DOCUMENT_FREQUENCY, max_features=MAX_FEATURES
        )
        chars = _Vectoriser.fit(
            [d.chars for d in documents],
            min_df=MIN_DOCUMENT_FREQUENCY,
            max_features=MAX_CHAR_FEATURES,
        )
        from scipy.sparse import hstack

        features = hstack(
            [
                _design_matrix(words, [d.terms for d in documents]),
                _design_matrix(chars, [d.chars for d in documents]),
            ]
        ).tocsr()
        day_one = DayOneSuggester(catalogue)
        similarities = np.array([day_one.similarities(d.terms) for d in documents])
        labels = np.array([[code in report.codes for code in codes] for report in reports])
        return cls(catalogue, codes, (words, chars), features, similarities, labels)


@dataclass(frozen=True)
class _Fitted:
    prepared: _Prepared
    classifiers: _Classifiers
    back_off: _BackOff
    blend: dict[str, float]
    counts: dict[str, int]
    trained_on: int
    seed: int

    def model(self, thresholds: Mapping[str, float], settings: Mapping[str, float]) -> TrainedModel:
        return TrainedModel(
            self.prepared.catalogue,
            self.prepared.vectorisers,
            self.classifiers,
            self.back_off,
            self.blend,
            self.counts,
            self.trained_on,
            self.seed,
            thresholds,
            settings,
        )


def _fit(prepared: _Prepared, rows: np.ndarray, regularisation: float, seed: int) -> _Fitted:
    labels = prepared.labels[rows]
    counts = {
        code: int(count) for code, count in zip(prepared.codes, labels.sum(axis=0), strict=True)
    }
    classifiers = _fit_classifiers(
        prepared.features[rows],
        prepared.similarities[rows],
        labels,
        prepared.codes,
        regularisation,
        seed,
    )
    blend = {
        code: round(counts[code] / (counts[code] + BLEND_PRIOR), STORED_DECIMALS)
        for code in classifiers.codes
    }
    back_off = _fit_back_off(prepared.similarities[rows], labels, seed)
    return _Fitted(prepared, classifiers, back_off, blend, counts, len(rows), seed)


@dataclass(frozen=True)
class _Choice:
    regularisation: float
    rank_shift: float
    thresholds: dict[str, float]
    scores: Scores


def _choose_settings(prepared: _Prepared, seed: int) -> _Choice:
    """Cross-validate each regularisation strength: every report is scored by a model that did
    not learn from it; on those scores each code gets the threshold that maximises its F1, and
    the strength is chosen on F1 and top-3 recall together (``selection_figure``)."""
    folds = _folds(len(prepared.labels), seed)
    if not folds:
        neutral = dict.fromkeys(prepared.codes, 0.5)
        everything = matrix_scores(prepared.labels.astype(float), prepared.labels)
        return _Choice(REGULARISATION_C, 1.0, neutral, everything)
    best: _Choice | None = None
    for regularisation in REGULARISATION_GRID:
        raw = np.zeros(prepared.labels.shape)
        for held in folds:
            kept = np.setdiff1d(np.arange(len(prepared.labels)), held)
            model = _fit(prepared, kept, regularisation, seed).model({}, {})
            raw[held] = model.raw_matrix(prepared.features[held], prepared.similarities[held])
        thresholds = _thresholds(raw, prepared.labels, prepared.codes)
        bars = _logit(np.array([thresholds[code] for code in prepared.codes]))
        calibrated = _sigmoid(_logit(raw) - bars)
        for shift in RANK_SHIFTS:
            ranking = _logit(raw) - shift * bars
            scores = matrix_scores(calibrated, prepared.labels, ranking=ranking)
            if best is None or selection_figure(scores) > selection_figure(best.scores):
                best = _Choice(regularisation, shift, thresholds, scores)
    assert best is not None  # the grid is never empty
    return best


def _folds(count: int, seed: int) -> list[np.ndarray]:
    if count < 2 * MIN_FOLD_SIZE:
        # Too few reports to hold any out: the default settings are all there is to go on.
        return []
    order = np.random.default_rng(seed).permutation(count)
    return [np.sort(part) for part in np.array_split(order, min(FOLDS, count // MIN_FOLD_SIZE))]


def _thresholds(raw: np.ndarray, labels: np.ndarray, codes: list[str]) -> dict[str, float]:
    """Each well-attested code's own F1-best threshold; the codes with too few examples share
    one, fitted on all their scores pooled (a threshold fitted to a handful of reports would
    follow their noise, and balanced class weights lift the scores of rare codes, so a fixed
    0.5 would over-predict them)."""
    if not raw.any():
        return dict.fromkeys(codes, 0.5)
    few = labels.sum(axis=0) < MIN_THRESHOLD_EXAMPLES
    shared = _best_threshold(raw[:, few].ravel(), labels[:, few].ravel()) if few.any() else 0.5
    return {
        code: shared if few[column] else _best_threshold(raw[:, column], labels[:, column])
        for column, code in enumerate(codes)
    }


def _best_threshold(scores: np.ndarray, given: np.ndarray) -> float:
    """The score at or above which predicting the code gives the best F1 on these reports,
    halfway to the next lower score so it is not fitted to one report's exact figure."""
    order = np.argsort(-scores, kind="stable")
    ranked, hits = scores[order], given[order].astype(float)
    true_positives = np.cumsum(hits)
    f1 = 2 * true_positives / (np.arange(1, len(ranked) + 1) + given.sum())
    # Only where the next report scores lower can the line be drawn.
    f1[:-1][ranked[:-1] == ranked[1:]] = -1
    best = int(np.argmax(f1))
    lower = ranked[best + 1] if best + 1 < len(ranked) else ranked[best] / 2
    threshold = (ranked[best] + lower) / 2
    return round(float(np.clip(threshold, THRESHOLD_RANGE[0], THRESHOLD_RANGE[1])), STORED_DECIMALS)


def _fit_classifiers(
    features: Any,
    similarities: np.ndarray,
    labels: np.ndarray,
    codes: list[str],
    regularisation: float,
    seed: int,
) -> _Classifiers:
    # Imported here, not at the top, so that loading and using a model needs numpy only.
    from scipy.sparse import csr_matrix, hstack
    from sklearn.linear_model import LogisticRegression

    chosen, coefficients, day_one_weights, intercepts = [], [], [], []
    for column, code in enumerate(codes):
        positives = int(labels[:, column].sum())
        if min(positives, len(labels) - positives) < MIN_EXAMPLES:
            continue
        stacked = hstack([features, csr_matrix(STACK_SCALE * similarities[:, [column]])]).tocsr()
        # Balanced: a code on one report in twenty weighs as much as the nineteen without it,
        # so rare codes are learnt rather than drowned by the reports that lack them.
        model = LogisticRegression(
            C=regularisation,
            class_weight=CLASS_WEIGHT,
            solver=SOLVER,
            max_iter=MAX_ITERATIONS,
            random_state=seed,
        )
        model.fit(stacked, labels[:, column])
        weights = np.round(model.coef_[0], STORED_DECIMALS)
        chosen.append(code)
        coefficients.append(weights[:-1])
        # Folding the scale into the weight leaves prediction free of training settings.
        day_one_weights.append(round(float(weights[-1]) * STACK_SCALE, STORED_DECIMALS))
        intercepts.append(round(float(model.intercept_[0]), STORED_DECIMALS))
    return _Classifiers(
        tuple(chosen),
        np.array(coefficients).reshape(len(chosen), features.shape[1]),
        np.array(day_one_weights, dtype=float),
        np.array(intercepts, dtype=float),
    )


def _design_matrix(vectoriser: _Vectoriser, documents: Sequence[Counter[str]]) -> Any:
    from scipy.sparse import csr_matrix

    rows: list[int] = []
    columns: list[int] = []
    values: list[float] = []
    for row, document in enumerate(documents):
        found, weights = vectoriser.sparse(document)
        rows.extend([row] * len(found))
        columns.extend(found.tolist())
        values.extend(weights.tolist())
    return csr_matrix((values, (rows, columns)), shape=(len(documents), vectoriser.size))


def _fit_back_off(similarities: np.ndarray, labels: np.ndarray, seed: int) -> _BackOff:
    from sklearn.linear_model import LogisticRegression

    if labels.all() or not labels.any():
        # Nothing to learn a curve from: keep day one's, with rarity left out.
        return _BackOff(DAY_ONE_STEEPNESS, 0.0, -DAY_ONE_STEEPNESS * DAY_ONE_MIDPOINT)
    rarity = np.broadcast_to(_rarity(labels.sum(axis=0), len(labels)), labels.shape)
    # Similarities are scaled to the size of the rarity figures, so one penalty suits both.
    features = np.column_stack([BACK_OFF_SCALE * similarities.ravel(), rarity.ravel()])
    curve = LogisticRegression(C=BACK_OFF_C, max_iter=MAX_ITERATIONS, random_state=seed)
    curve.fit(features, labels.ravel())
    similarity_slope, rarity_slope = curve.coef_[0]
    return _BackOff(
        round(float(similarity_slope) * BACK_OFF_SCALE, STORED_DECIMALS),
        round(float(rarity_slope), STORED_DECIMALS),
        round(float(curve.intercept_[0]), STORED_DECIMALS),
    )


# --- Reading a stored model -------------------------------------------------------------------


def _load_json(text: str) -> dict[str, Any]:
    def refuse_constant(name: str) -> Any:
        raise ModelInvalid(f"the model JSON holds {name}, which is not a number a model can use")

    try:
        data = json.loads(text, parse_constant=refuse_constant)
    except (TypeError, json.JSONDecodeError) as error:
        raise ModelInvalid(f"the model is not valid JSON: {error}") from error
    if not isinstance(data, dict):
        raise ModelInvalid("the model JSON must be an object")
    return data


def _model_from_data(data: Mapping[str, Any], catalogue: Catalogue) -> TrainedModel:
    _check_header(data, catalogue)
    known = {code.code for code in catalogue.codes}
    words = _read_vectoriser(data, "vocabulary", "idf")
    chars = _read_vectoriser(data, "char_vocabulary", "char_idf")
    classifiers = _read_classifiers(data.get("classifiers"), words.size + chars.size, known)
    blend = _code_numbers(data.get("blend_weights"), "blend_weights", known)
    if set(blend) != set(classifiers.codes) or not all(0 <= w <= 1 for w in blend.values()):
        raise ModelInvalid("blend_weights: need one weight in [0, 1] for each classified code")
    counts = _code_numbers(data.get("code_counts"), "code_counts", known)
    if not all(count >= 0 and count == int(count) for count in counts.values()):
        raise ModelInvalid("code_counts: counts must be whole numbers, zero or more")
    back_off = data.get("back_off")
    if not isinstance(back_off, dict):
        raise ModelInvalid("back_off: expected an object")
    return TrainedModel(
        catalogue,
        (words, chars),
        classifiers,
        _BackOff(*(_number(back_off.get(name), f"back_off.{name}") for name in _BACK_OFF)),
        blend,
        {code: int(count) for code, count in counts.items()},
        trained_on=_whole(data.get("trained_on"), "trained_on", minimum=1),
        seed=_whole(data.get("seed"), "seed", minimum=None),
        thresholds=_read_thresholds(data.get("thresholds"), known),
        settings=_code_numbers(data.get("settings"), "settings", known=None),
    )


def _read_vectoriser(data: Mapping[str, Any], terms: str, idf: str) -> _Vectoriser:
    vocabulary = _strings(data.get(terms), terms, known=None)
    return _Vectoriser.from_terms(
        vocabulary, _array(data.get(idf), idf, (len(vocabulary),)).tolist()
    )


def _read_thresholds(value: Any, known: set[str]) -> dict[str, float]:
    thresholds = _code_numbers(value, "thresholds", known)
    if set(thresholds) != known or not all(0 < t < 1 for t in thresholds.values()):
        raise ModelInvalid("thresholds: need one threshold strictly between 0 and 1 for each code")
    return thresholds


_BACK_OFF = ("similarity_slope", "rarity_slope", "intercept")


def _check_header(data: Mapping[str, Any], catalogue: Catalogue) -> None:
    if data.get("format") != MODEL_FORMAT:
        raise ModelInvalid(f"format: expected {MODEL_FORMAT!r}, found {data.get('format')!r}")
    if data.get("version") != MODEL_VERSION:
        raise ModelInvalid(f"version: this LearnHub reads version {MODEL_VERSION} models only")
    if data.get("algorithm") != TRAINED_ALGORITHM:
        raise ModelInvalid(
            f"algorithm: expected {TRAINED_ALGORITHM!r}, found {data.get('algorithm')!r}"
        )
    if data.get("catalogue_checksum") != catalogue.checksum:
        raise ModelInvalid(
            "catalogue_checksum: the model was trained against a different taxonomy catalogue; "
            "train a new one for this catalogue"
        )


def _read_classifiers(value: Any, features: int, known: set[str]) -> _Classifiers:
    if not isinstance(value, dict):
        raise ModelInvalid("classifiers: expected an object")
    codes = _strings(value.get("codes"), "classifiers.codes", known=known)
    count = len(codes)
    return _Classifiers(
        tuple(codes),
        _array(value.get("coefficients"), "classifiers.coefficients", (count, features)),
        _array(value.get("day_one_weights"), "classifiers.day_one_weights", (count,)),
        _array(value.get("intercepts"), "classifiers.intercepts", (count,)),
    )


def _strings(value: Any, where: str, *, known: set[str] | None) -> list[str]:
    if not isinstance(value, list) or not all(isinstance(item, str) for item in value):
        raise ModelInvalid(f"{where}: expected a list of strings")
    if len(set(value)) != len(value):
        raise ModelInvalid(f"{where}: an entry is listed more than once")
    unknown = sorted(set(value) - known) if known is not None else []
    if unknown:
        raise ModelInvalid(f"{where}: codes not in the catalogue: {', '.join(unknown)}")
    return value


def _array(value: Any, where: str, shape: tuple[int, ...]) -> np.ndarray:
    described = " x ".join(str(size) for size in shape)
    try:
        array = np.asarray(value, dtype=float)
    except (TypeError, ValueError) as error:
        raise ModelInvalid(f"{where}: expected {described} numbers") from error
    if array.shape != shape and not (array.size == 0 and 0 in shape):
        raise ModelInvalid(f"{where}: expected {described} numbers, found shape {array.shape}")
    if not np.isfinite(array).all():
        raise ModelInvalid(f"{where}: every value must be a finite number")
    return array.reshape(shape)


def _code_numbers(value: Any, where: str, known: set[str] | None) -> dict[str, float]:
    if not isinstance(value, dict):
        raise ModelInvalid(f"{where}: expected an object mapping codes to numbers")
    _strings(list(value), where, known=known)
    return {code: _number(number, f"{where}.{code}") for code, number in value.items()}


def _number(value: Any, where: str) -> float:
    if isinstance(value, bool) or not isinstance(value, int | float) or not math.isfinite(value):
        raise ModelInvalid(f"{where}: expected a finite number")
    return float(value)


def _whole(value: Any, where: str, *, minimum: int | None) -> int:
    if isinstance(value, bool) or not isinstance(value, int):
        raise ModelInvalid(f"{where}: expected a whole number")
    if minimum is not None and value < minimum:
        raise ModelInvalid(f"{where}: must be at least {minimum}")
    return value


# --- Measuring ------------------------------------------------------------------------------


def split_held_out(
    reports: Sequence[LabelledReport], fraction: float = 0.2, seed: int = 0
) -> tuple[list[LabelledReport], list[LabelledReport]]:
    """(training, held out): a seeded shuffle picks round(fraction * n) reports to hold out, at
    least one when there are two or more; both parts keep the input order."""
    if not 0 < fraction < 1:
        raise ValueError("fraction must be between 0 and 1")
    count = len(reports)
    held = min(max(round(fraction * count), 1 if count >= 2 else 0), count - 1) if count else 0
    order = list(range(count))
    random.Random(seed).shuffle(order)  # noqa: S311 - a reproducible split, not a secret
    chosen = set(order[:held])
    training = [report for index, report in enumerate(reports) if index not in chosen]
    held_out = [report for index, report in enumerate(reports) if index in chosen]
    return training, held_out


def evaluate(
    suggester: Suggester, held_out: Sequence[LabelledReport], *, threshold: float = 0.5, k: int = 3
) -> Scores:
    """Compare suggestions with reviewers' codes; see ``Scores`` for what each figure means.

    The predicted set for a report is every code scoring at least ``threshold``, or the single
    best code when none does: a reviewer always sees at least one suggestion.
    """
    if not held_out:
        raise ValueError("there are no held-out reports to evaluate on")
    tallies: dict[str, list[int]] = {}  # code -> [true positives, false positives, false negatives]
    found = total = 0
    for report in held_out:
        suggestions = suggester.suggest(report.text, limit=max(k, _EVERY_CODE))
        _tally(tallies, _predicted(suggestions, threshold), report.codes)
        found += len(report.codes & {s.code for s in suggestions[:k]})
        total += len(report.codes)
    given = {code for report in held_out for code in report.codes}
    pooled = [sum(tally[i] for tally in tallies.values()) for i in range(3)]
    macro = [_f1(*tallies[code]) for code in sorted(given)]
    return Scores(
        micro_f1=_f1(*pooled),
        macro_f1=sum(macro) / len(macro) if macro else 0.0,
        top3_recall=found / total if total else 0.0,
        reports=len(held_out),
        codes=len(given),
    )


def _predicted(suggestions: Sequence[Suggestion], threshold: float) -> set[str]:
    predicted = {s.code for s in suggestions if s.score >= threshold}
    return predicted or {s.code for s in suggestions[:1]}


def _tally(tallies: dict[str, list[int]], predicted: set[str], given: frozenset[str]) -> None:
    for code in predicted | given:
        tally = tallies.setdefault(code, [0, 0, 0])
        if code not in predicted:
            tally[2] += 1
        else:
            tally[0 if code in given else 1] += 1


# More than any catalogue holds, so that evaluation sees every code's score.
_EVERY_CODE = 100_000


def _f1(true_positives: int, false_positives: int, false_negatives: int) -> float:
    denominator = 2 * true_positives + false_positives + false_negatives
    return 2 * true_positives / denominator if denominator else 0.0


def matrix_scores(
    scores: np.ndarray,
    labels: np.ndarray,
    *,
    threshold: float = 0.5,
    k: int = 3,
    ranking: np.ndarray | None = None,
) -> Scores:
    """``evaluate``'s figures from a reports x codes matrix of scores and one of true codes;
    the top k are taken by ``ranking`` if given (as ``TrainedModel.suggest`` orders them)."""
    labels = labels.astype(bool)
    predicted = scores >= threshold
    best = np.argmax(scores, axis=1)
    # As in evaluate: with nothing above the threshold, the single best code is predicted.
    empty = ~predicted.any(axis=1)
    predicted[empty, best[empty]] = True
    true_positives = (predicted & labels).sum(axis=0)
    false_positives = (predicted & ~labels).sum(axis=0)
    false_negatives = (~predicted & labels).sum(axis=0)
    given = labels.any(axis=0)
    per_code = [
        _f1(int(tp), int(fp), int(fn))
        for tp, fp, fn, g in zip(
            true_positives, false_positives, false_negatives, given, strict=True
        )
        if g
    ]
    # Ties ranked in column (catalogue) order, as _ranked does.
    top = np.argsort(-(scores if ranking is None else ranking), axis=1, kind="stable")[:, :k]
    found = int(np.take_along_axis(labels, top, axis=1).sum())
    total = int(labels.sum())
    return Scores(
        micro_f1=_f1(
            int(true_positives.sum()), int(false_positives.sum()), int(false_negatives.sum())
        ),
        macro_f1=sum(per_code) / len(per_code) if per_code else 0.0,
        top3_recall=found / total if total else 0.0,
        reports=len(labels),
        codes=int(given.sum()),
    )


def selection_figure(scores: Scores) -> float:
    """One figure to choose models on, F1 and top-3 recall together: the mean of micro F1,
    macro F1 and top-3 recall. Micro F1 weighs the common codes, macro F1 the rare ones, and
    top-3 recall the short list a reviewer picks from."""
    return (scores.micro_f1 + scores.macro_f1 + scores.top3_recall) / 3


def better(new: Scores, old: Scores | None) -> bool:
    """Whether a newly trained model should replace the one in use.

    Both must have been measured on the same held-out reports. The ``selection_figure`` decides
    (F1 and top-3 recall together: a model that ranks well but predicts badly, or the reverse,
    does not win); top-3 recall breaks a tie. A full tie goes to the new model, which has learnt
    from more reviewer decisions. With no model in use, any model will do.
    """
    if old is None:
        return True
    return (round(selection_figure(new), 9), new.top3_recall) >= (
        round(selection_figure(old), 9),
        old.top3_recall,
    )
