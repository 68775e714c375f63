"""The nightly settling of anonymous rows, for the scheduler and for `learnhub reports settle`."""

from __future__ import annotations

import datetime as dt

import click
from flask import current_app
from flask.cli import with_appcontext

from learnhub.core.context import service_today
from learnhub.core.extensions import db
from learnhub.reports.settle import settle


def settle_anonymous_rows(today: dt.date | None = None) -> str:
    """``today``: the first day not to settle (the service's today unless given)."""
    # One commit for all of it: every settled row carries this one transaction's id.
    result = settle(db.session, today or service_today())
    db.session.commit()
    return result.summary()


@click.group("reports")
def reports_group() -> None:
    """Learning reports."""


@reports_group.command("settle")
@with_appcontext
def settle_command() -> None:
    """Rewrite the anonymous rows of past days in a random order now (the scheduler does this
    every night), so that nothing in the database orders them."""
    from learnhub.scheduler import JOBS, run_job

    job = next(job for job in JOBS if job.name == "settle-anonymous-rows")
    message = run_job(current_app._get_current_object(), job)  # type: ignore[attr-defined]
    if message is None:
        raise click.ClickException("The settling is already running in another process")
    click.echo(message)
