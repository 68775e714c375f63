"""The versioned human-factors taxonomy, the factors attached to reports, and suggestion models."""

from __future__ import annotations

import datetime as dt
import enum
from typing import TYPE_CHECKING, Any

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
from learnhub.core.time import utcnow

if TYPE_CHECKING:
    from learnhub.auth.models import User


class VersionStatus(enum.StrEnum):
    DRAFT = "draft"
    ACTIVE = "active"
    RETIRED = "retired"


class MappingRelation(enum.StrEnum):
    SAME = "same"
    RENAMED = "renamed"
    MERGED = "merged"
    SPLIT = "split"


class FactorSource(enum.StrEnum):
    REPORTER = "reporter"
    SUGGESTED = "suggested"
    REVIEWER = "reviewer"


class FactorStatus(enum.StrEnum):
    PROPOSED = "proposed"
    CONFIRMED = "confirmed"
    REMOVED = "removed"


class TaxonomyVersion(Base):
    __tablename__ = "taxonomy_versions"

    id: Mapped[int] = mapped_column(primary_key=True)
    number: Mapped[int] = mapped_column(unique=True)
    label: Mapped[str] = mapped_column(sa.String(120))
    status: Mapped[VersionStatus] = mapped_column(
        enum_type(VersionStatus, "taxonomy_version_status"), default=VersionStatus.DRAFT
    )
    checksum: Mapped[str] = mapped_column(sa.String(64))
    notes: Mapped[str] = mapped_column(sa.Text, default="", server_default="")
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow)
    activated_at: Mapped[dt.datetime | None]

    codes: Mapped[list[TaxonomyCode]] = relationship(
        back_populates="version", order_by="TaxonomyCode.position", cascade="all, delete-orphan"
    )


class TaxonomyCode(Base):
    __tablename__ = "taxonomy_codes"
    __table_args__ = (sa.UniqueConstraint("version_id", "code"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    version_id: Mapped[int] = mapped_column(
        sa.ForeignKey("taxonomy_versions.id", ondelete="CASCADE"), index=True
    )
    code: Mapped[str] = mapped_column(sa.String(32))  # stable across versions, e.g. "PRE-TECH-1"
    tier: Mapped[str] = mapped_column(sa.String(40), index=True)
    category: Mapped[str] = mapped_column(sa.String(120))
    title: Mapped[str] = mapped_column(sa.String(200))
    definition: Mapped[str] = mapped_column(sa.Text)
    prompt: Mapped[str] = mapped_column(sa.Text)
    includes: Mapped[str] = mapped_column(sa.Text, default="", server_default="")
    excludes: Mapped[str] = mapped_column(sa.Text, default="", server_default="")
    examples: Mapped[list[str]] = mapped_column(sa.JSON, default=list)
    ycff_domain: Mapped[str] = mapped_column(sa.String(80), default="", server_default="")
    position: Mapped[int] = mapped_column(default=0, server_default="0")

    version: Mapped[TaxonomyVersion] = relationship(back_populates="codes")


class TaxonomyCodeMapping(Base):
    """How a code of one version carries into the next, so counts survive merges and splits."""

    __tablename__ = "taxonomy_code_mappings"
    __table_args__ = (sa.UniqueConstraint("from_code_id", "to_code_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    from_code_id: Mapped[int] = mapped_column(
        sa.ForeignKey("taxonomy_codes.id", ondelete="CASCADE"), index=True
    )
    to_code_id: Mapped[int] = mapped_column(
        sa.ForeignKey("taxonomy_codes.id", ondelete="CASCADE"), index=True
    )
    relation: Mapped[MappingRelation] = mapped_column(
        enum_type(MappingRelation, "mapping_relation")
    )


class ReportFactor(Base):
    """A contributory factor on a report, from the reporter, the system or a reviewer."""

    __tablename__ = "report_factors"
    __table_args__ = (
        sa.UniqueConstraint("report_id", "code_id", "source"),
        sa.CheckConstraint(
            "confidence IS NULL OR (confidence >= 0 AND confidence <= 1)", name="confidence_range"
        ),
        # The reporter's ticks carry no staff identity and no timestamp.
        sa.CheckConstraint(
            "source <> 'reporter' OR (decided_by_id IS NULL AND decided_at IS NULL)",
            name="reporter_tick_anonymous",
        ),
        unsettled_index("report_factors", "report_id"),
    )

    # Random, like the report's: a reporter's ticks are added as the report is filed.
    id: Mapped[int] = mapped_column(RowId, primary_key=True, autoincrement=False, default=random_id)
    report_id: Mapped[int] = mapped_column(
        RowId, sa.ForeignKey("reports.id", ondelete="CASCADE"), index=True
    )
    code_id: Mapped[int] = mapped_column(
        sa.ForeignKey("taxonomy_codes.id", ondelete="RESTRICT"), index=True
    )
    source: Mapped[FactorSource] = mapped_column(enum_type(FactorSource, "factor_source"))
    status: Mapped[FactorStatus] = mapped_column(
        enum_type(FactorStatus, "factor_status"), default=FactorStatus.PROPOSED
    )
    confidence: Mapped[float | None]
    # For a suggestion: the trained model that made it; NULL when the taxonomy's own words did
    # (day one). A retrain refreshes the suggestions a newer model would make differently.
    suggestion_model_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("suggestion_models.id", ondelete="SET NULL")
    )
    decided_by_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("users.id", ondelete="SET NULL")
    )
    decided_at: Mapped[dt.datetime | None]
    settled: Mapped[bool] = settled_column()

    code: Mapped[TaxonomyCode] = relationship()


class SuggestionModel(Base):
    """A trained code-suggestion model with its held-out scores; at most one is in use."""

    __tablename__ = "suggestion_models"

    id: Mapped[int] = mapped_column(primary_key=True)
    taxonomy_version_id: Mapped[int] = mapped_column(
        sa.ForeignKey("taxonomy_versions.id", ondelete="CASCADE"), index=True
    )
    algorithm: Mapped[str] = mapped_column(sa.String(80))
    trained_on_reports: Mapped[int] = mapped_column(default=0)
    scores: Mapped[dict[str, Any]] = mapped_column(sa.JSON, default=dict)
    is_active: Mapped[bool] = mapped_column(default=False, server_default=sa.false())
    artefact: Mapped[bytes | None] = mapped_column(sa.LargeBinary)
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow)


