"""Filing a learning report. The web form, the API, CSV import and the demo all come here."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

import sqlalchemy as sa
from sqlalchemy.orm import Session

from learnhub.core.time import add_months, month_start
from learnhub.reports.models import (
    NARRATIVE_FIELDS,
    EventType,
    PotentialSeverity,
    Report,
    ReporterRole,
    ReportSource,
    ServiceArea,
)
from learnhub.reports.receipts import new_receipt, new_reference, receipt_hash

MAX_ANSWER_LENGTH = 10_000
OLDEST_EVENT_MONTHS = 60


class ReportInvalid(Exception):
    """The submission cannot be filed; ``errors`` maps each field to a message for the reporter."""

    def __init__(self, errors: dict[str, str]) -> None:
        super().__init__("; ".join(f"{name}: {message}" for name, message in errors.items()))
        self.errors = errors


@dataclass
class ReportSubmission:
    narrative: str
    event_type: str
    event_month: dt.date
    what_nearly_happened: str = ""
    what_stopped_it: str = ""
    what_made_it_likely: str = ""
    what_would_help: str = ""
    potential_severity: str | None = None
    service_area: str | None = None  # slug
    reporter_role: str | None = None
    import_key: str | None = None
    factor_codes: list[str] = field(default_factory=list)


@dataclass(frozen=True)
class FiledReport:
    report: Report
    receipt: str  # shown once to the reporter, never stored


def _enum_or_error(
    enum_cls: type[EventType | PotentialSeverity | ReporterRole],
    value: str | None,
    name: str,
    message: str,
    errors: dict[str, str],
    required: bool = False,
) -> object:
    if value in (None, ""):
        if required:
            errors[name] = message
        return None
    try:
        return enum_cls(value)
    except ValueError:
        errors[name] = message
        return None


def validate_submission(
    session: Session, submission: ReportSubmission, today: dt.date
) -> tuple[dict[str, object], dict[str, str]]:
    """Check every field at once, so the reporter sees all that needs fixing together."""
    errors: dict[str, str] = {}
    values: dict[str, object] = {}
    for name in NARRATIVE_FIELDS:
        text = (getattr(submission, name) or "").strip()
        if len(text) > MAX_ANSWER_LENGTH:
            errors[name] = f"Answer must be {MAX_ANSWER_LENGTH:,} characters or fewer"
        values[name] = text
    if not values["narrative"]:
        errors["narrative"] = "Tell us what happened"
    values["event_type"] = _enum_or_error(
        EventType,
        submission.event_type,
        "event_type",
        "Choose what kind of event this was",
        errors,
        required=True,
    )
    values["potential_severity"] = _enum_or_error(
        PotentialSeverity,
        submission.potential_severity,
        "potential_severity",
        "Choose how serious it could have been",
        errors,
    )
    values["reporter_role"] = _enum_or_error(
        ReporterRole,
        submission.reporter_role,
        "reporter_role",
        "Choose a role from the list",
        errors,
    )
    event_month = month_start(submission.event_month)
    if event_month > month_start(today):
        errors["event_month"] = "The month of the event must be this month or earlier"
    elif event_month < add_months(month_start(today), -OLDEST_EVENT_MONTHS):
        errors["event_month"] = "The month of the event must be within the last 5 years"
    values["event_month"] = event_month
    values["service_area"] = None
    if submission.service_area:
        area = session.scalar(
            sa.select(ServiceArea).where(
                ServiceArea.slug == submission.service_area, ServiceArea.is_active.is_(True)
            )
        )
        if area is None:
            errors["service_area"] = "Choose a service area from the list"
        values["service_area"] = area
    return values, errors


def file_report(
    session: Session,
    submission: ReportSubmission,
    *,
    today: dt.date,
    source: ReportSource,
    receipt_key: str,
) -> FiledReport:
    """Validate and add a report; flushes, never commits. Raises ReportInvalid."""
    values, errors = validate_submission(session, submission, today)
    if errors:
        raise ReportInvalid(errors)
    receipt = new_receipt()
    report = Report(
        reference=unused_reference(session),
        receipt_hash=receipt_hash(receipt, receipt_key),
        received_on=today,
        event_month=values["event_month"],
        event_type=values["event_type"],
        potential_severity=values["potential_severity"],
        reporter_role=values["reporter_role"],
        service_area=values["service_area"],
        source=source,
        import_key=submission.import_key,
        identifier_flags=[],
        **{name: values[name] for name in NARRATIVE_FIELDS},
    )
    session.add(report)
    session.flush()
    return FiledReport(report=report, receipt=receipt)


def unused_reference(session: Session) -> str:
    # 50 random bits make a clash rare even at millions of reports; check rather than hope.
    while True:
        reference = new_reference()
        if session.scalar(sa.select(Report.id).where(Report.reference == reference)) is None:
            return reference


def import_key_exists(session: Session, import_key: str) -> bool:
    return session.scalar(sa.select(Report.id).where(Report.import_key == import_key)) is not None
