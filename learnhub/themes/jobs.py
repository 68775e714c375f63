"""The theme job, for the scheduler and for `learnhub themes detect`."""

from __future__ import annotations

import click
from flask import current_app
from flask.cli import with_appcontext

from learnhub.core.context import service_today
from learnhub.core.extensions import db
from learnhub.themes.services import run_detection


def detect_themes() -> str:
    run = run_detection(db.session, service_today())
    return (
        f"Theme run {run.id}: {run.reports_read} reports read; {run.candidates_new} new, "
        f"{run.candidates_updated} updated, {run.candidates_retired} retired "
        f"in {run.duration_ms} ms."
    )


@click.group("themes")
def themes_group() -> None:
    """Recurring themes."""


@themes_group.command("detect")
@with_appcontext
def detect_command() -> None:
    """Run theme detection now (under the same lease as the scheduled job)."""
    from learnhub.scheduler import JOBS, run_job

    job = next(job for job in JOBS if job.name == "detect-themes")
    message = run_job(current_app._get_current_object(), job)  # type: ignore[attr-defined]
    if message is None:
        raise click.ClickException("Theme detection is already running in another process")
    click.echo(message)
