"""Code suggestions: sensible on day one, learnt from reviewer codes, measured, stored safely."""

from __future__ import annotations

import datetime
import json
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np
import pytest

from learnhub.demo.narratives import generate_reports
from learnhub.demo.seed import HINT_CODES
from learnhub.suggestions.model import (
    LabelledReport,
    ModelInvalid,
    Scores,
    Suggestion,
    TrainedModel,
    better,
    day_one_suggester,
    evaluate,
    split_held_out,
    train_model,
)
from learnhub.taxonomy.catalogue import (
    Catalogue,
    default_catalogue_path,
    load_catalogue_file,
    parse_catalogue,
)

CODED_REPORTS = Path(__file__).resolve().parents[2] / "data" / "coded_reports.jsonl"
DEMO_TODAY = datetime.date(2026, 11, 25)


@pytest.fixture(scope="module")
def catalogue() -> Catalogue:
    return load_catalogue_file(default_catalogue_path())


@pytest.fixture(scope="module")
def demo_split() -> tuple[list[LabelledReport], list[LabelledReport]]:
    reports = [
        LabelledReport(
            " ".join(
                (
                    demo.what_happened,
                    demo.what_nearly_happened,
                    demo.what_stopped_it,
                    demo.what_made_it_likely,
                    demo.what_would_help,
                )
            ),
            frozenset(HINT_CODES[hint] for hint in demo.factor_hints),
        )
        for demo in generate_reports(1000, today=DEMO_TODAY)
    ]
    return split_held_out(reports, 0.2, seed=0)


@pytest.fixture(scope="module")
def small_model(
    catalogue: Catalogue, demo_split: tuple[list[LabelledReport], list[LabelledReport]]
) -> TrainedModel:
    return train_model(demo_split[0][:150], catalogue)


@pytest.fixture(scope="module")
def model_500(
    catalogue: Catalogue, demo_split: tuple[list[LabelledReport], list[LabelledReport]]
) -> TrainedModel:
    return train_model(demo_split[0][:500], catalogue)


def top(suggestions: list[Suggestion], count: int = 3) -> list[str]:
    return [suggestion.code for suggestion in suggestions[:count]]


# --- Day one ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "code"),
    [
        (
            "The recording system hid the family's history: the earlier child protection plan "
            "was only in the old system and there was no chronology to show it.",
            "PRE-TECH-1",
        ),
        (
            "The strategy discussion about a baby's bruise went ahead without the police, who "
            "never joined the call.",
            "PRE-TEAM-3",
        ),
        (
            "No placement was available anywhere near her school, so the 14-year-old spent the "
            "night in the office.",
            "EXT-1",
        ),
        ("I am holding 30 children and could not get to the visit in time.", "PRE-WORKER-1"),
        ("The interpreter did not come, so mum's eldest son translated at the visit.", "PRE-FAM-2"),
        ("EDT had one worker for the whole county and could not reach a manager.", "ORG-7"),
        ("My supervision has been cancelled three times; the last one was in March.", "SUP-1"),
        ("The child was not seen on their own at any of the last four visits.", "ACT-CHILD-1"),
    ],
)
def test_day_one_puts_the_clear_code_in_the_top_three(
    catalogue: Catalogue, text: str, code: str
) -> None:
    assert code in top(day_one_suggester(catalogue).suggest(text))


@pytest.mark.parametrize(
    "text",
    [
        "Good practice: the school nurse spotted the mark, rang us straight away, and police, "
        "health and our team agreed a plan together the same afternoon.",
        "The health visitor noticed the baby's weight had dropped and spoke up at the core "
        "group, just in time.",
        "My supervisor helped me step back and see the pattern, and that reflective "
        "conversation changed the plan.",
    ],
)
def test_day_one_suggests_went_well_codes_for_good_practice(
    catalogue: Catalogue, text: str
) -> None:
    assert top(day_one_suggester(catalogue).suggest(text), 1)[0].startswith("WW-")


