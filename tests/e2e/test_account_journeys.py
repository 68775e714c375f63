"""Account journeys in a real browser, at desktop and phone width, axe-checked on every page:
an administrator adds a reviewer, who signs in with the password they were given, must change
it, sets up an authenticator app and signs in with a code; a password reset by an emailed link
(a real SMTP server); an administrator disables an account and its open session ends."""

from __future__ import annotations

import datetime as dt
import re
import time
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import pytest

from learnhub.auth import mfa
from learnhub.core.permissions import Role
from learnhub.core.time import utcnow
from tests.conftest import LiveServer
from tests.e2e.conftest import PHONE, serious_accessibility_violations
from tests.e2e.test_foundation_pages import sign_in_with_the_keyboard, staff_member
from tests.factories import PASSWORD
from tests.smtp import running_smtp_sink

pytestmark = pytest.mark.e2e

TEMPORARY = "given by the administrator"
OWN = "chosen by me and nobody else"


WIDE_ELEMENTS = """() => [...document.querySelectorAll('body *')]
    .filter(e => e.getBoundingClientRect().right > 390)
    .slice(0, 5).map(e => e.tagName + '.' + e.className + ' ' + e.textContent.slice(0, 40))"""


def checked(page: Any) -> None:
    """Every page of a journey: no serious axe finding, no CSP error, no sideways scroll."""
    assert serious_accessibility_violations(page) == [], page.url
    assert page.csp_errors == []
    if page.viewport_size == PHONE:
        wide = page.evaluate(WIDE_ELEMENTS)
        assert page.evaluate("document.documentElement.scrollWidth") <= 390, (page.url, wide)


@contextmanager
def configured(live_server: LiveServer, **settings: Any) -> Iterator[None]:
    config = live_server.app.config
    saved = {name: config[name] for name in settings}
    config.update(settings)
    try:
        yield
    finally:
        config.update(saved)


def unique_email(prefix: str) -> str:
    return f"{prefix}.{time.time_ns()}@example.org"


def sign_in(page: Any, live_server: LiveServer, email: str, password: str) -> None:
    page.goto(f"{live_server.url}/login")
    page.fill("#email", email)
    page.fill("#password", password)
    with page.expect_navigation():
        page.get_by_role("button", name="Sign in").click()


def submit(page: Any, name: str) -> None:
    with page.expect_navigation():
        page.get_by_role("button", name=name).click()


def test_a_new_reviewer_changes_the_given_password_sets_up_mfa_and_signs_in_with_a_code(
    browser: Any, page: Any, live_server: LiveServer, viewport: dict[str, int]
) -> None:
    email = unique_email("new.reviewer")
    with configured(live_server, MFA_REQUIRED_ROLES=("reviewer",)):
        # The administrator adds the account.
        admin = browser.new_context(viewport=viewport).new_page()
        admin.csp_errors = []
        sign_in_with_the_keyboard(admin, live_server, staff_member(live_server, Role.ADMIN))
        admin.goto(f"{live_server.url}/admin/users")
        checked(admin)
        admin.fill("#display_name", "Nia Reviewer")
        admin.fill("#email", email)
        admin.select_option("#role", "reviewer")
        admin.fill("#password", TEMPORARY)
        submit(admin, "Add account")
        assert f"Account created for {email}" in admin.inner_text("body")
        checked(admin)
        admin.locator("#staff-accounts .govuk-summary-list__row", has_text=email).get_by_role(
            "link"
        ).click()
        admin.wait_for_url(re.compile(r"/admin/users/\d+$"))
        assert "they choose their own when they next sign in" in admin.inner_text("body")
        checked(admin)
        admin.context.close()

        # The reviewer signs in with it and must change it before anything else.
        sign_in(page, live_server, email, TEMPORARY)
        assert page.url.endswith("/account/password")
        assert "An administrator set your password" in page.inner_text("#forced-change")
        checked(page)
        page.goto(f"{live_server.url}/review/")
        assert page.url.endswith("/account/password")
        page.fill("#current_password", TEMPORARY)
        page.fill("#new_password", OWN)
        page.fill("#confirmation", OWN + " typo")
        submit(page, "Change password")
        assert "Enter the same password twice" in page.inner_text(".govuk-error-summary")
        checked(page)
        page.fill("#current_password", TEMPORARY)
        page.fill("#new_password", OWN)
        page.fill("#confirmation", OWN)
        submit(page, "Change password")

        # Then sets up an authenticator app: the role needs one.
        assert page.url.endswith("/account/mfa")
        checked(page)
        secret = page.inner_text("#mfa-secret").replace(" ", "")
        assert page.get_attribute("#mfa-uri", "href").startswith("otpauth://totp/")
        page.fill("#code", mfa.code_for(secret, utcnow()))
        submit(page, "Continue")
        codes = page.locator("#recovery-codes li").all_inner_texts()
        assert len(codes) == mfa.RECOVERY_CODE_COUNT
        checked(page)
        page.get_by_role("link", name="I have saved my codes").click()
        page.wait_for_url(re.compile(r"/review/"))
        menu = page.get_by_role("button", name="Menu")
        if menu.is_visible():  # at phone width the account links sit behind the menu
            menu.click()
        submit(page, "Sign out")

        # Next time: password, then a code from the app.
        sign_in(page, live_server, email, OWN)
        assert page.url.endswith("/login/code")
        checked(page)
        page.fill("#code", "000000")
        submit(page, "Continue")
        assert "Enter a correct code" in page.inner_text(".govuk-error-summary")
        checked(page)
        page.fill("#code", mfa.code_for(secret, utcnow() + dt.timedelta(seconds=30)))
        submit(page, "Continue")
        assert page.url.endswith("/review/")
        assert "Triage queue" in page.inner_text("h1")


