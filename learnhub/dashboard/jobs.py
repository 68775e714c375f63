"""The roll-up refresh, for the scheduler and for `learnhub dashboard refresh`."""

from __future__ import annotations

import datetime as dt

import click
from flask.cli import with_appcontext

from learnhub.core.extensions import db
from learnhub.core.jobs import Job, run_job_now
from learnhub.dashboard.rollups import refresh


def refresh_rollups() -> str:
    result = refresh(db.session)
    db.session.commit()
    return result.summary()


# Every 15 minutes: the dashboard is at most a quarter of an hour behind the reports.
REFRESH_DASHBOARD = Job(
    "refresh-dashboard", refresh_rollups, {"minute": "*/15"}, dt.timedelta(minutes=30)
)


@click.group("dashboard")
def dashboard_group() -> None:
    """Leadership dashboard."""


@dashboard_group.command("refresh")
@with_appcontext
def refresh_command() -> None:
    """Rebuild the dashboard's monthly roll-ups now (under the scheduled job's lease)."""
    message = run_job_now(REFRESH_DASHBOARD)
    if message is None:
        raise click.ClickException("The dashboard refresh is already running in another process")
    click.echo(message)
