"""The triage queue: states with counts, filters in a GET form, oldest first, every page."""

from __future__ import annotations

import datetime as dt
import re

import sqlalchemy as sa
from flask.testing import FlaskClient

from learnhub.core.extensions import db
from learnhub.core.permissions import Role
from learnhub.reports.models import Report, ReportStatus
from learnhub.review.services import QUEUE_PAGE_SIZE
from tests.factories import login, make_report, make_user


def references(page: str) -> list[str]:
    return re.findall(r'href="/review/reports/([^"]+)"', page)


def test_the_queue_counts_each_state_and_shows_the_new_reports(client: FlaskClient) -> None:
    first, _ = make_report()
    moved, _ = make_report()
    db.session.get(Report, moved.id).status = ReportStatus.CODING
    db.session.commit()
    login(client, make_user())
    page = client.get("/review/").get_data(as_text=True)
    assert "New (1)" in page
    assert "Coding (1)" in page
    assert "Closed (0)" in page
    assert references(page) == [first.reference]
    assert "Not yet de-identified" in page
    assert '<form method="get" action="/review/"' in page  # filters work without script


def test_every_report_can_be_reached_a_page_at_a_time(client: FlaskClient) -> None:
    made = [
        make_report(received_on=dt.date(2026, 10, 1) + dt.timedelta(days=i % 28))[0]
        for i in range(QUEUE_PAGE_SIZE + 3)
    ]
    login(client, make_user())
    first = client.get("/review/").get_data(as_text=True)
    assert len(references(first)) == QUEUE_PAGE_SIZE
    assert "govuk-pagination" in first
    assert 'href="/review/?status=new&amp;page=2"' in first
    second = client.get("/review/?status=new&page=2").get_data(as_text=True)
    assert len(references(second)) == 3
    assert "Showing 51 to 53 of 53 reports" in second
    assert set(references(first) + references(second)) == {r.reference for r in made}
    oldest_first = [r.reference for r in sorted(made, key=lambda r: (r.received_on, r.id))]
    assert references(first) + references(second) == oldest_first
    newest = client.get("/review/?sort=newest").get_data(as_text=True)
    assert references(newest)[0] == oldest_first[-1]


def test_filters_narrow_the_list_and_stay_in_the_state_links(client: FlaskClient) -> None:
    front, _ = make_report(service_area="front-door", received_on=dt.date(2026, 10, 10))
    make_report(service_area="early-help", received_on=dt.date(2026, 10, 10))
    make_report(service_area="front-door", received_on=dt.date(2026, 9, 10))
    login(client, make_user())
    page = client.get(
        "/review/?status=new&service_area=front-door&received_from=1/10/2026&flags=no"
    ).get_data(as_text=True)
    assert references(page) == [front.reference]
    assert "New (1)" in page
    assert "service_area=front-door" in page.split('id="state-coding"')[1].split(">")[0]
    assert '<option value="front-door" selected>' in page


def test_bad_filters_get_a_message_keep_what_was_typed_and_are_ignored(
    client: FlaskClient,
) -> None:
    report, _ = make_report()
    login(client, make_user())
    response = client.get("/review/?received_from=31/13/2026&event_type=alien&status=zz")
    page = response.get_data(as_text=True)
    assert response.status_code == 200
    assert "There is a problem" in page
    assert 'value="31/13/2026"' in page
    assert "Not a valid choice" in page
    assert "Received from must be a real date, like 2026-10-01" in page
    assert references(page) == [report.reference]


def test_the_queue_is_for_the_review_panel_only(client: FlaskClient) -> None:
    login(client, make_user(Role.EDITOR))
    assert client.get("/review/").status_code == 403


def test_reading_a_page_of_the_queue_is_in_the_audit_trail(client: FlaskClient) -> None:
    from learnhub.audit.models import AuditEvent

    shown, _ = make_report()
    reviewer = make_user()
    login(client, reviewer)
    client.get("/review/")
    event = db.session.scalars(
        sa.select(AuditEvent).where(AuditEvent.action == "list").order_by(AuditEvent.id.desc())
    ).first()
    assert event is not None
    assert event.actor_label == reviewer.email
    assert event.object_type == "report"
    assert event.details["references"] == [shown.reference]
