"""Importing an organisation's history: check every row, file the good ones through the one
filing service, and record the codes its earlier panel confirmed as confirmed coding.

Each row gets a key that makes a second import of it add nothing: a keyed hash (HMAC) of its
``external_id`` when it has one, so the organisation's id is never stored in clear, otherwise a
digest of its content. Nothing here commits: the command owns the transaction.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import hmac
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field

import sqlalchemy as sa
from sqlalchemy.orm import Session

from learnhub.audit import services as audit
from learnhub.auth.models import User
from learnhub.core.permissions import Permission
from learnhub.core.sealing import derive_key
from learnhub.core.time import parse_month
from learnhub.imports.reading import (
    EXTERNAL_ID,
    KNOWN_COLUMNS,
    OPTIONAL_COLUMNS,
    PANEL_CODES,
    REQUIRED_COLUMNS,
    read_rows,
)
from learnhub.reports.models import EventType, Report, ReportSource, ReportStatus, ServiceArea
from learnhub.reports.services import (
    IMPORT_LIMITS,
    CheckedSubmission,
    FiledReport,
    ReportInvalid,
    ReportSubmission,
    check_submission,
    file_report,
)
from learnhub.taxonomy import services as taxonomy
from learnhub.taxonomy.models import (
    CodingAction,
    FactorChange,
    FactorSource,
    FactorStatus,
    ReportFactor,
    TaxonomyCode,
    TaxonomyVersion,
)

DEFAULT_EVENT_TYPE = EventType.NEAR_MISS.value
MAX_EXTERNAL_ID_LENGTH = 200
# The purpose the external-id key is derived for from the receipt key (core/sealing.py).
EXTERNAL_ID_PURPOSE = "import-external-id"
# Rows whose existing keys are looked up per query, and reports filed per savepoint.
LOOKUP_CHUNK = 500
FILING_BATCH = 250

Progress = Callable[[int], None]


class ImportRefused(Exception):
    """The import cannot run as asked (who runs it, or what the file needs)."""


@dataclass(frozen=True)
class RowProblem:
    line: int
    reason: str
    values: dict[str, str]  # the row as read, for the rejects file


@dataclass(frozen=True)
class PlannedRow:
    line: int
    submission: ReportSubmission
    checked: CheckedSubmission
    panel_codes: list[TaxonomyCode]
    external_id: str  # in memory only, for the map file; the database holds its keyed hash


@dataclass(frozen=True)
class AlreadyImported:
    line: int
    external_id: str
    reference: str


@dataclass
class ImportPlan:
    header: list[str] = field(default_factory=list)
    rows: list[PlannedRow] = field(default_factory=list)
    problems: list[RowProblem] = field(default_factory=list)
    already: list[AlreadyImported] = field(default_factory=list)
    ignored_columns: list[str] = field(default_factory=list)
    version: TaxonomyVersion | None = None

    @property
    def already_imported(self) -> int:
        return len(self.already)

    @property
    def panel_coded(self) -> int:
        return sum(1 for row in self.rows if row.panel_codes)


@dataclass(frozen=True)
class ImportedRow:
    line: int
    external_id: str
    reference: str


@dataclass
class ImportResult:
    imported: list[ImportedRow] = field(default_factory=list)
    panel_coded: int = 0
    codes_confirmed: int = 0


def external_id_key(receipt_key: str) -> bytes:
    """The key external ids are hashed under: derived from the receipt key, which must stay the
    same for receipts to keep working, so a re-import next year still recognises its rows."""
    return derive_key(receipt_key, EXTERNAL_ID_PURPOSE)


def external_key(external_id: str, key: bytes) -> str:
    return hmac.new(key, external_id.encode(), hashlib.sha256).hexdigest()


def content_key(row: dict[str, str], occurrence: int) -> str:
    # The questions' columns only, in their fixed order: the key of a row imported before
    # external ids existed stays the same.
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


def split_codes(text: str) -> list[str]:
    return list(dict.fromkeys(code.strip() for code in text.split(";") if code.strip()))


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
        factor_codes=split_codes(row.get("factors", "")),
        import_key=key,
    )


def _panel_codes(
    text: str, codes: dict[str, TaxonomyCode] | None, errors: dict[str, str]
) -> list[TaxonomyCode]:
    wanted = split_codes(text)
    if not wanted:
        return []
    if codes is None:
        errors[PANEL_CODES] = "Panel codes cannot be recorded yet: no taxonomy is active"
        return []
    unknown = [code for code in wanted if code not in codes]
    if unknown:
        errors[PANEL_CODES] = "Unknown codes in the active taxonomy: " + ", ".join(unknown)
        return []
    return [codes[code] for code in wanted]


def _keys(
    rows: list[tuple[int, dict[str, str]]], id_key: bytes
) -> tuple[list[str], dict[int, str]]:
    """Each row's import key, and why a row's external id cannot be used (by line)."""
    keys, refused = [], {}
    seen: Counter[str] = Counter()
    first_line: dict[str, int] = {}
    for line, row in rows:
        external = row.get(EXTERNAL_ID, "").strip()
        if external:
            key = external_key(external, id_key)
            if len(external) > MAX_EXTERNAL_ID_LENGTH:
                refused[line] = f"must be {MAX_EXTERNAL_ID_LENGTH} characters or fewer"
            elif key in first_line:
                refused[line] = f"the same as line {first_line[key]}'s: each row needs its own"
            first_line.setdefault(key, line)
        else:
            content = content_key(row, 0)
            seen[content] += 1  # identical rows in one file are each kept, once
            key = content_key(row, seen[content])
        keys.append(key)
    return keys, refused


def existing_references(session: Session, keys: list[str]) -> dict[str, str]:
    """The reference of every report already imported under one of ``keys``."""
    found: dict[str, str] = {}
    for start in range(0, len(keys), LOOKUP_CHUNK):
        chunk = keys[start : start + LOOKUP_CHUNK]
        rows = session.execute(
            sa.select(Report.import_key, Report.reference).where(Report.import_key.in_(chunk))
        )
        found.update((str(key), reference) for key, reference in rows)
    return found


def plan_import(
    session: Session,
    raw: bytes,
    today: dt.date,
    *,
    id_key: bytes = b"",
    progress: Progress | None = None,
) -> ImportPlan:
    """Check every row with the filing service's own checks (under the import's limits) and
    the panel codes against the active taxonomy; nothing is written. A row imported before
    (its key already stored) is not checked again: it is listed as already imported.
    ``id_key``: from ``external_id_key``; ``progress`` is called with each row checked."""
    header, rows = read_rows(raw)
    version = taxonomy.active_version(session)
    plan = ImportPlan(
        header=header,
        ignored_columns=[h for h in header if h and h not in KNOWN_COLUMNS],
        version=version,
    )
    codes = {code.code: code for code in version.codes} if version is not None else None
    areas = area_slugs(session)
    keys, refused_ids = _keys(rows, id_key)
    existing = existing_references(session, keys)
    for (line, row), key in zip(rows, keys, strict=True):
        external = row.get(EXTERNAL_ID, "").strip()
        if key in existing and line not in refused_ids:
            plan.already.append(AlreadyImported(line, external, existing[key]))
            if progress:
                progress(1)
            continue
        errors: dict[str, str] = {}
        if line in refused_ids:
            errors[EXTERNAL_ID] = refused_ids[line]
        checked = None
        try:
            submission = submission_for_row(row, today, areas, key)
            checked = check_submission(session, submission, today, IMPORT_LIMITS)
        except ReportInvalid as exc:
            errors.update(exc.errors)
        panel = _panel_codes(row.get(PANEL_CODES, ""), codes, errors)
        if errors or checked is None:
            reasons = "; ".join(f"{name}: {message}" for name, message in errors.items())
            plan.problems.append(RowProblem(line, reasons, row))
        else:
            plan.rows.append(PlannedRow(line, submission, checked, panel, external))
        if progress:
            progress(1)
    return plan


def importing_account(session: Session, email: str) -> User:
    """The staff account an import's panel codes are attributed to: it must be able to code
    reports itself (a reviewer or an administrator)."""
    user = session.scalar(sa.select(User).where(sa.func.lower(User.email) == email.lower()))
    if user is None:
        raise ImportRefused(f"No staff account with the email address {email}")
    if not user.is_enabled:
        raise ImportRefused(f"The account {user.email} is disabled")
    if not user.may(Permission.REVIEW_REPORTS):
        raise ImportRefused(
            f"The account {user.email} ({user.role.value}) cannot code reports: panel codes "
            "are confirmed in the name of a reviewer or an administrator"
        )
    return user


def run_import(
    session: Session,
    plan: ImportPlan,
    *,
    today: dt.date,
    now: dt.datetime,
    actor: User | None,
    source_name: str,
    progress: Progress | None = None,
) -> ImportResult:
    """File every planned row, record its panel codes as confirmed coding by ``actor``, and
    audit both; flushes, never commits. ImportRefused if rows have panel codes and no one is
    named to confirm them."""
    if plan.panel_coded and actor is None:
        raise ImportRefused(
            f"{plan.panel_coded} rows have panel codes: name the staff account that confirms "
            "them with --as EMAIL (a reviewer or an administrator)"
        )
    result = ImportResult()
    coded: list[tuple[FiledReport, PlannedRow]] = []
    for start in range(0, len(plan.rows), FILING_BATCH):
        batch = plan.rows[start : start + FILING_BATCH]
        for row in batch:
            filed = file_report(
                session,
                row.submission,
                today=today,
                source=ReportSource.IMPORT,
                receipt_key=None,
                limits=IMPORT_LIMITS,
                checked=row.checked,
            )
            result.imported.append(ImportedRow(row.line, row.external_id, filed.reference))
            if row.panel_codes:
                coded.append((filed, row))
        if progress:
            progress(len(batch))
    if coded and actor is not None and plan.version is not None:
        result.codes_confirmed = _confirm_panel_codes(session, coded, actor, plan.version, now)
        result.panel_coded = len(coded)
    session.flush()
    audit.record(
        session,
        actor,
        "import",
        "reports",
        None,
        {
            "file": source_name,
            "imported": len(result.imported),
            "already_imported": plan.already_imported,
            "refused": len(plan.problems),
            "panel_coded": result.panel_coded,
            "codes_confirmed": result.codes_confirmed,
        },
    )
    return result


def _confirm_panel_codes(
    session: Session,
    coded: list[tuple[FiledReport, PlannedRow]],
    actor: User,
    version: TaxonomyVersion,
    now: dt.datetime,
) -> int:
    """What a reviewer's confirmation writes (learnhub/review/coding.py), for many reports at
    once: each code as a confirmed reviewer factor decided by ``actor``, each change in the
    report's coding history, the reporter's ticks read as confirmed or not, and one audit entry
    per report like the coding page's."""
    confirmed = 0
    factors, changes = [], []
    actions: dict[int, list[str]] = {}
    for report, row in coded:
        ticked = {code.id for code in row.checked.factor_codes}
        wanted = {code.id for code in row.panel_codes}
        for code in row.panel_codes:
            action = CodingAction.CONFIRMED if code.id in ticked else CodingAction.ADDED
            actions.setdefault(report.report_id, []).append(f"{action.value}:{code.id}")
            factors.append(
                ReportFactor(
                    report_id=report.report_id,
                    code_id=code.id,
                    source=FactorSource.REVIEWER,
                    status=FactorStatus.CONFIRMED,
                    decided_by_id=actor.id,
                    decided_at=now,
                )
            )
            changes.append(
                FactorChange(
                    report_id=report.report_id,
                    code_id=code.id,
                    action=action,
                    prompted_by=FactorSource.REPORTER if code.id in ticked else None,
                    user_id=actor.id,
                    changed_at=now,
                )
            )
        confirmed += len(row.panel_codes)
        if ticked:
            # The reporter's ticks read as confirmed or not, as after a reviewer's coding.
            session.execute(
                sa.update(ReportFactor)
                .where(
                    ReportFactor.report_id == report.report_id,
                    ReportFactor.source == FactorSource.REPORTER,
                )
                .values(
                    status=sa.case(
                        (ReportFactor.code_id.in_(wanted), FactorStatus.CONFIRMED),
                        else_=FactorStatus.REMOVED,
                    )
                )
            )
    session.add_all(factors)
    session.add_all(changes)
    session.flush()
    # As after a reviewer's first coding: in this version, triaged today, being coded. One
    # statement per batch (the reports were filed new just now), not one per report.
    ids = [report.report_id for report, _ in coded]
    for start in range(0, len(ids), LOOKUP_CHUNK):
        session.execute(
            sa.update(Report)
            .where(Report.id.in_(ids[start : start + LOOKUP_CHUNK]))
            .values(
                taxonomy_version_id=version.id,
                triaged_on=sa.func.coalesce(Report.triaged_on, now.date()),
                status=sa.case(
                    (Report.status == ReportStatus.NEW, ReportStatus.CODING),
                    else_=Report.status,
                ),
            )
            .execution_options(synchronize_session=False)
        )
    audit.record_many(
        session,
        actor,
        [
            audit.Entry(
                "update",
                "report_codes",
                report.reference,
                {
                    "changes": actions[report.report_id],
                    "codes": sorted(code.code for code in row.panel_codes),
                    "via": "import",
                },
            )
            for report, row in coded
        ],
    )
    return confirmed
