"""The weekly digest to action owners: each owner email gets its open and overdue actions."""

from __future__ import annotations

import logging
import smtplib
from typing import Any

from flask import current_app

from learnhub.actions.forms import STATUS_LABELS
from learnhub.actions.services import DigestEntry, digest_entries
from learnhub.core.context import service_today
from learnhub.core.email import SmtpSettings, build_message, smtp_connection
from learnhub.core.extensions import db

log = logging.getLogger(__name__)


def digest_subject(entry: DigestEntry) -> str:
    if entry.overdue:
        return f"Your LearnHub actions: {len(entry.overdue)} overdue, {len(entry.open)} open"
    return f"Your LearnHub actions: {len(entry.open)} open"


def render_email(name: str, context: dict[str, Any]) -> str:
    # Straight from the environment: an email has no request, page navigation or signed-in user.
    return current_app.jinja_env.get_template(name).render(context)


def send_action_digest() -> str:
    """Send every owner with open or overdue actions one email, over one connection.

    Nothing is written, so a digest that fails part way can simply run again; an address the
    relay refuses is logged and counted, and the others are still sent.
    """
    today = service_today()
    entries = digest_entries(db.session, today)
    if not entries:
        return "Action digest: no owner has open actions."
    settings = SmtpSettings.from_config(current_app.config)
    base_url = current_app.config["BASE_URL"].rstrip("/")
    sent, refused = 0, 0
    with smtp_connection(settings) as connection:
        for entry in entries:
            context = {
                "entry": entry,
                "today": today,
                "base_url": base_url,
                "labels": STATUS_LABELS,
            }
            message = build_message(
                settings,
                entry.email,
                digest_subject(entry),
                render_email("email/action_digest.txt", context),
                render_email("email/action_digest.html", context),
            )
            try:
                connection.send_message(message)
            except smtplib.SMTPRecipientsRefused:
                refused += 1
                log.warning("Action digest refused by the mail relay for one owner address")
                continue
            sent += 1
    return f"Action digest: {sent} sent, {refused} refused by the mail relay."
