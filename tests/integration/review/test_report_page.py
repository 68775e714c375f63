"""The reviewer's report page: flags highlighted, the thread, asking the reporter a question."""

from __future__ import annotations

import datetime as dt

import sqlalchemy as sa
from flask.testing import FlaskClient

from learnhub.audit.models import AuditEvent
from learnhub.core.extensions import db
from learnhub.reports.models import (
    MessageDirection,
    Report,
    ReporterMessage,
    ReportSource,
    ReportStatus,
)
from learnhub.reports.services import ReportSubmission, file_report
from tests.factories import csrf_token, login, make_report, make_user


def test_the_queue_links_to_each_report_by_its_random_reference(client: FlaskClient) -> None:
    report, _ = make_report()
    login(client, make_user())
    body = client.get("/review/").get_data(as_text=True)
    assert f'href="/review/reports/{report.reference}"' in body


def test_identifying_details_are_highlighted_for_the_reviewer(client: FlaskClient) -> None:
    filed = file_report(
        db.session,
        ReportSubmission(
            narrative="Jayden Price was not seen; call 07700 900111.",
            event_type="near_miss",
            event_month=dt.date(2026, 9, 1),
        ),
        today=dt.date(2026, 10, 1),
        source=ReportSource.WEB,
        receipt_key="k",
    )
    db.session.commit()
    reviewer = make_user()
    login(client, reviewer)
    page = client.get(f"/review/reports/{filed.report.reference}").get_data(as_text=True)
    assert '<mark class="app-identifier"' in page
    assert ">07700 900111<" in page
    event = db.session.scalars(sa.select(AuditEvent).where(AuditEvent.action == "read")).one()
    assert (event.actor_id, event.object_id) == (reviewer.id, filed.report.reference)


def test_a_reviewer_asks_the_reporter_a_question(client: FlaskClient) -> None:
    report, _ = make_report()
    reviewer = make_user()
    login(client, reviewer)
    page = client.get(f"/review/reports/{report.reference}")
    response = client.post(
        f"/review/reports/{report.reference}/questions",
        data={"body": "Which system held the chronology?", "csrf_token": csrf_token(page)},
    )
    assert response.status_code == 302
    message = db.session.scalars(sa.select(ReporterMessage)).one()
    assert message.direction is MessageDirection.TO_REPORTER
    assert message.author_id == reviewer.id
    assert db.session.get(Report, report.id).status is ReportStatus.AWAITING_REPORTER
    assert "Which system held the chronology?" in client.get(
        f"/review/reports/{report.reference}"
    ).get_data(as_text=True)


def test_an_empty_question_gets_a_message(client: FlaskClient) -> None:
    report, _ = make_report()
    login(client, make_user())
    page = client.get(f"/review/reports/{report.reference}")
    response = client.post(
        f"/review/reports/{report.reference}/questions",
        data={"body": "", "csrf_token": csrf_token(page)},
    )
    assert "Enter your question" in response.get_data(as_text=True)


def test_an_unknown_reference_is_404(client: FlaskClient) -> None:
    login(client, make_user())
    assert client.get("/review/reports/LR-00000-00000").status_code == 404


def test_a_question_that_names_someone_asks_for_confirmation(client: FlaskClient) -> None:
    report, _ = make_report()
    login(client, make_user())
    page = client.get(f"/review/reports/{report.reference}")
    question = "Was it Jane Smith who visited?"
    first = client.post(
        f"/review/reports/{report.reference}/questions",
        data={"body": question, "csrf_token": csrf_token(page)},
    )
    assert "Your question may identify someone" in first.get_data(as_text=True)
    assert db.session.scalars(sa.select(ReporterMessage)).all() == []
    client.post(
        f"/review/reports/{report.reference}/questions",
        data={"body": question, "confirm_identifiers": "yes", "csrf_token": csrf_token(page)},
    )
    assert db.session.scalars(sa.select(ReporterMessage)).one().body == question
