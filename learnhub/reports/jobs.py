"""The nightly settling of anonymous rows, for the scheduler and for `learnhub reports settle`."""

from __future__ import annotations

import datetime as dt

import click
from flask.cli import with_appcontext

from learnhub.core.context import service_today
from learnhub.core.extensions import db
from learnhub.core.jobs import Job, run_job_now
from learnhub.reports.settle import settle


def settle_anonymous_rows(today: dt.date | None = None) -> str:
    """``today``: the first day not to settle (the service's today unless given)."""
    # One commit for all of it: every settled row carries this one transaction's id.
    result = settle(db.session, today or service_today())
    db.session.commit()
    return result.summary()


# First of the night: a day's anonymous rows left in no order (learnhub/reports/settle.py).
SETTLE_ANONYMOUS_ROWS = Job(
    "settle-anonymous-rows",
    settle_anonymous_rows,
    {"hour": 0, "minute": 30},
    dt.timedelta(hours=1),
)


@click.group("reports")
def reports_group() -> None:
    """Learning reports."""


@reports_group.command("settle")
@with_appcontext
def settle_command() -> None:
    """Rewrite the anonymous rows of past days in a random order now (the scheduler does this
    every night), so that nothing in the database orders them."""
    message = run_job_now(SETTLE_ANONYMOUS_ROWS)
    if message is None:
        raise click.ClickException("The settling is already running in another process")
    click.echo(message)
