"""The append-only audit trail of staff reads and changes, each entry chained by a keyed MAC."""

from __future__ import annotations

import datetime as dt
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column

from learnhub.core.database import Base
from learnhub.core.time import utcnow


class AuditEvent(Base):
    __tablename__ = "audit_events"
    __table_args__ = (sa.Index("ix_audit_events_object", "object_type", "object_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    occurred_at: Mapped[dt.datetime] = mapped_column(default=utcnow, index=True)
    actor_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("users.id", ondelete="RESTRICT"), index=True
    )
    actor_label: Mapped[str] = mapped_column(sa.String(320))  # the email then, or "system"
    action: Mapped[str] = mapped_column(sa.String(40))  # read, create, update, delete, login...
    object_type: Mapped[str] = mapped_column(sa.String(40))
    object_id: Mapped[str | None] = mapped_column(sa.String(64))
    details: Mapped[dict[str, Any]] = mapped_column(sa.JSON, default=dict)
    prev_hash: Mapped[str] = mapped_column(sa.String(64))
    # The entry's HMAC-SHA256 under the key named by key_id; for entries written before the
    # key existed (key_id and position NULL), their unkeyed SHA-256.
    entry_hash: Mapped[str] = mapped_column(sa.String(64), unique=True)
    key_id: Mapped[str | None] = mapped_column(sa.String(16))
    position: Mapped[int | None] = mapped_column(sa.BigInteger)  # 1 for the first entry, ...
