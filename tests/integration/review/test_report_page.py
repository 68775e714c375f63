"""The reviewer's report page: flags highlighted, the thread, asking the reporter a question, and
the reporter's new replies (new until a reviewer marks them read or answers them)."""

from __future__ import annotations

import datetime as dt
import re

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
from learnhub.reports.services import (
    ReportSubmission,
    add_reporter_reply,
    ask_reporter,
    file_report,
)
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


def replied(question: str = "Which system?", answer: str = "The case recording system.") -> Report:
    """A report whose reporter answered the panel's question through the anonymous channel."""
    report, _ = make_report()
    today = dt.date(2026, 10, 3)
    ask_reporter(db.session, report, make_user().id, question, today)
    add_reporter_reply(db.session, report, answer, today)
    db.session.commit()
    return report


def new_replies() -> int:
    return len(
        db.session.scalars(
            sa.select(ReporterMessage).where(
                ReporterMessage.direction == MessageDirection.FROM_REPORTER,
                ReporterMessage.seen_by_panel.is_(False),
            )
        ).all()
    )


def test_opening_a_report_leaves_a_new_reply_new_until_marked_read(client: FlaskClient) -> None:
    report = replied()
    login(client, make_user())
    assert "New reply" in client.get("/review/?status=coding").get_data(as_text=True)
    page = client.get(f"/review/reports/{report.reference}")
    assert "New reply" in page.get_data(as_text=True)
    assert "Mark as read" in page.get_data(as_text=True)
    assert new_replies() == 1  # a look is not a read: another reviewer still sees it as new
    response = client.post(
        f"/review/reports/{report.reference}/replies/read",
        data={"csrf_token": csrf_token(page)},
    )
    assert response.status_code == 302
    assert new_replies() == 0
    again = client.get(f"/review/reports/{report.reference}").get_data(as_text=True)
    assert "New reply" not in again
    assert "Mark as read" not in again
    assert "New reply" not in client.get("/review/?status=coding").get_data(as_text=True)
    event = db.session.scalars(
        sa.select(AuditEvent).where(AuditEvent.object_type == "report_replies_read")
    ).one()
    assert event.details == {"replies": 1}


def test_answering_a_reply_marks_it_read(client: FlaskClient) -> None:
    report = replied()
    login(client, make_user())
    page = client.get(f"/review/reports/{report.reference}")
    client.post(
        f"/review/reports/{report.reference}/questions",
        data={"body": "Thank you. Who could see it?", "csrf_token": csrf_token(page)},
    )
    assert new_replies() == 0


def test_marking_read_needs_the_form_token(client: FlaskClient) -> None:
    report = replied()
    login(client, make_user())
    assert client.post(f"/review/reports/{report.reference}/replies/read").status_code == 400
    assert new_replies() == 1


# ----------------------------------------------------- the page's sections and confirmations


def section(page: str, anchor: str) -> str:
    """The HTML of the <section id=anchor> of the report page."""
    start = page.index(f'<section class="app-report-section" id="{anchor}"')
    return page[start : page.index("</section>", start)]


def test_the_report_page_lists_its_sections_and_every_link_lands_on_one(
    client: FlaskClient,
) -> None:
    report, _ = make_report()
    login(client, make_user())
    page = client.get(f"/review/reports/{report.reference}").get_data(as_text=True)
    contents = page.split('aria-labelledby="contents-title"')[1].split("</nav>")[0]
    anchors = re.findall(r'href="#([\w-]+)"', contents)
    assert anchors == ["status", "answers", "thread", "coding", "redaction", "close", "themes"]
    for anchor in anchors:
        assert f'id="{anchor}"' in page, anchor
    # The state section sends the reviewer to the question box, wherever it is on the page.
    assert 'href="#ask"' in section(page, "status")
    assert 'id="ask"' in section(page, "thread")
    assert "above" not in section(page, "status")


def test_the_state_is_said_in_plain_words(client: FlaskClient) -> None:
    report, _ = make_report()
    db.session.get(Report, report.id).status = ReportStatus.CODING
    db.session.commit()
    login(client, make_user())
    page = client.get(f"/review/reports/{report.reference}").get_data(as_text=True)
    assert "This report is <strong>being coded</strong>" in page
    assert "This report is <strong>coding</strong>" not in page
    db.session.get(Report, report.id).status = ReportStatus.AWAITING_REPORTER
    db.session.commit()
    page = client.get(f"/review/reports/{report.reference}").get_data(as_text=True)
    assert "This report is <strong>waiting for the reporter</strong>" in page


def test_after_saving_the_confirmation_is_in_the_section_the_page_opens_at(
    client: FlaskClient,
) -> None:
    report, _ = make_report()
    login(client, make_user())
    page = client.get(f"/review/reports/{report.reference}")
    moved = client.post(
        f"/review/reports/{report.reference}/status",
        data={"csrf_token": csrf_token(page), "to": "coding"},
    )
    assert moved.headers["Location"].endswith(f"/review/reports/{report.reference}#status")
    landed = client.get(moved.headers["Location"]).get_data(as_text=True)
    assert "This report is now being coded" in section(landed, "status")
    # Shown once, in its section, not at the top of the page as well.
    assert landed.count("This report is now being coded") == 1

    asked = client.post(
        f"/review/reports/{report.reference}/questions",
        data={"csrf_token": csrf_token(page), "body": "Which team was on duty?"},
    )
    assert asked.headers["Location"].endswith("#thread")
    landed = client.get(asked.headers["Location"]).get_data(as_text=True)
    assert "Your question is waiting for the reporter" in section(landed, "thread")
    # Read once: a reload does not say it again.
    again = client.get(asked.headers["Location"]).get_data(as_text=True)
    assert "Your question is waiting for the reporter" not in again
