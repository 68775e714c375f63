"""The weekly action digest, sent through a real SMTP server, and its place in the schedule."""

from __future__ import annotations

import datetime as dt

import pytest
from flask import Flask

from learnhub.actions import services
from learnhub.actions.jobs import send_action_digest
from learnhub.actions.models import ActionStatus
from learnhub.actions.services import ActionDraft
from learnhub.core.extensions import db
from learnhub.scheduler import JOBS
from tests.smtp import SmtpSink
from tests.themes_data import member_reports


def action(report: object, description: str, email: str | None, due_on: dt.date) -> object:
    return services.create_action(
        db.session,
        ActionDraft(
            description=description, owner="Duty service", due_on=due_on, owner_email=email or ""
        ),
        report=report,  # type: ignore[arg-type]
    )


@pytest.fixture
def owners_actions(app: Flask, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr("learnhub.actions.jobs.service_today", lambda: dt.date(2026, 11, 30))
    [report] = member_reports(1)
    action(report, "Overdue handover checklist", "duty@example.org", dt.date(2026, 11, 1))
    action(report, "Open out-of-hours rota", "duty@example.org", dt.date(2027, 2, 1))
    action(report, "Another team's action", "ooh@example.org", dt.date(2027, 3, 1))
    action(report, "No email, no digest", None, dt.date(2026, 1, 1))
    done = action(report, "Finished already", "done@example.org", dt.date(2026, 1, 1))
    services.update_status(
        db.session,
        done,  # type: ignore[arg-type]
        ActionStatus.COMPLETED,
        "Done",
        dt.date(2026, 11, 1),
    )
    db.session.commit()


@pytest.mark.usefixtures("owners_actions")
def test_each_owner_gets_one_email_with_their_open_and_overdue_actions(
    app: Flask, smtp_sink: SmtpSink
) -> None:
    summary = send_action_digest()

    assert summary == "Action digest: 2 sent, 0 refused by the mail relay."
    assert sorted(smtp_sink.recipients()) == ["duty@example.org", "ooh@example.org"]
    assert smtp_sink.sessions == 1
    duty = next(r.message for r in smtp_sink.received if r.recipients == ["duty@example.org"])
    assert duty["Subject"] == "Your LearnHub actions: 1 overdue, 1 open"
    text = duty.get_body(("plain",)).get_content()
    html = duty.get_body(("html",)).get_content()
    assert text.index("Overdue (1)") < text.index("Overdue handover checklist")
    assert text.index("Open (1)") < text.index("Open out-of-hours rota")
    assert "Another team's action" not in text
    assert "Finished already" not in text
    assert f"{app.config['BASE_URL'].rstrip('/')}/actions/" in text
    assert "<h2>Overdue (1)</h2>" in html
    assert "Open out-of-hours rota" in html


@pytest.mark.usefixtures("owners_actions")
def test_a_refused_address_does_not_stop_the_others(smtp_sink: SmtpSink) -> None:
    smtp_sink.refuse.add("duty@example.org")

    summary = send_action_digest()

    assert summary == "Action digest: 1 sent, 1 refused by the mail relay."
    assert smtp_sink.recipients() == ["ooh@example.org"]


def test_no_open_actions_means_no_email(app: Flask, smtp_sink: SmtpSink) -> None:
    assert send_action_digest() == "Action digest: no owner has open actions."
    assert smtp_sink.received == []


def test_the_digest_is_scheduled_for_monday_mornings() -> None:
    job = next(job for job in JOBS if job.name == "action-digest")
    assert job.run is send_action_digest
    assert job.trigger == {"day_of_week": "mon", "hour": 8, "minute": 0}
