"""The review panel's work on a report: the triage queue, moving a report between states,
closing it with an outcome for the reporter, and what the reporter reads as "you said, we did".

Plain functions over a session: they flush and raise, the view commits.
"""

from __future__ import annotations

import datetime as dt
import enum
import math
import re
from dataclasses import dataclass, field

import sqlalchemy as sa
from sqlalchemy.orm import Session, selectinload

from learnhub.reports.models import (
    EventType,
    MessageDirection,
    PotentialSeverity,
    Report,
    ReporterMessage,
    ReportStatus,
    ServiceArea,
)
from learnhub.reports.questions import NARRATIVE_FIELDS
from learnhub.review import coding

QUEUE_PAGE_SIZE = 50
MAX_OUTCOME_LENGTH = 5_000


# ---------------------------------------------------------------------------- the triage queue


class QueueSort(enum.StrEnum):
    OLDEST = "oldest"
    NEWEST = "newest"
    REPLIED = "replied"  # reports with a reply no reviewer has read first, then oldest first


class QueueReplies(enum.StrEnum):
    NEW = "new"  # a reply from the reporter that no reviewer has read
    ANY = "any"  # the reporter has replied at least once


# A reference typed whole or in part ("lr-7k3qx", "7K3QX9M2PA"): letters, digits and dashes only.
REFERENCE_LIKE = re.compile(r"^(?:LR)?-?[0-9A-Z]{4,5}-?(?:[0-9A-Z]{1,5})?$")
# A whole reference is looked up by its unique index alone, without reading any answers.
WHOLE_REFERENCE = re.compile(r"^(?:LR)?-?[0-9A-Z]{5}-?[0-9A-Z]{5}$")
MAX_SEARCH_LENGTH = 200
MAX_SEARCH_WORDS = 8
EXCERPT_LENGTH = 160


@dataclass(frozen=True)
class QueueFilters:
    """What narrows the queue; every filter but the state also narrows the counts per state."""

    status: ReportStatus = ReportStatus.NEW
    service_area: str | None = None  # slug
    event_type: EventType | None = None
    potential_severity: PotentialSeverity | None = None
    flagged: bool | None = None  # True: has identifying-details flags; False: has none
    received_from: dt.date | None = None
    received_to: dt.date | None = None
    replies: QueueReplies | None = None
    search: str = ""  # a reference, or words that must all be in the reporter's answers
    sort: QueueSort = QueueSort.OLDEST


@dataclass(frozen=True)
class QueueView:
    filters: QueueFilters
    counts: dict[ReportStatus, int]
    reports: list[Report]
    page: int
    pages: int
    page_size: int
    new_replies: frozenset[int] = frozenset()  # ids of the page's reports with an unread reply

    @property
    def total(self) -> int:
        return self.counts[self.filters.status]

    @property
    def first_shown(self) -> int:
        return (self.page - 1) * self.page_size + 1 if self.reports else 0

    @property
    def last_shown(self) -> int:
        return self.first_shown + len(self.reports) - 1 if self.reports else 0


def _narrowed(query: sa.Select, filters: QueueFilters) -> sa.Select:  # type: ignore[type-arg]
    if filters.service_area:
        query = query.where(
            Report.service_area_id
            == sa.select(ServiceArea.id)
            .where(ServiceArea.slug == filters.service_area)
            .scalar_subquery()
        )
    if filters.event_type is not None:
        query = query.where(Report.event_type == filters.event_type)
    if filters.potential_severity is not None:
        query = query.where(Report.potential_severity == filters.potential_severity)
    if filters.flagged is not None:
        # json_array_length reads the stored JSON the same way on SQLite and PostgreSQL.
        length = sa.func.json_array_length(Report.identifier_flags)
        query = query.where(length > 0 if filters.flagged else length == 0)
    if filters.received_from is not None:
        query = query.where(Report.received_on >= filters.received_from)
    if filters.received_to is not None:
        query = query.where(Report.received_on <= filters.received_to)
    if filters.replies is QueueReplies.NEW:
        query = query.where(_has_unread_reply())
    elif filters.replies is QueueReplies.ANY:
        query = query.where(_has_reply())
    if filters.search:
        query = query.where(_matches(filters.search))
    return query


