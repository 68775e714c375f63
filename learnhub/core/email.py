"""Email: building a two-part message and sending over SMTP as the configuration says.

Features render their own ``.txt`` and ``.html`` templates and hand the parts to ``build_message``;
bulk senders open one connection with ``smtp_connection`` and reuse it for a batch. Send only after
the database commit that the email reports on has succeeded.
"""

from __future__ import annotations

import smtplib
import ssl
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass
from email.message import EmailMessage
from email.utils import make_msgid
from typing import Any

from learnhub.core.text import header_value


@dataclass(frozen=True)
class SmtpSettings:
    host: str
    port: int
    username: str | None
    password: str | None
    starttls: bool
    timeout: int
    sender: str

    @classmethod
    def from_config(cls, config: Mapping[str, Any]) -> SmtpSettings:
        return cls(
            host=config["SMTP_HOST"],
            port=config["SMTP_PORT"],
            username=config.get("SMTP_USERNAME"),
            password=config.get("SMTP_PASSWORD"),
            starttls=config["SMTP_STARTTLS"],
            timeout=config["SMTP_TIMEOUT"],
            sender=config["MAIL_FROM"],
        )


def build_message(
    settings: SmtpSettings,
    to: str,
    subject: str,
    text: str,
    html: str | None = None,
    headers: Mapping[str, str] | None = None,
) -> EmailMessage:
    """A message with a plain-text part and, when given, an HTML alternative. Every header
    value is made one clean line: a line break from data would end the header or start one."""
    message = EmailMessage()
    message["From"] = header_value(settings.sender)
    message["To"] = header_value(to)
    message["Subject"] = header_value(subject)
    message["Message-ID"] = make_msgid(domain=_sender_domain(settings.sender))
    for name, value in (headers or {}).items():
        message[name] = header_value(value)
    message.set_content(text)
    if html is not None:
        message.add_alternative(html, subtype="html")
    return message


def _sender_domain(sender: str) -> str:
    address = header_value(sender).rsplit("<", 1)[-1].rstrip(">")
    return address.rpartition("@")[2] or "localhost"


@contextmanager
def smtp_connection(settings: SmtpSettings) -> Iterator[smtplib.SMTP]:
    """One SMTP session, upgraded with STARTTLS and signed in when the settings ask for it."""
    connection = smtplib.SMTP(settings.host, settings.port, timeout=settings.timeout)
    try:
        if settings.starttls:
            connection.starttls(context=ssl.create_default_context())
        if settings.username:
            connection.login(settings.username, settings.password or "")
        yield connection
    finally:
        try:
            connection.quit()
        except smtplib.SMTPException:
            connection.close()


def send_email(
    config: Mapping[str, Any],
    to: str,
    subject: str,
    text: str,
    html: str | None = None,
    headers: Mapping[str, str] | None = None,
) -> str:
    """Send one message on its own connection; returns its Message-ID."""
    settings = SmtpSettings.from_config(config)
    message = build_message(settings, to, subject, text, html, headers)
    with smtp_connection(settings) as connection:
        connection.send_message(message)
    return str(message["Message-ID"])
