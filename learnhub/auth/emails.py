"""The password-reset email, from templates/email/password_reset.txt and .html.

It is handed to a short-lived thread to send, for every request alike, so that the page answers
in the same time whether or not the address has an account (no account enumeration).
"""

from __future__ import annotations

import logging
import smtplib
import threading
from collections.abc import Mapping
from email.message import EmailMessage
from typing import Any

from learnhub.core.email import (
    SmtpSettings,
    build_message,
    inline_styles,
    render_email,
    send_message,
)

log = logging.getLogger(__name__)
SUBJECT = "Reset your LearnHub password"


def reset_message(
    settings: SmtpSettings, to: str, link: str, minutes: int, organisation: str
) -> EmailMessage:
    context = {"link": link, "minutes": minutes, "organisation": organisation}
    return build_message(
        settings,
        to,
        SUBJECT,
        render_email("email/password_reset.txt", context),
        inline_styles(render_email("email/password_reset.html", context)),
    )


def send_in_background(config: Mapping[str, Any], message: EmailMessage | None) -> threading.Thread:
    """Send ``message`` (None: nothing to send) off the request, so the answer does not wait on
    the relay; a failure is logged without the address."""

    def send() -> None:
        if message is None:
            return
        try:
            send_message(SmtpSettings.from_config(config), message)
        except (smtplib.SMTPException, OSError) as exc:
            log.warning("password-reset email not sent: %s", type(exc).__name__)

    thread = threading.Thread(target=send, name="password-reset-email", daemon=True)
    thread.start()
    return thread
