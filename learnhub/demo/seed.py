"""Seeding the demo: one account per role and a realistic set of synthetic reports.

Everything goes through the same services the pages use, and every row is keyed so that seeding
the same database again adds nothing twice.
"""

from __future__ import annotations

import datetime as dt
import hashlib
from dataclasses import dataclass, field

import sqlalchemy as sa
from flask import current_app

from learnhub.audit import services as audit
from learnhub.auth import services as accounts
from learnhub.auth.models import User
from learnhub.core.context import service_today
from learnhub.core.extensions import db
from learnhub.core.permissions import Role
from learnhub.dashboard.jobs import refresh_rollups
from learnhub.demo.bulletins import seed_demo_bulletins
from learnhub.demo.narratives import DemoReport, generate_reports
from learnhub.demo.panel import code_demo_reports, second_reviewer
from learnhub.demo.review import review_demo_reports
from learnhub.demo.themes import seed_theme_decisions
from learnhub.reports.models import Report, ReportSource
from learnhub.reports.services import ReportSubmission, file_report

# Printed for the local demo; `learnhub demo` refuses to run in production.
DEMO_PASSWORD = "learnhub-demo-password"  # noqa: S105
DEMO_DOMAIN = "demo.example.org"  # reserved for examples (RFC 2606): no one can receive mail
DEMO_ACCOUNTS = (
    (Role.REVIEWER, "Robin Reviewer"),
    (Role.EDITOR, "Eden Editor"),
    (Role.LEADER, "Lee Leader"),
    (Role.ADMIN, "Ash Admin"),
)
BATCH_SIZE = 200

# The taxonomy code a reporter would tick for each contributory factor the demo writes about.
HINT_CODES = {
    "agency-turnover": "ORG-1",
    "budget-authority": "ORG-4",
    "caseload": "PRE-WORKER-1",
    "child-not-seen": "ACT-CHILD-1",
    "child-voice": "ACT-CHILD-2",
    "chronology": "PRE-TECH-1",
    "communication": "PRE-TEAM-2",
    "confirmation-bias": "ACT-DEC-3",
    "decision-delay": "SUP-3",
    "disguised-compliance": "PRE-FAM-1",
    "escalation": "PRE-TEAM-5",
    "exploitation": "PRE-FAM-3",
    "family-engagement": "PRE-FAM-1",
    "fear-of-blame": "ORG-5",
    "fixed-thinking": "ACT-DEC-3",
    "good-catch": "WW-1",
    "handover": "PRE-TEAM-1",
    "hidden-history": "ACT-DEC-4",
    "inconsistent-decisions": "ACT-DEC-2",
    "information-access": "PRE-TECH-2",
    "information-sharing": "PRE-TEAM-2",
    "interpreter": "PRE-FAM-2",
    "joint-planning": "WW-3",
    "language-needs": "PRE-FAM-2",
    "lived-experience": "ACT-CHILD-2",
    "multi-agency": "PRE-TEAM-2",
    "new-staff": "PRE-WORKER-3",
    "organisational-climate": "ORG-5",
    "out-of-hours": "ORG-7",
    "pathway-planning": "ORG-3",
    "placement-sufficiency": "EXT-1",
    "police-attendance": "PRE-TEAM-3",
    "professional-curiosity": "WW-1",
    "recording-system": "PRE-TECH-1",
    "reflection-time": "PRE-WORKER-4",
    "scheduling": "PRE-WORKER-1",
    "staffing": "ORG-1",
    "strategy-discussion": "PRE-TEAM-3",
    "supervision": "SUP-2",
    "teamwork": "WW-7",
    "threshold": "ACT-DEC-2",
    "training": "ORG-2",
    "transition": "PRE-TEAM-1",
    "unregistered-setting": "EXT-1",
    "workload": "PRE-WORKER-1",
}


@dataclass
class SeedResult:
    accounts: list[tuple[str, str]] = field(default_factory=list)
    accounts_created: int = 0
    reports_created: int = 0
    reports_existing: int = 0
    coded: int = 0
    second_opinions: int = 0
    training: str = ""
    themes: str = ""
    review: str = ""

    def summary(self) -> str:
        lines = [
            f"Demo: {self.accounts_created} accounts created, {self.reports_created} reports "
            f"created, {self.reports_existing} already there.",
            f"Review panel: {self.coded} reports coded ({self.second_opinions} by two reviewers).",
        ]
        if self.training:
            lines.append(f"Suggestions: {self.training}")
        if self.themes:
            lines.append(f"Themes: {self.themes}")
        if self.review:
            lines.append(f"Reports worked: {self.review}")
        return "\n".join(lines)


