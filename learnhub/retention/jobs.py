"""The nightly retention purge, for the scheduler and for `learnhub retention purge`."""

from __future__ import annotations

import click
from flask import current_app
from flask.cli import with_appcontext

from learnhub.core.context import service_today
from learnhub.core.extensions import db
from learnhub.core.time import utcnow
from learnhub.retention.services import RetentionPolicy, purge


def purge_expired() -> str:
    policy = RetentionPolicy.from_config(current_app.config)
    result = purge(db.session, policy, service_today(), utcnow())
    db.session.commit()
    return result.summary()


@click.group("retention")
def retention_group() -> None:
    """Purging personal data past its retention period."""


@retention_group.command("purge")
@click.option("--dry-run", is_flag=True, help="Count what would be purged; change nothing.")
@with_appcontext
def purge_command(dry_run: bool) -> None:
    """Apply the retention rules now (the scheduler does this every night)."""
    if dry_run:
        policy = RetentionPolicy.from_config(current_app.config)
        result = purge(db.session, policy, service_today(), utcnow(), dry_run=True)
        db.session.rollback()
        click.echo(result.summary(dry_run=True))
        return
    from learnhub.scheduler import JOBS, run_job

    job = next(job for job in JOBS if job.name == "purge-expired")
    message = run_job(current_app._get_current_object(), job)  # type: ignore[attr-defined]
    if message is None:
        raise click.ClickException("The retention purge is already running in another process")
    click.echo(message)
