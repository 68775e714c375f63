"""Writing to the audit trail and checking it. Each entry carries a MAC, under a key held outside
the database, of its content, its place in the chain and the MAC before it; the newest MAC is
anchored outside the table (anchors.py). So editing, deleting, reordering or inserting any
entry, re-sealing without the key, and deleting the newest entries are all detected."""

from __future__ import annotations

import datetime as dt
import enum
import hashlib
import hmac
import json
import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Protocol

import sqlalchemy as sa
from flask import current_app
from sqlalchemy.orm import Session

from learnhub.audit.anchors import Anchor, AnchorInvalid, read_anchor_file, remember_head
from learnhub.audit.keys import KeyRing, current_key_ring
from learnhub.audit.models import AuditEvent
from learnhub.core.time import utcnow


class Actor(Protocol):
    """Who did something: a staff account. The audit trail sits below accounts, so it names
    only what it records of one."""

    id: int
    email: str


GENESIS_HASH = "0" * 64
MIDNIGHT_UTC = dt.time(tzinfo=dt.UTC)
# Any fixed 64-bit number: the PostgreSQL advisory lock that serialises appends to the chain.
CHAIN_LOCK_KEY = 7_215_004_211


def _content(event: AuditEvent, prev_hash: str) -> dict[str, Any]:
    return {
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


def _canonical(content: dict[str, Any]) -> bytes:
    return json.dumps(content, sort_keys=True, separators=(",", ":"), default=str).encode()


def legacy_digest(event: AuditEvent, prev_hash: str) -> str:
    """The unkeyed SHA-256 of entries written before the key existed: checked, but anyone
    with the database could have recomputed it (so it only counts once a keyed entry seals it)."""
    return hashlib.sha256(_canonical(_content(event, prev_hash))).hexdigest()


def entry_mac(event: AuditEvent, key: bytes) -> str:
    """HMAC-SHA256 of everything the entry says, where it sits in the chain and the MAC before
    it (key_id and position included, so neither can be changed on its own)."""
    content = _content(event, event.prev_hash) | {
        "key_id": event.key_id,
        "position": event.position,
    }
    return hmac.new(key, _canonical(content), hashlib.sha256).hexdigest()


def record(
    session: Session,
    actor: Actor | None,
    action: str,
    object_type: str,
    object_id: object = None,
    details: dict[str, Any] | None = None,
) -> AuditEvent:
    """Append one event in the caller's transaction. Never pass anything about a reporter."""
    keys = current_key_ring()
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
        entry_hash=uuid.uuid4().hex,  # unique placeholder until the MAC is known
        key_id=keys.current_id,
    )
    # Insert first: on SQLite the insert takes the write lock, so the previous row is settled.
    session.add(event)
    session.flush()
    previous = session.execute(
        sa.select(AuditEvent.entry_hash, AuditEvent.position)
        .where(AuditEvent.id < event.id)
        .order_by(AuditEvent.id.desc())
        .limit(1)
    ).first()
    if previous is None:
        event.prev_hash, event.position = GENESIS_HASH, 1
    elif previous.position is not None:
        event.prev_hash, event.position = previous.entry_hash, previous.position + 1
    else:
        # The first keyed entry after entries written before the key: counted once, here.
        count = session.scalar(
            sa.select(sa.func.count()).select_from(AuditEvent).where(AuditEvent.id < event.id)
        )
        event.prev_hash, event.position = previous.entry_hash, (count or 0) + 1
    event.entry_hash = entry_mac(event, keys.current)
    session.flush()
    remember_head(session, event, current_app.config["AUDIT_ANCHOR_FILE"])
    return event


@dataclass(frozen=True)
class Entry:
    """One entry for ``record_many``: what ``record`` takes besides the session and actor."""

    action: str
    object_type: str
    object_id: object = None
    details: dict[str, Any] | None = None


