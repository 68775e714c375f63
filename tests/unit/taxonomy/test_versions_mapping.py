"""Mapping old codes to new ones, searching codes, and parsing commands and forms: no database."""

from __future__ import annotations

import json

import click
import pytest

from learnhub.taxonomy.catalogue import diff_catalogues, parse_catalogue
from learnhub.taxonomy.cli import describe_diff, parse_map_options
from learnhub.taxonomy.models import MappingRelation, TaxonomyCode
from learnhub.taxonomy.services import packaged_catalogue
from learnhub.taxonomy.versions import (
    MappingInvalid,
    check_mapping,
    mapping_relations,
    normalise_mapping,
    search_codes,
)
from learnhub.taxonomy.views import mapping_from_form

OLD = ["A-1", "A-2", "B-1", "B-2", "C-1"]
NEW = ["A-1", "A-3", "B-3", "B-4", "C-1", "D-1"]
TITLES = {code: f"Title of {code}" for code in {*OLD, *NEW}}

M, S, SAME, R = (
    MappingRelation.MERGED,
    MappingRelation.SPLIT,
    MappingRelation.SAME,
    MappingRelation.RENAMED,
)


def test_a_complete_mapping_keeps_ids_and_adds_what_was_said() -> None:
    full = check_mapping(OLD, NEW, {"A-2": ["A-3"], "B-1": ["B-3", "B-4"], "B-2": []})

    assert full == {
        "A-1": ["A-1"],
        "A-2": ["A-3"],
        "B-1": ["B-3", "B-4"],
        "B-2": [],
        "C-1": ["C-1"],
    }


def test_every_removed_code_must_be_mapped_or_retired() -> None:
    with pytest.raises(MappingInvalid) as raised:
        check_mapping(OLD, NEW, {"A-2": ["A-3"]}, new_name="version 2")

    assert raised.value.unmapped == ("B-1", "B-2")
    assert set(raised.value.errors) == {"B-1", "B-2"}
    assert "B-1 is not in version 2" in raised.value.errors["B-1"]
    assert "or retire it" in raised.value.errors["B-1"]


def test_unknown_codes_on_either_side_are_named() -> None:
    mapping = {"A-2": ["A-3", "Z-9", "Y-8"], "B-1": ["B-3"], "B-2": [], "NOPE-1": ["A-3"]}

    with pytest.raises(MappingInvalid) as raised:
        check_mapping(OLD, NEW, mapping, old_name="version 1 (active)", new_name="version 2")

    errors = raised.value.errors
    assert errors["A-2"] == "A-2: Z-9, Y-8 are not in version 2"
    assert errors["NOPE-1"] == "NOPE-1 is not a code of version 1 (active)"
    assert raised.value.unmapped == ()
    assert str(raised.value) == "; ".join(errors.values())


def test_a_kept_code_always_keeps_its_own_reports() -> None:
    allowed = check_mapping(OLD, NEW, {"A-1": ["A-1", "D-1"], "A-2": [], "B-1": [], "B-2": []})
    assert allowed["A-1"] == ["A-1", "D-1"]

    for targets in (["D-1"], []):
        with pytest.raises(MappingInvalid) as raised:
            check_mapping(OLD, NEW, {"A-1": targets, "A-2": [], "B-1": [], "B-2": []})
        assert "A-1 is kept" in raised.value.errors["A-1"]


def test_mapping_is_trimmed_and_each_target_kept_once() -> None:
    assert normalise_mapping({" A-2 ": [" A-3", "A-3", "", "D-1 "], "": ["X-1"]}) == {
        "A-2": ["A-3", "D-1"]
    }


def test_relations_say_same_renamed_merged_and_split() -> None:
    full = {
        "A-1": ["A-1"],  # kept, same title
        "A-2": ["A-3"],  # a new id for one code: renamed
        "B-1": ["B-3", "B-4"],  # split
        "B-2": ["C-1"],  # merged into a kept code...
        "C-1": ["C-1"],  # ...which is merged too
    }

    links = mapping_relations(full, TITLES, TITLES)

    assert links == [
        ("A-1", "A-1", SAME),
        ("A-2", "A-3", R),
        ("B-1", "B-3", S),
        ("B-1", "B-4", S),
        ("B-2", "C-1", M),
        ("C-1", "C-1", M),
    ]


def test_a_kept_id_with_a_new_title_is_renamed() -> None:
    links = mapping_relations({"A-1": ["A-1"]}, {"A-1": "Old words"}, {"A-1": "New words"})
    assert links == [("A-1", "A-1", R)]


