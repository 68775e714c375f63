"""The review panel's later work in the demo: some coded reports de-identified, some ready for
learning, a few closed with an outcome note, a few waiting for the reporter's answer, and some
of those answered (a new reply the panel has not read yet).

Each step goes through the services the report page uses, picks its reports by a stable digest of
their demo key, and only acts on a report still in the state it expects, so seeding again adds
nothing twice.
"""

from __future__ import annotations

import datetime as dt
import hashlib
from dataclasses import dataclass

import sqlalchemy as sa

from learnhub.auth.models import User
from learnhub.core.extensions import db
from learnhub.reports.models import Report, ReportStatus
from learnhub.reports.services import add_reporter_reply, ask_reporter
from learnhub.review import redaction, services

# Out of ten coded reports, by the digest of their key: these many are de-identified, of those
# these many move on to ready for learning, and of those these many are closed.
DEIDENTIFY_OF_TEN = 5
READY_OF_TEN = 3
CLOSED_OF_TEN = 1
ASKED_OF_TEN = 2  # of the reports not de-identified: the panel has a question for the reporter
REPLIED_OF_TEN = 5  # of those asked: the reporter has answered, and no reviewer has read it yet

OUTCOME_NOTES = (
    "Thank you. The panel shared this with the team managers' meeting, and the handover "
    "checklist now asks who will see the child next and when.",
    "Thank you. This joined several similar reports. Duty rotas now show who covers each "
    "team's urgent work, and out-of-hours staff can see them.",
    "Thank you. The panel raised this with the partnership. Strategy discussions now record "
    "who was invited and why anyone could not attend.",
    "Thank you. Your report was used in group supervision as an example of good practice, "
    "and it will appear in the next learning bulletin.",
)
REPLIES = (
    "Yes, it was only in the case notes; the paper file had gone to archive.",
    "It was late on a Friday and the duty manager was covering two teams.",
    "A checklist at handover, and someone to ring when the system was down.",
)
QUESTIONS = (
    "Thank you for this. Was the recording system the only place this information was held?",
    "Thank you. Did anything about the time of day make this more likely?",
    "Thank you. What would have helped most at the moment this happened?",
)


@dataclass
class ReviewDemoResult:
    deidentified: int = 0
    ready: int = 0
    closed: int = 0
    asked: int = 0
    replied: int = 0

    def summary(self) -> str:
        return (
            f"{self.deidentified} de-identified, {self.ready} ready for learning, "
            f"{self.closed} closed with an outcome, {self.asked - self.replied} waiting for "
            f"the reporter, {self.replied} answered by the reporter."
        )


def _slot(key: str, purpose: str = "review") -> int:
    return hashlib.sha256((purpose + ":" + key).encode()).digest()[0] % 10


def _day(report: Report, days: int, today: dt.date) -> dt.date:
    return min(today, report.received_on + dt.timedelta(days=days))


def review_demo_reports(reviewer: User | None, today: dt.date) -> ReviewDemoResult:
    """Move some coded demo reports on through the panel's workflow; commits once."""
    result = ReviewDemoResult()
    if reviewer is None:
        return result
    coded = db.session.scalars(
        sa.select(Report)
        .where(Report.import_key.like("demo-%"), Report.status == ReportStatus.CODING)
        .order_by(Report.received_on, Report.id)
    )
    for report in coded:
        slot = _slot(report.import_key or report.reference)
        if slot < DEIDENTIFY_OF_TEN and report.deidentified_on is None:
            # A reviewer reads the whole text; the demo takes the detector's placeholders as read.
            redaction.confirm_redaction(
                db.session,
                report,
                redaction.first_draft(report),
                _day(report, 5, today),
                confirm_anyway=True,
            )
            result.deidentified += 1
            if slot < READY_OF_TEN:
                services.move_report(
                    db.session, report, ReportStatus.READY_FOR_LEARNING, _day(report, 6, today)
                )
                result.ready += 1
            if slot < CLOSED_OF_TEN:
                note = OUTCOME_NOTES[report.id % len(OUTCOME_NOTES)]
                services.close_report(db.session, report, note, _day(report, 21, today))
                result.closed += 1
        elif slot >= 10 - ASKED_OF_TEN and not report.messages:
            question = QUESTIONS[report.id % len(QUESTIONS)]
            ask_reporter(db.session, report, reviewer.id, question, _day(report, 4, today))
            result.asked += 1
            if _slot(report.import_key or report.reference, "reply") < REPLIED_OF_TEN:
                # The reporter answers with their receipt; the report comes back to coding.
                reply = REPLIES[report.id % len(REPLIES)]
                add_reporter_reply(db.session, report, reply, _day(report, 7, today))
                result.replied += 1
    db.session.commit()
    return result
