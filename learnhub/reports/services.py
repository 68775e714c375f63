"""Filing learning reports and the anonymous follow-up thread.

The web form, the API, CSV import and the demo all come here. Nothing in this module knows who
is asking: it takes plain data, never a request, and stores dates only.
"""

from __future__ import annotations

import datetime as dt
import enum
import hashlib
from dataclasses import dataclass, field
from typing import Any

import sqlalchemy as sa
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from learnhub.core.database import random_id
from learnhub.core.time import add_months, month_start
from learnhub.reports.identifiers import Finding, find_identifiers
from learnhub.reports.models import (
    NARRATIVE_FIELDS,
    EventType,
    MessageDirection,
    PotentialSeverity,
    Report,
    ReporterMessage,
    ReporterRole,
    ReportSource,
    ReportStatus,
    ServiceArea,
    SpentSubmission,
)
from learnhub.reports.questions import (
    MAX_ANSWER_LENGTH,
    MAX_FACTORS,
    MAX_IMPORTED_ANSWER_LENGTH,
    too_long_message,
)
from learnhub.reports.receipts import new_receipt, new_reference, normalise_receipt, receipt_hash
from learnhub.taxonomy import services as taxonomy
from learnhub.taxonomy.models import FactorSource, ReportFactor, TaxonomyCode

MAX_REPLY_LENGTH = 5_000
OLDEST_EVENT_MONTHS = 60


class ReportInvalid(Exception):
    """The submission cannot be filed; ``errors`` maps each field to a message for the reporter."""

    def __init__(self, errors: dict[str, str]) -> None:
        super().__init__("; ".join(f"{name}: {message}" for name, message in errors.items()))
        self.errors = errors


class ReceiptNotFound(Exception):
    """No report matches the receipt. One neutral message covers unknown and malformed codes."""


class ThreadClosed(Exception):
    """The follow-up thread no longer takes replies."""


class AlreadySubmitted(Exception):
    """This check page has been sent before: file nothing again."""


class ReferenceTaken(Exception):
    """Every random reference or id drawn for a new report (or its factors) was an older row's."""


# How each database names a broken unique constraint: PostgreSQL by the constraint's name,
# SQLite by its table and column.
SPENT_KEY_CONSTRAINT = ("pk_spent_submissions", "spent_submissions.key_hash")
REFERENCE_CONSTRAINT = ("uq_reports_reference", "reports.reference")
# The random ids (learnhub.core.database.random_id) of the rows a filing adds.
RANDOM_ID_CONSTRAINTS = (("pk_reports", "reports.id"), ("pk_report_factors", "report_factors.id"))


def _breaks(exc: IntegrityError, constraint: tuple[str, str]) -> bool:
    diag = getattr(exc.orig, "diag", None)
    if diag is not None:
        return bool(diag.constraint_name == constraint[0])
    return str(exc.orig) == f"UNIQUE constraint failed: {constraint[1]}"


@dataclass(frozen=True)
class FilingLimits:
    """How long an answer may be and how far back the event: the form's and the API's by
    default. An import of an organisation's history passes ``IMPORT_LIMITS``."""

    max_answer_length: int = MAX_ANSWER_LENGTH
    # None: OLDEST_EVENT_MONTHS before the month of ``today``; a date: that month, fixed.
    oldest_month: dt.date | None = None


REPORTER_LIMITS = FilingLimits()
IMPORT_LIMITS = FilingLimits(MAX_IMPORTED_ANSWER_LENGTH, dt.date(1990, 1, 1))


@dataclass
class ReportSubmission:
    narrative: str
    event_type: str | None
    event_month: dt.date | None
    what_nearly_happened: str = ""
    what_stopped_it: str = ""
    what_made_it_likely: str = ""
    what_would_help: str = ""
    potential_severity: str | None = None
    service_area: str | None = None  # slug
    reporter_role: str | None = None
    factor_codes: list[str] = field(default_factory=list)
    import_key: str | None = None


