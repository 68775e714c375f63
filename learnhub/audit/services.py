"""Writing to the audit trail. Each entry's hash covers its content and the previous hash, so
editing, deleting or reordering any row breaks the chain from that row on."""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import uuid
from dataclasses import dataclass
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import Session

from learnhub.audit.models import AuditEvent
from learnhub.auth.models import User
from learnhub.core.time import utcnow

GENESIS_HASH = "0" * 64
MIDNIGHT_UTC = dt.time(tzinfo=dt.UTC)
# Any fixed 64-bit number: the PostgreSQL advisory lock that serialises appends to the chain.
CHAIN_LOCK_KEY = 7_215_004_211


def entry_digest(event: AuditEvent, prev_hash: str) -> str:
    content = {
        "id": event.id,
        "occurred_at": event.occurred_at.isoformat(),
        "actor_id": event.actor_id,
        "actor_label": event.actor_label,
        "action": event.action,
        "object_type": event.object_type,
        "object_id": event.object_id,
        "details": event.details,
        "prev_hash": prev_hash,
    }
    canonical = json.dumps(content, sort_keys=True, separators=(",", ":"), default=str)
    return hashlib.sha256(canonical.encode()).hexdigest()


def record(
    session: Session,
    actor: User | None,
    action: str,
    object_type: str,
    object_id: object = None,
    details: dict[str, Any] | None = None,
) -> AuditEvent:
    """Append one event in the caller's transaction. Never pass anything about a reporter."""
    if session.get_bind().dialect.name == "postgresql":
        session.execute(sa.select(sa.func.pg_advisory_xact_lock(CHAIN_LOCK_KEY)))
    event = AuditEvent(
        occurred_at=utcnow().replace(microsecond=0),
        actor_id=actor.id if actor else None,
        actor_label=actor.email if actor else "system",
        action=action,
        object_type=object_type,
        object_id=None if object_id is None else str(object_id),
        details=details or {},
        prev_hash=GENESIS_HASH,
        entry_hash=uuid.uuid4().hex,  # unique placeholder until the digest is known
    )
    # Insert first: on SQLite the insert takes the write lock, so the previous row is settled.
    session.add(event)
    session.flush()
    previous = session.scalar(
        sa.select(AuditEvent.entry_hash)
        .where(AuditEvent.id < event.id)
        .order_by(AuditEvent.id.desc())
        .limit(1)
    )
    event.prev_hash = previous or GENESIS_HASH
    event.entry_hash = entry_digest(event, event.prev_hash)
    session.flush()
    return event


@dataclass(frozen=True)
class ChainStatus:
    """What a walk along the chain found: how many entries hold, and the first that does not."""

    checked: int
    broken_id: int | None = None
    broken_at: dt.datetime | None = None

    @property
    def intact(self) -> bool:
        return self.broken_id is None

    def describe_break(self) -> str:
        when = (
            self.broken_at.strftime("%Y-%m-%d %H:%M:%S UTC") if self.broken_at else "time unknown"
        )
        return f"entry {self.broken_id} ({when})"


def verify_chain(session: Session) -> ChainStatus:
    """Walk the chain in id order. An edited row fails its own digest; a deleted or reordered
    row leaves the next one pointing at a hash that is no longer the one before it."""
    expected_prev = GENESIS_HASH
    checked = 0
    # populate_existing: check what the database holds now, not what this session remembers.
    rows = session.scalars(
        sa.select(AuditEvent)
        .order_by(AuditEvent.id)
        .execution_options(populate_existing=True, yield_per=1000)
    )
    with rows:  # a server-side cursor on PostgreSQL: closed even when the walk stops early
        for event in rows:
            if event.prev_hash != expected_prev or entry_digest(event, event.prev_hash) != (
                event.entry_hash
            ):
                return ChainStatus(checked, event.id, event.occurred_at)
            expected_prev = event.entry_hash
            checked += 1
    return ChainStatus(checked)


def first_broken_entry(session: Session) -> int | None:
    """The id of the first entry whose chain does not hold, or None when all is intact."""
    return verify_chain(session).broken_id


@dataclass(frozen=True)
class AuditQuery:
    """A search of the trail; every part optional. Dates are inclusive, in UTC."""

    actor: str = ""  # part of the staff member's email, or "system"
    action: str = ""
    object_type: str = ""
    object_id: str = ""
    since: dt.date | None = None
    until: dt.date | None = None


@dataclass(frozen=True)
class AuditPage:
    events: list[AuditEvent]
    total: int
    page: int
    per_page: int

    @property
    def pages(self) -> int:
        return max(1, -(-self.total // self.per_page))

    def window(self) -> list[int | None]:
        """Page numbers to link: the ends and two either side of this one; None for a gap."""
        shown = [
            n for n in range(1, self.pages + 1) if n in (1, self.pages) or abs(n - self.page) <= 2
        ]
        numbers: list[int | None] = []
        for n in shown:
            if numbers and numbers[-1] is not None and n - numbers[-1] > 1:
                numbers.append(None)
            numbers.append(n)
        return numbers


def search(session: Session, query: AuditQuery, page: int = 1, per_page: int = 50) -> AuditPage:
    """Matching entries, newest first, one page of them."""
    conditions: list[sa.ColumnElement[bool]] = []
    if query.actor:
        conditions.append(
            sa.func.lower(AuditEvent.actor_label).contains(query.actor.lower(), autoescape=True)
        )
    if query.action:
        conditions.append(AuditEvent.action == query.action)
    if query.object_type:
        conditions.append(AuditEvent.object_type == query.object_type)
    if query.object_id:
        conditions.append(AuditEvent.object_id == query.object_id)
    if query.since:
        conditions.append(AuditEvent.occurred_at >= dt.datetime.combine(query.since, MIDNIGHT_UTC))
    if query.until:
        end = dt.datetime.combine(query.until + dt.timedelta(days=1), MIDNIGHT_UTC)
        conditions.append(AuditEvent.occurred_at < end)
    total = session.scalar(sa.select(sa.func.count()).select_from(AuditEvent).where(*conditions))
    total = total or 0
    page = min(max(1, page), max(1, -(-total // per_page)))  # past the end: the last page
    events = session.scalars(
        sa.select(AuditEvent)
        .where(*conditions)
        .order_by(AuditEvent.id.desc())
        .offset((page - 1) * per_page)
        .limit(per_page)
    )
    return AuditPage(list(events), total, page, per_page)


def distinct_values(session: Session, column: sa.orm.InstrumentedAttribute[str]) -> list[str]:
    """The values a column holds, for the search form's choices."""
    return list(session.scalars(sa.select(column).distinct().order_by(column)))
