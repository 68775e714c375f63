"""The bulletin as people see it: the email (through a real SMTP server) rendered in Chromium and
measured, and the issue and editors' pages at desktop and phone width, axe clean. Screenshots go
to LEARNHUB_SCREENSHOTS (default /tmp/learnhub-screenshots), never into the repository."""

from __future__ import annotations

import datetime as dt
import os
import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from learnhub.bulletins import services
from learnhub.core.extensions import db
from learnhub.core.permissions import Role
from tests.conftest import LiveServer
from tests.e2e.conftest import CHROMIUM_ARGS, serious_accessibility_violations  # noqa: F401
from tests.e2e.test_foundation_pages import sign_in_with_the_keyboard, staff_member
from tests.factories import make_report, make_user
from tests.smtp import running_smtp_sink

pytestmark = pytest.mark.e2e

SHOTS = Path(os.environ.get("LEARNHUB_SCREENSHOTS", "/tmp/learnhub-screenshots"))  # noqa: S108
PHONE_390 = {"width": 390, "height": 844}
DESKTOP = {"width": 1280, "height": 900}
LEAD = (
    "Thank you for every report.\n\n## Handovers\n\nIf something nearly went wrong, "
    "[tell us about it on the reporting page](/report)."
)


# What sticks out past the viewport's right edge, for a failure message.
WIDE = """[...document.querySelectorAll('body *')]
    .filter(e => e.getBoundingClientRect().right > window.innerWidth + 1)
    .map(e => e.tagName + '.' + e.className).slice(0, 8)"""


def shoot(page: Any, name: str) -> None:
    SHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SHOTS / f"{name}.png"), full_page=True)


def story(text: str) -> int:
    report, _ = make_report(
        f"Jane Smith at 12 High Street. {text}",
        event_month=dt.date(2024, 5, 1),
        received_on=dt.date(2024, 6, 3),
    )
    report.redacted = {"narrative": f"[name] at [address]. {text}", "what_would_help": "A list."}
    report.deidentified_on = dt.date(2024, 6, 20)
    db.session.commit()
    return report.id


@pytest.fixture(scope="module")
def issue(live_server: LiveServer) -> Iterator[tuple[int, int, str]]:
    """A published issue with a lead piece and two stories; the app's links use its address."""
    app = live_server.app
    saved = app.config["BASE_URL"]
    app.config["BASE_URL"] = live_server.url
    with app.app_context():
        first, second = make_user(Role.EDITOR), make_user(Role.EDITOR)
        bulletin = services.assemble_draft(db.session, dt.date(2024, 6, 1))
        picked = [
            story("The handover note was missed because the shared drive was down, " * 4),
            story("A colleague noticed the missing strategy meeting invite and rang the police."),
        ]
        services.pick_stories(db.session, bulletin, picked)
        services.update_draft(bulletin, "Handovers, and what changed", LEAD)
        services.submit(bulletin, first)
        services.approve(bulletin, second)
        services.publish(db.session, bulletin, second)
        db.session.commit()
        ids = (bulletin.id, bulletin.number or 0, bulletin.title)
        db.session.remove()
    try:
        yield ids
    finally:
        app.config["BASE_URL"] = saved


@pytest.fixture(scope="module")
def email_html(live_server: LiveServer, issue: tuple[int, int, str]) -> str:
    """The HTML part as it arrived at a real SMTP server."""
    from tests.integration.bulletins.helpers import subscribers

    app = live_server.app
    saved = {name: app.config[name] for name in ("SMTP_HOST", "SMTP_PORT", "SMTP_STARTTLS")}
    with running_smtp_sink() as sink:
        app.config.update(sink.settings())
        try:
            with app.app_context():
                subscribers(1, prefix="email-layout")
                db.session.remove()
            result = app.test_cli_runner().invoke(args=["bulletins", "send", str(issue[1])])
        finally:
            app.config.update(saved)
    assert result.exit_code == 0, result.output
    message = next(
        r.message for r in sink.received if r.recipients == ["email-layout0@example.org"]
    )
    return str(message.get_body(preferencelist=("html",)).get_content())


def measure(page: Any) -> dict[str, Any]:
    return page.evaluate(
        """() => {
        const column = document.querySelector('.app-email__column');
        const stories = [...document.querySelectorAll('.app-bulletin__story')].map(s => {
            const r = s.getBoundingClientRect(); const c = getComputedStyle(s);
            return {top: r.top, bottom: r.bottom, border: parseFloat(c.borderLeftWidth),
                    background: c.backgroundColor};
        });
        return {
            column: column.getBoundingClientRect().width,
            scroll: document.documentElement.scrollWidth,
            fonts: [...document.querySelectorAll('p, h1, h2, li, td')].map(
                e => getComputedStyle(e).fontFamily),
            brand: getComputedStyle(document.querySelector('.app-email__brand')).backgroundColor,
            stories,
            links: [...document.querySelectorAll('a')].map(a => a.getAttribute('href')),
            reporting: [...document.querySelectorAll('a')].filter(
                a => /reporting page/.test(a.textContent)).map(a => a.getAttribute('href')),
        };
    }"""
    )


