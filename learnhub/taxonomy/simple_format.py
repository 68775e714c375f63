"""The simple taxonomy file: one row per code (code, title, definition, optional tier and
prompt), as CSV or as a JSON list, for an organisation that brings its own labels.

Parsed into the same ``Catalogue`` as the full format and checked by the same rules, with every
problem named by its line. Tiers are written as the heading a reporter sees ("Human Factors");
each becomes a tier key ("human_factors") and is kept as its codes' category, which is where the
report form finds the heading again (``taxonomy.services.codes_by_tier``).

Pure Python, no database and no Flask.
"""

from __future__ import annotations

import csv
import io
import json
import re
import unicodedata
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import Any, Literal

from learnhub.core.text import one_line_problem
from learnhub.taxonomy.catalogue import (
    CATEGORY_MAX,
    LABEL_MAX,
    TIER_KEY_MAX,
    Catalogue,
    CatalogueInvalid,
    Tier,
    checked_catalogue,
    json_of,
    parse_catalogue,
    parse_code_items,
)

COLUMNS = ("code", "title", "definition", "tier", "prompt")
REQUIRED_COLUMNS = ("code", "title", "definition")
# With no tier column (or a blank cell) every code sits under one heading.
DEFAULT_TIER = "Factors"
# Spreadsheets save CSV with commas, or semicolons where the comma is the decimal mark.
DELIMITERS = (",", ";", "\t")

FileKind = Literal["full", "simple-json", "simple-csv"]


def read_taxonomy_file(path: str | Path) -> Catalogue:
    """A taxonomy file in either format, told apart by its first character and extension;
    ``CatalogueInvalid`` lists every problem at once, so nothing is ever half-loaded."""
    path = Path(path)
    try:
        text = path.read_bytes().decode("utf-8-sig")
    except UnicodeDecodeError as error:
        raise CatalogueInvalid([f"{path.name}: not UTF-8 text ({error.reason})"]) from error
    label = _label_from(path)
    kind = file_kind(path.name, text)
    if kind == "simple-csv":
        return parse_simple_csv(text, label)
    if kind == "simple-json":
        return parse_simple_json(text, label)
    return parse_catalogue(text)


def file_kind(name: str, text: str) -> FileKind:
    """A JSON object is the full format, a JSON list the simple one; anything else is CSV
    unless the name says JSON (then the JSON parser says what is wrong with it)."""
    first = text.lstrip()[:1]
    if name.lower().endswith(".csv"):
        return "simple-csv"
    if first == "[":
        return "simple-json"
    if first == "{" or name.lower().endswith(".json"):
        return "full"
    return "simple-csv"


def parse_simple_csv(text: str, label: str) -> Catalogue:
    """Simple-format CSV: a header row naming the columns (any order, any case), then one row
    per code. Lines are counted as a text editor counts them, header included."""
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=_delimiter(text))
    header = next(reader, None)
    if header is None or not any(cell.strip() for cell in header):
        raise CatalogueInvalid(["line 1: the header row is missing (code, title, definition, ...)"])
    columns = [cell.strip().lower() for cell in header]
    _check_header(columns)
    rows = []
    start = reader.line_num + 1
    for cells in reader:
        where = f"line {start}"
        start = reader.line_num + 1
        if not any(cell.strip() for cell in cells):
            continue  # blank lines between codes are harmless
        rows.append((where, _row_fields(where, columns, cells)))
    return _catalogue(label, rows)


def parse_simple_json(text: str, label: str) -> Catalogue:
    """Simple-format JSON: a list of objects with the same keys as the CSV columns."""
    data = json_of(text)
    if not isinstance(data, list):
        raise CatalogueInvalid(["top level: must be a JSON list of codes"])
    lines = _item_lines(text)
    return _catalogue(
        label, [(f"line {line}", item) for line, item in zip(lines, data, strict=True)]
    )


def tier_key(heading: str) -> str:
    """The tier key for a heading: "Human Factors" → "human_factors"."""
    ascii_text = unicodedata.normalize("NFKD", heading).encode("ascii", "ignore").decode()
    key = re.sub(r"[^a-z0-9]+", "_", ascii_text.lower()).strip("_")
    if not key or not key[0].isalpha():
        key = f"tier_{key}".rstrip("_")
    return key[:TIER_KEY_MAX].rstrip("_")


# ----------------------------------------------------------------------------------- parsing


