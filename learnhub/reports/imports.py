"""Bulk import of reports from a CSV file, for organisations arriving with old systems' data.

Every row is checked before anything is saved, and the import is all or nothing. Each row gets a
key made from its content, so importing the same file twice adds nothing the second time.
"""

from __future__ import annotations

import csv
import datetime as dt
import hashlib
import io
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import Session

from learnhub.core.time import parse_month
from learnhub.reports.models import EventType, Report, ReportSource, ServiceArea
from learnhub.reports.services import ReportInvalid, ReportSubmission, check_submission, file_report

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
DEFAULT_EVENT_TYPE = EventType.NEAR_MISS.value


class ImportFileInvalid(Exception):
    """The file as a whole cannot be read (encoding, header)."""


@dataclass(frozen=True)
class RowProblem:
    line: int
    reason: str


@dataclass
class ParsedRow:
    line: int
    submission: ReportSubmission


@dataclass
class ImportPlan:
    rows: list[ParsedRow] = field(default_factory=list)
    problems: list[RowProblem] = field(default_factory=list)
    already_imported: int = 0
    ignored_columns: list[str] = field(default_factory=list)


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


def row_key(row: dict[str, str], occurrence: int) -> str:
    canonical = "\x1f".join(
        f"{k}={row.get(k, '').strip()}" for k in (*REQUIRED_COLUMNS, *OPTIONAL_COLUMNS)
    )
    return hashlib.sha256(f"{canonical}\x1e{occurrence}".encode()).hexdigest()


def area_slugs(session: Session) -> dict[str, str]:
    """Service areas by slug and by name, lower-cased: spreadsheets use either."""
    lookup: dict[str, str] = {}
    for area in session.scalars(sa.select(ServiceArea)):
        lookup[area.slug.lower()] = area.slug
        lookup[area.name.lower()] = area.slug
    return lookup


def submission_for_row(
    row: dict[str, str], today: dt.date, areas: dict[str, str], key: str
) -> ReportSubmission:
    month_text = row.get("event_month", "").strip()
    try:
        month = parse_month(month_text) if month_text else today.replace(day=1)
    except ValueError:
        raise ReportInvalid({"event_month": f"'{month_text}' is not a month as YYYY-MM"}) from None
    area_text = row.get("service_area", "").strip()
    return ReportSubmission(
        narrative=row.get("narrative", ""),
        what_nearly_happened=row.get("what_nearly_happened", ""),
        what_stopped_it=row.get("what_stopped_it", ""),
        what_made_it_likely=row.get("what_made_it_likely", ""),
        what_would_help=row.get("what_would_help", ""),
        potential_severity=row.get("potential_severity", "").strip().lower() or None,
        event_type=row.get("event_type", "").strip().lower() or DEFAULT_EVENT_TYPE,
        event_month=month,
        service_area=areas.get(area_text.lower(), area_text) if area_text else None,
        reporter_role=row.get("reporter_role", "").strip().lower() or None,
        factor_codes=[code.strip() for code in row.get("factors", "").split(";") if code.strip()],
        import_key=key,
    )


def plan_import(session: Session, raw: bytes, today: dt.date) -> ImportPlan:
    """Check every row against the same rules as the form; nothing is written."""
    header, rows = read_rows(raw)
    plan = ImportPlan(
        ignored_columns=[h for h in header if h not in (*REQUIRED_COLUMNS, *OPTIONAL_COLUMNS)]
    )
    areas = area_slugs(session)
    seen: Counter[str] = Counter()
    keys = []
    for line, row in rows:
        content = row_key(row, 0)
        seen[content] += 1
        key = row_key(row, seen[content])
        keys.append(key)
        try:
            submission = submission_for_row(row, today, areas, key)
            check_submission(session, submission, today)
        except ReportInvalid as exc:
            reasons = "; ".join(f"{name}: {message}" for name, message in exc.errors.items())
            plan.problems.append(RowProblem(line, reasons))
            continue
        plan.rows.append(ParsedRow(line, submission))
    existing = existing_keys(session, keys)
    plan.already_imported = sum(1 for row in plan.rows if row.submission.import_key in existing)
    plan.rows = [row for row in plan.rows if row.submission.import_key not in existing]
    return plan


def existing_keys(session: Session, keys: list[str]) -> set[str]:
    found: set[str] = set()
    for start in range(0, len(keys), 500):
        chunk = keys[start : start + 500]
        found.update(
            session.scalars(sa.select(Report.import_key).where(Report.import_key.in_(chunk)))
        )
    return found


def file_planned_row(session: Session, row: ParsedRow, today: dt.date) -> None:
    # Imported reports count as received on the import day, and nobody holds their receipt.
    file_report(session, row.submission, today=today, source=ReportSource.IMPORT, receipt_key=None)