@dataclass(frozen=True)
class CheckedSubmission:
    """A submission that passed every check, with what it resolved to."""

    answers: dict[str, str]
    event_type: EventType
    event_month: dt.date
    potential_severity: PotentialSeverity | None
    reporter_role: ReporterRole | None
    service_area: ServiceArea | None
    factor_codes: list[TaxonomyCode]
    findings: dict[str, list[Finding]]
    import_key: str | None = None


@dataclass(frozen=True)
class FiledReport:
    session: Session
    report_id: int
    reference: str
    identifier_flags: list[dict[str, Any]]
    receipt: str | None  # shown once to the reporter, never stored; None for an import

    @property
    def report(self) -> Report:
        """The filed row, read back (the Send page never needs it, so never pays for it)."""
        report = self.session.get(Report, self.report_id)
        assert report is not None
        return report


def _choice(
    enum_cls: type[enum.Enum],
    value: str | None,
    name: str,
    message: str,
    errors: dict[str, str],
    *,
    required: bool = False,
) -> Any:
    if value in (None, ""):
        if required:
            errors[name] = message
        return None
    try:
        return enum_cls(value)
    except ValueError:
        errors[name] = message
        return None


def _check_answers(
    submission: ReportSubmission, limit: int, errors: dict[str, str]
) -> dict[str, str]:
    answers = {}
    for name in NARRATIVE_FIELDS:
        text = (getattr(submission, name) or "").strip()
        if len(text) > limit:
            errors[name] = too_long_message(name, limit)
        answers[name] = text
    if not answers["narrative"]:
        errors["narrative"] = "Tell us what happened"
    return answers


def _check_month(
    month: dt.date | None, today: dt.date, oldest: dt.date | None, errors: dict[str, str]
) -> dt.date:
    if month is None:
        errors["event_month"] = "Enter the month and year it happened"
        return month_start(today)
    month = month_start(month)
    if month > month_start(today):
        errors["event_month"] = "The month it happened must be this month or earlier"
    elif oldest is None and month < add_months(month_start(today), -OLDEST_EVENT_MONTHS):
        errors["event_month"] = "The month it happened must be within the last 5 years"
    elif oldest is not None and month < oldest:
        errors["event_month"] = f"The month it happened must be {oldest:%Y-%m} or later"
    return month


def _check_service_area(
    session: Session, slug: str | None, errors: dict[str, str]
) -> ServiceArea | None:
    if not slug:
        return None
    area = session.scalar(
        sa.select(ServiceArea).where(ServiceArea.slug == slug, ServiceArea.is_active.is_(True))
    )
    if area is None:
        errors["service_area"] = "Choose a service area from the list"
    return area


def _check_factors(
    session: Session, codes: list[str], errors: dict[str, str]
) -> list[TaxonomyCode]:
    wanted = list(dict.fromkeys(code.strip() for code in codes if code and code.strip()))
    if not wanted:
        return []
    if len(wanted) > MAX_FACTORS:
        errors["factors"] = f"Choose {MAX_FACTORS} factors or fewer"
        return []
    version = taxonomy.active_version(session)
    if version is None:
        errors["factors"] = "Factors cannot be chosen yet: no taxonomy is active"
        return []
    try:
        return taxonomy.resolve_codes(session, version, wanted)
    except taxonomy.UnknownCodes as exc:
        errors["factors"] = "Choose factors from the list (unknown: " + ", ".join(exc.unknown) + ")"
        return []


def scan_answers(answers: dict[str, str]) -> dict[str, list[Finding]]:
    """Identifying details found in each answer; answers with none are left out."""
    found = {name: find_identifiers(text) for name, text in answers.items() if text}
    return {name: findings for name, findings in found.items() if findings}


def flags_for_reviewers(findings: dict[str, list[Finding]]) -> list[dict[str, Any]]:
    # Offsets and kinds only: the flagged text itself is already in the answer.
    return [
        {"field": name, "kind": f.kind.value, "start": f.start, "end": f.end}
        for name, items in findings.items()
        for f in items
    ]