def _check_header(columns: list[str]) -> None:
    errors = [
        f"line 1: unknown column {name!r} (the columns are {', '.join(COLUMNS)})"
        for name in columns
        if name and name not in COLUMNS
    ]
    errors += [
        f"line 1: column {name!r} is named more than once"
        for name in dict.fromkeys(columns)
        if name and columns.count(name) > 1
    ]
    errors += [
        f"line 1: column {name!r} is missing" for name in REQUIRED_COLUMNS if name not in columns
    ]
    if "" in columns:
        errors.append(f"line 1: column {columns.index('') + 1} has no name")
    if errors:
        raise CatalogueInvalid(errors)


def _row_fields(where: str, columns: list[str], cells: list[str]) -> dict[str, Any]:
    if len(cells) > len(columns):
        # Reported through the row's own checks, so the line's other problems show too.
        return {"_extra": len(cells) - len(columns)}
    return {name: cell.strip() for name, cell in zip(columns, cells, strict=False)}


def _catalogue(label: str, rows: Sequence[tuple[str, Any]]) -> Catalogue:
    errors: list[str] = []
    if not rows:
        raise CatalogueInvalid(["the file lists no codes"])
    tiers: dict[str, Tier] = {}
    tier_lines: dict[str, str] = {}
    items = []
    for where, row in rows:
        item = _full_item(where, row, errors)
        if item is None:
            continue
        heading = item["category"]
        key = item["tier"]
        if key in tiers and tiers[key].title != heading:
            errors.append(
                f"{where}: tier {heading!r} is written differently from {tiers[key].title!r} "
                f"on {tier_lines[key]}; write the same tier the same way each time"
            )
            continue
        tiers.setdefault(key, Tier(key, heading, heading, ""))
        tier_lines.setdefault(key, where)
        items.append((where, item))
    codes = parse_code_items(items, set(tiers), errors)
    if errors:
        raise CatalogueInvalid(sorted(errors, key=_line_number))
    return checked_catalogue(label, "", list(tiers.values()), codes)


def _full_item(where: str, row: Any, errors: list[str]) -> dict[str, Any] | None:
    """The row as a code of the full format, or None after recording what is wrong with it."""
    if not isinstance(row, dict):
        errors.append(f"{where}: must be a JSON object with code, title and definition")
        return None
    if "_extra" in row:
        errors.append(
            f"{where}: {row['_extra']} more cell(s) than the header has columns "
            "(a comma in a value needs the value in double quotes)"
        )
        return None
    found_before = len(errors)
    errors.extend(
        f"{where}: unknown field {name!r} (the fields are {', '.join(COLUMNS)})"
        for name in row
        if name not in COLUMNS
    )
    values = {name: _value(where, row, name, errors) for name in COLUMNS}
    heading = values["tier"] or DEFAULT_TIER
    if problem := _heading_problem(heading):
        errors.append(f"{where}: {problem}")
    if len(errors) > found_before:
        return None
    return {
        "code": values["code"],
        "tier": tier_key(heading),
        "category": heading,
        "title": values["title"],
        "definition": values["definition"],
        # No prompt: the reporter's checkbox reads the definition. A blank definition is
        # reported once, as itself, not again as a blank prompt.
        "prompt": values["prompt"] or values["definition"] or "-",
        "examples": [],
    }


def _line_number(error: str) -> int:
    # Every message here starts "line N"; in line order they read down the file.
    return int(error.split()[1].rstrip(":"))


def _value(where: str, row: dict[str, Any], name: str, errors: list[str]) -> str:
    value = row.get(name)
    if value is None:
        return ""
    if not isinstance(value, str):
        errors.append(f"{where}: {name} must be text")
        return ""
    return value.strip()


def _heading_problem(heading: str) -> str:
    if len(heading) > CATEGORY_MAX:
        return f"tier is {len(heading)} characters long; at most {CATEGORY_MAX} are allowed"
    return one_line_problem("tier", heading) or ""


def _delimiter(text: str) -> str:
    first_line = text.split("\n", 1)[0]
    return max(DELIMITERS, key=first_line.count)


def _label_from(path: Path) -> str:
    return path.stem[:LABEL_MAX] or "Taxonomy"


def _item_lines(text: str) -> list[int]:
    """The line each item of a top-level JSON list starts on (the text is valid JSON)."""
    return [text.count("\n", 0, start) + 1 for start in _item_starts(text)]


def _item_starts(text: str) -> Iterator[int]:
    decoder = json.JSONDecoder()
    position = _skip_space(text, text.index("[") + 1)
    while text[position] != "]":
        yield position
        _, end = decoder.raw_decode(text, position)
        position = _skip_space(text, end)
        if text[position] == ",":
            position = _skip_space(text, position + 1)


def _skip_space(text: str, position: int) -> int:
    while text[position] in " \t\r\n":
        position += 1
    return position