def test_day_one_keeps_went_well_codes_out_of_a_problem_story(catalogue: Catalogue) -> None:
    text = (
        "Nobody shared the police notification with us and the visit was missed; the case was "
        "not picked up for two weeks."
    )
    assert not any(
        code.startswith("WW-") for code in top(day_one_suggester(catalogue).suggest(text))
    )


# --- Shape of the suggestions ------------------------------------------------------------------


@pytest.fixture(params=["day_one", "trained"])
def suggester(request: pytest.FixtureRequest, catalogue: Catalogue) -> Any:
    if request.param == "day_one":
        return day_one_suggester(catalogue)
    return request.getfixturevalue("small_model")


def test_scores_are_in_unit_interval_and_ranked(
    suggester: Any, catalogue: Catalogue, demo_split: tuple[list, list]
) -> None:
    known = {code.code for code in catalogue.codes}
    for report in demo_split[1][:40]:
        suggestions = suggester.suggest(report.text, limit=len(known))
        scores = [suggestion.score for suggestion in suggestions]
        assert all(0.0 <= score <= 1.0 for score in scores)
        assert {suggestion.code for suggestion in suggestions} == known
        if isinstance(suggester, TrainedModel):
            # Ranked by raw log-odds moved rank_shift of the way to each code's threshold (the
            # score itself moves all the way, so that 0.5 is the code's threshold).
            ranking = dict(zip(suggester.codes, ranking_of(suggester, report.text), strict=True))
            figures = [ranking[suggestion.code] for suggestion in suggestions]
            assert figures == sorted(figures, reverse=True)
        else:
            assert scores == sorted(scores, reverse=True)


def ranking_of(model: TrainedModel, text: str) -> np.ndarray:
    bars = np.array([model.thresholds[code] for code in model.codes])
    shift = model.settings["rank_shift"]
    raw = np.clip(model.raw_scores(text), 1e-9, 1 - 1e-9)
    return np.log(raw / (1 - raw)) - shift * np.log(bars / (1 - bars))


def test_limit_is_respected(suggester: Any) -> None:
    text = "The strategy discussion went ahead without the police."
    assert len(suggester.suggest(text)) == 5
    assert len(suggester.suggest(text, limit=2)) == 2
    assert suggester.suggest(text, limit=0) == []
    assert suggester.suggest(text, limit=2) == suggester.suggest(text, limit=5)[:2]


@pytest.mark.parametrize("text", ["", "   ", "the and of it", "12 34"])
def test_nothing_is_suggested_for_a_text_without_words(suggester: Any, text: str) -> None:
    assert suggester.suggest(text) == []


def test_algorithms_are_named(catalogue: Catalogue, small_model: TrainedModel) -> None:
    assert day_one_suggester(catalogue).algorithm != small_model.algorithm
    assert small_model.algorithm


# --- Training -------------------------------------------------------------------------------


def test_training_is_deterministic(
    catalogue: Catalogue, demo_split: tuple[list, list], small_model: TrainedModel
) -> None:
    again = train_model(demo_split[0][:150], catalogue)
    assert again.to_json() == small_model.to_json()


def test_codes_with_few_examples_back_off_to_day_one(
    small_model: TrainedModel, demo_split: tuple[list, list]
) -> None:
    counts = small_model.code_counts
    assert set(small_model.classifiers.codes) == {code for code, n in counts.items() if n >= 3}
    assert set(small_model.blend_weights) == set(small_model.classifiers.codes)
    assert all(0 < weight < 1 for weight in small_model.blend_weights.values())
    # A code no reviewer has given still gets a score, from its day-one similarity.
    assert "EXT-4" not in counts
    unseen = "The final hearing was adjourned twice because the expert's report was late."
    assert "EXT-4" in top(small_model.suggest(unseen))


def test_training_rejects_codes_outside_the_catalogue(catalogue: Catalogue) -> None:
    reports = [LabelledReport("Caseload too high to visit", frozenset({"OLD-9"}))]
    with pytest.raises(ValueError, match="OLD-9"):
        train_model(reports, catalogue)
    with pytest.raises(ValueError, match="at least one"):
        train_model([], catalogue)