def flags_by_field(flags: list[dict[str, Any]]) -> dict[str, list[dict[str, Any]]]:
    grouped: dict[str, list[dict[str, Any]]] = {}
    for flag in flags:
        grouped.setdefault(str(flag.get("field")), []).append(flag)
    return grouped


def flagged_segments(text: str, flags: list[dict[str, Any]]) -> list[tuple[str, str | None]]:
    """Split text into (piece, kind-or-None) so a page can highlight what may identify someone."""
    segments: list[tuple[str, str | None]] = []
    position = 0
    for flag in sorted(flags, key=lambda f: int(f["start"])):
        start, end = int(flag["start"]), int(flag["end"])
        if start < position or end > len(text):
            continue  # the text changed since it was scanned: show it plain rather than wrongly
        segments.append((text[position:start], None))
        segments.append((text[start:end], str(flag["kind"])))
        position = end
    segments.append((text[position:], None))
    return [segment for segment in segments if segment[0]]


def highlighted_answers(
    answers: dict[str, str], flags: list[dict[str, Any]]
) -> dict[str, list[tuple[str, str | None]]]:
    """Each answer cut into pieces, flagged pieces marked with their kind, for highlighting."""
    grouped = flags_by_field(flags)
    return {name: flagged_segments(text, grouped.get(name, [])) for name, text in answers.items()}


def check_submission(
    session: Session,
    submission: ReportSubmission,
    today: dt.date,
    limits: FilingLimits = REPORTER_LIMITS,
) -> CheckedSubmission:
    """Check every field at once, so the reporter sees all that needs fixing together, and
    scan the answers for identifying details."""
    errors: dict[str, str] = {}
    answers = _check_answers(submission, limits.max_answer_length, errors)
    event_type = _choice(
        EventType,
        submission.event_type,
        "event_type",
        "Choose what kind of event this was",
        errors,
        required=True,
    )
    severity = _choice(
        PotentialSeverity,
        submission.potential_severity,
        "potential_severity",
        "Choose how serious it could have been",
        errors,
    )
    role = _choice(
        ReporterRole,
        submission.reporter_role,
        "reporter_role",
        "Choose a role from the list",
        errors,
    )
    event_month = _check_month(submission.event_month, today, limits.oldest_month, errors)
    area = _check_service_area(session, submission.service_area, errors)
    codes = _check_factors(session, submission.factor_codes, errors)
    if errors:
        raise ReportInvalid(errors)
    return CheckedSubmission(
        answers=answers,
        event_type=event_type,
        event_month=event_month,
        potential_severity=severity,
        reporter_role=role,
        service_area=area,
        factor_codes=codes,
        findings=scan_answers(answers),
        import_key=submission.import_key,
    )


# A drawn id or reference that is already an older row's is drawn again this many times; at
# 53 and 50 random bits even one clash is rare at millions of reports.
FILING_ATTEMPTS = 3


