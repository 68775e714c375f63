"""What was done about a report, as its reporter may see it. Kept apart from the rest of the
actions feature so the reporter's follow-up page imports nothing that knows staff identity."""

from __future__ import annotations

import sqlalchemy as sa
from sqlalchemy.orm import Session

from learnhub.actions.models import Action, ActionStatus
from learnhub.reports.models import Report
from learnhub.themes.models import Theme, ThemeMember, ThemeStatus


def completed_actions_for_report(session: Session, report: Report) -> list[Action]:
    """What was done about a report, for its reporter ("you said, we did"): completed actions
    on the report itself or on an accepted theme it belongs to, oldest completion first."""
    accepted_themes = (
        sa.select(ThemeMember.theme_id)
        .join(Theme, Theme.id == ThemeMember.theme_id)
        .where(ThemeMember.report_id == report.id, Theme.status == ThemeStatus.ACCEPTED)
    )
    return list(
        session.scalars(
            sa.select(Action)
            .where(
                Action.status == ActionStatus.COMPLETED,
                sa.or_(Action.report_id == report.id, Action.theme_id.in_(accepted_themes)),
            )
            .order_by(Action.completed_on, Action.id)
        )
    )
