"""Journey 2: a reviewer triages a new report from the queue, de-identifies it, codes it with a
suggestion, asks the reporter a question and closes it with an outcome note; the reporter then
reads that outcome with their receipt. Keyboard only, at desktop and phone width, axe on each page.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest

from learnhub.core.extensions import db
from learnhub.core.permissions import Role
from learnhub.reports.models import ReportSource
from learnhub.reports.services import ReportSubmission, file_report
from tests.conftest import LiveServer
from tests.e2e.conftest import serious_accessibility_violations
from tests.e2e.keyboard import press_on, type_into
from tests.e2e.test_foundation_pages import sign_in_with_the_keyboard, staff_member
from tests.factories import PASSWORD

pytestmark = pytest.mark.e2e

PLANTED = "Kayleigh Morton"
OUTCOME = "Thank you. Every duty rota now names who takes the handover before a visit."


def a_new_report(
    live_server: LiveServer, received_on: dt.date = dt.date(2020, 1, 2)
) -> tuple[str, str]:
    """Filed long ago, so it heads the oldest-first queue whatever other journeys left there."""
    with live_server.app.app_context():
        filed = file_report(
            db.session,
            ReportSubmission(
                narrative=f"The handover was lost, so {PLANTED} was not visited that week. "
                "The recording system hid the earlier history.",
                what_would_help="A handover checklist on the duty rota.",
                event_type="near_miss",
                event_month=dt.date(2019, 12, 1),
            ),
            today=received_on,
            source=ReportSource.WEB,
            receipt_key=live_server.app.config["RECEIPT_KEY"],
        )
        db.session.commit()
        reference, receipt = filed.report.reference, filed.receipt
        db.session.remove()
    return reference, receipt


def submit(page: Any, selector: str) -> None:
    with page.expect_navigation():
        press_on(page, selector, "Enter")
    assert page.csp_errors == []


def checked_page(page: Any) -> str:
    assert serious_accessibility_violations(page) == []
    return page.content()


def test_a_reviewer_works_a_report_to_its_outcome_and_the_reporter_reads_it(
    page: Any, browser: Any, viewport: dict[str, int], live_server: LiveServer
) -> None:
    reference, receipt = a_new_report(live_server)
    sign_in_with_the_keyboard(page, live_server, staff_member(live_server, Role.REVIEWER))

    # Triage from the queue: oldest first, so this report comes first among the new ones.
    page.goto(f"{live_server.url}/review/")
    queue = checked_page(page)
    # Every new report is not yet de-identified, so the queue does not say it of each one.
    assert "Not yet de-identified" not in queue
    first_link = page.locator("tbody a.govuk-link").first
    assert first_link.inner_text() == reference
    submit(page, f"tbody a[href$='/{reference}']")
    assert "Not yet de-identified" in checked_page(page)
    submit(page, "#move-coding")
    assert "This report is now being coded" in page.content()

    # Redact: the planted name already reads [name] in the editor; confirm it.
    editor = page.locator("#narrative").input_value()
    assert PLANTED not in editor
    assert "[name] was not visited" in editor
    submit(page, "form[action$='/redaction'] button")
    content = checked_page(page)
    assert "De-identified version confirmed" in content
    assert page.locator("#narrative").input_value() == editor

    # Code it, accepting the system's first suggestion.
    suggested = page.locator(".govuk-checkboxes__item:has(.govuk-tag--yellow) input").first
    code_id = suggested.get_attribute("id")
    assert not suggested.is_checked()
    press_on(page, f"#{code_id}", "Space")
    submit(page, "form[action$='/coding'] button")
    assert "Coding saved" in checked_page(page)
    assert page.locator(f"#{code_id}").is_checked()

    # Ask the reporter a question, then close with an outcome note.
    type_into(page, "#body", "Which team held the handover that week?")
    submit(page, "form[action$='/questions'] button")
    assert "Your question is waiting for the reporter" in page.content()
    type_into(page, "#outcome_note", OUTCOME)
    submit(page, "#close-report")
    closed = checked_page(page)
    assert "Report closed" in closed
    assert OUTCOME in page.locator("#outcome").inner_text()

    # The reporter, in their own browser, reads the outcome with the receipt.
    context = browser.new_context(viewport=viewport)
    reporter = context.new_page()
    reporter.csp_errors = []
    try:
        reporter.goto(f"{live_server.url}/followup")
        assert serious_accessibility_violations(reporter) == []
        type_into(reporter, "#receipt", receipt)
        submit(reporter, "form button.govuk-button")
        assert "Closed: you can read what the panel did below." in reporter.content()
        assert OUTCOME in reporter.locator("#outcome ~ .app-outcome").inner_text()
        assert "Which team held the handover that week?" in reporter.content()
        assert serious_accessibility_violations(reporter) == []
    finally:
        context.close()


def test_the_queue_filters_and_pages_without_javascript(
    no_js_page: Any, live_server: LiveServer
) -> None:
    # A day later than the journey's reports, so that a report left here never heads their queue.
    reference, _ = a_new_report(live_server, dt.date(2020, 1, 3))
    page = no_js_page
    page.goto(f"{live_server.url}/login")
    page.fill("#email", staff_member(live_server, Role.REVIEWER))
    page.fill("#password", PASSWORD)
    page.click("button:has-text('Sign in')")
    page.goto(f"{live_server.url}/review/")
    page.click("summary:has-text('Filter and order')")  # folded away until a filter is used
    page.select_option("#flags", "yes")
    page.fill("#received_to", "3/1/2020")
    page.click("button:has-text('Apply filters')")
    assert "flags=yes" in page.url
    assert "received_to=3%2F1%2F2020" in page.url
    links = page.locator("tbody a.govuk-link").all_inner_texts()
    assert reference in links
    assert page.locator("#received_to").input_value() == "3/1/2020"  # kept as typed
    page.click("#state-closed")
    assert "status=closed" in page.url
    assert "flags=yes" in page.url  # the filters stay when changing state
