"""The demo panel's theme triage: after the theme job has run, the panel accepts two candidates
(one under active learning, one monitored), dismisses one with its reason, and agrees actions:
one completed with evidence, one overdue and one open. Done once; seeding again adds nothing."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import sqlalchemy as sa
from sqlalchemy.orm import Session

from learnhub.actions import services as actions
from learnhub.actions.models import ActionStatus
from learnhub.actions.services import ActionDraft
from learnhub.audit import services as audit
from learnhub.auth.models import User
from learnhub.themes import triage
from learnhub.themes.models import LearningStatus, Theme, ThemeStatus


@dataclass(frozen=True)
class Acceptance:
    codes: frozenset[str]  # a candidate holding all of these is the one the panel accepts
    title: str
    summary: str
    owner: str
    learning_status: LearningStatus


ACCEPTANCES = (
    Acceptance(
        frozenset({"ORG-7"}),
        "Out-of-hours staff cannot see what daytime teams know",
        "Out-of-hours workers make decisions without the case record or the day's plan: the "
        "system cannot be reached remotely and handovers from daytime teams are thin.",
        "Out of hours service manager",
        LearningStatus.ACTIVE_LEARNING,
    ),
    Acceptance(
        frozenset({"EXT-1"}),
        "No placement available on the day it is needed",
        "Children wait in offices or go to unregistered settings because no suitable placement "
        "can be found in time, and approving the cost takes longer than the search.",
        "Head of placements and sufficiency",
        LearningStatus.MONITORING,
    ),
)
DISMISSAL_REASON = (
    "These are good-practice reports that share a code by the way they were written up, not a "
    "risk in practice. The panel will keep sharing them as good practice instead."
)
DISMISS_CODE = "WW-1"  # "what went well": good practice, the least likely to need a theme


def already_triaged(session: Session) -> bool:
    decided = (ThemeStatus.ACCEPTED, ThemeStatus.DISMISSED, ThemeStatus.MERGED)
    return session.scalar(sa.select(Theme.id).where(Theme.status.in_(decided)).limit(1)) is not None


def pick(candidates: list[Theme], codes: frozenset[str], taken: set[int]) -> Theme | None:
    for theme in candidates:
        if theme.id not in taken and codes <= set(theme.defining_codes):
            return theme
    return next((t for t in candidates if t.id not in taken), None)


def triage_demo_themes(session: Session, reviewer: User, today: dt.date) -> str:
    """The demo panel's decisions, the first time there are candidates to decide on."""
    if already_triaged(session):
        return ""
    candidates = triage.candidate_themes(session)
    taken: set[int] = set()
    accepted: list[Theme] = []
    for acceptance in ACCEPTANCES:
        theme = pick(candidates, acceptance.codes, taken)
        if theme is None:
            break
        taken.add(theme.id)
        triage.accept(
            session,
            theme,
            reviewer,
            title=acceptance.title,
            summary=acceptance.summary,
            owner=acceptance.owner,
            learning_status=acceptance.learning_status,
        )
        audit.record(session, reviewer, "update", "theme", theme.id, {"decision": "accept"})
        accepted.append(theme)
    dismissable = sorted(
        (t for t in candidates if t.id not in taken and DISMISS_CODE in t.defining_codes),
        # A weak code combination rather than a story cluster: the panel's likeliest dismissal.
        key=lambda t: (t.kind.value != "factor_combination", triage.score(t)),
    ) or [t for t in reversed(candidates) if t.id not in taken]
    dismissed = 0
    if dismissable:
        triage.dismiss(session, dismissable[0], reviewer, reason=DISMISSAL_REASON)
        audit.record(
            session, reviewer, "update", "theme", dismissable[0].id, {"decision": "dismiss"}
        )
        dismissed = 1
    agreed = agree_demo_actions(session, reviewer, accepted, today)
    return f"the panel accepted {len(accepted)}, dismissed {dismissed}, agreed {agreed} actions."


def agree_demo_actions(
    session: Session, reviewer: User, accepted: list[Theme], today: dt.date
) -> int:
    if not accepted:
        return 0
    active, monitored = accepted[0], accepted[-1]
    plans = [
        (
            active,
            ActionDraft(
                "Give the out-of-hours team read access to the case record from home laptops",
                "ICT service desk with the out of hours service manager",
                today - dt.timedelta(days=40),
            ),
            "Remote access switched on for all 14 out-of-hours workers; tested on three "
            "weekend shifts with no log-in failures.",
        ),
        (
            active,
            ActionDraft(
                "A written end-of-day handover from duty teams for every open child protection "
                "enquiry",
                "Duty and assessment team managers",
                today - dt.timedelta(days=14),
                owner_email="duty-managers@demo.example.org",
            ),
            None,
        ),
        (
            monitored,
            ActionDraft(
                "Agree an emergency placement budget the duty manager can approve on the day",
                "Head of placements and sufficiency",
                today + dt.timedelta(days=60),
                owner_email="placements@demo.example.org",
            ),
            None,
        ),
    ]
    for theme, draft, evidence in plans:
        action = actions.create_action(session, draft, theme=theme, created_by=reviewer)
        if evidence:
            actions.update_status(session, action, ActionStatus.COMPLETED, evidence, today)
        audit.record(session, reviewer, "create", "action", action.id, {"via": "demo"})
    return len(plans)


def seed_theme_decisions(reviewer: User | None, today: dt.date) -> str:
    """For seed.py: the panel's decisions, committed; a sentence for the summary, or ""."""
    from learnhub.core.extensions import db

    if reviewer is None:
        return ""
    decided = triage_demo_themes(db.session, reviewer, today)
    db.session.commit()
    return f" Then {decided}" if decided else ""
