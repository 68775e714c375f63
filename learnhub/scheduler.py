"""The one list of periodic jobs, and the scheduler process that runs them.

Each feature declares its jobs in its own ``jobs.py`` (a ``learnhub.core.jobs.Job``); this module
only collects them, in the order of a night's work, and hands them to APScheduler. The scheduler
runs in its own process (`learnhub scheduler`), never inside web workers. Each job runs inside an
app context and under a database lease (``learnhub.core.jobs.run_job``), so a second scheduler
started by mistake skips a job another process is running instead of running it twice.
"""

from __future__ import annotations

from apscheduler.schedulers.blocking import BlockingScheduler
from apscheduler.triggers.cron import CronTrigger
from flask import Flask

from learnhub.actions.jobs import ACTION_DIGEST
from learnhub.bulletins.jobs import ASSEMBLE_BULLETIN, SEND_BULLETIN
from learnhub.core.jobs import Job, run_job
from learnhub.dashboard.jobs import REFRESH_DASHBOARD
from learnhub.reports.jobs import SETTLE_ANONYMOUS_ROWS
from learnhub.retention.jobs import PURGE_EXPIRED
from learnhub.suggestions.jobs import RETRAIN_SUGGESTIONS
from learnhub.themes.jobs import DETECT_THEMES

JOBS: tuple[Job, ...] = (
    SETTLE_ANONYMOUS_ROWS,  # 00:30
    DETECT_THEMES,  # 02:15
    RETRAIN_SUGGESTIONS,  # 03:30
    REFRESH_DASHBOARD,  # every 15 minutes
    ACTION_DIGEST,  # Mondays 08:00
    PURGE_EXPIRED,  # 01:45
    ASSEMBLE_BULLETIN,  # 06:00
    SEND_BULLETIN,  # every 15 minutes: sends an issue once due, retries with back-off
)


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


__all__ = ["JOBS", "build_scheduler"]