def file_report(
    session: Session,
    submission: ReportSubmission,
    *,
    today: dt.date,
    source: ReportSource,
    receipt_key: str | None,
    spent_key: str | None = None,
    own_transaction: bool = False,
    limits: FilingLimits = REPORTER_LIMITS,
    checked: CheckedSubmission | None = None,
) -> FiledReport:
    """Check the submission, scan its answers, and add the report with the reporter's factor
    ticks. The one way a report is filed: the form's Send, the API, CSV import and the demo all
    come here. Flushes, never commits.

    ReportInvalid: something needs changing (``errors`` says what); nothing is added.
    ``receipt_key``: the key the receipt's hash is made with; None files a report nobody holds a
    receipt for (an import).
    ``spent_key``: the web form's one-time key for its check page, spent in this same
    transaction. AlreadySubmitted if it was spent before: the database, not the browser, decides,
    so two presses of Send racing each other in two processes still file one report. The caller
    rolls back.
    ``own_transaction``: True when the caller's transaction holds this filing and nothing else
    (the form's Send, the API). A clashing random id or reference (about one in 10**9) then
    rolls the whole transaction back and files again; otherwise (an import's rows, the demo)
    each attempt runs in a savepoint, so that a clash undoes that attempt only. A savepoint and
    its release are two more round trips to the database on every Send.
    ``limits``: the form's and the API's unless an import passes ``IMPORT_LIMITS``.
    ``checked``: what ``check_submission`` returned for this very submission under these
    limits in this transaction, when the caller checked it already (an import checks every row
    before filing any): the answers are then not scanned twice.
    """
    if checked is None:
        checked = check_submission(session, submission, today, limits)
    for _ in range(FILING_ATTEMPTS):
        try:
            if own_transaction:
                return _add_report(session, checked, today, source, receipt_key, spent_key)
            # A savepoint, so that a clash undoes this attempt only, not the caller's other work
            # (an import files all its rows in one transaction).
            with session.begin_nested():
                return _add_report(session, checked, today, source, receipt_key, spent_key)
        except IntegrityError as exc:
            if spent_key is not None and _breaks(exc, SPENT_KEY_CONSTRAINT):
                raise AlreadySubmitted from None
            if not any(_breaks(exc, c) for c in (REFERENCE_CONSTRAINT, *RANDOM_ID_CONSTRAINTS)):
                raise
            # A random id or reference drawn is an older row's: draw again. (Not chained: the
            # database's message lists the report's answers, and a traceback is logged.)
            if own_transaction:
                session.rollback()  # it held this filing only
    raise ReferenceTaken


# The same statements every time, so each is compiled once per process.
SPENT_KEY_INSERT = sa.insert(SpentSubmission.__table__)
REPORT_INSERT = sa.insert(Report.__table__)
FACTOR_INSERT = sa.insert(ReportFactor.__table__)


def _add_report(
    session: Session,
    checked: CheckedSubmission,
    today: dt.date,
    source: ReportSource,
    receipt_key: str | None,
    spent_key: str | None,
) -> FiledReport:
    # Plain INSERT statements, not the ORM's unit of work: a new report is written once and
    # nothing here reads it back, and the ORM's flush was most of Send's own time
    # (benchmarks/RESULTS.md). ``FiledReport.report`` loads the row when a caller wants it.
    connection = session.connection()
    if spent_key is not None:
        # Only a hash of the key is kept, and only the day; the nightly retention purge
        # deletes old keys (learnhub/retention/services.py).
        key_hash = hashlib.sha256(spent_key.encode()).hexdigest()
        connection.execute(SPENT_KEY_INSERT, {"key_hash": key_hash, "spent_on": today})
    receipt = new_receipt() if receipt_key is not None else None
    filed = FiledReport(
        session=session,
        report_id=random_id(),
        reference=new_reference(),
        identifier_flags=flags_for_reviewers(checked.findings),
        receipt=receipt,
    )
    connection.execute(
        REPORT_INSERT,
        dict(
            id=filed.report_id,
            reference=filed.reference,
            receipt_hash=receipt_hash(receipt, receipt_key) if receipt and receipt_key else None,
            received_on=today,
            event_month=checked.event_month,
            event_type=checked.event_type,
            potential_severity=checked.potential_severity,
            reporter_role=checked.reporter_role,
            service_area_id=checked.service_area.id if checked.service_area else None,
            status=ReportStatus.NEW,
            source=source,
            import_key=checked.import_key,
            identifier_flags=filed.identifier_flags,
            taxonomy_version_id=checked.factor_codes[0].version_id
            if checked.factor_codes
            else None,
            **checked.answers,
        ),
    )
    if checked.factor_codes:
        connection.execute(
            FACTOR_INSERT,
            [
                {
                    "id": random_id(),
                    "report_id": filed.report_id,
                    "code_id": code.id,
                    "source": FactorSource.REPORTER,
                }
                for code in checked.factor_codes
            ],
        )
    return filed


