"""The scheduled send starts an issue when it is due (09:00 on the first working day that had
not passed at publication) and carries on a stopped send after its retry wait."""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

from flask import Flask

from learnhub.bulletins.jobs import assemble_bulletin, send_scheduled_bulletin
from learnhub.core.extensions import db
from learnhub.scheduler import JOBS
from tests.integration.bulletins.helpers import published_issue, subscribers
from tests.smtp import SmtpSink

LONDON = ZoneInfo("Europe/London")


def at(*parts: int) -> dt.datetime:
    return dt.datetime(*parts, tzinfo=LONDON)


def published_on(moment: dt.datetime) -> None:
    """An issue published at ``moment``: its send time as publish() gives it then."""
    from learnhub.bulletins.services import send_moment

    bulletin = published_issue()
    assert bulletin.send_after is not None  # publication sets it
    bulletin.send_after = send_moment(moment, "Europe/London").astimezone(dt.UTC)
    db.session.commit()


def test_an_issue_published_on_7_december_goes_on_januarys_first_working_day(
    app: Flask, smtp_sink: SmtpSink
) -> None:
    published_on(at(2026, 12, 7, 14, 0))
    subscribers(3)
    assert "not yet" in send_scheduled_bulletin(at(2027, 1, 1, 9, 0))  # a bank holiday
    assert "not yet" in send_scheduled_bulletin(at(2027, 1, 4, 8, 45))
    assert smtp_sink.received == []
    assert "3 sent" in send_scheduled_bulletin(at(2027, 1, 4, 9, 0))
    assert "nothing left to send" in send_scheduled_bulletin(at(2027, 1, 4, 9, 15))
    assert len(smtp_sink.received) == 3


def test_a_missed_send_day_is_caught_up(app: Flask, smtp_sink: SmtpSink) -> None:
    published_on(at(2026, 12, 7, 14, 0))
    subscribers(2)
    # The scheduler was not running on the 4th: the issue goes at the next look, not never.
    assert "2 sent" in send_scheduled_bulletin(at(2027, 1, 5, 10, 0))


def test_the_jobs_are_scheduled_every_quarter_hour_and_at_six(app: Flask) -> None:
    jobs = {job.name: job for job in JOBS}
    assert jobs["send-bulletin"].trigger == {"minute": "*/15"}
    assert jobs["assemble-bulletin"].trigger == {"hour": 6, "minute": 0}
    assert app.config["TIMEZONE"] == "Europe/London"


def test_the_assembly_job_keeps_this_months_draft_current(app: Flask) -> None:
    message = assemble_bulletin()
    assert "assembled" in message
    assert "assembled" in assemble_bulletin()
    db.session.rollback()


def test_an_interrupted_send_is_carried_on_at_the_next_look(
    app: Flask, smtp_sink: SmtpSink
) -> None:
    from learnhub.bulletins import sending

    bulletin = published_issue()
    subscribers(2)
    sending.create_deliveries(db.session, bulletin)  # a send began, then stopped
    db.session.commit()
    assert "2 sent" in send_scheduled_bulletin(at(2026, 12, 8, 9, 0))
    assert "nothing left to send" in send_scheduled_bulletin(at(2026, 12, 9, 9, 0))
