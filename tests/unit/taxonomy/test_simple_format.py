"""The simple taxonomy file (CSV or a JSON list of codes), read into the same catalogue as the
full format, with every problem named by its line."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from learnhub.taxonomy.catalogue import (
    CatalogueInvalid,
    default_catalogue_path,
    load_catalogue_file,
)
from learnhub.taxonomy.simple_format import (
    DEFAULT_TIER,
    file_kind,
    parse_simple_csv,
    parse_simple_json,
    read_taxonomy_file,
    tier_key,
)
from tests.taxonomy_files import SAFENET_ROWS


def csv_text(rows: list[tuple[str, ...]], header: str = "code,tier,title,definition") -> str:
    def cell(value: str) -> str:
        return f'"{value}"' if "," in value or "\n" in value else value

    return "\n".join([header, *(",".join(cell(value) for value in row) for row in rows)]) + "\n"


def safenet_json() -> str:
    items = [
        {"code": code, "tier": tier, "title": title, "definition": definition}
        for code, tier, title, definition in SAFENET_ROWS
    ]
    return json.dumps(items, indent=2)


def problems(parse: object, *args: str) -> list[str]:
    with pytest.raises(CatalogueInvalid) as caught:
        parse(*args)  # type: ignore[operator]
    return caught.value.errors


def test_safenet_labels_become_two_tiers_headed_as_written() -> None:
    catalogue = parse_simple_csv(csv_text(SAFENET_ROWS), "safenet-labels")

    assert catalogue.label == "safenet-labels"
    assert [(tier.key, tier.title, tier.reporter_heading) for tier in catalogue.tiers] == [
        ("human_factors", "Human Factors", "Human Factors"),
        ("contributing_factors", "Contributing Factors", "Contributing Factors"),
    ]
    assert [code.code for code in catalogue.codes_in("human_factors")] == [
        f"HF-{n}" for n in range(1, 7)
    ]
    radio = catalogue.code("CF-1")
    assert radio is not None
    assert (radio.title, radio.category) == ("Communications", "Contributing Factors")
    # No prompt column: the reporter's checkbox reads the definition.
    assert radio.prompt == radio.definition == "Radio, briefings, or hand-overs."
    assert (radio.includes, radio.excludes, radio.examples, radio.ycff_domain) == ("", "", (), "")


def test_the_same_codes_as_csv_or_json_are_the_same_catalogue() -> None:
    from_csv = parse_simple_csv(csv_text(SAFENET_ROWS), "safenet")
    from_json = parse_simple_json(safenet_json(), "safenet")

    assert from_json == from_csv
    assert from_json.checksum == from_csv.checksum


def test_no_tier_means_one_tier_and_a_prompt_column_is_what_reporters_read() -> None:
    text = csv_text(
        [("A-1", "Tired", "Worn out by long shifts.", "We were tired"), ("A-2", "Kit", "Gear", "")],
        header="Code,Title,Definition,Prompt",
    )

    catalogue = parse_simple_csv(text, "plain")

    assert [(tier.key, tier.title) for tier in catalogue.tiers] == [("factors", DEFAULT_TIER)]
    assert [code.prompt for code in catalogue.codes] == ["We were tired", "Gear"]


def test_spreadsheet_exports_are_read_semicolons_spaces_and_blank_lines() -> None:
    text = "code;title;definition\n\nA-1;Tired; Worn out, by long shifts. \n;;\n"

    catalogue = parse_simple_csv(text, "export")

    assert [(code.code, code.definition) for code in catalogue.codes] == [
        ("A-1", "Worn out, by long shifts.")
    ]


def test_every_bad_line_is_named_with_its_column_and_nothing_is_kept() -> None:
    text = (
        "code,tier,title,definition\n"  # line 1
        "HF-1,Human Factors,Decision Making,Fine\n"  # line 2
        'HF-2,Human Factors,"Two\nlines",Fine\n'  # lines 3-4: a title must be one line
        "hf-3,Human Factors,Leadership,Fine\n"  # line 5
        "HF-1,Human Factors,Again,Fine\n"  # line 6
        "HF-4,Human factors,Risk,Fine\n"  # line 7
        "HF-5,Human Factors,Performance,\n"  # line 8
        "HF-6,Human Factors,Fatigue,Tired,extra\n"  # line 9
    )

    errors = problems(parse_simple_csv, text, "bad")

    assert errors == [
        "line 3 (HF-2): title must be one line, without line breaks or control characters",
        "line 5 (hf-3): code 'hf-3' is not a well-formed id (capital-letter parts joined by "
        "hyphens and ending in a number, such as PRE-TECH-1)",
        "line 6 (HF-1): code is used more than once (also at line 2)",
        "line 7: tier 'Human factors' is written differently from 'Human Factors' on line 2; "
        "write the same tier the same way each time",
        "line 8 (HF-5): definition is empty",
        "line 9: 1 more cell(s) than the header has columns (a comma in a value needs the value "
        "in double quotes)",
    ]


def test_a_header_it_cannot_read_is_refused_before_any_row() -> None:
    errors = problems(parse_simple_csv, "code,name,definition,colour\nA-1,x,y,z\n", "bad")

    assert errors == [
        "line 1: unknown column 'name' (the columns are code, title, definition, tier, prompt)",
        "line 1: unknown column 'colour' (the columns are code, title, definition, tier, prompt)",
        "line 1: column 'title' is missing",
    ]
    assert problems(parse_simple_csv, "", "empty") == [
        "line 1: the header row is missing (code, title, definition, ...)"
    ]
    assert problems(parse_simple_csv, "code,title,definition\n", "empty") == [
        "the file lists no codes"
    ]


def test_json_problems_are_named_by_the_line_their_item_starts_on() -> None:
    text = (
        "[\n"
        '  {"code": "A-1", "title": "Tired", "definition": "Worn out"},\n'  # line 2
        '  {"code": "A-2",\n'  # line 3
        '   "title": 7, "definition": "Gear", "colour": "red"},\n'
        '  "A-3"\n'  # line 5
        "]\n"
    )

    errors = problems(parse_simple_json, text, "bad")

    assert errors == [
        "line 3: unknown field 'colour' (the fields are code, title, definition, tier, prompt)",
        "line 3: title must be text",
        "line 5: must be a JSON object with code, title and definition",
    ]
    assert problems(parse_simple_json, "[\n  {]", "broken")[0].startswith(
        "not valid JSON (line 2, column 4)"
    )


def test_a_file_is_read_in_the_format_its_content_and_name_say(tmp_path: Path) -> None:
    assert file_kind("labels.csv", "code,title,definition\n") == "simple-csv"
    assert file_kind("labels.txt", "code,title,definition\n") == "simple-csv"
    assert file_kind("labels.json", " [") == "simple-json"
    assert file_kind("labels", "{") == "full"
    assert file_kind("labels.json", "oops") == "full"

    simple = tmp_path / "safenet-labels.json"
    simple.write_text(safenet_json(), encoding="utf-8")
    full = tmp_path / "social-care.json"
    full.write_text(default_catalogue_path().read_text(encoding="utf-8"), encoding="utf-8")
    with_bom = tmp_path / "excel.csv"
    with_bom.write_bytes(csv_text(SAFENET_ROWS).encode("utf-8-sig"))

    assert read_taxonomy_file(simple) == parse_simple_json(safenet_json(), "safenet-labels")
    assert read_taxonomy_file(full) == load_catalogue_file(default_catalogue_path())
    assert read_taxonomy_file(with_bom).codes == read_taxonomy_file(simple).codes


def test_a_file_that_is_not_utf8_is_refused_by_name(tmp_path: Path) -> None:
    latin = tmp_path / "labels.csv"
    latin.write_bytes("code,title,definition\nA-1,Fatigué,x\n".encode("latin-1"))

    errors = problems(read_taxonomy_file, str(latin))

    assert errors[0].startswith("labels.csv: not UTF-8 text")


@pytest.mark.parametrize(
    ("heading", "key"),
    [
        ("Human Factors", "human_factors"),
        ("  Équipement / Matériel ", "equipement_materiel"),
        ("3 Organisational", "tier_3_organisational"),
        ("人的要因", "tier"),
        ("x" * 60, "x" * 40),
    ],
)
def test_a_tier_heading_becomes_a_key(heading: str, key: str) -> None:
    assert tier_key(heading) == key
