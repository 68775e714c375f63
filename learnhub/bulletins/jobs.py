"""The bulletin's scheduled jobs and its commands: `learnhub bulletins ...` and
`learnhub subscribers import FILE`.

The send job runs every quarter of an hour. It starts the latest issue's send once the issue is
due (09:00, service time zone, on the first working day of the month that had not passed when it
was published: not a weekend, not a bank holiday in England and Wales), and carries on a send the
mail server stopped once its retry wait is over (``sending.retry_wait``).
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import click
import sqlalchemy as sa
from flask import current_app
from flask.cli import with_appcontext

from learnhub.audit import services as audit
from learnhub.bulletins import sending, services
from learnhub.bulletins import subscribers as subscriber_service
from learnhub.bulletins.models import Bulletin, Delivery
from learnhub.bulletins.services import first_working_day, is_working_day
from learnhub.core.context import service_today
from learnhub.core.extensions import db
from learnhub.core.jobs import Job, LeaseHeld
from learnhub.core.time import utcnow

__all__ = ["first_working_day", "is_working_day"]


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


def send_scheduled_bulletin(now: dt.datetime | None = None) -> str:
    """Start the latest issue's send once it is due; carry on a stopped send once its retry
    wait is over. ``now`` is an aware moment (tests pass one)."""
    now = now or utcnow()
    bulletin = services.latest_published(db.session)
    if bulletin is None:
        return "No published issue to send."
    zone = current_app.config["TIMEZONE"]
    started = db.session.scalar(
        sa.select(Delivery.id).where(Delivery.bulletin_id == bulletin.id).limit(1)
    )
    if not started:
        due = services.scheduled_send(bulletin, zone)
        if due is not None and now < due:
            return f"Issue {bulletin.number} goes out at {due:%H:%M on %d %B %Y}: not yet."
    else:
        retry_at = sending.next_retry_at(db.session, bulletin)
        if retry_at is None:
            return f"Issue {bulletin.number}: nothing left to send."
        if now < retry_at:
            return f"Issue {bulletin.number}: the next retry is at {retry_at:%H:%M UTC}."
    try:
        result = _send(bulletin, via="scheduler", backoff=True, now=now)
    except sending.SendInterrupted as exc:
        return f"Issue {bulletin.number}: the mail server stopped the send ({exc}); retried later."
    return issue_summary(bulletin, result)


def issue_summary(bulletin: Bulletin, result: sending.SendResult) -> str:
    """The same totals the editors' page shows, after what this run did."""
    state = sending.delivery_state(db.session, bulletin.id)
    return f"Issue {bulletin.number}: {state.summary()}. {result.summary()}"


ASSEMBLE_BULLETIN = Job(
    "assemble-bulletin", assemble_bulletin, {"hour": 6, "minute": 0}, dt.timedelta(minutes=30)
)
# Every quarter of an hour: it starts a send when the issue is due and carries on a stopped
# one when its retry wait is over; otherwise it only looks.
SEND_BULLETIN = Job(
    "send-bulletin", send_scheduled_bulletin, {"minute": "*/15"}, dt.timedelta(hours=2)
)


def _send(
    bulletin: Bulletin, via: str, backoff: bool = False, now: dt.datetime | None = None
) -> sending.SendResult:
    result = sending.send_issue(
        db.session,
        bulletin,
        current_app.config,
        commit=db.session.commit,
        backoff=backoff,
        now=now,
    )
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
    except sending.SendInterrupted as exc:
        raise click.ClickException(
            f"The mail server stopped the send ({exc}); no address was marked refused. "
            "Run the command again to carry on (the scheduler retries by itself)."
        ) from exc
    click.echo(issue_summary(bulletin, result))


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
