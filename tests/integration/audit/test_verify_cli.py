"""`learnhub audit verify` on a trail tampered with in SQL: edited, deleted and reordered rows."""

from __future__ import annotations

import pytest
import sqlalchemy as sa
from flask.testing import FlaskCliRunner

from learnhub.audit import services as audit
from learnhub.audit.models import AuditEvent
from learnhub.extensions import db
from tests.factories import make_user


@pytest.fixture
def five_entries(app: object) -> list[AuditEvent]:
    actor = make_user()
    events = [audit.record(db.session, actor, "read", "report", f"LR-{i}") for i in range(5)]
    db.session.commit()
    return events


def tamper(sql: str, **values: object) -> None:
    db.session.execute(sa.text(sql), values)
    db.session.commit()
    db.session.expire_all()


def assert_broken_at(runner: FlaskCliRunner, event_id: int) -> None:
    result = runner.invoke(args=["audit", "verify"])
    assert result.exit_code == 1, result.output
    occurred = db.session.get(AuditEvent, event_id).occurred_at.strftime("%Y-%m-%d %H:%M:%S")
    assert f"BROKEN at entry {event_id} ({occurred} UTC)" in result.stderr


def test_an_intact_trail_exits_0_with_the_count(
    runner: FlaskCliRunner, five_entries: list[AuditEvent]
) -> None:
    result = runner.invoke(args=["audit", "verify"])
    assert result.exit_code == 0, result.output
    assert "Audit trail intact: 5 entries verified." in result.stdout


def test_an_edited_row_is_named(runner: FlaskCliRunner, five_entries: list[AuditEvent]) -> None:
    tamper("UPDATE audit_events SET object_id = 'LR-other' WHERE id = :id", id=five_entries[2].id)
    assert_broken_at(runner, five_entries[2].id)


def test_an_edited_row_with_its_hash_recomputed_breaks_the_next(
    runner: FlaskCliRunner, five_entries: list[AuditEvent]
) -> None:
    target = five_entries[1]
    target.action = "update"
    target.entry_hash = audit.entry_digest(target, target.prev_hash)
    db.session.commit()
    assert_broken_at(runner, five_entries[2].id)


def test_a_deleted_row_breaks_the_chain_at_the_next(
    runner: FlaskCliRunner, five_entries: list[AuditEvent]
) -> None:
    tamper("DELETE FROM audit_events WHERE id = :id", id=five_entries[3].id)
    assert_broken_at(runner, five_entries[4].id)


def test_deleting_the_first_row_is_caught(
    runner: FlaskCliRunner, five_entries: list[AuditEvent]
) -> None:
    tamper("DELETE FROM audit_events WHERE id = :id", id=five_entries[0].id)
    assert_broken_at(runner, five_entries[1].id)


def test_reordered_rows_are_caught(runner: FlaskCliRunner, five_entries: list[AuditEvent]) -> None:
    first, second = five_entries[1].id, five_entries[2].id
    tamper("UPDATE audit_events SET id = :spare WHERE id = :id", spare=10_000_000, id=first)
    tamper("UPDATE audit_events SET id = :to WHERE id = :id", to=first, id=second)
    tamper("UPDATE audit_events SET id = :to WHERE id = :spare", to=second, spare=10_000_000)
    assert_broken_at(runner, first)
