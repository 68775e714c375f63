"""The one list of periodic jobs, and the scheduler process that runs them.

The scheduler runs in its own process (`learnhub scheduler`), never inside web workers. Each job
runs inside an app context and under a database lease, so a second scheduler started by mistake
skips a job another process is running instead of running it twice.
"""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Callable
from dataclasses import dataclass

from apscheduler.schedulers.blocking import BlockingScheduler
from apscheduler.triggers.cron import CronTrigger
from flask import Flask

from learnhub.actions.jobs import send_action_digest
from learnhub.bulletins.jobs import assemble_bulletin, send_scheduled_bulletin
from learnhub.core.extensions import db
from learnhub.core.locks import LeaseHeld, lease
from learnhub.dashboard.jobs import refresh_rollups
from learnhub.reports.jobs import settle_anonymous_rows
from learnhub.retention.jobs import purge_expired
from learnhub.suggestions.jobs import retrain_suggestions
from learnhub.themes.jobs import detect_themes

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Job:
    name: str
    run: Callable[[], str]
    trigger: dict[str, object]  # keyword arguments for a CronTrigger
    lease: dt.timedelta


JOBS: tuple[Job, ...] = (
    # First of the night: a day's anonymous rows left in no order (learnhub/reports/settle.py).
    Job(
        "settle-anonymous-rows",
        settle_anonymous_rows,
        {"hour": 0, "minute": 30},
        dt.timedelta(hours=1),
    ),
    Job("detect-themes", detect_themes, {"hour": 2, "minute": 15}, dt.timedelta(hours=1)),
    Job(
        "retrain-suggestions", retrain_suggestions, {"hour": 3, "minute": 30}, dt.timedelta(hours=1)
    ),
    # Every 15 minutes: the dashboard is at most a quarter of an hour behind the reports.
    Job("refresh-dashboard", refresh_rollups, {"minute": "*/15"}, dt.timedelta(minutes=30)),
    Job(
        "action-digest",
        send_action_digest,
        {"day_of_week": "mon", "hour": 8, "minute": 0},
        dt.timedelta(minutes=30),
    ),
    Job("purge-expired", purge_expired, {"hour": 1, "minute": 45}, dt.timedelta(minutes=30)),
    Job("assemble-bulletin", assemble_bulletin, {"hour": 6, "minute": 0}, dt.timedelta(minutes=30)),
    # Daily at 09:00 local time; it sends only on the month's first working day.
    Job("send-bulletin", send_scheduled_bulletin, {"hour": 9, "minute": 0}, dt.timedelta(hours=2)),
)


def run_job(app: Flask, job: Job) -> str | None:
    """Run one job now, under its lease; None if another process holds the lease."""
    with app.app_context():
        try:
            with lease(db.session, f"job:{job.name}", job.lease):
                message = job.run()
        except LeaseHeld:
            log.info("Job %s is running elsewhere; skipped", job.name)
            return None
        finally:
            db.session.remove()
    log.info("Job %s: %s", job.name, message)
    return message


def build_scheduler(app: Flask) -> BlockingScheduler:
    scheduler = BlockingScheduler(timezone=app.config["TIMEZONE"])
    for job in JOBS:
        scheduler.add_job(
            run_job,
            CronTrigger(timezone=app.config["TIMEZONE"], **job.trigger),
            args=(app, job),
            id=job.name,
            max_instances=1,
            coalesce=True,
            misfire_grace_time=3600,
        )
    return scheduler
