"""The bulletin's share of the demo: a second editor, a few confirmed subscribers at the reserved
example domain, and last month's issue, approved by the second editor and published. No email
is sent: the scheduler or `learnhub bulletins send` would do that."""

from __future__ import annotations

import datetime as dt

import sqlalchemy as sa

from learnhub.audit import services as audit
from learnhub.auth import services as accounts
from learnhub.auth.models import User
from learnhub.bulletins import services
from learnhub.bulletins import subscribers as subscriber_service
from learnhub.bulletins.models import Bulletin, BulletinStatus
from learnhub.core.extensions import db
from learnhub.core.permissions import Role
from learnhub.core.time import add_months

SECOND_EDITOR = ("editor2", "Eli Second-Editor")
DEMO_SUBSCRIBERS = ("duty.team", "fostering.team", "leaving.care", "practice.lead", "quality")
LEAD = """Thank you to everyone who took the time to tell us what nearly went wrong, and what
went well. **Every report was read by the review panel**, and none of them was about blame.

This month the panel looked again at how information moves at **handovers**: between shifts,
between teams, and when a colleague leaves. Read on for what we have learned, what has changed
because of your reports, and a few stories from practice, shared with anything that could
identify anyone taken out.

If something nearly went wrong for you this month, tell us about it on the reporting page: it
takes about five minutes, and no one will know it was you."""


def _user(email: str, role: Role, name: str, password: str) -> User:
    user = accounts.find_user_by_email(db.session, email)
    if user is None:
        user = accounts.create_user(db.session, email, role, password, name)
        audit.record(db.session, None, "create", "user", user.id, {"via": "demo"})
    return user


def seed_demo_bulletins(today: dt.date, domain: str, password: str) -> list[tuple[str, str]]:
    """Idempotent: once a published issue exists, nothing more is made. Returns the accounts."""
    first = _user(f"editor@{domain}", Role.EDITOR, "Eden Editor", password)
    second = _user(f"{SECOND_EDITOR[0]}@{domain}", Role.EDITOR, SECOND_EDITOR[1], password)
    for name in DEMO_SUBSCRIBERS:
        subscriber_service.import_list(db.session, f"{name}@{domain}")
    db.session.commit()
    made = [(second.email, Role.EDITOR.value)]
    if db.session.scalar(sa.select(Bulletin.id).where(Bulletin.number.is_not(None)).limit(1)):
        return made
    period = add_months(today.replace(day=1), -1)
    existing = services.bulletin_for(db.session, period)
    if existing is not None and existing.status != BulletinStatus.DRAFT:
        return made
    bulletin = services.assemble_draft(db.session, period)
    stories = services.story_candidates(db.session, bulletin)[:2]
    if stories:
        services.pick_stories(db.session, bulletin, [report.id for report in stories])
    services.update_draft(bulletin, f"Handovers, and what changed: {period:%B %Y}", LEAD)
    services.submit(bulletin, first)
    services.approve(bulletin, second)
    services.publish(db.session, bulletin, second)
    for actor, verb in ((first, "submit"), (second, "approve"), (second, "publish")):
        audit.record(db.session, actor, verb, "bulletin", bulletin.id, {"via": "demo"})
    db.session.commit()
    return made
