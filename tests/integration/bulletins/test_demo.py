"""The demo leaves a published issue, approved by a second editor, and confirmed subscribers."""

from __future__ import annotations

import datetime as dt

import sqlalchemy as sa
from flask import Flask

from learnhub.auth.models import User
from learnhub.bulletins.models import Bulletin, BulletinStatus, Subscriber, SubscriberStatus
from learnhub.core.extensions import db
from learnhub.demo.bulletins import seed_demo_bulletins
from tests.smtp import SmtpSink


def test_the_demo_publishes_one_issue_and_sends_nothing(app: Flask, smtp_sink: SmtpSink) -> None:
    today = dt.date(2026, 11, 20)
    accounts = seed_demo_bulletins(today, "demo.example.org", "a-demo-password")
    seed_demo_bulletins(today, "demo.example.org", "a-demo-password")  # again: nothing new
    (bulletin,) = db.session.scalars(sa.select(Bulletin)).all()
    assert bulletin.status == BulletinStatus.PUBLISHED
    assert bulletin.number == 1
    assert bulletin.period == dt.date(2026, 10, 1)
    approver = db.session.get(User, bulletin.approved_by_id)
    assert approver.email == accounts[0][0] == "editor2@demo.example.org"
    assert bulletin.submitted_by_id != bulletin.approved_by_id
    confirmed = db.session.scalars(
        sa.select(Subscriber).where(Subscriber.status == SubscriberStatus.CONFIRMED)
    ).all()
    assert len(confirmed) == 5
    assert all(s.email.endswith("@demo.example.org") for s in confirmed)
    assert smtp_sink.received == []
