"""The de-identified version of a report: each flagged detail replaced by a placeholder, edited
by a reviewer, checked again by the identifying-details detector, then confirmed.

Only a confirmed version (``report.redacted`` with ``report.deidentified_on`` set) may leave the
review panel; see ``learnhub.disclosure.text.shareable_answers``.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy.orm import Session

from learnhub.reports.identifiers import Finding, IdentifierKind
from learnhub.reports.models import NARRATIVE_FIELDS, Report
from learnhub.reports.questions import MAX_ANSWER_LENGTH, MAX_IMPORTED_ANSWER_LENGTH
from learnhub.reports.services import flags_by_field, scan_answers

PLACEHOLDERS: dict[str, str] = {
    IdentifierKind.PERSON_NAME: "[name]",
    IdentifierKind.ADDRESS: "[address]",
    IdentifierKind.PHONE: "[phone]",
    IdentifierKind.EMAIL: "[email]",
    IdentifierKind.DATE_OF_BIRTH: "[date of birth]",
    IdentifierKind.NHS_NUMBER: "[NHS number]",
    IdentifierKind.NI_NUMBER: "[NI number]",
    IdentifierKind.CASE_ID: "[case reference]",
    IdentifierKind.POSTCODE: "[postcode]",
}
UNKNOWN_PLACEHOLDER = "[removed]"


class RedactionInvalid(Exception):
    """The redacted text cannot be stored; ``errors`` maps each field to a message."""

    def __init__(self, errors: dict[str, str]) -> None:
        super().__init__("; ".join(f"{name}: {message}" for name, message in errors.items()))
        self.errors = errors


class StillIdentifying(Exception):
    """The detector still finds details in the redacted text; confirm anyway or edit again."""

    def __init__(self, findings: dict[str, list[Finding]]) -> None:
        super().__init__(", ".join(sorted(findings)))
        self.findings = findings


def with_placeholders(text: str, flags: list[dict[str, Any]]) -> str:
    """``text`` with every flagged span replaced by its kind's placeholder.

    Spans that no longer fit the text (it changed after the scan) or overlap an earlier one are
    skipped rather than cut wrongly; the reviewer reads the result and the detector checks it.
    """
    pieces: list[str] = []
    position = 0
    for flag in sorted(flags, key=lambda f: int(f["start"])):
        start, end = int(flag["start"]), int(flag["end"])
        if start < position or end > len(text) or start >= end:
            continue
        pieces.append(text[position:start])
        pieces.append(PLACEHOLDERS.get(str(flag.get("kind")), UNKNOWN_PLACEHOLDER))
        position = end
    pieces.append(text[position:])
    return "".join(pieces)


def first_draft(report: Report) -> dict[str, str]:
    """The reporter's answers with every flagged detail already replaced by a placeholder."""
    grouped = flags_by_field(report.identifier_flags or [])
    return {
        name: with_placeholders(text, grouped.get(name, []))
        for name, text in report.answers().items()
    }


def draft(report: Report) -> dict[str, str]:
    """What the redaction editor starts from: the confirmed version once there is one."""
    if report.redacted is not None:
        return {name: report.redacted.get(name, "") for name in NARRATIVE_FIELDS}
    return first_draft(report)


def check_redaction(report: Report, typed: dict[str, str]) -> dict[str, str]:
    """The redacted answers as they would be stored; RedactionInvalid if they cannot be."""
    answers = report.answers()
    redacted = {name: (typed.get(name) or "").strip() for name in NARRATIVE_FIELDS}
    errors: dict[str, str] = {}
    for name, text in redacted.items():
        # The form's limit, or as long as the answer itself: an imported one can pass the form's.
        limit = min(max(MAX_ANSWER_LENGTH, len(answers[name])), MAX_IMPORTED_ANSWER_LENGTH)
        if len(text) > limit:
            errors[name] = f"Text must be {limit:,} characters or fewer"
        elif not answers[name]:
            redacted[name] = ""  # nothing was said here, so nothing may be added
    if answers["narrative"] and not redacted["narrative"]:
        errors["narrative"] = "Enter the de-identified version of what happened"
    if errors:
        raise RedactionInvalid(errors)
    return redacted


def confirm_redaction(
    session: Session,
    report: Report,
    typed: dict[str, str],
    today: dt.date,
    *,
    confirm_anyway: bool = False,
) -> list[str]:
    """Store the reviewer's de-identified version; returns the names of the fields that changed.

    The detector reads the redacted text first: anything it still finds stops the confirmation
    unless the reviewer has seen it and confirms anyway (a false alarm, or a public body's name).
    The first confirmation dates the de-identification; revising it keeps that date.
    """
    redacted = check_redaction(report, typed)
    findings = scan_answers(redacted)
    if findings and not confirm_anyway:
        raise StillIdentifying(findings)
    before = report.redacted or {}
    changed = [name for name in NARRATIVE_FIELDS if before.get(name) != redacted[name]]
    report.redacted = redacted
    report.deidentified_on = report.deidentified_on or today
    session.flush()
    return changed
