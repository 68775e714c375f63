"""Test data for bulletins, made through the bulletin services the pages use."""

from __future__ import annotations

import datetime as dt

from learnhub.auth.models import User
from learnhub.bulletins import services
from learnhub.bulletins.models import Bulletin, Subscriber, SubscriberSource, SubscriberStatus
from learnhub.core.extensions import db
from learnhub.core.permissions import Role
from learnhub.core.time import utcnow
from tests.factories import make_user

PERIOD = dt.date(2026, 10, 1)


def editors() -> tuple[User, User]:
    return make_user(Role.EDITOR), make_user(Role.EDITOR)


def published_issue(
    period: dt.date = PERIOD, lead: str = "This month we **learned** a lot."
) -> Bulletin:
    first, second = editors()
    bulletin = services.assemble_draft(db.session, period)
    services.update_draft(bulletin, bulletin.title, lead)
    services.submit(bulletin, first)
    services.approve(bulletin, second)
    services.publish(db.session, bulletin, second)
    db.session.commit()
    return bulletin


def subscribers(count: int, prefix: str = "reader") -> list[Subscriber]:
    people = [
        Subscriber(
            email=f"{prefix}{i}@example.org",
            status=SubscriberStatus.CONFIRMED,
            source=SubscriberSource.IMPORT,
            confirmed_at=utcnow(),
        )
        for i in range(count)
    ]
    db.session.add_all(people)
    db.session.commit()
    return people