class CodingAction(enum.StrEnum):
    CONFIRMED = "confirmed"  # a reporter's tick or a suggestion, accepted by a reviewer
    ADDED = "added"  # a code the reviewer added themselves
    REMOVED = "removed"


class FactorChange(Base):
    """One reviewer's change to a report's codes: the history of who decided what, and when."""

    __tablename__ = "factor_changes"
    __table_args__ = (sa.Index("ix_factor_changes_report_changed", "report_id", "changed_at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    report_id: Mapped[int] = mapped_column(RowId, sa.ForeignKey("reports.id", ondelete="CASCADE"))
    code_id: Mapped[int] = mapped_column(
        sa.ForeignKey("taxonomy_codes.id", ondelete="RESTRICT"), index=True
    )
    action: Mapped[CodingAction] = mapped_column(enum_type(CodingAction, "coding_action"))
    # Which source the reviewer was responding to, if any (a tick or a suggestion).
    prompted_by: Mapped[FactorSource | None] = mapped_column(
        enum_type(FactorSource, "factor_change_prompt")
    )
    user_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id", ondelete="SET NULL"))
    changed_at: Mapped[dt.datetime] = mapped_column(default=utcnow)

    code: Mapped[TaxonomyCode] = relationship()
    user: Mapped[User | None] = relationship()


class ReviewerCoding(Base):
    """The full set of codes one reviewer gave one report, kept to measure agreement."""

    __tablename__ = "reviewer_codings"
    __table_args__ = (sa.UniqueConstraint("report_id", "reviewer_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    report_id: Mapped[int] = mapped_column(
        RowId, sa.ForeignKey("reports.id", ondelete="CASCADE"), index=True
    )
    reviewer_id: Mapped[int] = mapped_column(
        sa.ForeignKey("users.id", ondelete="CASCADE"), index=True
    )
    taxonomy_version_id: Mapped[int] = mapped_column(
        sa.ForeignKey("taxonomy_versions.id", ondelete="RESTRICT")
    )
    codes: Mapped[list[str]] = mapped_column(sa.JSON, default=list)
    coded_at: Mapped[dt.datetime] = mapped_column(default=utcnow)
