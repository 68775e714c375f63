"""A report's text leaves the review panel only as the version a reviewer confirmed as
de-identified: ``Report.redacted`` with ``Report.deidentified_on`` set. Never the narrative.

Bulletin stories, theme excerpts and the words a theme may share all read it from here.
"""

from __future__ import annotations

import sqlalchemy as sa

from learnhub.reports.models import NARRATIVE_FIELDS, Report


def shareable_answers(report: Report) -> dict[str, str] | None:
    """The reviewer-confirmed redacted answers, keyed like NARRATIVE_FIELDS; None until a
    reviewer has confirmed a version (or after one was withdrawn)."""
    if report.deidentified_on is None or not report.redacted:
        return None
    return {name: report.redacted.get(name) or "" for name in NARRATIVE_FIELDS}


def is_shareable(report: Report) -> bool:
    return shareable_answers(report) is not None


def shareable_reports() -> tuple[sa.ColumnElement[bool], ...]:
    """The same rule as a query condition: reports with a confirmed redacted version. (A
    stored empty version passes here and is refused by ``shareable_answers``.)"""
    return (Report.deidentified_on.is_not(None), Report.redacted.is_not(None))


def confirmed_text(redacted: dict[str, str] | None) -> str:
    """The redacted answers read from a ``shareable_reports`` query, as one text."""
    return "\n".join(str(value or "") for value in (redacted or {}).values())
