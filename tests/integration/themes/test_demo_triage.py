"""The demo panel's theme decisions and actions: made once, never repeated."""

from __future__ import annotations

import datetime as dt

import pytest
import sqlalchemy as sa

from learnhub.actions.models import Action, ActionStatus
from learnhub.actions.services import overdue_actions
from learnhub.core.extensions import db
from learnhub.core.permissions import Role
from learnhub.demo.themes import seed_theme_decisions
from learnhub.themes.models import LearningStatus, Theme, ThemeStatus
from tests.factories import make_user
from tests.themes_data import make_theme, member_reports

TODAY = dt.date(2026, 11, 25)


@pytest.mark.usefixtures("app")
def test_the_demo_panel_accepts_two_dismisses_one_and_agrees_three_actions() -> None:
    reports = member_reports(12)
    out_of_hours = make_theme(reports[:4], signature="d:ooh", codes=("ORG-7", "PRE-TECH-2"))
    placements = make_theme(reports[4:8], signature="d:placement", codes=("EXT-1", "ORG-4"))
    good = make_theme(reports[8:], signature="d:good", codes=("WW-1", "WW-7"), lift=1.7)
    left = make_theme(reports[2:6], signature="d:left", codes=("SUP-2", "PRE-WORKER-1"))
    reviewer = make_user(Role.REVIEWER)

    summary = seed_theme_decisions(reviewer, TODAY)

    assert summary == " Then the panel accepted 2, dismissed 1, agreed 3 actions."
    db.session.expire_all()
    status = {t.id: t for t in db.session.scalars(sa.select(Theme))}
    assert status[out_of_hours.id].learning_status is LearningStatus.ACTIVE_LEARNING
    assert status[placements.id].learning_status is LearningStatus.MONITORING
    assert status[placements.id].owner == "Head of placements and sufficiency"
    assert status[good.id].status is ThemeStatus.DISMISSED
    assert status[good.id].dismissed_reason
    assert status[left.id].status is ThemeStatus.CANDIDATE
    actions = db.session.scalars(sa.select(Action).order_by(Action.id)).all()
    assert [a.status for a in actions] == [
        ActionStatus.COMPLETED,
        ActionStatus.OPEN,
        ActionStatus.OPEN,
    ]
    assert actions[0].completion_evidence
    assert overdue_actions(db.session, TODAY) == [actions[1]]

    assert seed_theme_decisions(reviewer, TODAY) == ""
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Action)) == 3
