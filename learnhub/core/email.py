"""Email, the generic part: rendering an email template, building a two-part message, and SMTP.

Features render their own ``.txt`` and ``.html`` templates (``render_email``) and hand the parts to
``build_message``; one message goes with ``send_message``; bulk senders open one connection with
``smtp_connection``, reuse it for a batch, and use ``hand_over`` when they must know whether a
message may have arrived. Send only after the database commit that the email reports on has
succeeded.
"""

from __future__ import annotations

import smtplib
import ssl
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass
from email.message import EmailMessage, Message
from email.policy import compat32
from email.utils import make_msgid
from typing import Any

import css_inline
from flask import current_app

from learnhub.core.text import header_value

# SMTP wants CRLF line ends; headers are left unfolded (all are far below the 998 limit).
SMTP_LINES = compat32.clone(linesep="\r\n", max_line_length=0)


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
    message["Message-ID"] = make_msgid(domain=sender_domain(settings.sender))
    for name, value in (headers or {}).items():
        message[name] = header_value(value)
    message.set_content(text)
    if html is not None:
        message.add_alternative(html, subtype="html")
    return message


def render_email(name: str, context: Mapping[str, Any]) -> str:
    # Straight from the environment: an email has no request, page navigation or signed-in user.
    return current_app.jinja_env.get_template(name).render(context)


# Copies an email's stylesheet (templates/email/_layout.html) into style attributes: Outlook and
# Gmail ignore much of a <style> block. Media queries (for phones) stay in one, where the clients
# that can use them do.
_INLINER = css_inline.CSSInliner(keep_at_rules=True, load_remote_stylesheets=False)


def inline_styles(html: str) -> str:
    return str(_INLINER.inline(html))


def sender_address(sender: str) -> str:
    """The bare address of "Name <address>" (or of a bare address)."""
    return header_value(sender).rsplit("<", 1)[-1].rstrip(">")


def sender_domain(sender: str) -> str:
    return sender_address(sender).rpartition("@")[2] or "localhost"


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
    send_message(settings, message)
    return str(message["Message-ID"])


def send_message(settings: SmtpSettings, message: Message) -> None:
    """One built message on its own connection."""
    with smtp_connection(settings) as connection:
        connection.send_message(message)


class ContentMayHaveArrived(Exception):
    """The connection failed while the message's content was on its way: it may have arrived."""

    def __init__(self, cause: BaseException) -> None:
        super().__init__(str(cause))
        self.cause = cause


def hand_over(connection: smtplib.SMTP, sender: str, to: str, message: Message) -> None:
    """MAIL, RCPT, DATA, as smtplib's sendmail does, but knowing when the content left: a failure
    before DATA means the message certainly did not arrive; one during DATA raises
    ContentMayHaveArrived."""
    connection.ehlo_or_helo_if_needed()
    address = sender_address(sender)
    code, response = connection.mail(address)
    if code != 250:
        connection.rset()
        raise smtplib.SMTPSenderRefused(code, response, address)
    code, response = connection.rcpt(to)
    if code not in (250, 251):
        connection.rset()
        raise smtplib.SMTPRecipientsRefused({to: (code, response)})
    try:
        code, response = connection.data(message.as_bytes(policy=SMTP_LINES))
    except (smtplib.SMTPServerDisconnected, OSError) as exc:
        raise ContentMayHaveArrived(exc) from exc
    if code != 250:
        connection.rset()
        raise smtplib.SMTPDataError(code, response)


def is_permanent_refusal(exc: smtplib.SMTPException) -> bool:
    """A 5xx answer: sending again will not help."""
    if isinstance(exc, smtplib.SMTPRecipientsRefused):
        codes = [code for code, _ in exc.recipients.values()]
        return bool(codes) and all(500 <= code < 600 for code in codes)
    code = getattr(exc, "smtp_code", None)
    return isinstance(code, int) and 500 <= code < 600


def smtp_error_text(exc: BaseException) -> str:
    """The server's code and words, or the exception's, for a log or an editor's page."""
    if isinstance(exc, smtplib.SMTPRecipientsRefused):
        return "; ".join(
            f"{code} {message.decode(errors='replace')}"
            for code, message in exc.recipients.values()
        )
    code = getattr(exc, "smtp_code", None)
    detail = getattr(exc, "smtp_error", b"")
    if isinstance(detail, bytes):
        detail = detail.decode(errors="replace")
    if code:
        return f"{code} {detail}".strip()
    return f"{type(exc).__name__}: {exc}"
