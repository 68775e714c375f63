"""Journey 4: an editor assembles a bulletin, writes the lead and sends it for approval; a second
editor approves and publishes it; it is sent and arrives through a real SMTP server. In a real
browser at desktop and phone width, with axe-core checks on every page."""

from __future__ import annotations

from typing import Any

import pytest
import sqlalchemy as sa

from learnhub.bulletins.models import Bulletin, Subscriber, SubscriberSource, SubscriberStatus
from learnhub.core.extensions import db
from learnhub.core.permissions import Role
from tests.conftest import LiveServer
from tests.e2e.conftest import serious_accessibility_violations
from tests.e2e.keyboard import press_on, type_into
from tests.e2e.test_foundation_pages import sign_in_with_the_keyboard, staff_member
from tests.smtp import running_smtp_sink

pytestmark = pytest.mark.e2e


def check(page: Any) -> None:
    assert serious_accessibility_violations(page) == [], page.url
    assert page.csp_errors == []


def subscriber(live_server: LiveServer, email: str) -> None:
    with live_server.app.app_context():
        if db.session.scalar(sa.select(Subscriber.id).where(Subscriber.email == email)) is None:
            db.session.add(
                Subscriber(
                    email=email, status=SubscriberStatus.CONFIRMED, source=SubscriberSource.IMPORT
                )
            )
            db.session.commit()
        db.session.remove()


def submit(page: Any, selector: str) -> None:
    with page.expect_navigation():
        press_on(page, selector, "Enter")


def test_an_issue_is_assembled_approved_published_and_arrives(
    page: Any, live_server: LiveServer
) -> None:
    width = page.viewport_size["width"]
    month = "2025-01" if width > 600 else "2025-02"
    reader = f"reader-{width}@example.org"
    subscriber(live_server, reader)
    first = staff_member(live_server, Role.EDITOR)
    second = staff_member(live_server, Role.EDITOR)

    sign_in_with_the_keyboard(page, live_server, first)
    page.goto(f"{live_server.url}/bulletins/manage")
    check(page)
    page.fill("#month", month)
    submit(page, "form[action$='/assemble'] button")
    assert "Draft assembled" in page.content()
    check(page)
    page.fill("#title", f"Handovers ({month})")
    type_into(page, "#lead_markdown", "We **listened**. Thank you for every report.")
    submit(page, "#draft-form button")
    assert "Draft saved" in page.content()
    edit_url = page.url

    page.click("text=Preview the web page")
    assert page.locator("main strong", has_text="listened").count() == 1
    check(page)
    page.goto(edit_url)
    page.click("text=Preview the email")
    assert "List-Unsubscribe" in page.content()
    assert "We **listened**." in page.locator("pre").inner_text()
    check(page)
    page.goto(edit_url)
    submit(page, "form[action$='/submit'] button")
    assert "Sent for approval" in page.content()
    submit(page, "form[action$='/approve'] button")  # the same editor may not approve
    assert "A second editor must approve" in page.content()
    check(page)

    page.context.clear_cookies()
    sign_in_with_the_keyboard(page, live_server, second)
    page.goto(edit_url)
    submit(page, "form[action$='/approve'] button")
    assert "Approved" in page.content()
    submit(page, "form[action$='/publish'] button")
    assert "Published" in page.content()
    check(page)

    with live_server.app.app_context():
        bulletin = db.session.scalar(
            sa.select(Bulletin).where(Bulletin.title == f"Handovers ({month})")
        )
        number = bulletin.number
        db.session.remove()
    page.goto(f"{live_server.url}/bulletins/{number}")
    assert page.locator("main strong", has_text="listened").count() == 1
    check(page)
    page.goto(f"{live_server.url}/bulletins")
    check(page)

    saved = {
        name: live_server.app.config[name] for name in ("SMTP_HOST", "SMTP_PORT", "SMTP_STARTTLS")
    }
    with running_smtp_sink() as sink:
        live_server.app.config.update(sink.settings())
        try:
            result = live_server.app.test_cli_runner().invoke(
                args=["bulletins", "send", str(number)]
            )
        finally:
            live_server.app.config.update(saved)
    assert result.exit_code == 0, result.output
    assert reader in sink.recipients()
    message = next(r.message for r in sink.received if r.recipients == [reader])
    assert message["Subject"] == f"Handovers ({month}) (issue {number})"
    assert "<strong>listened</strong>" in message.get_body(preferencelist=("html",)).get_content()
    assert message["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"

    # The subscriber unsubscribes from the link in the email, in the browser.
    url = message["List-Unsubscribe"].split(">")[0].lstrip("<")
    page.context.clear_cookies()
    page.goto(live_server.url + "/" + url.split("/", 3)[3])
    check(page)
    submit(page, "form button")
    assert "You are unsubscribed" in page.content()
    check(page)
