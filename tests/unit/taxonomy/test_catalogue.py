"""The packaged social-care taxonomy, and the parser, validator and diff behind it."""

from __future__ import annotations

import copy
import json
import re
from collections.abc import Callable
from typing import Any

import pytest

from learnhub.taxonomy.catalogue import (
    CODE_MAX,
    TITLE_MAX,
    Catalogue,
    CatalogueInvalid,
    default_catalogue_path,
    diff_catalogues,
    load_catalogue_file,
    parse_catalogue,
)

TIER_ORDER = ["acts", "preconditions", "supervision", "organisational", "external", "went_well"]
TIER_PREFIXES = {
    "acts": "ACT-",
    "preconditions": "PRE-",
    "supervision": "SUP-",
    "organisational": "ORG-",
    "external": "EXT-",
    "went_well": "WW-",
}
# The Yorkshire Contributory Factors Framework's domains, with the reference's two adaptations.
YCFF_DOMAINS = {
    "Active failures",
    "Communication systems",
    "Design of equipment and supplies",
    "Equipment and supplies",
    "External policy context",
    "Individual factors",
    "Lines of responsibility",
    "Management of staff and staffing levels",
    "Child and family factors",
    "Physical environment",
    "Policy and procedures",
    "Safety culture",
    "Placement sufficiency and scheduling",
    "Staff workload",
    "Supervision and leadership",
    "Support from central functions",
    "Task characteristics",
    "Team factors",
    "Training and education",
}
BLAMING = re.compile(
    r"\b(fault|failed to|failure|negligen\w*|blame\w*|violat\w*|careless\w*|incompeten\w*|"
    r"should have|poor practice)\b",
    re.IGNORECASE,
)
CODE_REFERENCE = re.compile(r"\b[A-Z]{2,3}(?:-[A-Z]+)?-\d+\b")

# "Things a social-care taxonomy must be able to say" (TAXONOMY-REFERENCE.md): each thing, the
# codes that say it, and a word the first code's wording must contain to show it really does.
MUST_SAY: dict[str, tuple[list[str], str]] = {
    "caseload and staffing pressure": (["PRE-WORKER-1", "ORG-1"], "caseload"),
    "agency/locum turnover and handovers": (["ORG-1", "PRE-TEAM-1"], "agency"),
    "supervision too rare or only a to-do list": (["SUP-1", "SUP-2"], "supervision"),
    "no time for reflection": (["PRE-WORKER-4", "SUP-2"], "reflect"),
    "recording-system design hiding history or chronology": (["PRE-TECH-1"], "chronolog"),
    "information not shared between police, health, school and social care": (
        ["PRE-TEAM-2"],
        "police",
    ),
    "strategy discussions held without a key agency": (["PRE-TEAM-3"], "strategy discussion"),
    "thresholds applied inconsistently at the front door": (
        ["ACT-DEC-2", "ORG-3"],
        "front door",
    ),
    "disguised compliance and hard-to-engage families": (["PRE-FAM-1"], "disguised compliance"),
    "fixed thinking and confirmation bias about a family": (["ACT-DEC-3"], "confirmation bias"),
    "start-again syndrome after a case transfer": (["ACT-DEC-4", "PRE-TEAM-1"], "start-again"),
    "children not seen or not seen alone": (["ACT-CHILD-1"], "not seen"),
    "the child's voice and lived experience missed": (["ACT-CHILD-2"], "lived experience"),
    "language and interpreter needs": (["PRE-FAM-2"], "interpreter"),
    "placement sufficiency": (["EXT-1"], "placement sufficiency"),
    "out-of-hours cover": (["ORG-7"], "out-of-hours"),
    "training gaps for new staff": (["ORG-2", "PRE-WORKER-3"], "induction"),
    "budget authority held far from the front line": (["ORG-4"], "front line"),
    "fear of blame and the media": (["ORG-5"], "media"),
    "what went well: the catch": (["WW-1"], "in time"),
    "what went well: the recovery": (["WW-2"], "put right"),
    "what went well: the good practice that stopped a near miss becoming harm": (
        ["WW-3", "WW-4", "WW-5", "WW-6", "WW-7", "WW-8"],
        "agencies",
    ),
}


