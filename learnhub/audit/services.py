"""Writing to the audit trail. Each entry's hash covers its content and the previous hash, so
editing, deleting or reordering any row breaks the chain from that row on."""

from __future__ import annotations

import hashlib
import json
import uuid
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import Session

from learnhub.audit.models import AuditEvent
from learnhub.auth.models import User
from learnhub.core.time import utcnow

GENESIS_HASH = "0" * 64
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


def first_broken_entry(session: Session) -> int | None:
    """The id of the first entry whose chain does not hold, or None when all is intact."""
    expected_prev = GENESIS_HASH
    rows = session.scalars(sa.select(AuditEvent).order_by(AuditEvent.id)).yield_per(1000)
    for event in rows:
        if event.prev_hash != expected_prev or entry_digest(event, event.prev_hash) != (
            event.entry_hash
        ):
            return event.id
        expected_prev = event.entry_hash
    return None
