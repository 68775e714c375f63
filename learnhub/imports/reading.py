"""Reading an import file: UTF-8 CSV with a header row, each row with the line it starts on.

The columns are contracts (docs/data-formats.md): one per question of the report form, whose
order makes a row's content key, and the import's own columns.
"""

from __future__ import annotations

import csv
import io
from collections import Counter
from collections.abc import Iterator
from typing import Any

REQUIRED_COLUMNS = ("narrative",)
OPTIONAL_COLUMNS = (
    "event_month",
    "event_type",
    "service_area",
    "factors",
    "what_nearly_happened",
    "what_stopped_it",
    "what_made_it_likely",
    "what_would_help",
    "potential_severity",
    "reporter_role",
)
# The import's own columns, beside the questions': never part of a row's content key.
EXTERNAL_ID = "external_id"  # the organisation's id of the row in its old system
PANEL_CODES = "panel_codes"  # codes the organisation's earlier panel confirmed, ;-separated
IMPORT_COLUMNS = (EXTERNAL_ID, PANEL_CODES)
KNOWN_COLUMNS = (*REQUIRED_COLUMNS, *OPTIONAL_COLUMNS, *IMPORT_COLUMNS)


class ImportFileInvalid(Exception):
    """The file as a whole cannot be read (encoding, header)."""


def read_rows(raw: bytes) -> tuple[list[str], list[tuple[int, dict[str, str]]]]:
    """Header and (line number, row) pairs; line numbers are where each row starts in the file."""
    try:
        text = raw.decode("utf-8-sig")  # Excel writes a byte-order mark
    except UnicodeDecodeError as exc:
        raise ImportFileInvalid("The file is not UTF-8 text: save it as 'CSV UTF-8'") from exc
    if "\x00" in text:
        raise ImportFileInvalid("The file contains NUL characters: is it really a CSV file?")
    # Strict: a quote left open would otherwise swallow the rest of the file into one answer,
    # and text after a closing quote would be glued on silently.
    reader = csv.reader(io.StringIO(text, newline=""), strict=True)
    records = _Records(reader)
    try:
        return _read_records(records)
    except csv.Error as exc:
        raise ImportFileInvalid(
            f"The file could not be read as CSV: line {records.start}: {_csv_reason(exc)}. "
            "Nothing was imported."
        ) from exc


class _Records:
    """The reader's records, each with the line it starts on (a quoted answer may span lines)."""

    def __init__(self, reader: Any) -> None:
        self.reader = reader
        self.start = 1

    def __iter__(self) -> Iterator[tuple[int, list[str]]]:
        while True:
            self.start = self.reader.line_num + 1
            try:
                values = next(self.reader)
            except StopIteration:
                return
            yield self.start, values


def _csv_reason(exc: csv.Error) -> str:
    message = str(exc)
    if "field limit" in message:
        # Python's csv module refuses a value over 131,072 characters; far past any answer.
        return "a value is too long"
    if "end of data" in message:
        return (
            "a quoted value starts here and its closing quote is missing (a value that holds "
            'a comma or a line break is wrapped in quotes, and a quote inside it is written "")'
        )
    if "expected after" in message:
        return (
            "text follows a closing quote (wrap the whole value in quotes, and write each "
            'quote inside it as "")'
        )
    return message


def _read_records(records: _Records) -> tuple[list[str], list[tuple[int, dict[str, str]]]]:
    lines = iter(records)
    try:
        header_line, names = next(lines)
    except StopIteration as exc:
        raise ImportFileInvalid("The file is empty") from exc
    header = [name.strip().lower() for name in names]
    repeated = [name for name, count in Counter(header).items() if name and count > 1]
    if repeated:
        # Only one of the two could be kept, and which would be a silent guess.
        raise ImportFileInvalid(
            f"The header row could not be used: line {header_line}: the column "
            f"'{repeated[0]}' appears more than once (names are compared ignoring case and "
            "spaces). Keep one column of each name. Nothing was imported."
        )
    missing = [name for name in REQUIRED_COLUMNS if name not in header]
    if missing:
        raise ImportFileInvalid("The header row must have a column named: " + ", ".join(missing))
    rows = []
    for start, values in lines:
        if any(value.strip() for value in values):
            padded = values + [""] * (len(header) - len(values))
            rows.append((start, dict(zip(header, padded, strict=False))))
    return header, rows