@pytest.fixture(scope="module")
def catalogue() -> Catalogue:
    return load_catalogue_file(default_catalogue_path())


def wording(code: Any) -> str:
    return " ".join([code.title, code.definition, code.prompt, code.includes, *code.examples])


# --- The packaged taxonomy ------------------------------------------------------------------


def test_packaged_file_parses_with_a_label_and_notes(catalogue: Catalogue) -> None:
    assert catalogue.label == "Social care human factors taxonomy"
    assert catalogue.notes.strip()
    assert re.fullmatch(r"[0-9a-f]{64}", catalogue.checksum)


def test_it_has_between_30_and_60_codes(catalogue: Catalogue) -> None:
    assert 30 <= len(catalogue.codes) <= 60


def test_tiers_are_the_stable_keys_in_order_each_with_codes(catalogue: Catalogue) -> None:
    assert [tier.key for tier in catalogue.tiers] == TIER_ORDER
    for tier in catalogue.tiers:
        assert tier.title.strip()
        assert tier.reporter_heading.strip()
        assert tier.description.strip()
        assert catalogue.codes_in(tier.key), tier.key


def test_codes_are_listed_tier_by_tier(catalogue: Catalogue) -> None:
    # Positions are taken from file order, so the report form reads tier by tier.
    tiers_in_file_order = list(dict.fromkeys(code.tier for code in catalogue.codes))
    assert tiers_in_file_order == TIER_ORDER


def test_ids_are_unique_and_carry_their_tier_prefix(catalogue: Catalogue) -> None:
    ids = [code.code for code in catalogue.codes]
    assert len(ids) == len(set(ids))
    for code in catalogue.codes:
        assert code.code.startswith(TIER_PREFIXES[code.tier]), code.code
        assert re.fullmatch(r"[A-Z]{2,3}(?:-[A-Z]{3,6})?-[1-9]", code.code), code.code


def test_numbers_run_from_one_without_gaps_within_each_group(catalogue: Catalogue) -> None:
    groups: dict[str, list[int]] = {}
    for code in catalogue.codes:
        stem, number = code.code.rsplit("-", 1)
        groups.setdefault(stem, []).append(int(number))
    for stem, numbers in groups.items():
        assert numbers == list(range(1, len(numbers) + 1)), stem


def test_every_code_is_complete_and_within_limits(catalogue: Catalogue) -> None:
    for code in catalogue.codes:
        for field in ("category", "title", "definition", "prompt", "includes", "excludes"):
            assert getattr(code, field).strip(), (code.code, field)
        assert len(code.code) <= CODE_MAX
        assert len(code.title) <= TITLE_MAX
        assert 3 <= len(code.examples) <= 5, code.code
        assert all(0 < len(example) <= 80 for example in code.examples), code.code
        assert code.ycff_domain in YCFF_DOMAINS, code.code


def test_titles_and_prompts_are_short_enough_to_tick(catalogue: Catalogue) -> None:
    for code in catalogue.codes:
        assert len(code.title) <= 70, code.code
        assert len(code.prompt) <= 100, code.code
        assert not code.prompt.endswith("."), code.code


def test_excludes_point_at_neighbouring_codes_that_exist(catalogue: Catalogue) -> None:
    ids = {code.code for code in catalogue.codes}
    for code in catalogue.codes:
        named = set(CODE_REFERENCE.findall(code.excludes))
        assert named, code.code
        assert named <= ids, (code.code, named - ids)
        assert code.code not in named, code.code


def test_language_is_blameless(catalogue: Catalogue) -> None:
    texts = [tier.title for tier in catalogue.tiers] + [
        tier.reporter_heading for tier in catalogue.tiers
    ]
    for code in catalogue.codes:
        texts += [code.title, code.prompt, code.category]
    blaming = [text for text in texts if BLAMING.search(text)]
    assert blaming == []


def test_work_arounds_are_never_called_violations(catalogue: Catalogue) -> None:
    adapted = [code for code in catalogue.codes if code.code.startswith("ACT-ADAPT-")]
    assert adapted
    for code in adapted:
        assert code.category == "Work-arounds and adapted practice"
        assert "violat" not in wording(code).lower()
    assert "necessary" in catalogue.code("ACT-ADAPT-1").definition  # type: ignore[union-attr]


