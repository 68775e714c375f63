"""The roll-up refresh, for the scheduler and for `learnhub dashboard refresh`."""

from __future__ import annotations

import click
from flask import current_app
from flask.cli import with_appcontext

from learnhub.core.extensions import db
from learnhub.dashboard.rollups import refresh


def refresh_rollups() -> str:
    result = refresh(db.session)
    db.session.commit()
    return result.summary()


@click.group("dashboard")
def dashboard_group() -> None:
    """Leadership dashboard."""


@dashboard_group.command("refresh")
@with_appcontext
def refresh_command() -> None:
    """Rebuild the dashboard's monthly roll-ups now (under the scheduled job's lease)."""
    from learnhub.scheduler import JOBS, run_job

    job = next(job for job in JOBS if job.name == "refresh-dashboard")
    message = run_job(current_app._get_current_object(), job)  # type: ignore[attr-defined]
    if message is None:
        raise click.ClickException("The dashboard refresh is already running in another process")
    click.echo(message)
