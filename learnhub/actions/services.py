"""Actions the panel agrees on a theme or a report: creating them, moving them through their
statuses, the overdue list, the weekly digest's groups, and "you said, we did" for reporters.
Services flush; the caller commits."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

import sqlalchemy as sa
from sqlalchemy.orm import Session

from learnhub.actions.models import Action, ActionStatus
from learnhub.auth.models import User
from learnhub.auth.services import AccountError, normalise_email
from learnhub.reports.models import Report
from learnhub.themes.models import Theme

OPEN_STATUSES = (ActionStatus.OPEN, ActionStatus.IN_PROGRESS)
MAX_DESCRIPTION = 5000
MAX_OWNER = 200
MAX_EVIDENCE = 5000


class ActionInvalid(Exception):
    """What is wrong with an action, one message per form field."""

    def __init__(self, errors: dict[str, str]) -> None:
        super().__init__("; ".join(errors.values()))
        self.errors = errors


@dataclass(frozen=True)
class ActionDraft:
    description: str
    owner: str
    due_on: dt.date | None
    owner_email: str = ""


def _check_text(errors: dict[str, str], name: str, value: str, empty: str, limit: int) -> str:
    value = (value or "").strip()
    if not value and empty:
        errors[name] = empty
    elif len(value) > limit:
        errors[name] = (
            f"{name.replace('_', ' ').capitalize()} must be {limit:,} characters or fewer"
        )
    return value


def _check_email(errors: dict[str, str], value: str) -> str | None:
    value = (value or "").strip()
    if not value:
        return None
    try:
        return normalise_email(value)
    except AccountError:
        errors["owner_email"] = "Enter an email address like team@example.org, or leave it empty"
        return value


def create_action(
    session: Session,
    draft: ActionDraft,
    *,
    theme: Theme | None = None,
    report: Report | None = None,
    created_by: User | None = None,
) -> Action:
    """A new open action on a theme or a report, owned by a team or role."""
    errors: dict[str, str] = {}
    if theme is None and report is None:
        errors["link"] = "An action belongs to a theme or a report"
    description = _check_text(
        errors, "description", draft.description, "Enter what will change", MAX_DESCRIPTION
    )
    owner = _check_text(
        errors, "owner", draft.owner, "Enter the team or role that owns the action", MAX_OWNER
    )
    email = _check_email(errors, draft.owner_email)
    if draft.due_on is None:
        errors["due_on"] = "Enter the date the action is due"
    if errors:
        raise ActionInvalid(errors)
    assert draft.due_on is not None
    action = Action(
        theme_id=theme.id if theme else None,
        report_id=report.id if report else None,
        description=description,
        owner=owner,
        owner_email=email,
        due_on=draft.due_on,
        status=ActionStatus.OPEN,
        created_by_id=created_by.id if created_by else None,
    )
    session.add(action)
    session.flush()
    return action


def update_status(
    session: Session, action: Action, status: ActionStatus, evidence: str, today: dt.date
) -> Action:
    """Move an action on; completing it needs evidence of what changed."""
    errors: dict[str, str] = {}
    evidence = _check_text(
        errors,
        "completion_evidence",
        evidence,
        "Enter the evidence that the action is complete"
        if status is ActionStatus.COMPLETED
        else "",
        MAX_EVIDENCE,
    )
    if errors:
        raise ActionInvalid(errors)
    action.status = status
    if status is ActionStatus.COMPLETED:
        action.completion_evidence = evidence
        action.completed_on = action.completed_on or today
    else:
        action.completion_evidence = evidence or action.completion_evidence
        action.completed_on = None
    session.flush()
    return action


def is_overdue(action: Action, today: dt.date) -> bool:
    return action.status in OPEN_STATUSES and action.due_on < today


def all_actions(session: Session, status: ActionStatus | None = None) -> list[Action]:
    query = sa.select(Action)
    if status is not None:
        query = query.where(Action.status == status)
    return list(session.scalars(query.order_by(Action.due_on, Action.id)))


def overdue_actions(session: Session, today: dt.date) -> list[Action]:
    """Open or in-progress actions past their due date, the longest overdue first."""
    return list(
        session.scalars(
            sa.select(Action)
            .where(Action.status.in_(OPEN_STATUSES), Action.due_on < today)
            .order_by(Action.due_on, Action.id)
        )
    )


def actions_for_theme(session: Session, theme: Theme) -> list[Action]:
    return list(
        session.scalars(
            sa.select(Action).where(Action.theme_id == theme.id).order_by(Action.due_on, Action.id)
        )
    )


def actions_for_report(session: Session, report: Report) -> list[Action]:
    return list(
        session.scalars(
            sa.select(Action)
            .where(Action.report_id == report.id)
            .order_by(Action.due_on, Action.id)
        )
    )


@dataclass
class ActionCounts:
    open: int = 0
    overdue: int = 0
    completed: int = 0


def counts_by_theme(
    session: Session, theme_ids: list[int], today: dt.date
) -> dict[int, ActionCounts]:
    counts = {theme_id: ActionCounts() for theme_id in theme_ids}
    if not theme_ids:
        return counts
    rows = session.execute(
        sa.select(Action.theme_id, Action.status, Action.due_on).where(
            Action.theme_id.in_(theme_ids)
        )
    )
    for theme_id, status, due_on in rows:
        entry = counts[theme_id]
        if status is ActionStatus.COMPLETED:
            entry.completed += 1
        elif status in OPEN_STATUSES:
            entry.open += 1
            entry.overdue += due_on < today
    return counts


@dataclass
class DigestEntry:
    """One owner's actions for the weekly digest."""

    email: str
    overdue: list[Action] = field(default_factory=list)
    open: list[Action] = field(default_factory=list)


def digest_entries(session: Session, today: dt.date) -> list[DigestEntry]:
    """Open and in-progress actions with an owner email, grouped by that address."""
    entries: dict[str, DigestEntry] = {}
    rows = session.scalars(
        sa.select(Action)
        .where(Action.status.in_(OPEN_STATUSES), Action.owner_email.is_not(None))
        .order_by(Action.due_on, Action.id)
    )
    for action in rows:
        email = (action.owner_email or "").strip().lower()
        if not email:
            continue
        entry = entries.setdefault(email, DigestEntry(email=email))
        (entry.overdue if action.due_on < today else entry.open).append(action)
    return [entries[email] for email in sorted(entries)]