@pytest.mark.parametrize("thing", list(MUST_SAY))
def test_it_can_say_each_thing_the_reference_lists(catalogue: Catalogue, thing: str) -> None:
    code_ids, word = MUST_SAY[thing]
    codes = [catalogue.code(code_id) for code_id in code_ids]
    assert all(codes), (thing, code_ids)
    assert word.lower() in wording(codes[0]).lower(), (thing, code_ids[0], word)


def test_good_practice_codes_are_all_in_the_went_well_tier(catalogue: Catalogue) -> None:
    went_well = {code.code for code in catalogue.codes_in("went_well")}
    assert went_well == {f"WW-{number}" for number in range(1, 9)}


def test_the_checksum_ignores_layout_but_not_content(catalogue: Catalogue) -> None:
    data = catalogue.to_data()
    assert parse_catalogue(json.dumps(data)).checksum == catalogue.checksum
    assert parse_catalogue(json.dumps(data, indent=4, sort_keys=True)) == catalogue
    data["codes"][0]["title"] += " (edited)"
    assert parse_catalogue(json.dumps(data)).checksum != catalogue.checksum


# --- parse_catalogue: every kind of problem, each with where it is ------------------------------


def minimal() -> dict[str, Any]:
    return {
        "label": "Test taxonomy",
        "notes": "For tests.",
        "tiers": [
            {"key": "acts", "title": "Acts", "reporter_heading": "What?", "description": "D"},
            {
                "key": "went_well",
                "title": "Good",
                "reporter_heading": "Helped?",
                "description": "D",
            },
        ],
        "codes": [
            {
                "code": "ACT-SKILL-1",
                "tier": "acts",
                "category": "Slips",
                "title": "A step was missed",
                "definition": "A planned step did not happen.",
                "prompt": "Something we meant to do did not happen",
                "includes": "Visits",
                "excludes": "Use WW-1 otherwise",
                "examples": ["Visit not booked"],
                "ycff_domain": "Active failures",
            },
            {
                "code": "WW-1",
                "tier": "went_well",
                "category": "The catch",
                "title": "Someone noticed",
                "definition": "Someone noticed in time.",
                "prompt": "Someone spotted it",
                "examples": [],
            },
        ],
    }


def errors_for(change: Callable[[dict[str, Any]], None]) -> list[str]:
    data = minimal()
    change(data)
    with pytest.raises(CatalogueInvalid) as raised:
        parse_catalogue(json.dumps(data))
    return raised.value.errors


def test_the_minimal_catalogue_is_valid_and_optional_fields_default_to_empty() -> None:
    parsed = parse_catalogue(json.dumps(minimal()))
    assert [code.code for code in parsed.codes] == ["ACT-SKILL-1", "WW-1"]
    assert parsed.code("WW-1").includes == ""  # type: ignore[union-attr]
    assert parsed.code("WW-1").examples == ()  # type: ignore[union-attr]


def test_text_that_is_not_json_names_the_line_and_column() -> None:
    with pytest.raises(CatalogueInvalid) as raised:
        parse_catalogue('{"label": "x",\n  oops}')
    assert raised.value.errors == [
        "not valid JSON (line 2, column 3): Expecting property name enclosed in double quotes"
    ]


def test_a_top_level_that_is_not_an_object_is_refused() -> None:
    with pytest.raises(CatalogueInvalid) as raised:
        parse_catalogue("[]")
    assert raised.value.errors == ["top level: must be a JSON object"]


def _set(path: tuple[Any, ...], value: Any) -> Callable[[dict[str, Any]], None]:
    def change(data: dict[str, Any]) -> None:
        target = data
        for step in path[:-1]:
            target = target[step]
        target[path[-1]] = value

    return change


def _delete(path: tuple[Any, ...]) -> Callable[[dict[str, Any]], None]:
    def change(data: dict[str, Any]) -> None:
        target = data
        for step in path[:-1]:
            target = target[step]
        del target[path[-1]]

    return change


