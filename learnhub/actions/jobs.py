"""The weekly digest to action owners: each owner email gets its open and overdue actions."""

from __future__ import annotations

import datetime as dt
import logging
import smtplib

from flask import current_app

from learnhub.actions.emails import digest_message
from learnhub.actions.services import digest_entries
from learnhub.core.context import service_today
from learnhub.core.email import SmtpSettings, smtp_connection
from learnhub.core.extensions import db
from learnhub.core.jobs import Job

log = logging.getLogger(__name__)


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
            message = digest_message(settings, entry, today, base_url)
            try:
                connection.send_message(message)
            except smtplib.SMTPRecipientsRefused:
                refused += 1
                log.warning("Action digest refused by the mail relay for one owner address")
                continue
            sent += 1
    return f"Action digest: {sent} sent, {refused} refused by the mail relay."


ACTION_DIGEST = Job(
    "action-digest",
    send_action_digest,
    {"day_of_week": "mon", "hour": 8, "minute": 0},
    dt.timedelta(minutes=30),
)
