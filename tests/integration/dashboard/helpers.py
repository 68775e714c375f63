"""Reports with dates, areas, factors and loop dates, for the dashboard's tests."""

from __future__ import annotations

import datetime as dt
from collections import defaultdict

import sqlalchemy as sa

from learnhub.auth.models import User
from learnhub.core.extensions import db
from learnhub.core.time import month_start
from learnhub.dashboard.models import NO_AREA
from learnhub.reports.models import Report, ServiceArea
from learnhub.taxonomy.models import FactorSource, FactorStatus, ReportFactor
from learnhub.taxonomy.services import active_version
from tests.factories import make_report


def area_id(slug: str) -> int:
    return db.session.scalar(sa.select(ServiceArea.id).where(ServiceArea.slug == slug))


def filed(
    received_on: dt.date,
    *,
    area: str | None = None,
    event_type: str = "near_miss",
    codes: tuple[str, ...] = (),
    triage_after: int | None = None,
    feedback_after: int | None = None,
    deidentified: bool = False,
    reviewer: User | None = None,
) -> Report:
    report, _ = make_report(
        received_on=received_on,
        event_month=month_start(received_on),
        event_type=event_type,
        service_area=area,
    )
    if triage_after is not None:
        report.triaged_on = received_on + dt.timedelta(days=triage_after)
    if feedback_after is not None:
        report.first_feedback_on = received_on + dt.timedelta(days=feedback_after)
    if deidentified:
        report.deidentified_on = received_on
    if codes:
        version = active_version(db.session)
        by_code = {c.code: c for c in version.codes}
        for code in codes:
            db.session.add(
                ReportFactor(
                    report_id=report.id,
                    code_id=by_code[code].id,
                    source=FactorSource.REVIEWER,
                    status=FactorStatus.CONFIRMED,
                    decided_by_id=reviewer.id if reviewer else None,
                )
            )
    db.session.commit()
    return report


def direct_counts() -> dict[tuple[dt.date, int, str], list[int]]:
    """Per (month received, area, event type): reports, triaged, with feedback, de-identified,
    counted straight from the reports table."""
    counts: dict[tuple[dt.date, int, str], list[int]] = defaultdict(lambda: [0, 0, 0, 0])
    for report in db.session.scalars(sa.select(Report)):
        key = (
            month_start(report.received_on),
            report.service_area_id or NO_AREA,
            report.event_type.value,
        )
        row = counts[key]
        row[0] += 1
        row[1] += report.triaged_on is not None
        row[2] += report.first_feedback_on is not None
        row[3] += report.deidentified_on is not None
    return dict(counts)
