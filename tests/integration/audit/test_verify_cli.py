"""`learnhub audit verify` against someone who can write to the database but does not hold
LEARNHUB_AUDIT_KEY: every edit, deletion, reordering, insertion, recomputed chain, deleted tail
and emptied table is named; so is verifying with the wrong key.

The tampering is done the way such a person would: SQL on the table, and the chain's public
hashing recomputed (the unkeyed SHA-256 the chain used before the key; its formula is in the
source for anyone to read).
"""

from __future__ import annotations

import datetime as dt
import logging
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa
from flask import Flask
from flask.testing import FlaskCliRunner

from learnhub.audit import services as audit
from learnhub.audit.models import AuditEvent
from learnhub.core.extensions import db
from tests.factories import make_user


@pytest.fixture
def five(app: Flask) -> list[int]:
    """Five entries, each committed on its own (as five staff requests would be)."""
    actor = make_user()
    ids = []
    for i in range(5):
        ids.append(audit.record(db.session, actor, "read", "report", f"LR-{i}", {"n": i}).id)
        db.session.commit()
    return ids


def tamper(statement: sa.Executable) -> None:
    db.session.execute(statement)
    db.session.commit()
    db.session.expire_all()


def verify(runner: FlaskCliRunner, *args: str) -> Any:
    return runner.invoke(args=["audit", "verify", *args])


def assert_intact(runner: FlaskCliRunner, count: int, *args: str) -> None:
    result = verify(runner, *args)
    assert result.exit_code == 0, result.output
    assert f"Audit trail intact: {count} entries verified." in result.stdout


def assert_broken_at(runner: FlaskCliRunner, event_id: int, *args: str) -> str:
    result = verify(runner, *args)
    assert result.exit_code == 1, result.output
    assert f"BROKEN at entry {event_id} " in result.stderr, result.stderr
    return result.stderr


def rechain_from(first_id: int, *, unkeyed: bool = False) -> None:
    """Recompute every hash from ``first_id`` on without the key, so each row again points at
    the row before it. ``unkeyed``: also mark the rows as written before the key existed."""
    events = db.session.scalars(
        sa.select(AuditEvent).order_by(AuditEvent.id).execution_options(populate_existing=True)
    ).all()
    previous = "0" * 64
    for event in events:
        if event.id >= first_id:
            values: dict[str, Any] = {"prev_hash": previous}
            if unkeyed and hasattr(AuditEvent, "key_id"):
                values |= {"key_id": None, "position": None}
            values["entry_hash"] = audit.legacy_digest(event, previous)
            db.session.execute(sa.update(AuditEvent).where(AuditEvent.id == event.id), values)
            previous = values["entry_hash"]
        else:
            previous = event.entry_hash
    db.session.commit()
    db.session.expire_all()


def test_an_untouched_trail_is_intact(runner: FlaskCliRunner, five: list[int]) -> None:
    assert_intact(runner, 5)


def edited_value(column: str) -> Any:
    """A different value of the right type for each column a row has."""
    values: dict[str, Any] = {
        "occurred_at": dt.datetime(2026, 1, 15, 9, 30, tzinfo=dt.UTC),
        "actor_id": None,
        "actor_label": "someone.else@example.org",
        "action": "delete",
        "object_type": "bulletin",
        "object_id": "LR-other",
        "details": {"n": 99},
        "prev_hash": "f" * 64,
        "entry_hash": "e" * 64,
        "key_id": "0" * 16,
        "position": 99,
    }
    return values[column]


# Every column but the id (moving a row is the reordering case): a new column must be added here.
EDITABLE = [column.name for column in AuditEvent.__table__.columns if column.name != "id"]


@pytest.mark.parametrize("column", EDITABLE)
def test_an_edit_of_any_field_is_named(
    app: Flask, runner: FlaskCliRunner, five: list[int], column: str
) -> None:
    target = five[2]
    tamper(
        sa.update(AuditEvent).where(AuditEvent.id == target).values({column: edited_value(column)})
    )
    assert_broken_at(runner, target)


@pytest.mark.parametrize("column", ["details", "actor_label", "occurred_at"])
def test_an_edit_with_the_chain_recomputed_without_the_key_is_named(
    app: Flask, runner: FlaskCliRunner, five: list[int], column: str
) -> None:
    target = five[1]
    tamper(
        sa.update(AuditEvent).where(AuditEvent.id == target).values({column: edited_value(column)})
    )
    rechain_from(target)
    assert_broken_at(runner, target)


