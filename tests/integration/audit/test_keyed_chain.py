"""The keyed chain in use: entries written before the key are sealed and reported honestly,
only committed entries are anchored, and many writers at once leave an intact chain and a
true anchor."""

from __future__ import annotations

import datetime as dt
import threading
from collections.abc import Iterator
from pathlib import Path

import pytest
import sqlalchemy as sa
from flask import Flask
from flask.testing import FlaskCliRunner

from learnhub.audit import services as audit
from learnhub.audit.anchors import read_anchor_file
from learnhub.audit.models import AuditEvent
from learnhub.cli import set_aside_stale_anchor
from learnhub.core.extensions import db
from learnhub.setup import initialise
from tests.conftest import migrated_app


def write_unkeyed_entries(count: int) -> list[int]:
    """Entries as a release before the key wrote them: unkeyed SHA-256, no key id, no position."""
    previous = audit.GENESIS_HASH
    ids = []
    for n in range(count):
        event = AuditEvent(
            occurred_at=dt.datetime(2026, 11, 1, 9, n, tzinfo=dt.UTC),
            actor_id=None,
            actor_label="system",
            action="read",
            object_type="report",
            object_id=f"LR-OLD-{n}",
            details={},
            prev_hash=previous,
            entry_hash=f"{n:064x}",
        )
        db.session.add(event)
        db.session.flush()
        event.entry_hash = previous = audit.legacy_digest(event, previous)
        ids.append(event.id)
    db.session.commit()
    return ids


def test_unkeyed_entries_are_reported_then_sealed_by_a_checkpoint(
    app: Flask, runner: FlaskCliRunner
) -> None:
    old = write_unkeyed_entries(3)
    before = runner.invoke(args=["audit", "verify"])
    assert before.exit_code == 0, before.output
    assert "Audit trail intact: 3 entries verified." in before.stdout
    assert "Unkeyed, 3 entries" in before.stdout

    summary = initialise()
    assert "3 entries written before the audit key are sealed by keyed checkpoint" in summary
    checkpoint = db.session.scalars(sa.select(AuditEvent).order_by(AuditEvent.id.desc())).first()
    assert (checkpoint.action, checkpoint.object_type, checkpoint.position) == (
        "checkpoint",
        "audit",
        4,
    )
    assert checkpoint.details == {"unkeyed_entries": 3}
    assert "sealed" not in initialise()  # once only
    after = runner.invoke(args=["audit", "verify"])
    assert after.exit_code == 0, after.output
    assert "Audit trail intact: 4 entries verified." in after.stdout
    assert "Unkeyed, 3 entries" in after.stdout
    assert f"Newest entry's anchor: {checkpoint.id}:4:{checkpoint.entry_hash}" in after.stdout

    # Since the checkpoint, rewriting the unkeyed entries (hashes and all) is detected.
    db.session.execute(
        sa.update(AuditEvent).where(AuditEvent.id == old[1]).values(object_id="LR-OTHER")
    )
    event = db.session.get(AuditEvent, old[1], populate_existing=True)
    previous = event.prev_hash
    for entry_id in old[1:]:
        entry = db.session.get(AuditEvent, entry_id, populate_existing=True)
        entry.prev_hash = previous
        entry.entry_hash = previous = audit.legacy_digest(entry, previous)
    db.session.commit()
    broken = runner.invoke(args=["audit", "verify"])
    assert broken.exit_code == 1
    assert f"BROKEN at entry {checkpoint.id} " in broken.stderr


def test_an_entry_rolled_back_is_never_anchored(app: Flask) -> None:
    kept = audit.record(db.session, None, "read", "report", "LR-KEPT")
    db.session.commit()
    expected = (kept.id, 1, kept.entry_hash)
    audit.record(db.session, None, "read", "report", "LR-GONE")
    db.session.rollback()
    audit.record(db.session, None, "read", "report", "LR-NEVER-COMMITTED")
    db.session.close()
    db.session.commit()  # a later commit with no entry of its own
    anchor = read_anchor_file(Path(app.config["AUDIT_ANCHOR_FILE"]))
    assert anchor is not None
    assert (anchor.entry_id, anchor.count, anchor.mac) == expected
    assert audit.first_broken_entry(db.session) is None


