"""The bulletin's scheduled jobs and its commands: `learnhub bulletins ...` and
`learnhub subscribers import FILE`.

The send job runs every day at 09:00 in the service's time zone (Europe/London) and acts only on
the first working day of the month: not a weekend, not a bank holiday in England and Wales.
"""

from __future__ import annotations

import datetime as dt
from functools import cache
from pathlib import Path

import click
import holidays
import sqlalchemy as sa
from flask import current_app
from flask.cli import with_appcontext

from learnhub.audit import services as audit
from learnhub.bulletins import emails, services
from learnhub.bulletins import subscribers as subscriber_service
from learnhub.bulletins.models import Bulletin
from learnhub.core.context import service_today
from learnhub.core.extensions import db
from learnhub.core.locks import LeaseHeld


@cache
def _bank_holidays(year: int) -> holidays.HolidayBase:
    # England and Wales share their bank holidays; "ENG" is the subdivision that lists them.
    return holidays.country_holidays("GB", subdiv="ENG", years=year)


def is_working_day(day: dt.date) -> bool:
    return day.weekday() < 5 and day not in _bank_holidays(day.year)


def first_working_day(year: int, month: int) -> dt.date:
    day = dt.date(year, month, 1)
    while not is_working_day(day):
        day += dt.timedelta(days=1)
    return day


def assemble_bulletin() -> str:
    """Keep this month's draft current with the month's learning (a no-op once it has moved on)."""
    period = service_today().replace(day=1)
    bulletin = services.bulletin_for(db.session, period)
    if bulletin is not None and bulletin.status != services.BulletinStatus.DRAFT:
        return f"The {period:%B %Y} issue is {bulletin.status.value}: left as it is."
    bulletin = services.assemble_draft(db.session, period)
    audit.record(db.session, None, "assemble", "bulletin", bulletin.id, {"via": "scheduler"})
    db.session.commit()
    return f"Draft for {period:%B %Y} assembled with {len(bulletin.items)} items."


def send_scheduled_bulletin(today: dt.date | None = None) -> str:
    """On the month's first working day, send the latest issue. On other days, only carry on a
    send that was interrupted (the mail server was down, or the process stopped)."""
    today = today or service_today()
    bulletin = services.latest_published(db.session)
    first_day = today == first_working_day(today.year, today.month)
    if not first_day and (bulletin is None or not emails.send_unfinished(db.session, bulletin)):
        return f"{today:%d %B %Y} is not the month's first working day: nothing to send."
    if bulletin is None:
        return "No published issue to send."
    try:
        return _send(bulletin, via="scheduler").summary()
    except emails.SendInterrupted as exc:
        return f"Issue {bulletin.number}: interrupted ({exc}); the job carries on tomorrow."


def _send(bulletin: Bulletin, via: str) -> emails.SendResult:
    result = emails.send_issue(db.session, bulletin, current_app.config)
    audit.record(
        db.session,
        None,
        "send",
        "bulletin",
        bulletin.id,
        {"via": via, "sent": result.sent, "refused": result.failed_permanent},
    )
    db.session.commit()
    return result


@click.group("bulletins")
def bulletins_group() -> None:
    """The monthly learning bulletin."""


@bulletins_group.command("send")
@click.argument("number", type=int, required=False)
@click.option("--latest", is_flag=True, help="Send the latest published issue.")
@with_appcontext
def send_command(number: int | None, latest: bool) -> None:
    """Send a published issue now to everyone who has not had it (safe to run again)."""
    if (number is None) == (not latest):
        raise click.UsageError("Give an issue NUMBER or --latest (not both)")
    bulletin = (
        services.latest_published(db.session)
        if latest
        else services.published_issue(db.session, number or 0)
    )
    if bulletin is None:
        raise click.ClickException(
            "No published issue yet" if latest else f"No published issue number {number}"
        )
    try:
        result = _send(bulletin, via="cli")
    except LeaseHeld as exc:
        raise click.ClickException(
            f"Issue {bulletin.number} is being sent by another process"
        ) from exc
    except emails.SendInterrupted as exc:
        raise click.ClickException(
            f"The mail server stopped the send ({exc}); run the command again to carry on"
        ) from exc
    click.echo(result.summary())


@bulletins_group.command("list")
@with_appcontext
def list_command() -> None:
    """Each issue's number, month, status and delivery counts."""
    rows = db.session.scalars(sa.select(Bulletin).order_by(Bulletin.period.desc())).all()
    if not rows:
        click.echo("No bulletins yet.")
        return
    click.echo(f"{'Number':>6}  {'Month':<14} {'Status':<18} Deliveries")
    for bulletin in rows:
        counts = services.delivery_counts(db.session, bulletin.id)
        deliveries = ", ".join(f"{n} {status}" for status, n in counts.items() if n) or "none"
        number = str(bulletin.number) if bulletin.number else "-"
        click.echo(
            f"{number:>6}  {bulletin.period:%B %Y}".ljust(24)
            + f" {bulletin.status.value:<18} {deliveries}"
        )


@click.group("subscribers")
def subscribers_group() -> None:
    """People who receive the bulletin."""


@subscribers_group.command("import")
@click.argument("file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@with_appcontext
def import_command(file: Path) -> None:
    """Import a staff list (one address a line, or a CSV with an 'email' column) as confirmed."""
    try:
        text = file.read_text(encoding="utf-8-sig")
    except UnicodeDecodeError as exc:
        raise click.ClickException(f"{file} is not UTF-8 text") from exc
    result = subscriber_service.import_list(db.session, text)
    audit.record(
        db.session,
        None,
        "import",
        "subscriber",
        None,
        {"via": "cli", "added": result.added, "confirmed": result.confirmed},
    )
    db.session.commit()
    for error in result.errors:
        click.echo(error, err=True)
    click.echo(result.summary())