def _has_reply() -> sa.Exists:
    return (
        sa.select(ReporterMessage.id)
        .where(
            ReporterMessage.report_id == Report.id,
            ReporterMessage.direction == MessageDirection.FROM_REPORTER,
        )
        .exists()
    )


def _has_unread_reply() -> sa.Exists:
    return (
        sa.select(ReporterMessage.id)
        .where(
            ReporterMessage.report_id == Report.id,
            ReporterMessage.direction == MessageDirection.FROM_REPORTER,
            ReporterMessage.seen_by_panel.is_(False),
        )
        .exists()
    )


def search_words(search: str) -> list[str]:
    """The words a search looks for, lower-cased, at most MAX_SEARCH_WORDS of them."""
    return [word.lower() for word in search.split()][:MAX_SEARCH_WORDS]


def _like(word: str) -> str:
    escaped = word.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    return f"%{escaped}%"


def _matches(search: str) -> sa.ColumnElement[bool]:
    """A reference (whole or its start), or every word somewhere in the reporter's answers.

    The words are a substring scan of the answers (LIKE, case-insensitive): no index serves
    it, so its cost grows with the number of reports the other filters leave (see
    docs/reviewing.md, "Searching the queue")."""
    compact = search.strip().upper()
    conditions: list[sa.ColumnElement[bool]] = []
    if REFERENCE_LIKE.match(compact):
        # "LR" may be the prefix or the start of the random part: try both readings.
        raw = compact.replace("-", "")
        readings = {raw, raw[2:]} if raw.startswith("LR") else {raw}
        shaped = {
            reading: f"LR-{reading[:5]}" + (f"-{reading[5:]}" if len(reading) > 5 else "")
            for reading in readings
            if 4 <= len(reading) <= 10
        }
        whole = [shape for reading, shape in shaped.items() if len(reading) == 10]
        if whole and WHOLE_REFERENCE.match(compact):
            return Report.reference.in_(whole)
        conditions.extend(
            Report.reference.like(_like(shape).lstrip("%"), escape="\\")
            for shape in shaped.values()
        )
    words = search_words(search)
    if words:
        conditions.append(
            sa.and_(
                *(
                    sa.or_(
                        *(
                            sa.func.lower(getattr(Report, name)).like(_like(word), escape="\\")
                            for name in NARRATIVE_FIELDS
                        )
                    )
                    for word in words
                )
            )
        )
    return sa.or_(*conditions)


