"""Retention rules: what is purged, and when (UK GDPR data minimisation and storage limitation).

- Follow-up threads: a closed report's receipt hash is destroyed THREAD_DAYS after the last
  message (or after closing, if later), so nobody can open the thread again.
- Narratives: a closed report's raw answers, its identifying-details flags and its thread are
  purged NARRATIVE_DAYS after closing; the reviewer-confirmed de-identified version (`redacted`),
  the codes, dates and outcome stay, so the learning survives without the reporter's words.
- Deliveries: a bulletin delivery row (who was sent what) is deleted DELIVERY_DAYS after sending.
- Spent check-page keys: deleted after SPENT_KEY_DAYS (they only stop a double press).
- API idempotency keys: deleted once no longer honoured (the day after first use; see
  learnhub/reports/idempotency.py), whatever the settings: they only make a retry safe.

A setting of 0 keeps that kind of data. Every rule is a plain function of today's date.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, fields
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import Session

from learnhub.bulletins.models import Delivery, DeliveryStatus
from learnhub.reports import idempotency
from learnhub.reports.models import (
    NARRATIVE_FIELDS,
    Report,
    ReporterMessage,
    ReportIdempotencyKey,
    ReportStatus,
    SpentSubmission,
)

SPENT_KEY_DAYS = 7
FINISHED_DELIVERIES = (DeliveryStatus.SENT, DeliveryStatus.FAILED_PERMANENT)


@dataclass(frozen=True)
class RetentionPolicy:
    thread_days: int = 90
    narrative_days: int = 730
    delivery_days: int = 365
    spent_key_days: int = SPENT_KEY_DAYS

    @classmethod
    def from_config(cls, config: Any) -> RetentionPolicy:
        return cls(
            thread_days=config["RETENTION_THREAD_DAYS"],
            narrative_days=config["RETENTION_NARRATIVE_DAYS"],
            delivery_days=config["RETENTION_DELIVERY_DAYS"],
        )


@dataclass
class PurgeResult:
    threads_retired: int = 0
    narratives_purged: int = 0
    messages_deleted: int = 0
    deliveries_deleted: int = 0
    spent_keys_deleted: int = 0
    idempotency_keys_deleted: int = 0

    def summary(self, dry_run: bool = False) -> str:
        verb = "would purge" if dry_run else "purged"
        parts = ", ".join(
            f"{getattr(self, item.name)} {item.name.replace('_', ' ')}" for item in fields(self)
        )
        return f"Retention {verb}: {parts}."


def cutoff(today: dt.date, days: int) -> dt.date:
    return today - dt.timedelta(days=days)


def threads_due(today: dt.date, days: int) -> sa.ColumnElement[bool]:
    """Closed reports whose receipt still works and whose thread has been quiet for ``days``."""
    last_allowed = cutoff(today, days)
    later_message = (
        sa.select(ReporterMessage.id)
        .where(ReporterMessage.report_id == Report.id, ReporterMessage.sent_on > last_allowed)
        .exists()
    )
    return sa.and_(
        Report.status == ReportStatus.CLOSED,
        Report.receipt_hash.is_not(None),
        sa.func.coalesce(Report.closed_on, Report.received_on) <= last_allowed,
        ~later_message,
    )


def narratives_due(today: dt.date, days: int) -> sa.ColumnElement[bool]:
    return sa.and_(
        Report.status == ReportStatus.CLOSED,
        Report.narrative_purged_on.is_(None),
        sa.func.coalesce(Report.closed_on, Report.received_on) <= cutoff(today, days),
    )


def deliveries_due(now: dt.datetime, days: int) -> sa.ColumnElement[bool]:
    finished_at = sa.func.coalesce(Delivery.sent_at, Delivery.last_attempt_at)
    return sa.and_(
        Delivery.status.in_(FINISHED_DELIVERIES),
        finished_at < now - dt.timedelta(days=days),
    )


def count(session: Session, model: type, condition: sa.ColumnElement[bool]) -> int:
    return session.scalar(sa.select(sa.func.count()).select_from(model).where(condition)) or 0


def purge(
    session: Session,
    policy: RetentionPolicy,
    today: dt.date,
    now: dt.datetime,
    *,
    dry_run: bool = False,
) -> PurgeResult:
    """Apply every rule in the caller's transaction (or only count, with ``dry_run``)."""
    result = PurgeResult()
    if policy.thread_days:
        condition = threads_due(today, policy.thread_days)
        result.threads_retired = count(session, Report, condition)
        if not dry_run:
            session.execute(
                sa.update(Report).where(condition).values(receipt_hash=None),
                execution_options={"synchronize_session": False},
            )
    if policy.narrative_days:
        condition = narratives_due(today, policy.narrative_days)
        ids = list(session.scalars(sa.select(Report.id).where(condition)))
        result.narratives_purged = len(ids)
        in_ids = ReporterMessage.report_id.in_(ids)
        result.messages_deleted = count(session, ReporterMessage, in_ids) if ids else 0
        if ids and not dry_run:
            for start in range(0, len(ids), 500):
                chunk = ids[start : start + 500]
                session.execute(
                    sa.delete(ReporterMessage).where(ReporterMessage.report_id.in_(chunk)),
                    execution_options={"synchronize_session": False},
                )
                session.execute(
                    sa.update(Report)
                    .where(Report.id.in_(chunk))
                    .values(
                        **dict.fromkeys(NARRATIVE_FIELDS, ""),
                        identifier_flags=[],
                        receipt_hash=None,
                        narrative_purged_on=today,
                    ),
                    execution_options={"synchronize_session": False},
                )
    if policy.delivery_days:
        condition = deliveries_due(now, policy.delivery_days)
        result.deliveries_deleted = count(session, Delivery, condition)
        if not dry_run:
            session.execute(
                sa.delete(Delivery).where(condition),
                execution_options={"synchronize_session": False},
            )
    if policy.spent_key_days:
        condition = SpentSubmission.spent_on < cutoff(today, policy.spent_key_days)
        result.spent_keys_deleted = count(session, SpentSubmission, condition)
        if not dry_run:
            session.execute(sa.delete(SpentSubmission).where(condition))
    condition = idempotency.expired(today)
    result.idempotency_keys_deleted = count(session, ReportIdempotencyKey, condition)
    if not dry_run:
        session.execute(sa.delete(ReportIdempotencyKey).where(condition))
    session.flush()
    return result
