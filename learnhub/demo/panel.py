"""The review panel's share of the demo: older reports coded by reviewers through the same
coding service the report page uses, some coded twice so agreement can be measured, and a
suggestion model trained from those codes."""

from __future__ import annotations

import datetime as dt
import hashlib
from dataclasses import dataclass

import sqlalchemy as sa

from learnhub.audit import services as audit
from learnhub.auth import services as accounts
from learnhub.auth.models import User
from learnhub.core.extensions import db
from learnhub.core.permissions import Role
from learnhub.core.time import add_months, month_start
from learnhub.demo.narratives import generate_reports
from learnhub.reports.models import Report
from learnhub.review import coding
from learnhub.suggestions import training
from learnhub.taxonomy import services as taxonomy
from learnhub.taxonomy.models import ReviewerCoding

SECOND_REVIEWER = ("reviewer2", "Sam Second-Reviewer")
# Reports from the last two months stay in the triage queue for the demo's reviewer to work.
UNCODED_RECENT_MONTHS = 2
SECOND_OPINION_EVERY = 12  # about one report in twelve is coded by both reviewers


@dataclass
class PanelResult:
    coded: int = 0
    second_opinions: int = 0
    training: str = ""


def second_reviewer(domain: str, password: str) -> User:
    email = f"{SECOND_REVIEWER[0]}@{domain}"
    user = accounts.find_user_by_email(db.session, email)
    if user is None:
        user = accounts.create_user(db.session, email, Role.REVIEWER, password, SECOND_REVIEWER[1])
        audit.record(db.session, None, "create", "user", user.id, {"via": "demo"})
    return user


def _digest(key: str) -> bytes:
    return hashlib.sha256(key.encode()).digest()


def reviewer_codes(hints: tuple[str, ...], hint_codes: dict[str, str]) -> list[str]:
    return sorted({hint_codes[h] for h in hints if h in hint_codes})


def second_opinion(codes: list[str], key: str, all_codes: list[str]) -> list[str]:
    """A second reviewer mostly agrees: sometimes drops one code, sometimes adds a neighbour."""
    digest = _digest("second:" + key)
    result = list(codes)
    if result and digest[0] % 4 == 0:
        result.pop(digest[1] % len(result))
    if digest[2] % 3 == 0:
        result.append(all_codes[digest[3] % len(all_codes)])
    return sorted(set(result))


def code_demo_reports(
    count: int, today: dt.date, first: User, second: User, hint_codes: dict[str, str]
) -> PanelResult:
    result = PanelResult()
    version = taxonomy.active_version(db.session)
    if version is None:
        return result
    all_codes = [code.code for code in version.codes]
    cutoff = add_months(month_start(today), -UNCODED_RECENT_MONTHS)
    reports = {
        r.import_key: r
        for r in db.session.scalars(
            sa.select(Report).where(Report.import_key.like("demo-%"), Report.received_on < cutoff)
        )
    }
    done = set(
        db.session.scalars(
            sa.select(ReviewerCoding.report_id).where(
                ReviewerCoding.reviewer_id.in_([first.id, second.id])
            )
        )
    )
    for demo in generate_reports(count, today=today):
        report = reports.get(demo.seed_key)
        if report is None or report.id in done:
            continue
        codes = reviewer_codes(demo.factor_hints, hint_codes)
        if not codes:
            continue
        moment = dt.datetime.combine(report.received_on + dt.timedelta(days=3), dt.time(10), dt.UTC)
        coding.save_coding(db.session, report, first, version, codes, moment)
        result.coded += 1
        if _digest(demo.seed_key)[5] % SECOND_OPINION_EVERY == 0:
            other = second_opinion(codes, demo.seed_key, all_codes)
            coding.save_coding(db.session, report, second, version, other, moment)
            coding.save_coding(db.session, report, first, version, codes, moment)
            result.second_opinions += 1
        if result.coded % 200 == 0:
            db.session.commit()
    db.session.commit()
    if result.coded or training.active_model(db.session, version) is None:
        result.training = training.retrain(db.session, version).message
        db.session.commit()
    return result
