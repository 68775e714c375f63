"""The theme job, for the scheduler and for `learnhub themes detect`."""

from __future__ import annotations

import datetime as dt
import time
import traceback
from dataclasses import replace

import click
from flask import current_app
from flask.cli import with_appcontext
from sqlalchemy.orm import Session

from learnhub.core.context import service_today
from learnhub.core.extensions import db
from learnhub.core.jobs import Job, run_job_now
from learnhub.themes import detect, services
from learnhub.themes.models import ThemeRun


def run_detection(
    session: Session,
    today: dt.date,
    parameters: detect.DetectionParameters | None = None,
    cache: detect.WordCache | None = None,
) -> ThemeRun:
    """One recorded run: its record committed first, its results committed together or not."""
    parameters = parameters or detect.DetectionParameters()
    run = services.start_run(session, today, parameters)
    session.commit()
    started = time.monotonic()
    try:
        services.record_results(session, run, today, parameters, started, cache)
        session.commit()
    except Exception:
        session.rollback()
        services.record_failure(session, run.id, started, traceback.format_exc(limit=5))
        session.commit()
        raise
    return run


# The window must hold the months the rising test calls recent and at least one month before
# them; ten years is the longest history the job is meant to read in one run.
MIN_WINDOW_MONTHS = detect.DetectionParameters.rising_recent_months + 1
MAX_WINDOW_MONTHS = 120


def window_problem(months: int) -> str | None:
    if MIN_WINDOW_MONTHS <= months <= MAX_WINDOW_MONTHS:
        return None
    return (
        f"The window must be {MIN_WINDOW_MONTHS} to {MAX_WINDOW_MONTHS} months "
        f"(the rising test compares the last {MIN_WINDOW_MONTHS - 1} months with those "
        f"before them), not {months}"
    )


def configured_parameters(window_months: int | None = None) -> detect.DetectionParameters:
    """The job's parameters: the window from the option if given, else from the settings
    (THEME_WINDOW_MONTHS); a bad setting stops the run with the reason."""
    months = window_months if window_months is not None else configured_window_months()
    problem = window_problem(months)
    if problem:
        raise ValueError(problem)
    return detect.DetectionParameters(window_months=months)


def configured_window_months() -> int:
    return int(current_app.config.get("THEME_WINDOW_MONTHS", 12))


def run_summary(run: ThemeRun) -> str:
    return (
        f"Theme run {run.id}: {run.reports_read} reports read; {run.candidates_new} new, "
        f"{run.candidates_updated} updated, {run.candidates_retired} retired "
        f"in {run.duration_ms} ms."
    )


# The words of the last run's reports, kept by the process that runs the job (the scheduler's)
# so that the next night reads only new and changed texts; the themes are the same without it
# (detect.WordCache). Only one run holds the job's lease at a time.
WORDS = detect.WordCache()


def detect_themes(window_months: int | None = None) -> str:
    run = run_detection(
        db.session, service_today(), configured_parameters(window_months), cache=WORDS
    )
    return run_summary(run)


DETECT_THEMES = Job(
    "detect-themes", detect_themes, {"hour": 2, "minute": 15}, dt.timedelta(hours=1)
)


@click.group("themes")
def themes_group() -> None:
    """Recurring themes."""


@themes_group.command("detect")
@click.option(
    "--as-of",
    "as_of",
    type=click.DateTime(formats=["%Y-%m-%d"]),
    help="Analyse history as it stood on this past day (YYYY-MM-DD): only reports received "
    "by then, in a window ending that month. Prints the themes; stored themes are not changed.",
)
@click.option(
    "--window-months",
    type=int,
    help=f"Months of reports read, ending this month or the --as-of month "
    f"({MIN_WINDOW_MONTHS} to {MAX_WINDOW_MONTHS}; default LEARNHUB_THEME_WINDOW_MONTHS, 12).",
)
@with_appcontext
def detect_command(as_of: dt.datetime | None, window_months: int | None) -> None:
    """Run theme detection now (under the same lease as the scheduled job)."""
    today = service_today()
    try:
        parameters = configured_parameters(window_months)
    except ValueError as error:
        raise click.BadParameter(str(error), param_hint="--window-months") from None
    if as_of is not None and as_of.date() > today:
        raise click.BadParameter(
            f"{as_of.date()} is after today ({today}): history can be read as it stood on a "
            "past day, not a future one",
            param_hint="--as-of",
        )
    if as_of is not None and as_of.date() < today:
        echo_past_analysis(as_of.date(), parameters)
        return
    job = DETECT_THEMES
    if window_months is not None:
        # Same name, so the same lease as the scheduled job.
        job = replace(DETECT_THEMES, run=lambda: detect_themes(window_months))
    message = run_job_now(job)
    if message is None:
        raise click.ClickException("Theme detection is already running in another process")
    click.echo(message)


def echo_past_analysis(as_of: dt.date, parameters: detect.DetectionParameters) -> None:
    """A past day's themes are printed, not stored: reconciling them with today's themes would
    retire what the panel is working on now."""
    analysis = services.analyse_as_of(db.session, as_of, parameters)
    click.echo(
        f"Themes as of {as_of} ({analysis.first_month:%Y-%m} to {as_of:%Y-%m}): "
        f"{analysis.reports_read} reports read, {len(analysis.themes)} themes "
        f"({sum(t.rising for t in analysis.themes)} rising). Stored themes are unchanged."
    )
    for theme in analysis.themes:
        rising = f"  RISING: {theme.rising_reason}" if theme.rising else ""
        codes = f" [{', '.join(theme.codes)}]" if theme.codes else ""
        click.echo(f"- {theme.title}{codes}: {theme.members} reports{rising}")
