"""Learning reports and the anonymous thread between a reporter and the review panel.

Nothing here links a report to an account, an address or a time of day: reports carry dates
only (received on a day, the event in a month), and the receipt is kept as a keyed hash.
"""

from __future__ import annotations

import datetime as dt
import enum
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from learnhub.core.database import (
    Base,
    RowId,
    enum_type,
    random_id,
    settled_column,
    unsettled_index,
)

# The free-text answers in the order the form asks them, defined with the questions; re-exported
# because the model's users read them from here.
from learnhub.reports.questions import NARRATIVE_FIELDS as NARRATIVE_FIELDS


class EventType(enum.StrEnum):
    NEAR_MISS = "near_miss"
    NO_HARM = "no_harm"
    HARM = "harm"
    GOOD_PRACTICE = "good_practice"

    @property
    def label(self) -> str:
        return {
            "near_miss": "Near miss: something nearly went wrong",
            "no_harm": "Something went wrong but no one was harmed",
            "harm": "Something went wrong and a child or family was affected",
            "good_practice": "Good practice: something went well that others could learn from",
        }[self.value]


class PotentialSeverity(enum.StrEnum):
    LOW = "low"
    MODERATE = "moderate"
    SERIOUS = "serious"
    SEVERE = "severe"


class ReporterRole(enum.StrEnum):
    SOCIAL_WORKER = "social_worker"
    SENIOR_PRACTITIONER = "senior_practitioner"
    TEAM_MANAGER = "team_manager"
    PERSONAL_ADVISER = "personal_adviser"
    FAMILY_SUPPORT = "family_support"
    RESIDENTIAL = "residential"
    BUSINESS_SUPPORT = "business_support"
    OTHER = "other"


class ReportStatus(enum.StrEnum):
    NEW = "new"
    AWAITING_REPORTER = "awaiting_reporter"
    CODING = "coding"
    READY_FOR_LEARNING = "ready_for_learning"
    CLOSED = "closed"


class ReportSource(enum.StrEnum):
    WEB = "web"
    API = "api"
    IMPORT = "import"
    DEMO = "demo"


class MessageDirection(enum.StrEnum):
    TO_REPORTER = "to_reporter"
    FROM_REPORTER = "from_reporter"


class ServiceArea(Base):
    __tablename__ = "service_areas"

    id: Mapped[int] = mapped_column(primary_key=True)
    slug: Mapped[str] = mapped_column(sa.String(60), unique=True)
    name: Mapped[str] = mapped_column(sa.String(120), unique=True)
    is_active: Mapped[bool] = mapped_column(default=True, server_default=sa.true())
    position: Mapped[int] = mapped_column(default=0, server_default="0")


class Report(Base):
    __tablename__ = "reports"
    __table_args__ = (
        # The triage queue's filter and its whole order (id breaks ties within a day), so a page
        # is read in index order, and the ids of a deep page come from the index alone.
        sa.Index("ix_reports_status_received_on_id", "status", "received_on", "id"),
        sa.Index("ix_reports_area_event_month", "service_area_id", "event_month"),
        unsettled_index("reports", "received_on"),
        sa.CheckConstraint(
            "narrative <> '' OR narrative_purged_on IS NOT NULL", name="has_narrative"
        ),
    )

    # Random, not a sequence: an id in order of arrival would order a day's reports.
    id: Mapped[int] = mapped_column(RowId, primary_key=True, autoincrement=False, default=random_id)
    # What staff see and quote: random, so it says nothing about when or in what order reports came.
    reference: Mapped[str] = mapped_column(sa.String(16), unique=True)
    # Keyed hash of the receipt code; NULL once the follow-up thread has been retired.
    receipt_hash: Mapped[str | None] = mapped_column(sa.String(64), unique=True)
    received_on: Mapped[dt.date] = mapped_column(index=True)
    event_month: Mapped[dt.date] = mapped_column(index=True)  # always the 1st of the month
    event_type: Mapped[EventType] = mapped_column(enum_type(EventType, "event_type"), index=True)
    potential_severity: Mapped[PotentialSeverity | None] = mapped_column(
        enum_type(PotentialSeverity, "potential_severity")
    )
    narrative: Mapped[str] = mapped_column(sa.Text)
    what_nearly_happened: Mapped[str] = mapped_column(sa.Text, default="", server_default="")
    what_stopped_it: Mapped[str] = mapped_column(sa.Text, default="", server_default="")
    what_made_it_likely: Mapped[str] = mapped_column(sa.Text, default="", server_default="")
    what_would_help: Mapped[str] = mapped_column(sa.Text, default="", server_default="")
    reporter_role: Mapped[ReporterRole | None] = mapped_column(
        enum_type(ReporterRole, "reporter_role")
    )
    service_area_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("service_areas.id", ondelete="SET NULL")
    )
    status: Mapped[ReportStatus] = mapped_column(
        enum_type(ReportStatus, "report_status"), default=ReportStatus.NEW, index=True
    )
    source: Mapped[ReportSource] = mapped_column(enum_type(ReportSource, "report_source"))
    # What the identifying-details check found, per field: [{"field", "kind", "start", "end"}].
    identifier_flags: Mapped[list[dict[str, Any]]] = mapped_column(sa.JSON, default=list)
    # The reviewer-confirmed redacted answers, keyed like NARRATIVE_FIELDS; NULL until confirmed.
    redacted: Mapped[dict[str, str] | None] = mapped_column(sa.JSON)
    deidentified_on: Mapped[dt.date | None]
    taxonomy_version_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("taxonomy_versions.id", ondelete="RESTRICT")
    )
    triaged_on: Mapped[dt.date | None]
    first_feedback_on: Mapped[dt.date | None]
    closed_on: Mapped[dt.date | None]
    outcome_note: Mapped[str | None] = mapped_column(sa.Text)
    # Deduplicates bulk imports and demo seeding: a digest of the source row, never its content.
    import_key: Mapped[str | None] = mapped_column(sa.String(64), unique=True)
    narrative_purged_on: Mapped[dt.date | None]
    settled: Mapped[bool] = settled_column()

    service_area: Mapped[ServiceArea | None] = relationship()
    messages: Mapped[list[ReporterMessage]] = relationship(
        back_populates="report",
        cascade="all, delete-orphan",
        passive_deletes=True,
        order_by="(ReporterMessage.position, ReporterMessage.id)",
    )

    def answers(self) -> dict[str, str]:
        """The reporter's free-text answers, keyed like NARRATIVE_FIELDS."""
        return {name: getattr(self, name) or "" for name in NARRATIVE_FIELDS}


