"""Follow-up with a receipt: status, the panel's questions, replies, the outcome."""

from __future__ import annotations

import datetime as dt

import pytest
import sqlalchemy as sa
from flask import Flask
from flask.testing import FlaskClient
from werkzeug.test import TestResponse

from learnhub.core.extensions import db
from learnhub.reports import services
from learnhub.reports.models import MessageDirection, Report, ReporterMessage, ReportStatus
from tests.factories import csrf_token, make_report, make_user

NOT_FOUND = "We could not find a report with that receipt code"


def enter_receipt(client: FlaskClient, receipt: str) -> TestResponse:
    page = client.get("/followup")
    return client.post("/followup", data={"receipt": receipt, "csrf_token": csrf_token(page)})


def reply(client: FlaskClient, body: str, **extra: str) -> TestResponse:
    page = client.get("/followup/thread")
    return client.post(
        "/followup/thread", data={"body": body, "csrf_token": csrf_token(page), **extra}
    )


def test_a_receipt_opens_the_report_with_its_status(client: FlaskClient) -> None:
    _, receipt = make_report()
    response = enter_receipt(client, receipt.lower().replace("-", " "))
    assert response.headers["Location"] == "/followup/thread"
    page = client.get("/followup/thread").get_data(as_text=True)
    assert "Received: the review panel will read it soon." in page
    assert "not for raising an immediate risk to a child" in page


@pytest.mark.parametrize(
    "typed", ["", "ABCD", "0000-0000-0000-0000-0000", "ZZZZ-ZZZZ-ZZZZ-ZZZZ-ZZZZ"]
)
def test_a_wrong_code_gets_one_neutral_message(client: FlaskClient, typed: str) -> None:
    make_report()
    body = enter_receipt(client, typed).get_data(as_text=True)
    expected = "Enter your receipt code" if typed == "" else NOT_FOUND
    assert expected in body
    assert client.get("/followup/thread").headers["Location"] == "/followup"


def test_wrong_codes_are_rate_limited(app: Flask, client: FlaskClient) -> None:
    _, receipt = make_report()
    app.config["RECEIPT_LOOKUP_LIMIT"] = "3/15minute"
    try:
        for _ in range(3):
            enter_receipt(client, "0000-0000-0000-0000-0000")
        blocked = enter_receipt(client, receipt)
    finally:
        app.config["RECEIPT_LOOKUP_LIMIT"] = "10/15minute"
    assert blocked.status_code == 429
    # The real wait, not "a few minutes": the first wrong code leaves the window in 15 minutes.
    assert 14 * 60 < int(blocked.headers["Retry-After"]) <= 15 * 60
    assert "Wait 15 minutes, then go back" in blocked.get_data(as_text=True)


def test_the_reporter_reads_a_question_and_answers_it(client: FlaskClient) -> None:
    report, receipt = make_report()
    reviewer = make_user()
    services.ask_reporter(
        db.session, report, reviewer.id, "Was the chronology on file?", dt.date(2026, 10, 5)
    )
    db.session.commit()
    enter_receipt(client, receipt)
    page = client.get("/followup/thread").get_data(as_text=True)
    assert "The review panel has a question for you." in page
    assert "Was the chronology on file?" in page
    response = reply(client, "It was on the old system only.")
    assert response.status_code == 302
    stored = db.session.scalars(
        sa.select(ReporterMessage).where(
            ReporterMessage.direction == MessageDirection.FROM_REPORTER
        )
    ).one()
    assert stored.body == "It was on the old system only."
    assert stored.author_id is None
    assert db.session.get(Report, report.id).status is ReportStatus.CODING
    assert "It was on the old system only." in client.get("/followup/thread").get_data(as_text=True)


def test_a_reply_with_identifying_details_asks_for_confirmation_first(client: FlaskClient) -> None:
    _, receipt = make_report()
    enter_receipt(client, receipt)
    first = reply(client, "Her phone is 07700 900456.")
    body = first.get_data(as_text=True)
    assert first.status_code == 200
    assert "Check for details that could identify someone" in body
    assert "Her phone is 07700 900456." in body  # the text is kept
    assert db.session.scalar(sa.select(sa.func.count()).select_from(ReporterMessage)) == 0
    confirmed = reply(client, "Her phone is 07700 900456.", confirm_identifiers="yes")
    assert confirmed.status_code == 302
    message = db.session.scalars(sa.select(ReporterMessage)).one()
    assert [flag["kind"] for flag in message.identifier_flags] == ["phone"]


def test_an_empty_reply_gets_a_message(client: FlaskClient) -> None:
    _, receipt = make_report()
    enter_receipt(client, receipt)
    assert "Enter your reply" in reply(client, "").get_data(as_text=True)


def test_the_outcome_is_shown_and_replies_stop_when_closed(client: FlaskClient) -> None:
    report, receipt = make_report()
    stored = db.session.get(Report, report.id)
    stored.status = ReportStatus.CLOSED
    stored.outcome_note = "Handover checklists now include the chronology."
    db.session.commit()
    enter_receipt(client, receipt)
    page = client.get("/followup/thread").get_data(as_text=True)
    assert "You said, we did" in page
    assert "Handover checklists now include the chronology." in page
    assert "Send reply" not in page


def test_leaving_closes_the_thread_on_this_device(client: FlaskClient) -> None:
    _, receipt = make_report()
    enter_receipt(client, receipt)
    page = client.get("/followup/thread")
    # Worded as hiding the report here, never as withdrawing it.
    assert "Hide my report on this device" in page.get_data(as_text=True)
    assert "not withdrawn" in page.get_data(as_text=True)
    left = client.post(
        "/followup/leave", data={"csrf_token": csrf_token(page)}, follow_redirects=True
    )
    assert "The review panel still has it" in left.get_data(as_text=True)
    assert "closed" not in left.get_data(as_text=True).lower().split("<main")[1]
    assert client.get("/followup/thread").headers["Location"] == "/followup"


def test_the_thread_closes_by_itself_after_a_while(app: Flask, client: FlaskClient) -> None:
    _, receipt = make_report()
    enter_receipt(client, receipt)
    with client.session_transaction() as session:
        session["followup"]["until"] = "2020-01-01T00:00:00+00:00"
        session.modified = True
    assert client.get("/followup/thread").headers["Location"] == "/followup"
