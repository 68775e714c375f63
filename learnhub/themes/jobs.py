"""The theme job, for the scheduler and for `learnhub themes detect`."""

from __future__ import annotations

import datetime as dt
import time
import traceback

import click
from flask.cli import with_appcontext
from sqlalchemy.orm import Session

from learnhub.core.context import service_today
from learnhub.core.extensions import db
from learnhub.core.jobs import Job, run_job_now
from learnhub.themes import detect, services
from learnhub.themes.models import ThemeRun


def run_detection(
    session: Session, today: dt.date, parameters: detect.DetectionParameters | None = None
) -> ThemeRun:
    """One recorded run: its record committed first, its results committed together or not."""
    parameters = parameters or detect.DetectionParameters()
    run = services.start_run(session, today, parameters)
    session.commit()
    started = time.monotonic()
    try:
        services.record_results(session, run, today, parameters, started)
        session.commit()
    except Exception:
        session.rollback()
        services.record_failure(session, run.id, started, traceback.format_exc(limit=5))
        session.commit()
        raise
    return run


def detect_themes() -> str:
    run = run_detection(db.session, service_today())
    return (
        f"Theme run {run.id}: {run.reports_read} reports read; {run.candidates_new} new, "
        f"{run.candidates_updated} updated, {run.candidates_retired} retired "
        f"in {run.duration_ms} ms."
    )


DETECT_THEMES = Job(
    "detect-themes", detect_themes, {"hour": 2, "minute": 15}, dt.timedelta(hours=1)
)


@click.group("themes")
def themes_group() -> None:
    """Recurring themes."""


@themes_group.command("detect")
@with_appcontext
def detect_command() -> None:
    """Run theme detection now (under the same lease as the scheduled job)."""
    message = run_job_now(DETECT_THEMES)
    if message is None:
        raise click.ClickException("Theme detection is already running in another process")
    click.echo(message)