def record_many(session: Session, actor: Actor | None, entries: Sequence[Entry]) -> None:
    """Append many entries by one actor in the caller's transaction, each exactly as ``record``
    would (its own MAC, chained in id order), with two flushes and one look-up for the lot
    instead of per entry: for a bulk change such as an import's confirmed codes."""
    if not entries:
        return
    keys = current_key_ring()
    if session.get_bind().dialect.name == "postgresql":
        session.execute(sa.select(sa.func.pg_advisory_xact_lock(CHAIN_LOCK_KEY)))
    occurred = utcnow().replace(microsecond=0)
    events = [
        AuditEvent(
            occurred_at=occurred,
            actor_id=actor.id if actor else None,
            actor_label=actor.email if actor else "system",
            action=entry.action,
            object_type=entry.object_type,
            object_id=None if entry.object_id is None else str(entry.object_id),
            details=entry.details or {},
            prev_hash=GENESIS_HASH,
            entry_hash=uuid.uuid4().hex,
            key_id=keys.current_id,
        )
        for entry in entries
    ]
    # Inserted first, as in ``record``: on SQLite the insert takes the write lock.
    session.add_all(events)
    session.flush()
    events.sort(key=lambda event: event.id)
    previous = session.execute(
        sa.select(AuditEvent.entry_hash, AuditEvent.position)
        .where(AuditEvent.id < events[0].id)
        .order_by(AuditEvent.id.desc())
        .limit(1)
    ).first()
    if previous is None:
        prev_hash, position = GENESIS_HASH, 0
    elif previous.position is not None:
        prev_hash, position = previous.entry_hash, previous.position
    else:
        count = session.scalar(
            sa.select(sa.func.count()).select_from(AuditEvent).where(AuditEvent.id < events[0].id)
        )
        prev_hash, position = previous.entry_hash, count or 0
    for event in events:
        position += 1
        event.prev_hash, event.position = prev_hash, position
        event.entry_hash = prev_hash = entry_mac(event, keys.current)
    session.flush()
    remember_head(session, events[-1], current_app.config["AUDIT_ANCHOR_FILE"])


def seal_unkeyed_entries(session: Session) -> AuditEvent | None:
    """If the newest entry was written before the key existed, append a keyed checkpoint
    whose MAC covers it (and so, through the hashes, every entry before it). Run by
    `learnhub init`; the next entry recorded would seal them anyway, this just says so."""
    newest = session.execute(
        sa.select(AuditEvent.position).order_by(AuditEvent.id.desc()).limit(1)
    ).first()
    if newest is None or newest.position is not None:
        return None
    unkeyed = session.scalar(sa.select(sa.func.count()).select_from(AuditEvent)) or 0
    return record(session, None, "checkpoint", "audit", None, {"unkeyed_entries": unkeyed})


class Problem(enum.StrEnum):
    """Why the chain does not hold at an entry; the text says what it means."""

    EDITED = (
        "its content or MAC does not match: it was edited, or written or re-sealed by someone "
        "without the key"
    )
    LINK = (
        "it does not follow on from the entry before it: an entry before it was deleted, or "
        "entries were inserted or reordered"
    )
    UNKNOWN_KEY = (
        "it was sealed with a key this installation does not hold: LEARNHUB_AUDIT_KEY (or "
        "LEARNHUB_AUDIT_PREVIOUS_KEYS) is not the key it was written with, or the entry was forged"
    )
    UNKEYED = (
        "it claims to predate the key, but keyed entries come before it: it was inserted or "
        "rewritten"
    )
    ANCHOR_MISMATCH = "the trail holds another entry there: it was rewritten up to that entry"
    ANCHOR_MISSING = "the newest entries were deleted, or the table was emptied"


@dataclass(frozen=True)
class ChainStatus:
    """What a walk along the chain found: how many entries hold, and the first that does not."""

    checked: int
    unkeyed: int = 0  # of those, entries from before the key (at the start of the trail)
    head: Anchor | None = None  # the newest entry verified, as an anchor
    anchors: tuple[Anchor, ...] = ()  # the anchors checked against
    broken_id: int | None = None
    broken_at: dt.datetime | None = None
    problem: Problem | None = None
    anchor: Anchor | None = None  # the anchor that failed, if one did

    @property
    def intact(self) -> bool:
        return self.broken_id is None

    def describe_break(self) -> str:
        if self.problem is Problem.ANCHOR_MISSING:
            return f"entry {self.broken_id} (missing)"
        when = (
            self.broken_at.strftime("%Y-%m-%d %H:%M:%S UTC") if self.broken_at else "time unknown"
        )
        return f"entry {self.broken_id} ({when})"

    def explain(self) -> str:
        """What the break means, in a sentence or two."""
        if self.problem is None:
            return ""
        if self.anchor is None:
            return self.problem.value
        source = f" (from {self.anchor.source})" if self.anchor.source else ""
        said = (
            f"the anchor{source} says the trail holds entry {self.anchor.entry_id} with MAC "
            f"{self.anchor.mac[:16]}… as its entry number {self.anchor.count:,}"
        )
        if self.problem is Problem.ANCHOR_MISSING:
            return (
                f"{said}, but it is not there and the trail has {self.checked:,} entries before "
                f"where it would be: {self.problem.value}"
            )
        return f"{said}, but {self.problem.value}"