class ReporterMessage(Base):
    __tablename__ = "reporter_messages"
    __table_args__ = (
        # A reporter's reply is anonymous: only the panel's questions name a member of staff.
        sa.CheckConstraint(
            "direction = 'to_reporter' OR author_id IS NULL", name="reporter_is_anonymous"
        ),
        unsettled_index("reporter_messages", "sent_on"),
    )

    id: Mapped[int] = mapped_column(RowId, primary_key=True, autoincrement=False, default=random_id)
    report_id: Mapped[int] = mapped_column(
        RowId, sa.ForeignKey("reports.id", ondelete="CASCADE"), index=True
    )
    # Order within the thread (1, 2, ...): the ids are random, and a count per report orders
    # its messages without ordering them among everyone else's.
    position: Mapped[int] = mapped_column(default=1, server_default="1")
    direction: Mapped[MessageDirection] = mapped_column(
        enum_type(MessageDirection, "message_direction")
    )
    body: Mapped[str] = mapped_column(sa.Text)
    identifier_flags: Mapped[list[dict[str, Any]]] = mapped_column(sa.JSON, default=list)
    sent_on: Mapped[dt.date]
    author_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id", ondelete="SET NULL"))
    seen_by_panel: Mapped[bool] = mapped_column(default=False, server_default=sa.false())
    settled: Mapped[bool] = settled_column()

    report: Mapped[Report] = relationship(back_populates="messages")


class SpentSubmission(Base):
    """One-time keys of sent check pages, so a double press or a race files one report.

    Deliberately unlinked from reports: it records that a key was used on a day, nothing more,
    and keys are purged after a few days.
    """

    __tablename__ = "spent_submissions"
    __table_args__ = (unsettled_index("spent_submissions", "spent_on"),)

    key_hash: Mapped[str] = mapped_column(sa.String(64), primary_key=True)
    spent_on: Mapped[dt.date] = mapped_column(index=True)
    settled: Mapped[bool] = settled_column()


class ReportIdempotencyKey(Base):
    """The first answer to ``POST /api/v1/reports`` sent with an ``Idempotency-Key``, kept so a
    retry (after a dropped connection) gets that answer back instead of filing again.

    Anonymous, like the report it answers for: no link to it, only a keyed hash of the client's
    key (the primary key: random-looking, never sequential), the day it was first used, and
    the answer sealed under a key derived from the client's key and the server's secret, so a
    database copy alone cannot read the receipt in it. Purged by the nightly retention job.
    """

    __tablename__ = "report_idempotency_keys"
    __table_args__ = (unsettled_index("report_idempotency_keys", "used_on"),)

    key_hash: Mapped[str] = mapped_column(sa.String(64), primary_key=True)
    used_on: Mapped[dt.date] = mapped_column(index=True)
    sealed_answer: Mapped[str] = mapped_column(sa.Text)
    settled: Mapped[bool] = settled_column()
