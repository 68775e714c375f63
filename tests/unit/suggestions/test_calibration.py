"""What the trained model learns beyond a plain classifier: class weights for rare codes, per-code
thresholds chosen by cross-validation and kept in the stored model, and the settings chosen on
F1 and top-3 recall together."""

from __future__ import annotations

import json
import random

import numpy as np
import pytest

from learnhub.suggestions import model as suggest
from learnhub.suggestions.model import LabelledReport, TrainedModel, evaluate, train_model
from learnhub.taxonomy.catalogue import Catalogue, parse_catalogue

CODES = {
    "FIRE-1": ("Radio trouble", "The radio, repeater or frequency failed."),
    "FIRE-2": ("Tired crew", "The crew had worked long shifts without rest."),
    "FIRE-3": ("Tool broke", "A pump, saw or engine broke down."),
    "FIRE-4": ("Snake bite", "A venomous animal bit or nearly bit someone."),
}
COMMON = ("radio", "repeater", "frequency", "shift", "sleep", "rest", "pump", "saw", "engine")
FILLER = (
    "crew",
    "line",
    "fire",
    "road",
    "morning",
    "afternoon",
    "hill",
    "division",
    "truck",
    "water",
    "hose",
    "map",
)


@pytest.fixture(scope="module")
def catalogue() -> Catalogue:
    data = {
        "label": "Synthetic fire codes",
        "notes": "",
        "tiers": [
            {"key": "factors", "title": "Factors", "reporter_heading": "?", "description": "."}
        ],
        "codes": [
            {
                "code": code,
                "tier": "factors",
                "category": "Factors",
                "title": title,
                "definition": definition,
                "prompt": title,
                "examples": [],
            }
            for code, (title, definition) in CODES.items()
        ],
    }
    return parse_catalogue(json.dumps(data))


def synthetic_reports(count: int, seed: int) -> list[LabelledReport]:
    """Common codes with their words; FIRE-4 on one report in thirty, told by "rattler", a word
    that also turns up (less often) in reports without it."""
    rng = random.Random(seed)
    reports = []
    for index in range(count):
        codes = set()
        words = rng.sample(FILLER, 6)
        for code, cue in (("FIRE-1", "radio"), ("FIRE-2", "shift"), ("FIRE-3", "pump")):
            if rng.random() < 0.4:
                codes.add(code)
                words += [cue, rng.choice(COMMON)]
        if index % 30 == 0:
            codes.add("FIRE-4")
            words += ["rattler", "bite"]
        elif rng.random() < 0.05:
            words.append("rattler")
        if not codes:
            codes.add("FIRE-1")
            words.append("frequency")
        rng.shuffle(words)
        reports.append(LabelledReport(" ".join(words), frozenset(codes)))
    return reports


@pytest.fixture(scope="module")
def reports() -> list[LabelledReport]:
    return synthetic_reports(240, seed=1)


@pytest.fixture(scope="module")
def trained(reports: list[LabelledReport], catalogue: Catalogue) -> TrainedModel:
    return train_model(reports, catalogue)


RARE_TEXT = "The rattler struck at his boot on the hill road near the hose."


def test_class_weights_let_a_rare_code_clear_one_half_before_any_threshold(
    trained: TrainedModel,
) -> None:
    # The raw score, before the threshold moves it: unweighted, one report in thirty leaves the
    # rare code's chance near 0.4 however clearly a report speaks of it (balanced: near 0.75).
    raw = dict(zip(trained.codes, trained.raw_scores(RARE_TEXT), strict=True))
    assert raw["FIRE-4"] >= 0.5
    assert suggest.CLASS_WEIGHT == "balanced"


def test_a_rare_code_is_found_on_new_reports(trained: TrainedModel, catalogue: Catalogue) -> None:
    held_out = synthetic_reports(200, seed=2)
    rare = [report for report in held_out if "FIRE-4" in report.codes]
    predicted = [
        {s.code for s in trained.suggest(report.text, limit=4) if s.score >= 0.5} for report in rare
    ]
    assert sum("FIRE-4" in codes for codes in predicted) >= 0.8 * len(rare)
    assert evaluate(trained, held_out).macro_f1 > 0.8


def test_thresholds_are_chosen_per_code_by_cross_validation(trained: TrainedModel) -> None:
    thresholds = trained.thresholds
    assert set(thresholds) == set(CODES)
    # Fitted, not the fixed 0.5 of old; and not all the same.
    assert len(set(thresholds.values())) > 1
    assert all(0 < t < 1 for t in thresholds.values())
    assert trained.settings["regularisation_c"] in suggest.REGULARISATION_GRID
    assert trained.settings["rank_shift"] in suggest.RANK_SHIFTS
    assert 0 < trained.settings["cv_micro_f1"] <= 1


