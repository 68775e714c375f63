"""The triage queue: states with counts, filters in a GET form, oldest first, every page."""

from __future__ import annotations

import csv
import datetime as dt
import io
import re

import pytest
import sqlalchemy as sa
from flask.testing import FlaskClient

from learnhub.core.extensions import db
from learnhub.core.permissions import Role
from learnhub.reports import services as reports_services
from learnhub.reports.models import Report, ReportStatus
from learnhub.review import services
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
    # Every new report is not yet de-identified: a tag on every row would say nothing.
    assert "Not yet de-identified" not in page
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


# ------------------------------------------------------------------ search, replies, export


def reply_to(report: Report, body: str = "It was the duty team.", seen: bool = False) -> None:
    found = db.session.get(Report, report.id)
    reports_services.ask_reporter(db.session, found, None, "Which team?", dt.date(2026, 10, 3))
    message = reports_services.add_reporter_reply(db.session, found, body, dt.date(2026, 10, 4))
    message.seen_by_panel = seen
    db.session.commit()


def test_search_finds_a_report_by_its_reference_whole_or_in_part(client: FlaskClient) -> None:
    wanted, _ = make_report()
    make_report()
    login(client, make_user())
    whole = client.get(f"/review/?q={wanted.reference}").get_data(as_text=True)
    assert references(whole) == [wanted.reference]
    start = wanted.reference.removeprefix("LR-")[:5].lower()  # typed without the prefix, lower
    assert references(client.get(f"/review/?q={start}").get_data(as_text=True)) == [
        wanted.reference
    ]


def test_search_by_words_needs_every_word_in_any_answer_and_counts_every_state(
    client: FlaskClient,
) -> None:
    both, _ = make_report("The strategy meeting went ahead without police at the table.")
    make_report("The strategy discussion was recorded late.")
    coding, _ = make_report("Police were not invited to the STRATEGY meeting again.")
    db.session.get(Report, coding.id).status = ReportStatus.CODING
    db.session.commit()
    login(client, make_user())
    page = client.get("/review/?q=strategy+police").get_data(as_text=True)
    assert references(page) == [both.reference]
    assert "New (1)" in page
    assert "Coding (1)" in page
    assert 'value="strategy police"' in page
    # The search stays in the state links and the page links.
    assert "q=strategy+police" in page.split('id="state-coding"')[1].split(">")[0]


def test_search_words_are_text_not_patterns(client: FlaskClient) -> None:
    make_report("Caseload was at 100 percent of what it should be.")
    login(client, make_user())
    for pattern in ("%", "_", "100%", "\\"):
        page = client.get("/review/", query_string={"q": pattern}).get_data(as_text=True)
        assert client.get("/review/", query_string={"q": pattern}).status_code == 200
        assert references(page) == [], pattern


def test_each_row_has_an_excerpt_around_the_words_searched_for(client: FlaskClient) -> None:
    long = "A " + "very " * 60 + "long account where the handover note went missing at the end."
    report, _ = make_report(long)
    login(client, make_user())
    plain = client.get("/review/").get_data(as_text=True)
    assert "A very very" in plain  # the start of what happened
    searched = client.get("/review/?q=handover").get_data(as_text=True)
    assert references(searched) == [report.reference]
    excerpt = searched.split('class="govuk-body-s app-queue__excerpt">')[1].split("</span>")[0]
    assert excerpt.startswith("…")
    assert "handover note went missing" in excerpt
    assert len(excerpt) <= services.EXCERPT_LENGTH + 2