def test_a_password_is_reset_by_the_emailed_link(page: Any, live_server: LiveServer) -> None:
    email = staff_member(live_server, Role.EDITOR)
    with (
        running_smtp_sink() as sink,
        configured(live_server, BASE_URL=live_server.url, **sink.settings()),
    ):
        page.goto(f"{live_server.url}/login")
        page.get_by_role("link", name="Forgotten your password?").click()
        page.wait_for_url(re.compile(r"/password-reset$"))
        checked(page)
        page.fill("#email", email)
        submit(page, "Send the link")
        assert "Check your email" in page.inner_text("h1")
        checked(page)
        deadline = time.monotonic() + 10
        while not sink.received and time.monotonic() < deadline:
            time.sleep(0.05)
        [received] = sink.received
        text = received.message.get_body(("plain",)).get_content()
        link = re.search(r"http://\S+/password-reset/\S+", text).group(0)

        page.goto(link)
        assert "Choose a new password" in page.inner_text("h1")
        checked(page)
        page.fill("#new_password", OWN)
        page.fill("#confirmation", OWN)
        submit(page, "Change password")
        assert page.url.endswith("/login")
        assert "Your password has been changed" in page.inner_text("body")
        checked(page)
        sign_in(page, live_server, email, OWN)
        assert page.url.endswith("/bulletins/manage")

        page.goto(link)  # a second use
        assert "This link does not work" in page.inner_text("h1")
        checked(page)


def test_an_administrator_disables_an_account_and_its_open_session_ends(
    browser: Any, page: Any, live_server: LiveServer, viewport: dict[str, int]
) -> None:
    leaver = staff_member(live_server, Role.LEADER)
    sign_in(page, live_server, leaver, PASSWORD)
    assert page.url.endswith("/dashboard/")

    admin = browser.new_context(viewport=viewport).new_page()
    admin.csp_errors = []
    sign_in_with_the_keyboard(admin, live_server, staff_member(live_server, Role.ADMIN))
    admin.goto(f"{live_server.url}/admin/users")
    admin.locator("#staff-accounts .govuk-summary-list__row", has_text=leaver).get_by_role(
        "link"
    ).click()
    admin.wait_for_url(re.compile(r"/admin/users/\d+$"))
    checked(admin)
    submit(admin, "Disable account")
    assert "is disabled and signed out everywhere" in admin.inner_text("body")
    assert admin.inner_text("#account-status") == "Disabled"
    checked(admin)
    admin.context.close()

    page.reload()
    assert page.url.endswith("/login")
    sign_in(page, live_server, leaver, PASSWORD)
    assert "Enter a correct email address and password" in page.inner_text(".govuk-error-summary")


def test_the_account_pages_work_without_javascript(
    no_js_page: Any, live_server: LiveServer
) -> None:
    page = no_js_page
    email = staff_member(live_server, Role.LEADER)
    sign_in(page, live_server, email, PASSWORD)
    page.goto(f"{live_server.url}/account/password")
    page.fill("#current_password", PASSWORD)
    page.fill("#new_password", OWN)
    page.fill("#confirmation", OWN)
    submit(page, "Change password")
    assert "Your password has been changed" in page.inner_text("body")
    page.goto(f"{live_server.url}/account/mfa")
    assert page.inner_text("#mfa-secret")