def test_training_improves_top3_recall_over_day_one(
    catalogue: Catalogue, demo_split: tuple[list, list], model_500: TrainedModel
) -> None:
    held_out = demo_split[1]
    trained = evaluate(model_500, held_out)
    day_one = evaluate(day_one_suggester(catalogue), held_out)
    assert trained.top3_recall > day_one.top3_recall + 0.2
    assert trained.micro_f1 > day_one.micro_f1


def test_500_reviewer_coded_demo_reports_reach_top3_recall_of_080(
    model_500: TrainedModel, demo_split: tuple[list, list]
) -> None:
    # The demo labels include random extra codes never reflected in the text, which caps top-3
    # recall near 0.83 (benchmarks/suggestions.py explains); 0.8 is the product's target.
    assert evaluate(model_500, demo_split[1]).top3_recall >= 0.8


# --- Stored as JSON --------------------------------------------------------------------------


def test_json_round_trip_gives_identical_scores(
    small_model: TrainedModel, catalogue: Catalogue, demo_split: tuple[list, list]
) -> None:
    stored = small_model.to_json()
    loaded = TrainedModel.from_json(stored, catalogue)
    for report in demo_split[1][:30]:
        assert np.array_equal(loaded.scores(report.text), small_model.scores(report.text))
        assert loaded.suggest(report.text) == small_model.suggest(report.text)
    assert loaded.to_json() == stored


def test_json_holds_the_whole_model_as_plain_data(small_model: TrainedModel) -> None:
    data = json.loads(small_model.to_json())
    assert data["algorithm"] == small_model.algorithm
    assert len(data["vocabulary"]) == len(data["idf"])
    assert len(data["classifiers"]["coefficients"]) == len(data["classifiers"]["codes"])
    assert set(data["blend_weights"]) == set(data["classifiers"]["codes"])
    assert {"similarity_slope", "rarity_slope", "intercept"} <= set(data["back_off"])


def test_loading_and_predicting_need_no_scikit_learn(
    small_model: TrainedModel, catalogue: Catalogue, monkeypatch: pytest.MonkeyPatch
) -> None:
    stored = small_model.to_json()
    # A module set to None in sys.modules cannot be imported, even if it was loaded before.
    loaded_before = [name for name in sys.modules if name.split(".")[0] in ("sklearn", "scipy")]
    for module in {"sklearn", "scipy", *loaded_before}:
        monkeypatch.setitem(sys.modules, module, None)
    loaded = TrainedModel.from_json(stored, catalogue)
    assert loaded.suggest("The strategy discussion went ahead without the police.")


def _edit(change: Callable[[dict[str, Any]], None]) -> Callable[[str], str]:
    def edited(text: str) -> str:
        data = json.loads(text)
        change(data)
        return json.dumps(data)

    return edited


def _set(path: str, value: Any) -> Callable[[str], str]:
    *parents, last = path.split(".")

    def change(data: dict[str, Any]) -> None:
        for key in parents:
            data = data[key]
        data[last] = value

    return _edit(change)


def _short_row(data: dict[str, Any]) -> None:
    data["classifiers"]["coefficients"][0].pop()