def _duplicate_first_code(data: dict[str, Any]) -> None:
    data["codes"].append(copy.deepcopy(data["codes"][0]))


def _duplicate_first_tier(data: dict[str, Any]) -> None:
    data["tiers"].append(copy.deepcopy(data["tiers"][0]))


def _add_unused_tier(data: dict[str, Any]) -> None:
    data["tiers"].append(
        {"key": "external", "title": "E", "reporter_heading": "E?", "description": "D"}
    )


CODE_0 = "codes[0] (ACT-SKILL-1): "
TOO_LONG = "characters long; at most {} are allowed"
MALFORMED = "is not a well-formed id (capital-letter parts joined by hyphens and ending in a number"


@pytest.mark.parametrize(
    ("change", "expected"),
    [
        (_delete(("label",)), "top level: label is missing"),
        (_set(("label",), "   "), "top level: label is empty"),
        (_set(("label",), "x" * 121), "top level: label is 121 " + TOO_LONG.format(120)),
        (_set(("notes",), 5), "top level: notes must be a string"),
        (_set(("extra",), 1), "top level: unknown field 'extra'"),
        (_set(("tiers",), []), "tiers: must be a non-empty list"),
        (_set(("tiers", 0), "acts"), "tiers[0]: must be a JSON object"),
        (_delete(("tiers", 0, "reporter_heading")), "tiers[0] (acts): reporter_heading is missing"),
        (
            _set(("tiers", 0, "key"), "Acts"),
            "tiers[0] (Acts): key 'Acts' must be lower-case letters, digits and underscores",
        ),
        (_duplicate_first_tier, "tiers[2] (acts): key 'acts' is used more than once (also at"),
        (_add_unused_tier, "tiers[2] (external): no code is in this tier"),
        (_set(("codes",), {}), "codes: must be a non-empty list"),
        (_set(("codes", 1), ["WW-1"]), "codes[1]: must be a JSON object"),
        (_duplicate_first_code, "codes[2] (ACT-SKILL-1): code is used more than once (also at"),
        (
            _set(("codes", 0, "tier"), "actions"),
            CODE_0 + "tier 'actions' is not one of the tiers listed (acts, went_well)",
        ),
        (_delete(("codes", 0, "definition")), CODE_0 + "definition is missing"),
        (_delete(("codes", 0, "code")), "codes[0]: code is missing"),
        (_set(("codes", 0, "prompt"), ""), CODE_0 + "prompt is empty"),
        (_set(("codes", 0, "title"), ["A step"]), CODE_0 + "title must be a string"),
        (_set(("codes", 0, "title"), "t" * 201), CODE_0 + "title is 201 " + TOO_LONG.format(200)),
        (
            _set(("codes", 0, "category"), "c" * 121),
            CODE_0 + "category is 121 " + TOO_LONG.format(120),
        ),
        (
            _set(("codes", 0, "ycff_domain"), "y" * 81),
            CODE_0 + "ycff_domain is 81 " + TOO_LONG.format(80),
        ),
        (_set(("codes", 0, "code"), "ACT-" + "X" * 30 + "-1"), "code is 36 " + TOO_LONG.format(32)),
        (
            _set(("codes", 0, "code"), "act-skill-1"),
            "codes[0] (act-skill-1): code 'act-skill-1' " + MALFORMED,
        ),
        (_set(("codes", 0, "code"), "ACT-SKILL"), "code 'ACT-SKILL' " + MALFORMED),
        (_set(("codes", 0, "code"), "ACT SKILL 1"), "code 'ACT SKILL 1' " + MALFORMED),
        (_set(("codes", 0, "code"), "ACT-SKILL-0"), "code 'ACT-SKILL-0' " + MALFORMED),
        (
            _set(("codes", 0, "examples"), "Visit not booked"),
            CODE_0 + "examples must be a list of strings",
        ),
        (_set(("codes", 0, "examples"), ["ok", 3]), CODE_0 + "examples must be a list of strings"),
        (_set(("codes", 0, "examples"), ["ok", " "]), CODE_0 + "examples[1] is empty"),
        (_delete(("codes", 0, "examples")), CODE_0 + "examples is missing"),
        (_set(("codes", 0, "exclude"), "typo"), CODE_0 + "unknown field 'exclude'"),
        (_set(("codes", 0, "includes"), None), CODE_0 + "includes must be a string"),
    ],
)
def test_each_problem_is_reported_with_where_it_is(
    change: Callable[[dict[str, Any]], None], expected: str
) -> None:
    errors = errors_for(change)
    # A broken tier also makes the codes in it refer to an unknown tier; the cause comes first.
    assert expected in errors[0], errors
    assert len(errors) == 1 or "is not one of the tiers listed" in errors[-1], errors