def count_accounts() -> int:
    return db.session.scalar(sa.select(sa.func.count()).select_from(User)) or 0


def demo_email(role: Role) -> str:
    return f"{role.value}@{DEMO_DOMAIN}"


def ensure_demo_accounts(result: SeedResult) -> None:
    for role, name in DEMO_ACCOUNTS:
        email = demo_email(role)
        result.accounts.append((email, role.value))
        if accounts.find_user_by_email(db.session, email) is None:
            user = accounts.create_user(db.session, email, role, DEMO_PASSWORD, name)
            audit.record(db.session, None, "create", "user", user.id, {"via": "demo"})


def existing_demo_keys() -> set[str]:
    return set(
        db.session.scalars(sa.select(Report.import_key).where(Report.import_key.like("demo-%")))
    )


def reporter_ticks(demo: DemoReport) -> list[str]:
    """The codes this reporter ticked: most of what they wrote about, as real reporters do.

    A stable digest of the report's key decides, so seeding twice ticks the same boxes.
    """
    codes = list(dict.fromkeys(HINT_CODES[h] for h in demo.factor_hints if h in HINT_CODES))
    digest = hashlib.sha256(demo.seed_key.encode()).digest()
    return [code for i, code in enumerate(codes) if digest[i % len(digest)] % 10 < 7]


def submission_for(demo: DemoReport) -> ReportSubmission:
    return ReportSubmission(
        narrative=demo.what_happened,
        what_nearly_happened=demo.what_nearly_happened,
        what_stopped_it=demo.what_stopped_it,
        what_made_it_likely=demo.what_made_it_likely,
        what_would_help=demo.what_would_help,
        event_type=demo.event_type,
        event_month=demo.event_month,
        potential_severity=demo.potential_severity,
        service_area=demo.service_area,
        reporter_role=demo.reporter_role,
        import_key=demo.seed_key,
        factor_codes=reporter_ticks(demo),
    )


def seed_reports(count: int, today: dt.date, result: SeedResult) -> None:
    receipt_key = current_app.config["RECEIPT_KEY"]
    seen = existing_demo_keys()
    for index, demo in enumerate(generate_reports(count, today=today)):
        if demo.seed_key in seen:
            result.reports_existing += 1
            continue
        # Each report is filed on the day it says it arrived, as its reporter would have.
        file_report(
            db.session,
            submission_for(demo),
            today=demo.received_on,
            source=ReportSource.DEMO,
            receipt_key=receipt_key,
        )
        result.reports_created += 1
        if index % BATCH_SIZE == BATCH_SIZE - 1:
            db.session.commit()


def seed_demo(report_count: int, today: dt.date | None = None) -> SeedResult:
    """Create what is missing of the demo; commits in batches so a large seed can resume."""
    today = today or service_today()
    result = SeedResult()
    accounts_at_start = count_accounts()
    ensure_demo_accounts(result)
    db.session.commit()
    seed_reports(report_count, today, result)
    db.session.commit()
    first = accounts.find_user_by_email(db.session, demo_email(Role.REVIEWER))
    second = second_reviewer(DEMO_DOMAIN, DEMO_PASSWORD)
    result.accounts.append((second.email, Role.REVIEWER.value))
    db.session.commit()
    panel = code_demo_reports(report_count, today, first, second, HINT_CODES)
    result.coded, result.second_opinions, result.training = (
        panel.coded,
        panel.second_opinions,
        panel.training,
    )
    result.review = review_demo_reports(first, today).summary()
    result.themes = detect_demo_themes(today)
    result.themes += seed_theme_decisions(first, today)
    result.accounts.extend(seed_demo_bulletins(today, DEMO_DOMAIN, DEMO_PASSWORD))
    # Counted once at the end, so every account any part of the demo made is in the figure.
    result.accounts_created = count_accounts() - accounts_at_start
    refresh_rollups()  # the dashboard reads roll-ups: fill them now, not 15 minutes from now
    return result


def detect_demo_themes(today: dt.date) -> str:
    """Run the theme job once, the first time the demo is seeded: seeding again adds no run."""
    from learnhub.themes.jobs import run_detection
    from learnhub.themes.models import RunStatus, ThemeRun

    done = db.session.scalar(sa.select(ThemeRun.id).where(ThemeRun.status == RunStatus.SUCCEEDED))
    if done is not None:
        return ""
    run = run_detection(db.session, today)
    return f"{run.candidates_new} candidate themes from {run.reports_read} reports."
