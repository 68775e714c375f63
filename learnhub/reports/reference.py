"""Reference data for ``learnhub init``: the service areas of a children's services department."""

from __future__ import annotations

import sqlalchemy as sa
from sqlalchemy.orm import Session

from learnhub.reports.models import ServiceArea

DEFAULT_SERVICE_AREAS = (
    ("front-door", "Front door and MASH"),
    ("early-help", "Early help and family support"),
    ("assessment", "Assessment and intervention"),
    ("child-protection", "Child protection and children in need"),
    ("children-in-care", "Children in care"),
    ("care-leavers", "Care leavers"),
    ("fostering", "Fostering and adoption"),
    ("residential", "Residential children's homes"),
    ("disabled-children", "Disabled children's service"),
    ("youth-justice", "Youth justice"),
    ("out-of-hours", "Out of hours (emergency duty team)"),
)


def ensure_service_areas(session: Session) -> int:
    """Add any default area that is missing; never touches ones an administrator changed."""
    existing = set(session.scalars(sa.select(ServiceArea.slug)))
    added = 0
    for position, (slug, name) in enumerate(DEFAULT_SERVICE_AREAS):
        if slug not in existing:
            session.add(ServiceArea(slug=slug, name=name, position=position))
            added += 1
    session.flush()
    return added


def active_service_areas(session: Session) -> list[ServiceArea]:
    return list(
        session.scalars(
            sa.select(ServiceArea)
            .where(ServiceArea.is_active.is_(True))
            .order_by(ServiceArea.position, ServiceArea.name)
        )
    )
