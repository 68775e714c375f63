"""The audit trail page and the API page in a real browser: accessible at desktop and phone
width, no CSP errors, and the audit search used with the keyboard."""

from __future__ import annotations

from typing import Any

import pytest

from learnhub.audit import services as audit
from learnhub.core.extensions import db
from learnhub.core.permissions import Role
from tests.conftest import LiveServer
from tests.e2e.conftest import serious_accessibility_violations
from tests.e2e.test_foundation_pages import sign_in_with_the_keyboard, staff_member

pytestmark = pytest.mark.e2e


def test_the_api_page_is_accessible(page: Any, live_server: LiveServer) -> None:
    page.goto(f"{live_server.url}/api/v1/docs")
    assert page.locator("h1").inner_text().startswith("LearnHub API")
    assert serious_accessibility_violations(page) == []
    assert page.csp_errors == []


def test_an_administrator_searches_the_audit_trail(page: Any, live_server: LiveServer) -> None:
    email = staff_member(live_server, Role.ADMIN)
    marker = email.split("@")[0]  # unique to this run: the live server is shared
    with live_server.app.app_context():
        for number in range(3):
            audit.record(db.session, None, "create", "user", f"{marker}-{number}")
        db.session.commit()
        db.session.remove()
    sign_in_with_the_keyboard(page, live_server, email)
    page.goto(f"{live_server.url}/admin/audit")
    assert page.locator("#chain-status").inner_text().find("Chain intact") >= 0
    page.focus("#object_id")
    page.keyboard.type(f"{marker}-1")
    with page.expect_navigation():
        page.keyboard.press("Enter")
    rows = page.locator("tbody tr")
    assert rows.count() == 1
    assert f"{marker}-1" in rows.first.inner_text()
    assert serious_accessibility_violations(page) == []
    assert page.csp_errors == []
    page.goto(f"{live_server.url}/admin/audit?since=not-a-date")
    assert page.locator(".govuk-error-summary").is_visible()
    assert serious_accessibility_violations(page) == []
