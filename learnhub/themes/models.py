"""Recurring themes found by the theme job, their members, and a record of every run."""

from __future__ import annotations

import datetime as dt
import enum
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from learnhub.core.database import Base, RowId, enum_type
from learnhub.core.time import utcnow


class ThemeKind(enum.StrEnum):
    FACTOR_COMBINATION = "factor_combination"
    TEXT_CLUSTER = "text_cluster"


class ThemeStatus(enum.StrEnum):
    CANDIDATE = "candidate"
    ACCEPTED = "accepted"
    DISMISSED = "dismissed"
    MERGED = "merged"
    RETIRED = "retired"


class LearningStatus(enum.StrEnum):
    MONITORING = "monitoring"
    ACTIVE_LEARNING = "active_learning"
    CLOSED = "closed"


class RunStatus(enum.StrEnum):
    RUNNING = "running"
    SUCCEEDED = "succeeded"
    FAILED = "failed"


class ThemeRun(Base):
    __tablename__ = "theme_runs"

    id: Mapped[int] = mapped_column(primary_key=True)
    started_at: Mapped[dt.datetime] = mapped_column(default=utcnow, index=True)
    finished_at: Mapped[dt.datetime | None]
    status: Mapped[RunStatus] = mapped_column(
        enum_type(RunStatus, "theme_run_status"), default=RunStatus.RUNNING
    )
    parameters: Mapped[dict[str, Any]] = mapped_column(sa.JSON, default=dict)
    input_digest: Mapped[str | None] = mapped_column(sa.String(64))
    reports_read: Mapped[int] = mapped_column(default=0)
    candidates_new: Mapped[int] = mapped_column(default=0)
    candidates_updated: Mapped[int] = mapped_column(default=0)
    candidates_retired: Mapped[int] = mapped_column(default=0)
    duration_ms: Mapped[int | None]
    error: Mapped[str | None] = mapped_column(sa.Text)


class Theme(Base):
    __tablename__ = "themes"

    id: Mapped[int] = mapped_column(primary_key=True)
    # Stable identity from run to run, e.g. a digest of the defining codes.
    signature: Mapped[str] = mapped_column(sa.String(64), unique=True)
    kind: Mapped[ThemeKind] = mapped_column(enum_type(ThemeKind, "theme_kind"))
    status: Mapped[ThemeStatus] = mapped_column(
        enum_type(ThemeStatus, "theme_status"), default=ThemeStatus.CANDIDATE, index=True
    )
    learning_status: Mapped[LearningStatus | None] = mapped_column(
        enum_type(LearningStatus, "learning_status")
    )
    title: Mapped[str] = mapped_column(sa.String(200))
    summary: Mapped[str] = mapped_column(sa.Text, default="", server_default="")
    owner: Mapped[str] = mapped_column(sa.String(200), default="", server_default="")
    defining_codes: Mapped[list[str]] = mapped_column(sa.JSON, default=list)
    terms: Mapped[list[str]] = mapped_column(sa.JSON, default=list)
    member_count: Mapped[int] = mapped_column(default=0)
    monthly_counts: Mapped[dict[str, int]] = mapped_column(sa.JSON, default=dict)
    statistics: Mapped[dict[str, Any]] = mapped_column(sa.JSON, default=dict)
    is_rising: Mapped[bool] = mapped_column(default=False, server_default=sa.false())
    first_run_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("theme_runs.id", ondelete="SET NULL")
    )
    last_run_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("theme_runs.id", ondelete="SET NULL")
    )
    merged_into_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("themes.id", ondelete="SET NULL")
    )
    dismissed_reason: Mapped[str | None] = mapped_column(sa.Text)
    # Size when dismissed: the job re-proposes a dismissed theme only if it has clearly grown.
    dismissed_member_count: Mapped[int | None]
    decided_by_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("users.id", ondelete="SET NULL")
    )
    decided_at: Mapped[dt.datetime | None]
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[dt.datetime] = mapped_column(default=utcnow, onupdate=utcnow)

    members: Mapped[list[ThemeMember]] = relationship(
        back_populates="theme", cascade="all, delete-orphan", passive_deletes=True
    )


class ThemeMember(Base):
    __tablename__ = "theme_members"

    theme_id: Mapped[int] = mapped_column(
        sa.ForeignKey("themes.id", ondelete="CASCADE"), primary_key=True
    )
    report_id: Mapped[int] = mapped_column(
        RowId, sa.ForeignKey("reports.id", ondelete="CASCADE"), primary_key=True, index=True
    )
    similarity: Mapped[float | None]

    theme: Mapped[Theme] = relationship(back_populates="members")
