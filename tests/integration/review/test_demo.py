"""The demo leaves reports in every state: some de-identified, some closed with an outcome."""

from __future__ import annotations

import sqlalchemy as sa
from flask.testing import FlaskCliRunner

from learnhub.audit.models import AuditEvent
from learnhub.core.extensions import db
from learnhub.disclosure.text import shareable_answers
from learnhub.reports.identifiers import find_identifiers
from learnhub.reports.models import Report, ReportStatus
from learnhub.review.redaction import first_draft
from learnhub.review.services import unread_reply


def snapshot() -> list[tuple[object, ...]]:
    return [
        (r.id, r.status, r.deidentified_on, r.closed_on, r.outcome_note, len(r.messages))
        for r in db.session.scalars(sa.select(Report).order_by(Report.id))
    ]


def test_the_demo_works_reports_through_every_state_once(runner: FlaskCliRunner) -> None:
    first = runner.invoke(args=["demo", "--seed-only", "--reports", "120"])
    assert first.exit_code == 0, first.output
    assert "Reports worked:" in first.output
    reports = db.session.scalars(sa.select(Report)).all()
    assert {r.status for r in reports} == set(ReportStatus)
    deidentified = [r for r in reports if r.deidentified_on is not None]
    assert len(deidentified) >= 5
    for report in deidentified:
        shared = shareable_answers(report)
        assert shared == first_draft(report)
        assert all(find_identifiers(text) == [] for text in shared.values())
    closed = [r for r in reports if r.status is ReportStatus.CLOSED]
    assert closed
    assert all(r.outcome_note and r.closed_on and r.first_feedback_on for r in closed)
    assert all(r.deidentified_on for r in closed)
    ready = [r for r in reports if r.status is ReportStatus.READY_FOR_LEARNING]
    assert all(r.deidentified_on for r in ready)
    waiting = [r for r in reports if r.status is ReportStatus.AWAITING_REPORTER]
    assert all(r.messages for r in waiting)
    # Some reporters have answered: the panel sees "New reply" on a fresh demo.
    replied = [r for r in reports if any(unread_reply(m) for m in r.messages)]
    assert replied
    assert all(r.status is ReportStatus.CODING for r in replied)
    assert "answered by the reporter" in first.output

    before = snapshot()
    audit_rows = db.session.scalar(sa.select(sa.func.count()).select_from(AuditEvent))
    db.session.expire_all()
    again = runner.invoke(args=["demo", "--seed-only", "--reports", "120"])
    assert again.exit_code == 0, again.output
    assert "0 de-identified, 0 ready for learning, 0 closed" in again.output
    db.session.expire_all()
    assert snapshot() == before
    assert db.session.scalar(sa.select(sa.func.count()).select_from(AuditEvent)) == audit_rows
