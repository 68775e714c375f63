"""The weekly action digest as its owner reads it, from templates/email/action_digest.txt and
.html. Nothing here sends: the job (learnhub/actions/jobs.py) does, over one connection."""

from __future__ import annotations

import datetime as dt
from email.message import EmailMessage

from learnhub.actions.forms import STATUS_LABELS
from learnhub.actions.services import DigestEntry
from learnhub.core.email import SmtpSettings, build_message, render_email


def digest_subject(entry: DigestEntry) -> str:
    if entry.overdue:
        return f"Your LearnHub actions: {len(entry.overdue)} overdue, {len(entry.open)} open"
    return f"Your LearnHub actions: {len(entry.open)} open"


def digest_message(
    settings: SmtpSettings, entry: DigestEntry, today: dt.date, base_url: str
) -> EmailMessage:
    context = {"entry": entry, "today": today, "base_url": base_url, "labels": STATUS_LABELS}
    return build_message(
        settings,
        entry.email,
        digest_subject(entry),
        render_email("email/action_digest.txt", context),
        render_email("email/action_digest.html", context),
    )
