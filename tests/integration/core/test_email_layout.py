"""Every email LearnHub sends shares one layout (templates/email/_layout.html): the teal bar,
one 600-pixel column, styles copied inline for clients that drop a <style> block."""

from __future__ import annotations

import re
from dataclasses import dataclass
from email.message import EmailMessage

from flask import Flask

from learnhub.auth.emails import reset_message
from learnhub.bulletins.rendering import confirmation_message
from learnhub.core.email import SmtpSettings

TEAL_BAR = re.compile(r'class="app-email__brand"[^>]*style="[^"]*background-color: #005a5c')


@dataclass
class Subscriber:
    id: int
    email: str


def html_part(message: EmailMessage) -> str:
    return str(message.get_body(preferencelist=("html",)).get_content())


def assert_in_the_layout(html: str) -> None:
    assert 'class="app-email__column"' in html
    assert TEAL_BAR.search(html), "the brand bar's colour is not inlined"
    assert re.search(r'<p[^>]*style="[^"]*font-family: Arial', html), "paragraphs not inlined"


def test_the_subscription_email_is_in_the_shared_layout_with_an_absolute_link(app: Flask) -> None:
    with app.app_context():
        settings = SmtpSettings.from_config(app.config)
        message = confirmation_message(settings, Subscriber(7, "new@example.org"), app.config)
    html = html_part(message)
    assert_in_the_layout(html)
    assert "Confirm your subscription" in html
    links = re.findall(r'href="([^"]+)"', html)
    assert links
    assert all(link.startswith(app.config["BASE_URL"]) for link in links)


def test_the_password_reset_email_is_in_the_shared_layout(app: Flask) -> None:
    with app.app_context():
        settings = SmtpSettings.from_config(app.config)
        link = app.config["BASE_URL"] + "/password-reset/abc"
        message = reset_message(settings, "someone@example.org", link, 60, "Northshire")
    html = html_part(message)
    assert_in_the_layout(html)
    assert link in html