def verify_chain(
    session: Session, keys: KeyRing | None = None, anchors: Sequence[Anchor] = ()
) -> ChainStatus:
    """Walk the chain in id order, checking each entry's MAC under the key it names, that it
    follows the one before, and that every anchor's entry is there with the anchored MAC."""
    keys = keys or current_key_ring()
    waiting = sorted(anchors, key=lambda a: a.entry_id)
    expected_prev = GENESIS_HASH
    checked = unkeyed = 0
    head: Anchor | None = None

    def broken(event: AuditEvent, problem: Problem, anchor: Anchor | None = None) -> ChainStatus:
        return ChainStatus(
            checked, unkeyed, head, tuple(anchors), event.id, event.occurred_at, problem, anchor
        )

    def missing(anchor: Anchor, before: int) -> ChainStatus:
        return ChainStatus(
            before,
            unkeyed,
            head,
            tuple(anchors),
            anchor.entry_id,
            None,
            Problem.ANCHOR_MISSING,
            anchor,
        )

    # populate_existing: check what the database holds now, not what this session remembers.
    rows = session.scalars(
        sa.select(AuditEvent)
        .order_by(AuditEvent.id)
        .execution_options(populate_existing=True, yield_per=1000)
    )
    with rows:  # a server-side cursor on PostgreSQL: closed even when the walk stops early
        for event in rows:
            if event.prev_hash != expected_prev:
                return broken(event, Problem.LINK)
            if event.key_id is None:
                if checked > unkeyed:
                    return broken(event, Problem.UNKEYED)
                if event.position is not None or legacy_digest(event, event.prev_hash) != (
                    event.entry_hash
                ):
                    return broken(event, Problem.EDITED)
                unkeyed += 1
            else:
                key = keys.known.get(event.key_id)
                if key is None:
                    return broken(event, Problem.UNKNOWN_KEY)
                if not hmac.compare_digest(entry_mac(event, key), event.entry_hash):
                    return broken(event, Problem.EDITED)
                if event.position != checked + 1:
                    return broken(event, Problem.LINK)
            checked += 1
            expected_prev = event.entry_hash
            if event.key_id is not None:
                head = Anchor(event.id, checked, event.entry_hash)
            while waiting and waiting[0].entry_id <= event.id:
                anchor = waiting.pop(0)
                if anchor.entry_id < event.id:  # gone, and entries written since
                    return missing(anchor, checked - 1)
                if (anchor.count, anchor.mac) != (checked, event.entry_hash):
                    return broken(event, Problem.ANCHOR_MISMATCH, anchor)
    if waiting:
        return missing(waiting[0], checked)
    return ChainStatus(checked, unkeyed, head, tuple(anchors))


@dataclass(frozen=True)
class TrailCheck:
    """The chain walked against the anchor file (and any anchors given), as the verify command
    and the admin page report it."""

    status: ChainStatus
    anchor_file: Path
    anchor_problem: str = ""  # the anchor file is damaged, or there is none to check against

    @property
    def holds(self) -> bool:
        return self.status.intact and not self.anchor_problem


def check_trail(session: Session, given: Sequence[Anchor] = ()) -> TrailCheck:
    anchor_file = Path(current_app.config["AUDIT_ANCHOR_FILE"])
    problem = ""
    try:
        local = read_anchor_file(anchor_file)
    except AnchorInvalid as exc:
        local, problem = None, f"the anchor file {anchor_file} is damaged ({exc})"
    anchors = [*([local] if local else []), *given]
    status = verify_chain(session, anchors=anchors)
    if not problem and not anchors and status.head is not None:
        problem = (
            f"there is no anchor at {anchor_file} (deleted, or LEARNHUB_AUDIT_ANCHOR_FILE "
            "changed), so deletion of the newest entries cannot be ruled out"
        )
    return TrailCheck(status, anchor_file, problem)


def first_broken_entry(session: Session) -> int | None:
    """The id of the first entry whose chain does not hold, or None when all is intact."""
    return check_trail(session).status.broken_id


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