def _new_message(session: Session, report: Report, **values: Any) -> ReporterMessage:
    """A message at the end of the report's thread, under a random id no message has."""
    while True:
        message_id = random_id()
        if session.get(ReporterMessage, message_id) is None:
            break
    last = session.scalar(
        sa.select(sa.func.max(ReporterMessage.position)).where(
            ReporterMessage.report_id == report.id
        )
    )
    return ReporterMessage(id=message_id, report=report, position=(last or 0) + 1, **values)


# ---------------------------------------------------------------- the anonymous follow-up thread


def hash_for_receipt(typed: str, receipt_key: str) -> str:
    """The stored hash for what a reporter typed; ReceiptNotFound if it cannot be a receipt."""
    receipt = normalise_receipt(typed or "")
    if receipt is None:
        raise ReceiptNotFound
    return receipt_hash(receipt, receipt_key)


def report_for_hash(session: Session, hashed: str) -> Report:
    report = session.scalar(sa.select(Report).where(Report.receipt_hash == hashed))
    if report is None:
        raise ReceiptNotFound
    return report


def report_for_receipt(session: Session, typed: str, receipt_key: str) -> Report:
    return report_for_hash(session, hash_for_receipt(typed, receipt_key))


def check_reply(body: str) -> tuple[str, list[Finding]]:
    """The reply as it will be stored, and the identifying details it seems to hold."""
    text = (body or "").strip()
    if not text:
        raise ReportInvalid({"body": "Enter your reply"})
    if len(text) > MAX_REPLY_LENGTH:
        raise ReportInvalid({"body": f"Reply must be {MAX_REPLY_LENGTH:,} characters or fewer"})
    return text, find_identifiers(text)


def add_reporter_reply(
    session: Session, report: Report, body: str, today: dt.date
) -> ReporterMessage:
    """The reporter answers through the anonymous channel: no author, a date and nothing more."""
    if report.status is ReportStatus.CLOSED:
        raise ThreadClosed
    text, findings = check_reply(body)
    message = _new_message(
        session,
        report,
        direction=MessageDirection.FROM_REPORTER,
        body=text,
        identifier_flags=flags_for_reviewers({"body": findings}),
        sent_on=today,
    )
    session.add(message)
    if report.status is ReportStatus.AWAITING_REPORTER:
        report.status = ReportStatus.CODING
        # The reply rewrote the report row at the time it came: the nightly settling rewrites
        # it again among the rest of the day's (learnhub/reports/settle.py).
        report.settled = False
    session.flush()
    return message


def ask_reporter(
    session: Session, report: Report, author_id: int, body: str, today: dt.date
) -> ReporterMessage:
    """A reviewer's question to the reporter; the report waits for the answer."""
    if report.status is ReportStatus.CLOSED:
        raise ThreadClosed
    text, _ = check_reply(body)
    message = _new_message(
        session,
        report,
        direction=MessageDirection.TO_REPORTER,
        body=text,
        sent_on=today,
        author_id=author_id,
        seen_by_panel=True,
    )
    session.add(message)
    report.status = ReportStatus.AWAITING_REPORTER
    report.triaged_on = report.triaged_on or today
    report.first_feedback_on = report.first_feedback_on or today
    session.flush()
    return message


REPORTER_STATUS_TEXT = {
    ReportStatus.NEW: "Received: the review panel will read it soon.",
    ReportStatus.AWAITING_REPORTER: "The review panel has a question for you.",
    ReportStatus.CODING: "The review panel is looking at what contributed to it.",
    ReportStatus.READY_FOR_LEARNING: "The review panel is using it to find what we can learn.",
    ReportStatus.CLOSED: "Closed: you can read what the panel did below.",
}


def status_for_reporter(report: Report) -> str:
    return REPORTER_STATUS_TEXT[report.status]
