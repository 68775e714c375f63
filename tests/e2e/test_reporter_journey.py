"""A reporter files a report with the keyboard only, reads the receipt, and follows it up."""

from __future__ import annotations

import datetime as dt
import re
from typing import Any

import pytest
import sqlalchemy as sa

from learnhub.core.extensions import db
from learnhub.reports import services
from learnhub.reports.models import Report
from tests.conftest import LiveServer
from tests.e2e.conftest import serious_accessibility_violations
from tests.e2e.keyboard import choose_radio, press_on, tab_to, type_into
from tests.factories import make_user

pytestmark = pytest.mark.e2e
RECEIPT = re.compile(r"^[0-9A-Z]{4}(-[0-9A-Z]{4}){4}$")


def fill_in_the_report_by_keyboard(page: Any, narrative: str) -> None:
    type_into(page, "#narrative", narrative)
    type_into(page, "#what_nearly_happened", "A child could have stayed at risk for longer.")
    choose_radio(page, "potential_severity", "serious")
    type_into(page, "#what_stopped_it", "A colleague remembered the earlier referral.")
    press_on(page, "details.app-factor-tier summary", "Enter")  # open the first tier
    press_on(page, "input[name=factors]")  # and tick its first prompt
    type_into(page, "#what_made_it_likely", "Three changes of worker in two months.")
    type_into(page, "#what_would_help", "A handover checklist with the chronology on it.")
    choose_radio(page, "event_type", "near_miss")
    type_into(page, "#event_month", "9")
    type_into(page, "#event_year", "2026")
    tab_to(page, "#service_area")
    page.keyboard.type("Front door")
    with page.expect_navigation():
        press_on(page, "button.govuk-button", "Enter")


def ask_the_reporter(live_server: LiveServer, reference: str, question: str) -> None:
    with live_server.app.app_context():
        report = db.session.scalar(sa.select(Report).where(Report.reference == reference))
        services.ask_reporter(db.session, report, make_user().id, question, dt.date.today())
        db.session.commit()
        db.session.remove()


def reference_for_receipt(live_server: LiveServer, receipt: str) -> str:
    # Report ids are random, so "the newest" is not the largest: find the report by its receipt.
    with live_server.app.app_context():
        report = services.report_for_receipt(
            db.session, receipt, live_server.app.config["RECEIPT_KEY"]
        )
        reference = report.reference
        db.session.remove()
    return reference


def test_file_a_report_by_keyboard_then_follow_it_up(page: Any, live_server: LiveServer) -> None:
    page.goto(f"{live_server.url}/report")
    assert "not for raising an immediate risk to a child" in page.content()
    assert serious_accessibility_violations(page) == []
    fill_in_the_report_by_keyboard(page, "The chronology was missing after a transfer.")

    assert page.locator("h1").inner_text() == "Check your answers before sending your report"
    assert "The chronology was missing after a transfer." in page.content()
    assert "Something we meant to do did not happen" in page.content()  # the tick arrived
    assert serious_accessibility_violations(page) == []
    with page.expect_navigation():
        press_on(page, "button[data-prevent-double-click]", "Enter")

    receipt = page.locator("#receipt").inner_text().strip()
    assert RECEIPT.match(receipt)
    assert serious_accessibility_violations(page) == []
    assert page.csp_errors == []

    ask_the_reporter(
        live_server, reference_for_receipt(live_server, receipt), "Which system was it?"
    )
    page.goto(f"{live_server.url}/followup")
    type_into(page, "#receipt", receipt.lower())
    with page.expect_navigation():
        page.keyboard.press("Enter")
    assert "The review panel has a question for you." in page.content()
    assert "Which system was it?" in page.content()
    assert serious_accessibility_violations(page) == []
    type_into(page, "#body", "The old recording system.")
    with page.expect_navigation():
        press_on(page, "form[action='/followup/thread'] button.govuk-button", "Enter")
    assert "Your reply has been sent to the review panel" in page.content()
    assert "The old recording system." in page.content()


def test_a_phone_without_javascript_files_a_report_and_follows_up(
    browser: Any, live_server: LiveServer
) -> None:
    context = browser.new_context(java_script_enabled=False, viewport={"width": 375, "height": 812})
    page = context.new_page()
    page.goto(f"{live_server.url}/report")
    page.fill("#narrative", "A strategy discussion was held without police.")
    page.check("input[name=event_type][value=near_miss]")
    page.fill("#event_month", "10")
    page.fill("#event_year", "2026")
    page.click("text=Continue to check your answers")
    assert "Check your answers" in page.locator("h1").inner_text()
    page.click("button:has-text('Change') >> nth=0")
    assert (
        page.locator("#narrative").input_value() == "A strategy discussion was held without police."
    )
    page.click("text=Continue to check your answers")
    page.click("button:has-text('Send report')")
    receipt = page.locator("#receipt").inner_text().strip()
    assert RECEIPT.match(receipt)
    page.goto(f"{live_server.url}/followup")
    page.fill("#receipt", receipt)
    page.click("button:has-text('Continue')")
    assert "Received: the review panel will read it soon." in page.content()
    context.close()


def test_bad_input_keeps_the_text_in_a_real_browser(page: Any, live_server: LiveServer) -> None:
    page.goto(f"{live_server.url}/report")
    page.fill("#narrative", "Words I do not want to lose.")
    page.fill("#event_month", "14")
    page.fill("#event_year", "2026")
    with page.expect_navigation():
        page.click("text=Continue to check your answers")
    assert page.locator(".govuk-error-summary").is_visible()
    assert page.locator("#narrative").input_value() == "Words I do not want to lose."
    assert serious_accessibility_violations(page) == []
