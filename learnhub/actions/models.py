"""Actions the panel agrees: what will change, owned by a team or role, never a blamed person."""

from __future__ import annotations

import datetime as dt
import enum

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column

from learnhub.core.database import Base, RowId, enum_type
from learnhub.core.time import utcnow


class ActionStatus(enum.StrEnum):
    OPEN = "open"
    IN_PROGRESS = "in_progress"
    COMPLETED = "completed"
    CANCELLED = "cancelled"


class Action(Base):
    __tablename__ = "actions"
    __table_args__ = (
        sa.CheckConstraint(
            "theme_id IS NOT NULL OR report_id IS NOT NULL", name="linked_to_theme_or_report"
        ),
        sa.Index("ix_actions_status_due_on", "status", "due_on"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    theme_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("themes.id", ondelete="SET NULL"), index=True
    )
    report_id: Mapped[int | None] = mapped_column(
        RowId, sa.ForeignKey("reports.id", ondelete="SET NULL"), index=True
    )
    description: Mapped[str] = mapped_column(sa.Text)
    owner: Mapped[str] = mapped_column(sa.String(200))  # a team or role
    owner_email: Mapped[str | None] = mapped_column(sa.String(320))  # for the weekly digest
    due_on: Mapped[dt.date]
    status: Mapped[ActionStatus] = mapped_column(
        enum_type(ActionStatus, "action_status"), default=ActionStatus.OPEN
    )
    completion_evidence: Mapped[str | None] = mapped_column(sa.Text)
    completed_on: Mapped[dt.date | None]
    created_by_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("users.id", ondelete="SET NULL")
    )
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[dt.datetime] = mapped_column(default=utcnow, onupdate=utcnow)
