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
    reader = csv.reader(io.StringIO(text, newline=""))
    try:
        return _read_records(reader)
    except csv.Error as exc:
        # Python's csv module refuses a value over 131,072 characters; far past any answer.
        reason = "a value is too long" if "field limit" in str(exc) else str(exc)
        raise ImportFileInvalid(
            f"The file could not be read as CSV at line {reader.line_num}: {reason}"
        ) from exc


def _read_records(
    reader: Iterator[list[str]],
) -> tuple[list[str], list[tuple[int, dict[str, str]]]]:
    try:
        header = [name.strip().lower() for name in next(reader)]
    except StopIteration as exc:
        raise ImportFileInvalid("The file is empty") from exc
    missing = [name for name in REQUIRED_COLUMNS if name not in header]
    if missing:
        raise ImportFileInvalid("The header row must have a column named: " + ", ".join(missing))
    rows = []
    start = reader.line_num + 1  # type: ignore[attr-defined]
    for values in reader:
        if any(value.strip() for value in values):
            padded = values + [""] * (len(header) - len(values))
            rows.append((start, dict(zip(header, padded, strict=False))))
        start = reader.line_num + 1  # type: ignore[attr-defined]
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


def file_planned_row(session: Session, row: ParsedRow, today: dt.date, receipt_key: str) -> None:
    # Imported reports count as received on the import day, and nobody holds their receipt.
    filed = file_report(
        session, row.submission, today=today, source=ReportSource.IMPORT, receipt_key=receipt_key
    )
    filed.report.receipt_hash = None
