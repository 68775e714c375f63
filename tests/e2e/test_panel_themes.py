"""Journey 3: a reviewer opens the candidate themes, reads one theme's evidence, accepts it with
a title, summary and owner, and agrees an action on it — with the keyboard, in a real browser,
at desktop and phone widths, with axe-core checks on every page."""

from __future__ import annotations

import uuid
from typing import Any

import pytest

from learnhub.core.extensions import db
from learnhub.core.permissions import Role
from tests.conftest import LiveServer
from tests.e2e.conftest import serious_accessibility_violations
from tests.e2e.keyboard import choose_radio, press_on, tab_to, type_into
from tests.e2e.test_foundation_pages import sign_in_with_the_keyboard, staff_member
from tests.themes_data import make_theme, member_reports

pytestmark = pytest.mark.e2e


def a_candidate_theme(live_server: LiveServer) -> tuple[int, str]:
    marker = uuid.uuid4().hex[:8]
    with live_server.app.app_context():
        theme = make_theme(
            member_reports(5, deidentified=2),
            signature=f"e2e:{marker}",
            rising=True,
            title=f"Recurring factors {marker}",
        )
        found = theme.id, theme.title
        db.session.remove()
    return found


def accessible(page: Any) -> None:
    assert serious_accessibility_violations(page) == []
    assert page.csp_errors == []


def replace_text(page: Any, selector: str, text: str) -> None:
    tab_to(page, selector)
    page.keyboard.press("Control+A")
    page.keyboard.type(text)


def test_a_reviewer_accepts_a_candidate_theme_and_agrees_an_action(
    page: Any, live_server: LiveServer
) -> None:
    theme_id, title = a_candidate_theme(live_server)
    sign_in_with_the_keyboard(page, live_server, staff_member(live_server, Role.REVIEWER))

    page.goto(f"{live_server.url}/themes/")
    assert page.locator("h1").inner_text() == "Candidate themes"
    accessible(page)
    with page.expect_navigation():
        press_on(page, f"a[href='/themes/{theme_id}']", "Enter")

    # The evidence: statistics in words, a chart with a table, de-identified excerpts only.
    assert page.locator("h1").inner_text() == title
    assert page.locator("svg[role=img] title").count() == 1
    assert page.locator("#monthly ~ table tbody tr").count() >= 4
    assert "Redacted story 0" in page.content()
    assert "Raw story" not in page.content()
    assert "3 of the 5 reports are not de-identified yet" in page.content()
    accessible(page)

    replace_text(page, "#title", "Handover notes lost between teams")
    type_into(page, "#summary", "Notes go missing when a case moves from duty to long-term.")
    type_into(page, "#owner", "Head of service, assessment")
    choose_radio(page, "learning_status", "active_learning")
    with page.expect_navigation():
        press_on(page, "form[action$='/accept'] button", "Enter")
    assert "Theme accepted" in page.content()
    assert page.locator("h1").inner_text() == "Handover notes lost between teams"
    assert "Active learning" in page.content()
    accessible(page)

    with page.expect_navigation():
        press_on(page, f"a[href='/actions/new?theme_id={theme_id}']", "Enter")
    assert page.locator("h1").inner_text() == "Add an action"
    assert "team or role" in page.content()
    accessible(page)
    type_into(page, "#description", "A handover checklist used by every duty team")
    type_into(page, "#owner", "Duty and assessment team managers")
    type_into(page, "#due_day", "31")
    type_into(page, "#due_month", "3")
    type_into(page, "#due_year", "2027")
    type_into(page, "#owner_email", "duty@example.org")
    with page.expect_navigation():
        press_on(page, "form button.govuk-button", "Enter")

    assert page.url.endswith(f"/themes/{theme_id}")
    assert "Action agreed" in page.content()
    assert "A handover checklist used by every duty team" in page.content()
    accessible(page)