def test_a_whole_trail_rewritten_as_if_written_before_the_key_is_caught_by_the_anchor(
    runner: FlaskCliRunner, five: list[int]
) -> None:
    tamper(sa.update(AuditEvent).where(AuditEvent.id == five[1]).values(action="delete"))
    rechain_from(five[0], unkeyed=True)
    stderr = assert_broken_at(runner, five[4])
    assert "anchor" in stderr


def test_a_deleted_middle_entry_breaks_the_chain_at_the_next(
    runner: FlaskCliRunner, five: list[int]
) -> None:
    tamper(sa.delete(AuditEvent).where(AuditEvent.id == five[2]))
    assert_broken_at(runner, five[3])


def test_a_deleted_first_entry_is_named_at_the_new_first(
    runner: FlaskCliRunner, five: list[int]
) -> None:
    tamper(sa.delete(AuditEvent).where(AuditEvent.id == five[0]))
    assert_broken_at(runner, five[1])


def test_reordered_entries_are_caught(runner: FlaskCliRunner, five: list[int]) -> None:
    first, second, spare = five[1], five[2], 10_000_000
    tamper(sa.update(AuditEvent).where(AuditEvent.id == first).values(id=spare))
    tamper(sa.update(AuditEvent).where(AuditEvent.id == second).values(id=first))
    tamper(sa.update(AuditEvent).where(AuditEvent.id == spare).values(id=second))
    assert_broken_at(runner, first)


@pytest.mark.parametrize("looks_unkeyed", [False, True])
def test_a_forged_entry_appended_is_caught(
    runner: FlaskCliRunner, five: list[int], looks_unkeyed: bool
) -> None:
    last = db.session.get(AuditEvent, five[4])
    forged = AuditEvent(
        id=five[4] + 1,
        occurred_at=last.occurred_at,
        actor_id=None,
        actor_label="system",
        action="delete",
        object_type="report",
        object_id="LR-0",
        details={},
        prev_hash=last.entry_hash,
    )
    values = {c.name: getattr(forged, c.name) for c in AuditEvent.__table__.columns}
    values["entry_hash"] = audit.legacy_digest(forged, last.entry_hash)
    if "key_id" in values:
        # Either copy the key id of the real rows, or claim the row predates the key.
        values["key_id"] = None if looks_unkeyed else last.key_id
        values["position"] = None if looks_unkeyed else 6
    tamper(sa.insert(AuditEvent).values(values))
    assert_broken_at(runner, forged.id)


def test_deleting_the_newest_entries_is_caught_by_the_anchor(
    runner: FlaskCliRunner, five: list[int]
) -> None:
    tamper(sa.delete(AuditEvent).where(AuditEvent.id.in_(five[3:])))
    stderr = assert_broken_at(runner, five[4])
    assert "newest entries were deleted" in stderr


def test_emptying_the_table_is_caught_by_the_anchor(
    runner: FlaskCliRunner, five: list[int]
) -> None:
    tamper(sa.delete(AuditEvent))
    stderr = assert_broken_at(runner, five[4])
    assert "0 entries" in stderr


def test_verifying_with_the_wrong_key_names_the_first_entry_and_the_key(
    app: Flask, runner: FlaskCliRunner, five: list[int]
) -> None:
    app.config["AUDIT_KEY"] = "a-different-key-of-at-least-32-characters!"
    stderr = assert_broken_at(runner, five[0])
    assert "LEARNHUB_AUDIT_KEY" in stderr


def test_a_copy_of_the_anchor_shipped_elsewhere_catches_a_local_anchor_put_back(
    app: Flask,
    runner: FlaskCliRunner,
    five: list[int],
    caplog: pytest.LogCaptureFixture,
) -> None:
    """Someone who can also write the anchor file deletes the newest entries and puts back an
    older (still true) anchor; the copy taken from the log names what is missing."""
    anchor_file = Path(app.config["AUDIT_ANCHOR_FILE"])
    older = anchor_file.read_text()
    with caplog.at_level(logging.INFO, logger="learnhub.audit"):
        audit.record(db.session, None, "update", "setting", "service_areas")
        db.session.commit()
    shipped = [r.getMessage() for r in caplog.records if r.name == "learnhub.audit"][-1]
    value = shipped.rsplit(" ", 1)[-1]
    newest = int(value.split(":")[0])

    tamper(sa.delete(AuditEvent).where(AuditEvent.id == newest))
    anchor_file.write_text(older)
    assert_intact(runner, 5)
    stderr = assert_broken_at(runner, newest, "--anchor", value)
    assert "newest entries were deleted" in stderr
