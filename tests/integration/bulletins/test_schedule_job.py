"""The scheduled send acts on the month's first working day only, through the same path."""

from __future__ import annotations

import datetime as dt

from flask import Flask

from learnhub.bulletins.jobs import assemble_bulletin, send_scheduled_bulletin
from learnhub.core.extensions import db
from learnhub.scheduler import JOBS
from tests.integration.bulletins.helpers import published_issue, subscribers
from tests.smtp import SmtpSink


def test_the_job_sends_only_on_the_first_working_day(app: Flask, smtp_sink: SmtpSink) -> None:
    published_issue()
    subscribers(3)
    assert "not the month's first working day" in send_scheduled_bulletin(dt.date(2027, 1, 1))
    assert "not the month's first working day" in send_scheduled_bulletin(dt.date(2027, 1, 5))
    assert smtp_sink.received == []
    assert "3 sent" in send_scheduled_bulletin(dt.date(2027, 1, 4))
    assert "0 sent" in send_scheduled_bulletin(dt.date(2027, 1, 4))  # idempotent
    assert len(smtp_sink.received) == 3


def test_the_jobs_are_scheduled_daily_at_nine_and_six(app: Flask) -> None:
    jobs = {job.name: job for job in JOBS}
    assert jobs["send-bulletin"].trigger == {"hour": 9, "minute": 0}
    assert jobs["assemble-bulletin"].trigger == {"hour": 6, "minute": 0}
    assert app.config["TIMEZONE"] == "Europe/London"


def test_the_assembly_job_keeps_this_months_draft_current(app: Flask) -> None:
    message = assemble_bulletin()
    assert "assembled" in message
    assert "assembled" in assemble_bulletin()
    db.session.rollback()


def test_an_interrupted_send_is_carried_on_the_next_day(app: Flask, smtp_sink: SmtpSink) -> None:
    from learnhub.bulletins import emails

    bulletin = published_issue()
    subscribers(2)
    emails.create_deliveries(db.session, bulletin)  # a send began, then stopped
    assert "2 sent" in send_scheduled_bulletin(dt.date(2027, 1, 5))
    assert "not the month's first working day" in send_scheduled_bulletin(dt.date(2027, 1, 6))