def test_the_queue_filters_and_sorts_by_a_reporter_reply(client: FlaskClient) -> None:
    quiet, _ = make_report(received_on=dt.date(2026, 10, 1))
    read, _ = make_report(received_on=dt.date(2026, 10, 2))
    new, _ = make_report(received_on=dt.date(2026, 10, 5))
    reply_to(read, seen=True)
    reply_to(new)
    login(client, make_user())
    coding = "/review/?status=coding"
    assert references(client.get(coding).get_data(as_text=True)) == [read.reference, new.reference]
    replied_first = client.get(coding + "&sort=replied").get_data(as_text=True)
    assert references(replied_first) == [new.reference, read.reference]
    assert "new replies first" in replied_first
    only_new = client.get(coding + "&replies=new").get_data(as_text=True)
    assert references(only_new) == [new.reference]
    assert "Coding (1)" in only_new
    any_reply = client.get(coding + "&replies=any").get_data(as_text=True)
    assert set(references(any_reply)) == {read.reference, new.reference}
    assert quiet.reference not in any_reply
    # In coding, not yet de-identified is the work still to do, so it is said.
    assert "Not yet de-identified" in any_reply


def test_the_queue_downloads_as_csv_with_its_filters_and_defused_cells(
    client: FlaskClient,
) -> None:
    flagged, _ = make_report("Call 07700 900321 about the visit.", service_area="front-door")
    other, _ = make_report("The visit was late.", service_area="early-help")
    reply_to(flagged)
    deidentified = db.session.get(Report, flagged.id)
    deidentified.deidentified_on = dt.date(2026, 10, 6)
    deidentified.redacted = {"narrative": '=HYPERLINK("http://x") call [phone]'}
    db.session.commit()
    login(client, make_user())
    page = client.get("/review/?status=coding&service_area=front-door").get_data(as_text=True)
    assert 'href="/review/export.csv?status=coding&amp;service_area=front-door"' in page
    response = client.get("/review/export.csv?status=coding&service_area=front-door")
    assert response.status_code == 200
    assert response.mimetype == "text/csv"
    assert "attachment" in response.headers["Content-Disposition"]
    assert "no-store" in response.headers["Cache-Control"]
    rows = list(csv.reader(io.StringIO(response.get_data(as_text=True))))
    assert rows[0][0] == "Reference"
    assert [row[0] for row in rows[1:]] == [flagged.reference]
    row = dict(zip(rows[0], rows[1], strict=True))
    assert row["State"] == "Coding"
    assert row["Service area"] == "Front door and MASH"
    assert row["May identify someone"] == "Yes"
    assert row["Reporter replied"] == "New reply"
    assert row["De-identified on"] == "2026-10-06"
    # A cell a spreadsheet would run as a formula starts with an apostrophe.
    assert row["De-identified: what happened"].startswith("'=HYPERLINK")
    # The reporter's own words never go in the file.
    assert "07700" not in response.get_data(as_text=True)
    assert other.reference not in response.get_data(as_text=True)


@pytest.mark.parametrize("role", [Role.EDITOR, Role.LEADER, Role.ADMIN])
def test_only_the_review_panel_may_download_the_queue(client: FlaskClient, role: Role) -> None:
    make_report()
    login(client, make_user(role))
    assert client.get("/review/export.csv").status_code == 403


def test_downloading_the_queue_is_in_the_audit_trail(client: FlaskClient) -> None:
    from learnhub.audit.models import AuditEvent

    shown, _ = make_report()
    login(client, make_user())
    client.get("/review/export.csv")
    event = db.session.scalars(
        sa.select(AuditEvent).where(AuditEvent.action == "export").order_by(AuditEvent.id.desc())
    ).first()
    assert event is not None
    assert event.details["references"] == [shown.reference]
    assert event.details["rows"] == 1


def test_a_whole_reference_is_found_however_it_is_typed(client: FlaskClient) -> None:
    wanted, _ = make_report()
    make_report(f"The form quoted {wanted.reference} by mistake.")
    plain = wanted.reference.replace("-", "")
    for typed in (wanted.reference, wanted.reference.lower(), plain, plain.removeprefix("LR")):
        view = services.triage_queue(db.session, services.QueueFilters(search=typed))
        # A whole reference is that report alone, found by its index, not by reading answers.
        assert [r.reference for r in view.reports] == [wanted.reference], typed