@pytest.mark.parametrize(
    ("spoil", "message"),
    [
        (lambda text: text[: len(text) // 2], "not valid JSON"),
        (lambda text: "[1, 2, 3]", "must be an object"),
        (lambda text: "\x80\x04\x95pickle", "not valid JSON"),
        (_set("format", "pickle"), "format"),
        (_set("version", 99), "version"),
        (_set("algorithm", "something-else"), "algorithm"),
        (_set("vocabulary", "not a list"), "vocabulary"),
        (_set("idf", [1.0]), "idf"),
        (_edit(_short_row), "coefficients"),
        (_set("classifiers.codes", ["NOT-A-CODE-1"]), "classifiers.codes"),
        (_set("classifiers.intercepts", ["x"]), "intercepts"),
        (_set("trained_on", 0), "trained_on"),
        (_set("trained_on", True), "trained_on"),
        (_set("seed", "zero"), "seed"),
        (_set("back_off", {"similarity_slope": 1.0}), "back_off"),
        (_set("code_counts", {"PRE-TECH-1": -1}), "code_counts"),
        (_set("code_counts", {"PRE-TECH-1": 1.5}), "code_counts"),
        (lambda text: text.replace('"intercept":', '"intercept":NaN,"x":', 1), "NaN"),
    ],
)
def test_from_json_refuses_a_malformed_model(
    small_model: TrainedModel,
    catalogue: Catalogue,
    spoil: Callable[[str], str],
    message: str,
) -> None:
    with pytest.raises(ModelInvalid, match=message):
        TrainedModel.from_json(spoil(small_model.to_json()), catalogue)


def test_from_json_refuses_a_blend_weight_outside_unit_interval(
    small_model: TrainedModel, catalogue: Catalogue
) -> None:
    code = small_model.classifiers.codes[0]
    spoilt = _set("blend_weights", {**small_model.blend_weights, code: 1.5})
    with pytest.raises(ModelInvalid, match="blend_weights"):
        TrainedModel.from_json(spoilt(small_model.to_json()), catalogue)


def test_from_json_refuses_a_model_trained_on_another_catalogue(
    small_model: TrainedModel, catalogue: Catalogue
) -> None:
    data = catalogue.to_data()
    data["codes"][0]["title"] = "A step was missed"
    other = parse_catalogue(json.dumps(data))
    with pytest.raises(ModelInvalid, match="different taxonomy catalogue"):
        TrainedModel.from_json(small_model.to_json(), other)


# --- Measuring -------------------------------------------------------------------------------


class FixedSuggester:
    """Returns the same ranked suggestions for each text, for hand-computed figures."""

    algorithm = "fixed"

    def __init__(self, answers: dict[str, list[tuple[str, float]]]) -> None:
        self.answers = answers

    def suggest(self, text: str, limit: int = 5) -> list[Suggestion]:
        return [Suggestion(code, score) for code, score in self.answers[text][:limit]]


HAND_MADE = FixedSuggester(
    {
        # Predicted {ACT-SKILL-1, PRE-TEAM-3}; top three hold both reviewer codes.
        "one": [("ACT-SKILL-1", 0.9), ("PRE-TEAM-3", 0.6), ("EXT-1", 0.4), ("WW-1", 0.1)],
        # Nothing reaches 0.5, so the best code alone is predicted; the reviewer code is 4th.
        "two": [("EXT-1", 0.3), ("ACT-SKILL-1", 0.2), ("WW-1", 0.1), ("PRE-TEAM-3", 0.05)],
        # Predicted {WW-1, ORG-7}; ORG-7 is never a reviewer code, so it is left out of macro F1.
        "three": [("WW-1", 0.7), ("ORG-7", 0.6), ("EXT-1", 0.1), ("PRE-TEAM-3", 0.0)],
    }
)
HAND_HELD_OUT = [
    LabelledReport("one", frozenset({"ACT-SKILL-1", "EXT-1"})),
    LabelledReport("two", frozenset({"PRE-TEAM-3"})),
    LabelledReport("three", frozenset({"WW-1"})),
]


def test_evaluate_gives_the_hand_computed_figures() -> None:
    scores = evaluate(HAND_MADE, HAND_HELD_OUT)
    # TP: ACT-SKILL-1 in one, WW-1 in three. FP: PRE-TEAM-3 in one, EXT-1 in two, ORG-7 in
    # three. FN: EXT-1 in one, PRE-TEAM-3 in two. Micro F1 = 2*2 / (2*2 + 3 + 2).
    assert scores.micro_f1 == pytest.approx(4 / 9)
    # Per reviewer code: ACT-SKILL-1 1.0, EXT-1 0 (1 FP, 1 FN), PRE-TEAM-3 0, WW-1 1.0.
    assert scores.macro_f1 == pytest.approx(0.5)
    # Top three found 2 of 2, 0 of 1 and 1 of 1 reviewer codes: 3 of 4.
    assert scores.top3_recall == pytest.approx(3 / 4)
    assert (scores.reports, scores.codes) == (3, 4)


def test_evaluate_threshold_and_k() -> None:
    scores = evaluate(HAND_MADE, HAND_HELD_OUT, threshold=0.65, k=1)
    # Predicted {ACT-SKILL-1}, {EXT-1} (best alone), {WW-1}: TP 2, FP 1, FN 2.
    assert scores.micro_f1 == pytest.approx(4 / 7)
    # Top one found ACT-SKILL-1 and WW-1: 2 of 4.
    assert scores.top3_recall == pytest.approx(1 / 2)


def test_evaluate_needs_held_out_reports() -> None:
    with pytest.raises(ValueError, match="no held-out reports"):
        evaluate(HAND_MADE, [])


def _scores(top3: float, micro: float, macro: float = 0.0) -> Scores:
    return Scores(micro_f1=micro, macro_f1=macro, top3_recall=top3, reports=10, codes=5)


@pytest.mark.parametrize(
    ("new", "old", "replace"),
    [
        (_scores(0.5, 0.5), None, True),
        # F1 and top-3 recall together: better ranking alone does not win against better F1.
        (_scores(0.8, 0.2), _scores(0.7, 0.9), False),
        (_scores(0.7, 0.9), _scores(0.8, 0.2), True),
        (_scores(0.8, 0.6), _scores(0.8, 0.5), True),
        (_scores(0.8, 0.5), _scores(0.8, 0.6), False),
        # Macro F1 counts: a model that finds the rare codes wins at equal micro F1 and top 3.
        (_scores(0.8, 0.5, 0.4), _scores(0.8, 0.5, 0.2), True),
        (_scores(0.8, 0.5, 0.2), _scores(0.8, 0.5, 0.4), False),
        # At an equal figure, top-3 recall decides; a full tie goes to the new model.
        (_scores(0.8, 0.5), _scores(0.7, 0.6), True),
        (_scores(0.7, 0.6), _scores(0.8, 0.5), False),
        (_scores(0.8, 0.5), _scores(0.8, 0.5), True),
    ],
)
def test_better_chooses_on_f1_and_top3_recall_together(
    new: Scores, old: Scores | None, replace: bool
) -> None:
    assert better(new, old) is replace


def test_split_held_out_is_deterministic_and_complete() -> None:
    reports = [LabelledReport(f"report {i}", frozenset({"WW-1"})) for i in range(50)]
    training, held_out = split_held_out(reports, 0.2, seed=3)
    assert (training, held_out) == split_held_out(reports, 0.2, seed=3)
    assert len(held_out) == 10
    assert sorted(training + held_out, key=reports.index) == reports
    assert training == [report for report in reports if report not in held_out]
    assert split_held_out(reports, 0.2, seed=4)[1] != held_out


def test_split_held_out_keeps_something_to_train_on() -> None:
    reports = [LabelledReport(f"report {i}", frozenset({"WW-1"})) for i in range(2)]
    assert [len(part) for part in split_held_out(reports, 0.9)] == [1, 1]
    with pytest.raises(ValueError, match="fraction"):
        split_held_out(reports, 1.0)


# --- The hand-labelled reports --------------------------------------------------------------


def test_hand_labelled_reports_are_well_formed(catalogue: Catalogue) -> None:
    rows = [json.loads(line) for line in CODED_REPORTS.read_text(encoding="utf-8").splitlines()]
    known = {code.code: code.tier for code in catalogue.codes}
    assert len(rows) >= 150
    assert len({row["text"] for row in rows}) == len(rows)
    for row in rows:
        assert set(row) == {"text", "codes"}
        assert 1 <= len(row["codes"]) <= 4
        assert len(set(row["codes"])) == len(row["codes"])
        assert set(row["codes"]) <= set(known)
    given = {code for row in rows for code in row["codes"]}
    assert {known[code] for code in given} == {tier.key for tier in catalogue.tiers}