def test_a_missing_anchor_file_is_not_passed_as_verified(
    app: Flask, runner: FlaskCliRunner
) -> None:
    audit.record(db.session, None, "read", "report", "LR-1")
    db.session.commit()
    Path(app.config["AUDIT_ANCHOR_FILE"]).unlink()
    result = runner.invoke(args=["audit", "verify"])
    assert result.exit_code == 1
    assert "NOT VERIFIED" in result.stderr
    assert "no anchor at" in result.stderr


def test_a_malformed_anchor_on_the_command_line_is_refused(runner: FlaskCliRunner) -> None:
    result = runner.invoke(args=["audit", "verify", "--anchor", "12:not-a-mac"])
    assert result.exit_code == 2
    assert "is not an audit anchor" in result.output


@pytest.fixture
def committing_app(fresh_database: str, tmp_path: Path) -> Iterator[Flask]:
    """An app whose commits are real (no outer transaction), for several writers at once."""
    with migrated_app(
        fresh_database,
        SQLITE_BEGIN_IMMEDIATE=True,
        AUDIT_ANCHOR_FILE=str(tmp_path / "audit-anchor"),
    ) as app:
        yield app


def test_many_writers_at_once_leave_an_intact_chain_and_a_true_anchor(
    committing_app: Flask,
) -> None:
    writers, each = 6, 15
    start = threading.Barrier(writers)
    errors: list[BaseException] = []

    def write(n: int) -> None:
        try:
            with committing_app.app_context():
                start.wait()
                for i in range(each):
                    audit.record(db.session, None, "read", "report", f"LR-{n}-{i}")
                    db.session.commit()
                db.session.remove()
        except BaseException as exc:  # reported by the assertion below
            errors.append(exc)

    threads = [threading.Thread(target=write, args=(n,)) for n in range(writers)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []
    with committing_app.app_context():
        check = audit.check_trail(db.session)
        positions = db.session.scalars(sa.select(AuditEvent.position).order_by(AuditEvent.id)).all()
        db.session.remove()
    assert check.holds, check
    assert check.status.checked == writers * each
    assert positions == list(range(1, writers * each + 1))
    assert len(check.status.anchors) == 1
    assert check.status.anchors[0].count <= writers * each


def test_the_demo_sets_aside_the_anchor_of_a_deleted_demo_database(app: Flask) -> None:
    anchor_file = Path(app.config["AUDIT_ANCHOR_FILE"])
    anchor_file.write_text(f"900:900:{'a' * 64}\n")  # from a demo database since deleted
    set_aside_stale_anchor(app)
    assert not anchor_file.exists()
    assert anchor_file.with_name("audit-anchor.previous-demo").exists()

    audit.record(db.session, None, "read", "report", "LR-1")
    db.session.commit()
    set_aside_stale_anchor(app)  # a trail with entries keeps its anchor, whatever it says
    assert anchor_file.exists()


def test_a_rotated_key_keeps_old_entries_verifiable(app: Flask, runner: FlaskCliRunner) -> None:
    old_key, new_key = app.config["AUDIT_KEY"], "rotated-key-" + "r" * 40
    first = audit.record(db.session, None, "read", "report", "LR-1")
    db.session.commit()
    app.config.update(AUDIT_KEY=new_key, AUDIT_PREVIOUS_KEYS=f"unrelated-{'u' * 32},{old_key}")
    second = audit.record(db.session, None, "read", "report", "LR-2")
    db.session.commit()
    assert first.key_id != second.key_id
    assert second.prev_hash == first.entry_hash
    result = runner.invoke(args=["audit", "verify"])
    assert result.exit_code == 0, result.output
    assert "Audit trail intact: 2 entries verified." in result.stdout

    app.config["AUDIT_PREVIOUS_KEYS"] = ""
    result = runner.invoke(args=["audit", "verify"])
    assert result.exit_code == 1
    assert f"BROKEN at entry {first.id} " in result.stderr
    assert "LEARNHUB_AUDIT_PREVIOUS_KEYS" in result.stderr