def excerpt(report: Report, search: str = "", length: int = EXCERPT_LENGTH) -> str:
    """A line of the report for the queue: around the first word searched for, if any is
    found, otherwise the start of what happened; whole words, with an ellipsis where cut."""
    text = " ".join(" ".join(report.answers().values()).split())
    if not text:
        return ""
    start = 0
    lowered = text.lower()
    for word in search_words(search):
        found = lowered.find(word)
        if found >= 0:
            start = max(0, found - length // 3)
            break
    if start:
        space = text.find(" ", start)
        start = space + 1 if 0 <= space < start + 20 else start
    end = start + length
    if end < len(text):
        space = text.rfind(" ", start, end)
        end = space if space > start + length // 2 else end
    shown = text[start:end].strip()
    return ("…" if start else "") + shown + ("…" if end < len(text) else "")


def status_counts(session: Session, filters: QueueFilters | None = None) -> dict[ReportStatus, int]:
    query = sa.select(Report.status, sa.func.count()).group_by(Report.status)
    if filters is not None:
        query = _narrowed(query, filters)
    counts = dict.fromkeys(ReportStatus, 0)
    for status, count in session.execute(query):
        counts[status] = count
    return counts


def triage_queue(
    session: Session, filters: QueueFilters, page: int = 1, page_size: int = QUEUE_PAGE_SIZE
) -> QueueView:
    """One page of reports in a state, oldest first unless asked otherwise: the longest-waiting
    reporter is answered first. Three queries whatever the page: the counts, the page, and
    which of its reports have a reply no reviewer has read."""
    counts = status_counts(session, filters)
    pages = max(1, math.ceil(counts[filters.status] / page_size))
    page = min(max(page, 1), pages)
    order = _order(filters)
    # The page's ids first, then only those reports: the rows OFFSET skips are read from the
    # (status, received_on, id) index alone, not fetched whole from the table.
    page_ids = (
        _narrowed(sa.select(Report.id).where(Report.status == filters.status), filters)
        .order_by(*order)
        .limit(page_size)
        .offset((page - 1) * page_size)
    )
    query = (
        sa.select(Report)
        .where(Report.id.in_(page_ids))
        .options(selectinload(Report.service_area))
        .order_by(*order)
    )
    reports = list(session.scalars(query))
    return QueueView(
        filters=filters,
        counts=counts,
        reports=reports,
        page=page,
        pages=pages,
        page_size=page_size,
        new_replies=with_unread_replies(session, [report.id for report in reports]),
    )


QUEUE_EXPORT_LIMIT = 10_000


@dataclass(frozen=True)
class QueueRow:
    report: Report
    new_reply: bool
    replied: bool


def queue_export(
    session: Session, filters: QueueFilters, limit: int = QUEUE_EXPORT_LIMIT
) -> list[QueueRow]:
    """Every report the queue shows for these filters (all its pages, up to ``limit``), in the
    queue's order, with whether the reporter has replied: one query."""
    query = (
        _narrowed(
            sa.select(Report, _has_unread_reply(), _has_reply()).where(
                Report.status == filters.status
            ),
            filters,
        )
        .options(selectinload(Report.service_area))
        .order_by(*_order(filters))
        .limit(limit)
    )
    return [
        QueueRow(report=report, new_reply=bool(new), replied=bool(replied))
        for report, new, replied in session.execute(query)
    ]


def _order(filters: QueueFilters) -> tuple[sa.ColumnElement[object], ...]:
    order: tuple[sa.ColumnElement[object], ...] = (
        (Report.received_on.desc(), Report.id.desc())
        if filters.sort is QueueSort.NEWEST
        else (Report.received_on, Report.id)
    )
    if filters.sort is QueueSort.REPLIED:
        order = (sa.case((_has_unread_reply(), 0), else_=1), *order)
    return order


def page_numbers(page: int, pages: int) -> list[int | None]:
    """The page links to show: first, last and two either side of this one; None for a gap."""
    wanted = sorted({1, pages, *range(max(1, page - 2), min(pages, page + 2) + 1)})
    shown: list[int | None] = []
    for number in wanted:
        if shown and number - (shown[-1] or 0) > 1:
            shown.append(None)
        shown.append(number)
    return shown


def unread_reply(message: ReporterMessage) -> bool:
    return message.direction is MessageDirection.FROM_REPORTER and not message.seen_by_panel


def with_unread_replies(session: Session, report_ids: list[int]) -> frozenset[int]:
    if not report_ids:
        return frozenset()
    return frozenset(
        session.scalars(
            sa.select(ReporterMessage.report_id)
            .where(
                ReporterMessage.report_id.in_(report_ids),
                ReporterMessage.direction == MessageDirection.FROM_REPORTER,
                ReporterMessage.seen_by_panel.is_(False),
            )
            .distinct()
        )
    )


def mark_replies_seen(report: Report) -> int:
    """A reviewer has read the reporter's replies (said so, or answered them); how many were
    new. Only ever on a reviewer's POST: opening the report leaves them new for the panel."""
    unread = [message for message in report.messages if unread_reply(message)]
    for message in unread:
        message.seen_by_panel = True
    return len(unread)


# --------------------------------------------------------------------------- moving a report


# A report's state in words that finish "This report is …".
STATE_WORDS: dict[ReportStatus, str] = {
    ReportStatus.NEW: "new",
    ReportStatus.AWAITING_REPORTER: "waiting for the reporter",
    ReportStatus.CODING: "being coded",
    ReportStatus.READY_FOR_LEARNING: "ready for learning",
    ReportStatus.CLOSED: "closed",
}


class TransitionRefused(Exception):
    """The report cannot move to that state yet; the message says what is missing."""


# Where a reviewer may move a report from each state. Awaiting the reporter is reached only by
# asking them a question, and a closed report stays closed: the reporter has read the outcome.
MOVES: dict[ReportStatus, frozenset[ReportStatus]] = {
    ReportStatus.NEW: frozenset({ReportStatus.CODING, ReportStatus.CLOSED}),
    ReportStatus.AWAITING_REPORTER: frozenset({ReportStatus.CODING, ReportStatus.CLOSED}),
    ReportStatus.CODING: frozenset({ReportStatus.READY_FOR_LEARNING, ReportStatus.CLOSED}),
    ReportStatus.READY_FOR_LEARNING: frozenset({ReportStatus.CODING, ReportStatus.CLOSED}),
    ReportStatus.CLOSED: frozenset(),
}


@dataclass(frozen=True)
class Readiness:
    """What stands between a report and "ready for learning"."""

    coded: bool
    deidentified: bool
    missing: list[str] = field(default_factory=list)

    @property
    def ready(self) -> bool:
        return not self.missing


def readiness(session: Session, report: Report) -> Readiness:
    coded = bool(coding.confirmed_codes(session, report))
    deidentified = report.deidentified_on is not None
    missing = []
    if not coded:
        missing.append("confirm at least one code")
    if not deidentified:
        missing.append("confirm a de-identified version")
    return Readiness(coded=coded, deidentified=deidentified, missing=missing)


def allowed_moves(report: Report) -> list[ReportStatus]:
    return [status for status in ReportStatus if status in MOVES[report.status]]


def _check_move(report: Report, to: ReportStatus) -> None:
    if to not in MOVES[report.status]:
        raise TransitionRefused(
            f"A report that is {STATE_WORDS[report.status]} cannot move to "
            f"{to.value.replace('_', ' ')}"
        )


def _leave(report: Report, to: ReportStatus, today: dt.date) -> ReportStatus:
    _check_move(report, to)
    before = report.status
    report.status = to
    if before is ReportStatus.NEW:
        report.triaged_on = report.triaged_on or today
    return before


def move_report(session: Session, report: Report, to: ReportStatus, today: dt.date) -> ReportStatus:
    """Move a report to ``to`` (not closed: see close_report); returns the state it left."""
    if to is ReportStatus.CLOSED:
        raise TransitionRefused("Write an outcome note to close the report")
    _check_move(report, to)
    if to is ReportStatus.READY_FOR_LEARNING:
        needed = readiness(session, report)
        if not needed.ready:
            raise TransitionRefused(
                "Before it is ready for learning, " + " and ".join(needed.missing)
            )
    before = _leave(report, to, today)
    session.flush()
    return before


def check_outcome_note(text: str) -> str:
    note = (text or "").strip()
    if not note:
        raise TransitionRefused("Write an outcome note for the reporter")
    if len(note) > MAX_OUTCOME_LENGTH:
        raise TransitionRefused(f"Outcome note must be {MAX_OUTCOME_LENGTH:,} characters or fewer")
    return note


def close_report(session: Session, report: Report, note: str, today: dt.date) -> ReportStatus:
    """Close with the outcome the reporter reads on the follow-up page; their first feedback
    if no question came before it."""
    text = check_outcome_note(note)
    before = _leave(report, ReportStatus.CLOSED, today)
    report.outcome_note = text
    report.closed_on = today
    report.first_feedback_on = report.first_feedback_on or today
    session.flush()
    return before