def test_every_problem_is_listed_at_once() -> None:
    def break_several(data: dict[str, Any]) -> None:
        del data["label"]
        data["codes"][0]["tier"] = "nowhere"
        data["codes"][1]["code"] = "ww1"
        data["codes"][1]["examples"] = "one"

    errors = errors_for(break_several)
    assert errors == [
        "top level: label is missing",
        "codes[0] (ACT-SKILL-1): tier 'nowhere' is not one of the tiers listed (acts, went_well)",
        "codes[1] (ww1): examples must be a list of strings",
        "codes[1] (ww1): code 'ww1' is not a well-formed id (capital-letter parts joined by "
        "hyphens and ending in a number, such as PRE-TECH-1)",
    ]


def test_the_exception_message_lists_the_problems() -> None:
    error = CatalogueInvalid(["top level: label is missing", "codes: must be a non-empty list"])
    assert str(error) == (
        "The taxonomy catalogue has 2 problem(s):\n"
        "- top level: label is missing\n"
        "- codes: must be a non-empty list"
    )


def test_a_file_that_is_not_utf8_is_refused(tmp_path: Any) -> None:
    path = tmp_path / "taxonomy.json"
    path.write_bytes(b'{"label": "\xff"}')
    with pytest.raises(CatalogueInvalid, match="not UTF-8 text"):
        load_catalogue_file(path)


# --- diff_catalogues -----------------------------------------------------------------------------


def test_diff_of_a_catalogue_with_itself_is_empty(catalogue: Catalogue) -> None:
    diff = diff_catalogues(catalogue, catalogue)
    assert diff.is_empty
    assert len(diff.unchanged) == len(catalogue.codes)


def test_diff_lists_added_removed_renamed_and_revised_codes() -> None:
    old = parse_catalogue(json.dumps(minimal()))
    data = minimal()
    data["codes"][0]["title"] = "A planned step was missed"
    data["codes"][1]["definition"] = "Someone noticed the problem in time."
    data["codes"][1]["examples"] = ["Admin colleague noticed"]
    data["codes"].append({**copy.deepcopy(data["codes"][0]), "code": "ACT-SKILL-2"})
    new = parse_catalogue(json.dumps(data))

    diff = diff_catalogues(old, new)

    assert [code.code for code in diff.added] == ["ACT-SKILL-2"]
    assert diff.removed == ()
    assert [(change.code, change.kind, change.fields) for change in diff.changed] == [
        ("ACT-SKILL-1", "renamed", ("title",)),
        ("WW-1", "revised", ("definition", "examples")),
    ]
    assert diff.changed[0].old.title == "A step was missed"
    assert diff.changed[0].new.title == "A planned step was missed"
    assert diff.unchanged == ()
    assert not diff.is_empty


def test_diff_shows_a_merge_as_removed_and_added_codes() -> None:
    old = parse_catalogue(json.dumps(minimal()))
    data = minimal()
    data["codes"][0]["code"] = "ACT-SLIP-1"
    new = parse_catalogue(json.dumps(data))

    diff = diff_catalogues(old, new)

    assert [code.code for code in diff.removed] == ["ACT-SKILL-1"]
    assert [code.code for code in diff.added] == ["ACT-SLIP-1"]
    assert diff.unchanged == ("WW-1",)


def test_reordering_codes_is_not_a_change() -> None:
    old = parse_catalogue(json.dumps(minimal()))
    data = minimal()
    data["codes"].reverse()
    new = parse_catalogue(json.dumps(data))

    assert diff_catalogues(old, new).is_empty
    assert new.checksum != old.checksum
