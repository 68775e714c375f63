"""Back after Change in a real browser, and the receipt code: on one line, copied with a button
(a script's enhancement; without one the page says how to print), at desktop and 390 px."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from playwright.sync_api import expect

from tests.conftest import LiveServer
from tests.e2e.conftest import serious_accessibility_violations

pytestmark = pytest.mark.e2e

FIRST = "The chronology was missing after a transfer between teams."
CHANGED = "The chronology arrived a week late after a transfer between teams."
WIDTHS = {"desktop": {"width": 1280, "height": 900}, "phone-390": {"width": 390, "height": 844}}


@pytest.fixture(params=list(WIDTHS), ids=list(WIDTHS))
def reporter_page(browser: Any, request: pytest.FixtureRequest) -> Iterator[Any]:
    context = browser.new_context(viewport=WIDTHS[request.param])
    context.grant_permissions(["clipboard-read", "clipboard-write"])
    page = context.new_page()
    yield page
    context.close()


def fill_in(page: Any, narrative: str) -> None:
    page.fill("#narrative", narrative)
    page.check("input[name=event_type][value=near_miss]")
    page.fill("#event_month", "9")
    page.fill("#event_year", "2026")


def continue_on(page: Any) -> None:
    with page.expect_navigation():
        page.click("form[action='/report'] button.govuk-button")


def no_wider_than_the_viewport(page: Any) -> bool:
    width = page.viewport_size["width"]
    return bool(page.evaluate("document.documentElement.scrollWidth") <= width)


def test_back_after_change_shows_the_form_again_not_a_resubmission(
    reporter_page: Any, live_server: LiveServer
) -> None:
    page = reporter_page
    page.goto(f"{live_server.url}/report")
    fill_in(page, FIRST)
    continue_on(page)
    assert page.url.endswith("/report/check")

    with page.expect_navigation():
        page.click("button[name=change][value=narrative]")
    assert page.url.endswith("/report#narrative")
    assert page.input_value("#narrative") == FIRST
    page.fill("#narrative", CHANGED)
    continue_on(page)
    assert page.url.endswith("/report/check")
    assert CHANGED in page.content()

    # Back: a page the browser may fetch again by GET. (A POST's answer here would be
    # Chromium's "Confirm Form Resubmission", an ERR_CACHE_MISS error to Playwright.)
    page.go_back()
    assert page.url.endswith("/report#narrative") or page.url.endswith("/report")
    assert page.locator("h1").inner_text() == "Tell us what happened"
    assert page.input_value("#narrative") == CHANGED
    assert serious_accessibility_violations(page) == []
    assert no_wider_than_the_viewport(page)
    page.go_forward()
    assert page.locator("h1").inner_text() == "Check your answers before sending your report"
    assert CHANGED in page.content()
    assert serious_accessibility_violations(page) == []
    assert no_wider_than_the_viewport(page)

    with page.expect_navigation():
        page.click("button[data-prevent-double-click]")
    receipt = page.locator("#receipt")
    code = receipt.inner_text().strip()
    assert len(code) == 24
    # On one line, inside the panel, on the page: never broken within the code.
    lines = page.evaluate("document.getElementById('receipt').getClientRects().length")
    assert lines == 1
    box, panel = receipt.bounding_box(), page.locator(".govuk-panel").bounding_box()
    assert box["height"] < 2 * float(
        page.evaluate("parseFloat(getComputedStyle(document.getElementById('receipt')).fontSize)")
    )
    assert panel["x"] <= box["x"]
    assert box["x"] + box["width"] <= panel["x"] + panel["width"]
    assert no_wider_than_the_viewport(page)

    copy = page.get_by_role("button", name="Copy receipt code")
    assert copy.is_visible()
    assert page.get_by_role("button", name="Print this page").is_visible()
    copy.click()
    # The message follows the clipboard's promise: expect() waits for it (no eval under the CSP).
    expect(page.locator("#receipt-copied")).to_have_text("Receipt code copied")
    assert page.evaluate("navigator.clipboard.readText()") == code
    assert serious_accessibility_violations(page) == []

    # Back from the confirmation: the answers have gone with the report.
    page.go_back()
    assert page.locator("h1").inner_text() == "Tell us what happened"
    assert page.input_value("#narrative") == ""


def test_without_a_script_the_receipt_page_says_how_to_print(
    no_js_page: Any, live_server: LiveServer
) -> None:
    page = no_js_page
    page.goto(f"{live_server.url}/report")
    fill_in(page, FIRST)
    continue_on(page)
    with page.expect_navigation():
        page.click("button.govuk-button:has-text('Send report')")
    assert len(page.locator("#receipt").inner_text().strip()) == 24
    assert not page.get_by_role("button", name="Copy receipt code").is_visible()
    assert "use your browser's Print command" in page.locator("main").inner_text()