def test_a_score_of_one_half_sits_at_the_codes_own_threshold(trained: TrainedModel) -> None:
    raw = trained.raw_scores(RARE_TEXT)
    calibrated = trained.scores(RARE_TEXT)
    bars = np.array([trained.thresholds[code] for code in trained.codes])
    assert np.array_equal(calibrated >= 0.5, raw >= bars - 1e-12)


def test_the_stored_thresholds_are_the_ones_used(
    trained: TrainedModel, catalogue: Catalogue
) -> None:
    data = json.loads(trained.to_json())
    assert data["thresholds"] == trained.thresholds
    before = TrainedModel.from_json(trained.to_json(), catalogue).suggest(RARE_TEXT, limit=4)
    assert {s.code for s in before if s.score >= 0.5} >= {"FIRE-4"}
    data["thresholds"]["FIRE-4"] = 0.999
    raised = TrainedModel.from_json(json.dumps(data), catalogue)
    after = {s.code: s.score for s in raised.suggest(RARE_TEXT, limit=4)}
    assert after["FIRE-4"] < 0.5


@pytest.mark.parametrize(
    "thresholds",
    [None, {"FIRE-1": 0.5}, dict.fromkeys(CODES, 1.0), dict.fromkeys(CODES, "x")],
)
def test_from_json_refuses_missing_or_impossible_thresholds(
    trained: TrainedModel, catalogue: Catalogue, thresholds: object
) -> None:
    data = json.loads(trained.to_json())
    data["thresholds"] = thresholds
    with pytest.raises(suggest.ModelInvalid, match="thresholds"):
        TrainedModel.from_json(json.dumps(data), catalogue)


def test_the_model_is_fitted_on_every_report_it_is_given(
    trained: TrainedModel, reports: list[LabelledReport]
) -> None:
    # Cross-validation holds reports out only to choose settings; the model kept learns from all.
    assert trained.trained_on == len(reports)
    given = sum("FIRE-4" in report.codes for report in reports)
    assert trained.code_counts["FIRE-4"] == given


def test_character_n_grams_match_word_forms_the_words_miss(trained: TrainedModel) -> None:
    # "rattlesnakes" is no word the model has seen, but it shares character n-grams with one.
    document = suggest._Document.of("rattlesnakes")
    assert trained.vectoriser.sparse(document.terms)[0].size == 0
    columns, _ = trained._features(document)
    assert columns.size > 0
    assert (columns >= trained.vectoriser.size).all()
    assert " rat" in trained.char_vectoriser.vocabulary


def test_best_threshold_maximises_f1_between_two_scores() -> None:
    scores = np.array([0.9, 0.8, 0.6, 0.3, 0.2])
    given = np.array([True, True, False, True, False])
    # F1 by cut: after 0.9 -> 2/4, after 0.8 -> 4/5, after 0.6 -> 4/6, after 0.3 -> 6/7 (best).
    assert suggest._best_threshold(scores, given) == pytest.approx(0.25)


def test_matrix_scores_agree_with_evaluate(trained: TrainedModel) -> None:
    held_out = synthetic_reports(60, seed=3)
    raw = np.array([trained.raw_scores(report.text) for report in held_out])
    bars = suggest._logit(np.array([trained.thresholds[code] for code in trained.codes]))
    calibrated = suggest._sigmoid(suggest._logit(raw) - bars)
    ranking = suggest._logit(raw) - trained.settings["rank_shift"] * bars
    labels = np.array([[code in report.codes for code in trained.codes] for report in held_out])
    from_matrix = suggest.matrix_scores(calibrated, labels, ranking=ranking)
    assert from_matrix == evaluate(trained, held_out)


def test_codes_with_few_examples_share_one_threshold_fitted_on_their_pooled_scores() -> None:
    # Two codes given twice each (too few for a threshold of their own): their scores, pooled,
    # are best cut between 0.8 and 0.7; a fixed 0.5 would predict both on every report here.
    raw = np.array(
        [[0.9, 0.6, 0.3], [0.85, 0.7, 0.4], [0.6, 0.9, 0.2], [0.55, 0.8, 0.1], [0.6, 0.6, 0.8]]
        + [[0.6, 0.6, 0.1]] * 5
    )
    labels = np.zeros(raw.shape, dtype=bool)
    labels[[0, 1], 0] = labels[[2, 3], 1] = True
    labels[[4, 0, 1, 2, 3], 2] = [True, False, False, False, False]
    thresholds = suggest._thresholds(raw, labels, ["A-1", "B-1", "C-1"])
    assert thresholds["A-1"] == thresholds["B-1"] == pytest.approx(0.75)