@pytest.mark.parametrize("strip_styles", [False, True], ids=["as-sent", "style-block-removed"])
def test_the_email_has_a_proper_layout_and_absolute_links(
    browser: Any, live_server: LiveServer, email_html: str, strip_styles: bool
) -> None:
    html = email_html
    if strip_styles:
        # Clients that drop <style> (older Gmail apps, Outlook.com forwards) keep the inline styles.
        html = re.sub(r"<style.*?</style>", "", html, flags=re.S)
    for name, viewport in (("desktop", DESKTOP), ("phone", PHONE_390)):
        context = browser.new_context(viewport=viewport)
        page = context.new_page()
        page.set_content(html)
        found = measure(page)
        shoot(page, f"email-{name}{'-no-style' if strip_styles else ''}")
        context.close()
        if name == "desktop":
            assert found["column"] == 600
        else:
            assert found["scroll"] <= 390, found["scroll"]
        serif = [f for f in found["fonts"] if not re.search(r"Arial|Helvetica|sans-serif", f)]
        assert serif == [], serif[:3]
        assert found["brand"] == "rgb(0, 90, 92)"  # LearnHub teal, not a crown or GOV.UK black
        assert len(found["stories"]) == 2
        one, two = found["stories"]
        assert two["top"] - one["bottom"] >= 15  # set apart, not run together
        assert one["border"] >= 4
        assert one["background"] != "rgba(0, 0, 0, 0)"
        assert found["reporting"], "the reporting page is not a link"
        assert all(href.startswith(live_server.url + "/") for href in found["reporting"])
        assert found["links"]
        outside = [href for href in found["links"] if not href.startswith(live_server.url + "/")]
        assert outside == []


def test_the_email_is_inlined_and_unbranded_by_the_crown(email_html: str) -> None:
    assert 'style="' in email_html
    assert "font-family" in email_html
    assert "crown" not in email_html.lower()
    assert "LearnHub" in email_html


@pytest.mark.parametrize("viewport", [DESKTOP, PHONE_390], ids=["desktop", "phone"])
def test_the_issue_and_manage_pages_are_styled_and_fit(
    browser: Any, live_server: LiveServer, issue: tuple[int, int, str], viewport: dict[str, int]
) -> None:
    bulletin_id, number, _ = issue
    name = "desktop" if viewport["width"] > 600 else "phone"
    context = browser.new_context(viewport=viewport)
    page = context.new_page()
    try:
        page.goto(f"{live_server.url}/bulletins/{number}")
        lead_font = page.evaluate(
            "getComputedStyle(document.querySelector('.app-bulletin__lead p')).fontFamily"
        )
        assert "system-ui" in lead_font
        assert "Times" not in lead_font
        assert page.evaluate("document.documentElement.scrollWidth") <= viewport["width"]
        assert serious_accessibility_violations(page) == []
        shoot(page, f"issue-{name}")
        page.emulate_media(media="print")
        assert page.locator(".govuk-header, .app-header").first.is_hidden()
        page.emulate_media(media="screen")

        page.goto(live_server.url + "/")
        assert page.locator("a[href='/bulletins']").count() >= 1
        assert page.locator("a[href='/bulletins/subscribe']").count() >= 1

        from tests.integration.bulletins.helpers import subscribers

        with live_server.app.app_context():
            subscribers(1, prefix=f"late-{name}")  # confirmed since: owed the issue
            db.session.remove()
        editor = staff_member(live_server, Role.EDITOR)
        sign_in_with_the_keyboard(page, live_server, editor)
        for path, shot in (
            ("/bulletins/manage", "manage"),
            (f"/bulletins/manage/{bulletin_id}", "issue-edit"),
            (f"/bulletins/manage/{bulletin_id}/send", "send-confirm"),
        ):
            page.goto(live_server.url + path)
            assert page.evaluate("document.documentElement.scrollWidth") <= viewport["width"], (
                path,
                page.evaluate(WIDE),
            )
            assert serious_accessibility_violations(page) == [], path
            shoot(page, f"{shot}-{name}")
        assert "Everyone who has not had it yet" in page.content()
        assert "uncertain" not in page.content().lower()
    finally:
        context.close()
