"""A reviewer opens a report, sees the identifying-details flags and suggestions, codes it with
the keyboard, and asks the reporter a question — in a real browser, with axe-core checks."""

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

pytestmark = pytest.mark.e2e


def a_report(live_server: LiveServer) -> str:
    with live_server.app.app_context():
        filed = file_report(
            db.session,
            ReportSubmission(
                narrative="No placement was found, so the young person slept in the office. "
                "Call Jayden's mum on 07700 900321.",
                event_type="near_miss",
                event_month=dt.date(2026, 10, 1),
                factor_codes=["EXT-1"],
            ),
            today=dt.date(2026, 10, 20),
            source=ReportSource.WEB,
            receipt_key=live_server.app.config["RECEIPT_KEY"],
        )
        db.session.commit()
        reference = filed.report.reference
        db.session.remove()
    return reference


def test_a_reviewer_codes_a_report_and_asks_a_question(page: Any, live_server: LiveServer) -> None:
    reference = a_report(live_server)
    sign_in_with_the_keyboard(page, live_server, staff_member(live_server, Role.REVIEWER))
    page.goto(f"{live_server.url}/review/reports/{reference}")
    assert page.locator("mark.app-identifier").count() >= 2
    assert page.locator("text=Suggested").count() >= 1
    assert serious_accessibility_violations(page) == []

    # The reporter's tick comes pre-ticked in an open tier; the reviewer confirms it by saving.
    assert page.locator("#code-EXT-1").is_checked()
    with page.expect_navigation():
        press_on(page, "form[action$='/coding'] button", "Enter")
    assert "Coding saved" in page.content()
    assert "Coding history (1 change)" in page.content()

    type_into(page, "#body", "Which team was on duty that night?")
    with page.expect_navigation():
        press_on(page, "form[action$='/questions'] button", "Enter")
    assert "Your question is waiting for the reporter" in page.content()
    assert serious_accessibility_violations(page) == []
    assert page.csp_errors == []


def in_view(page: Any, selector: str) -> bool:
    """Whether the top of the element is inside the window as the page is scrolled now."""
    return page.evaluate(
        """(s) => { const box = document.querySelector(s).getBoundingClientRect();
                    return box.top > -5 && box.top < window.innerHeight; }""",
        selector,
    )


def test_the_report_page_takes_the_reviewer_to_each_section_and_confirms_there(
    page: Any, live_server: LiveServer
) -> None:
    reference = a_report(live_server)
    sign_in_with_the_keyboard(page, live_server, staff_member(live_server, Role.REVIEWER))
    page.goto(f"{live_server.url}/review/reports/{reference}")
    assert page.locator(".app-contents a").count() == 7
    # Each link of "On this page" brings its section's heading into view.
    for anchor in ("thread", "coding", "redaction", "themes"):
        page.locator(f".app-contents a[href='#{anchor}']").click()
        assert in_view(page, f"#{anchor} h2"), anchor
    # "ask them a question" leads to the question box, wherever it is.
    page.locator("#status a[href='#ask']").click()
    assert in_view(page, "#ask")

    # After Save coding the page opens at coding, with the confirmation in view.
    with page.expect_navigation():
        press_on(page, "form[action$='/coding'] button", "Enter")
    assert page.url.endswith("#coding")
    banner = "#coding .govuk-notification-banner--success"
    assert "Coding saved" in page.locator(banner).inner_text()
    assert in_view(page, banner)
    assert page.evaluate("document.documentElement.scrollWidth") <= page.viewport_size["width"]
    assert serious_accessibility_violations(page) == []
