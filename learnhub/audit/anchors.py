"""Anchors: the newest entry of the audit trail, written outside the table (to the log and to
a file an operator ships elsewhere), so deleting the newest entries or emptying the table is
noticed. An anchor says "the trail holds entry N, with MAC M, as its C-th entry": written
late or out of order it is still true, so several processes may write them without a lock."""

from __future__ import annotations

import logging
import os
import re
import tempfile
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

import sqlalchemy as sa
from flask import Flask
from sqlalchemy.orm import Session, SessionTransaction

from learnhub.core.config import load_config_module

if TYPE_CHECKING:
    from learnhub.audit.models import AuditEvent

logger = logging.getLogger("learnhub.audit")

_FORMAT = re.compile(r"^(\d{1,19}):(\d{1,19}):([0-9a-f]{64})$")
_HEAD = "learnhub_audit_head"  # session.info: the newest entry this transaction recorded
_PENDING = "learnhub_audit_anchor"  # session.info: (anchor, path) to write once committed


class AnchorInvalid(ValueError):
    """Not an anchor value (``<entry id>:<count>:<64 hex MAC>``)."""


@dataclass(frozen=True)
class Anchor:
    entry_id: int
    count: int  # the entry's position in the chain: the trail holds at least this many
    mac: str
    source: str = field(default="", compare=False)  # where it came from, for messages

    def __str__(self) -> str:
        return f"{self.entry_id}:{self.count}:{self.mac}"

    @classmethod
    def parse(cls, value: str, source: str = "") -> Anchor:
        match = _FORMAT.match(value.strip().lower())
        if match is None:
            raise AnchorInvalid(
                f"{value.strip()[:80]!r} is not an audit anchor (<entry id>:<count>:<MAC>)"
            )
        return cls(int(match[1]), int(match[2]), match[3], source)


def read_anchor_file(path: Path) -> Anchor | None:
    """The anchor in ``path``, or None when there is no file. A damaged file raises."""
    try:
        text = path.read_text()
    except FileNotFoundError:
        return None
    return Anchor.parse(text, source=str(path))


def write_anchor_file(path: Path, anchor: Anchor) -> None:
    """Replace the file's anchor with ``anchor`` unless it already holds a newer one. The
    write is atomic (a whole file renamed into place); a race between processes can at worst
    leave an older anchor, which is still true."""
    try:
        current = read_anchor_file(path)
    except AnchorInvalid:
        current = None  # damaged: a true anchor is better than none
    if current is not None and current.count >= anchor.count:
        return
    descriptor, temporary = tempfile.mkstemp(dir=path.parent, prefix=".audit-anchor-")
    try:
        with os.fdopen(descriptor, "w") as handle:
            handle.write(f"{anchor}\n")
        os.chmod(temporary, 0o644)  # not secret: made to be copied elsewhere
        os.replace(temporary, path)
    except BaseException:
        os.unlink(temporary)
        raise


def remember_head(session: Session, event: AuditEvent, anchor_file: str) -> None:
    """Note the newest entry of this transaction; its anchor is written once it commits."""
    session.info[_HEAD] = (event, anchor_file)


def _before_commit(session: Session) -> None:
    head = session.info.pop(_HEAD, None)
    if head is not None:
        event, anchor_file = head
        # Read now: after the commit the row's attributes may be expired, and no SQL may run.
        session.info[_PENDING] = (Anchor(event.id, event.position, event.entry_hash), anchor_file)


def _after_commit(session: Session) -> None:
    pending = session.info.pop(_PENDING, None)
    if pending is None:
        return
    anchor, anchor_file = pending
    logger.info("audit anchor %s", anchor)
    try:
        write_anchor_file(Path(anchor_file), anchor)
    except OSError as exc:
        # The entry is committed; the log line above still carries the anchor.
        logger.error("could not write the audit anchor to %s: %s", anchor_file, exc)


def _after_rollback(session: Session, _transaction: Any) -> None:
    # Any rollback, even of a savepoint, forgets the head: an anchor is only ever written for
    # an entry that is surely committed (a missed anchor just leaves an older true one).
    session.info.pop(_HEAD, None)
    session.info.pop(_PENDING, None)


def _after_transaction_end(session: Session, transaction: SessionTransaction) -> None:
    # A transaction closed without a commit (session.close()) is not rolled back "softly":
    # forget its head here, or the next commit would anchor an entry that never was.
    if transaction.parent is None:
        _after_rollback(session, transaction)


def init_app(app: Flask) -> None:
    """Refuse to start when anchors could not be written, then hook the sessions."""
    folder = Path(app.config["AUDIT_ANCHOR_FILE"]).parent
    if not folder.is_dir() or not os.access(folder, os.W_OK | os.X_OK):
        raise load_config_module().ConfigError(
            f"LEARNHUB_AUDIT_ANCHOR_FILE must be in a folder LearnHub can write to: {folder} "
            "does not exist or is not writable"
        )
    listen()


def listen() -> None:
    """Hook every session (Flask-SQLAlchemy's and any made by hand); idempotent."""
    for name, handler in (
        ("before_commit", _before_commit),
        ("after_commit", _after_commit),
        ("after_soft_rollback", _after_rollback),
        ("after_transaction_end", _after_transaction_end),
    ):
        if not sa.event.contains(Session, name, handler):
            sa.event.listen(Session, name, handler)
