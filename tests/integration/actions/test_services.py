"""Action services on a real database: the rules for creating and completing actions, the overdue
list, the digest's groups, and what a reporter reads as "you said, we did"."""

from __future__ import annotations

import datetime as dt

import pytest

from learnhub.actions import outcomes, services
from learnhub.actions.models import ActionStatus
from learnhub.actions.services import ActionDraft, ActionInvalid
from learnhub.core.extensions import db
from learnhub.themes.models import ThemeStatus
from tests.themes_data import make_theme, member_reports

TODAY = dt.date(2026, 11, 25)
pytestmark = pytest.mark.usefixtures("app")


def draft(**changes: object) -> ActionDraft:
    values: dict[str, object] = {
        "description": "Handover checklist in every duty team",
        "owner": "Duty and assessment service",
        "due_on": dt.date(2026, 12, 31),
        "owner_email": "",
    }
    values.update(changes)
    return ActionDraft(**values)  # type: ignore[arg-type]


def test_an_action_needs_what_will_change_an_owner_and_a_due_date() -> None:
    [report] = member_reports(1)
    with pytest.raises(ActionInvalid) as refused:
        services.create_action(
            db.session,
            draft(description=" ", owner="", due_on=None, owner_email="not an email"),
            report=report,
        )
    assert set(refused.value.errors) == {"description", "owner", "due_on", "owner_email"}
    with pytest.raises(ActionInvalid) as unlinked:
        services.create_action(db.session, draft())
    assert "link" in unlinked.value.errors


def test_completing_needs_evidence_and_reopening_clears_the_date() -> None:
    [report] = member_reports(1)
    action = services.create_action(db.session, draft(), report=report)
    assert action.status is ActionStatus.OPEN

    with pytest.raises(ActionInvalid) as refused:
        services.update_status(db.session, action, ActionStatus.COMPLETED, "  ", TODAY)
    assert "completion_evidence" in refused.value.errors
    assert action.status is ActionStatus.OPEN

    services.update_status(db.session, action, ActionStatus.COMPLETED, "Checklist live", TODAY)
    assert action.completed_on == TODAY
    assert action.completion_evidence == "Checklist live"
    services.update_status(db.session, action, ActionStatus.IN_PROGRESS, "", TODAY)
    assert action.completed_on is None


def test_overdue_means_open_or_in_progress_and_past_due() -> None:
    [report] = member_reports(1)
    late = services.create_action(db.session, draft(due_on=dt.date(2026, 11, 1)), report=report)
    due_today = services.create_action(db.session, draft(due_on=TODAY), report=report)
    done = services.create_action(db.session, draft(due_on=dt.date(2026, 10, 1)), report=report)
    services.update_status(db.session, done, ActionStatus.COMPLETED, "Done", TODAY)
    cancelled = services.create_action(
        db.session, draft(due_on=dt.date(2026, 10, 1)), report=report
    )
    services.update_status(db.session, cancelled, ActionStatus.CANCELLED, "", TODAY)

    assert services.overdue_actions(db.session, TODAY) == [late]
    assert not services.is_overdue(due_today, TODAY)


def test_completed_actions_for_report_come_from_the_report_and_its_accepted_themes() -> None:
    reports = member_reports(4)
    report = reports[0]
    accepted = make_theme(reports[:3], signature="s:acc", status=ThemeStatus.ACCEPTED)
    candidate = make_theme(reports[:3], signature="s:cand")
    other = make_theme(reports[1:], signature="s:other", status=ThemeStatus.ACCEPTED)

    def completed(**link: object) -> object:
        action = services.create_action(db.session, draft(), **link)  # type: ignore[arg-type]
        services.update_status(db.session, action, ActionStatus.COMPLETED, "Evidence", TODAY)
        return action

    on_report = completed(report=report)
    on_theme = completed(theme=accepted)
    completed(theme=candidate)  # not accepted: the panel has not agreed the theme
    completed(theme=other)  # a theme this report is not in
    services.create_action(db.session, draft(), theme=accepted)  # still open

    found = outcomes.completed_actions_for_report(db.session, report)

    assert {a.id for a in found} == {on_report.id, on_theme.id}  # type: ignore[attr-defined]


def test_digest_groups_open_and_overdue_actions_by_owner_email() -> None:
    [report] = member_reports(1)
    services.create_action(
        db.session,
        draft(owner_email="Duty@Example.org", due_on=dt.date(2026, 11, 2)),
        report=report,
    )
    services.create_action(
        db.session, draft(owner_email="duty@example.org", due_on=dt.date(2027, 1, 5)), report=report
    )
    services.create_action(db.session, draft(owner_email=""), report=report)
    finished = services.create_action(
        db.session, draft(owner_email="done@example.org"), report=report
    )
    services.update_status(db.session, finished, ActionStatus.COMPLETED, "Done", TODAY)

    [entry] = services.digest_entries(db.session, TODAY)

    assert entry.email == "duty@example.org"
    assert [a.due_on for a in entry.overdue] == [dt.date(2026, 11, 2)]
    assert [a.due_on for a in entry.open] == [dt.date(2027, 1, 5)]