def test_a_split_part_that_is_also_a_merge_target_is_still_a_split_link() -> None:
    links = mapping_relations({"A-1": ["X-1", "X-2"], "A-2": ["X-1"]}, TITLES, TITLES)
    assert links == [("A-1", "X-1", S), ("A-1", "X-2", S), ("A-2", "X-1", M)]


def test_retired_codes_have_no_links() -> None:
    assert mapping_relations({"A-1": []}, TITLES, TITLES) == []


# --- search ---------------------------------------------------------------------------------


def code(code_id: str, **fields: object) -> TaxonomyCode:
    values: dict[str, object] = {
        "code": code_id,
        "title": "",
        "definition": "",
        "prompt": "",
        "includes": "",
        "examples": [],
    }
    values.update(fields)
    return TaxonomyCode(**values)


CODES = [
    code("PRE-TEAM-1", title="A handover lost information", prompt="Something got lost"),
    code("SUP-2", title="Supervision was a to-do list", definition="No room to reflect"),
    code("PRE-FAM-2", title="Language needs", examples=["No interpreter was booked"]),
    code("ACT-CHILD-2", title="The child\u2019s voice was missed"),
]


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("", ["PRE-TEAM-1", "SUP-2", "PRE-FAM-2", "ACT-CHILD-2"]),
        ("   ", ["PRE-TEAM-1", "SUP-2", "PRE-FAM-2", "ACT-CHILD-2"]),
        ("handover", ["PRE-TEAM-1"]),
        ("HANDOVER lost", ["PRE-TEAM-1"]),
        ("lost handover", ["PRE-TEAM-1"]),
        ("handover reflect", []),
        ("supervis", ["SUP-2"]),
        ("reflect", ["SUP-2"]),
        ("interpreter", ["PRE-FAM-2"]),
        ("something", ["PRE-TEAM-1"]),
        ("child's", ["ACT-CHILD-2"]),
        ('"voice"', ["ACT-CHILD-2"]),
        ("sup-2", ["SUP-2"]),
    ],
)
def test_search_matches_every_word_in_title_definition_prompt_or_examples(
    query: str, expected: list[str]
) -> None:
    assert [found.code for found in search_codes(CODES, query)] == expected


# --- the command's parsing and the admin form ------------------------------------------------


def test_map_options_become_a_mapping() -> None:
    assert parse_map_options(["A-1=B-1", "A-2 = B-2, B-3", "A-3="]) == {
        "A-1": ["B-1"],
        "A-2": ["B-2", "B-3"],
        "A-3": [],
    }


@pytest.mark.parametrize("value", ["A-1", "=B-1", "A-1:B-1"])
def test_a_map_option_without_old_equals_new_is_refused(value: str) -> None:
    with pytest.raises(click.BadParameter, match="OLD=NEW"):
        parse_map_options([value])


def test_a_code_mapped_twice_on_the_command_line_is_refused() -> None:
    with pytest.raises(click.BadParameter, match="more than once"):
        parse_map_options(["A-1=B-1", "A-1=B-2"])


def test_the_diff_reads_section_by_section() -> None:
    old = packaged_catalogue()
    data = old.to_data()
    data["codes"][0]["title"] = "A planned step was missed"
    data["codes"][1]["definition"] += " Also emails."
    data["codes"][2]["code"] = "ACT-PERC-9"
    new = parse_catalogue(json.dumps(data))

    lines = describe_diff(diff_catalogues(old, new))

    assert lines == [
        "  Added (1):",
        f"    ACT-PERC-9  {old.codes[2].title}",
        "  Removed (1):",
        f"    ACT-PERC-1  {old.codes[2].title}",
        "  Renamed (1):",
        "    ACT-SKILL-1  'A step was missed or forgotten' -> 'A planned step was missed'",
        "  Revised (1):",
        "    ACT-SKILL-2  definition changed",
        f"  Unchanged: {len(old.codes) - 3} codes",
    ]
    assert describe_diff(diff_catalogues(old, old)) == ["  No code was added, removed or changed."]


def test_the_form_gives_a_mapping_and_an_error_per_field() -> None:
    form = {
        "action-A-1": "map",
        "to-A-1": "b-1, b-2  B-3;B-4",
        "action-A-2": "retire",
        "to-A-2": "ignored",
        "action-A-3": "map",
        "to-A-3": " , ",
    }

    mapping, errors = mapping_from_form(form, ["A-1", "A-2", "A-3", "A-4"], 7)

    assert mapping == {"A-1": ["B-1", "B-2", "B-3", "B-4"], "A-2": []}
    assert errors == {
        "to-A-3": "Enter the version 7 codes that A-3 becomes",
        "action-A-4": "Choose what happens to reports coded A-4",
    }
