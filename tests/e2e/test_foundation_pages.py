"""The foundation pages in a real browser: accessible, keyboard-usable, fine without JavaScript."""

from __future__ import annotations

from typing import Any

import pytest

from learnhub.core.extensions import db
from learnhub.core.permissions import Role
from tests.conftest import LiveServer
from tests.e2e.conftest import serious_accessibility_violations
from tests.factories import PASSWORD, make_user

pytestmark = pytest.mark.e2e

LANDING = {
    Role.REVIEWER: ("/review/", "Triage queue"),
    Role.EDITOR: ("/bulletins/manage", "Bulletins"),
    Role.LEADER: ("/dashboard/", "Learning at a glance"),
    Role.ADMIN: ("/admin/users", "Staff accounts"),
}


def staff_member(live_server: LiveServer, role: Role) -> str:
    with live_server.app.app_context():
        user = make_user(role)
        email = user.email
        db.session.remove()
    return email


def sign_in_with_the_keyboard(page: Any, live_server: LiveServer, email: str) -> None:
    page.goto(f"{live_server.url}/login")
    page.keyboard.press("Tab")  # the skip link comes first
    assert page.evaluate("document.activeElement.textContent.trim()") == "Skip to main content"
    page.focus("#email")
    page.keyboard.type(email)
    page.keyboard.press("Tab")
    page.keyboard.type(PASSWORD)
    with page.expect_navigation():
        page.keyboard.press("Enter")


@pytest.mark.parametrize("path", ["/", "/login", "/privacy", "/accessibility", "/missing"])
def test_public_pages_have_no_serious_accessibility_violations(
    page: Any, live_server: LiveServer, path: str
) -> None:
    page.goto(live_server.url + path)
    assert serious_accessibility_violations(page) == []
    assert page.csp_errors == []


def test_the_login_errors_are_accessible(page: Any, live_server: LiveServer) -> None:
    page.goto(f"{live_server.url}/login")
    with page.expect_navigation():
        page.click("button:has-text('Sign in')")
    assert page.locator(".govuk-error-summary").is_visible()
    assert page.title().startswith("Error:")
    assert serious_accessibility_violations(page) == []


@pytest.mark.parametrize("role", list(Role), ids=lambda role: role.value)
def test_each_role_signs_in_by_keyboard_and_reaches_its_page(
    page: Any, live_server: LiveServer, role: Role
) -> None:
    email = staff_member(live_server, role)
    sign_in_with_the_keyboard(page, live_server, email)
    path, heading = LANDING[role]
    assert page.url == live_server.url + path
    assert page.locator("h1").inner_text() == heading
    assert serious_accessibility_violations(page) == []
    assert page.csp_errors == []


def test_sign_in_and_out_work_without_javascript(no_js_page: Any, live_server: LiveServer) -> None:
    email = staff_member(live_server, Role.LEADER)
    no_js_page.goto(f"{live_server.url}/login")
    no_js_page.fill("#email", email)
    no_js_page.fill("#password", PASSWORD)
    no_js_page.click("button:has-text('Sign in')")
    assert no_js_page.url.endswith("/dashboard/")
    no_js_page.click("button:has-text('Sign out')")
    assert no_js_page.url.endswith("/login")
    assert "You have signed out" in no_js_page.content()
