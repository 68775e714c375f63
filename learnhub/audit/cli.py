"""`learnhub audit verify`: walk the audit trail's keyed chain, check it against its anchors,
and say whether it holds."""

from __future__ import annotations

import click
from flask.cli import with_appcontext

from learnhub.audit.anchors import Anchor, AnchorInvalid
from learnhub.audit.services import ChainStatus, check_trail
from learnhub.core.extensions import db


@click.group("audit")
def audit_group() -> None:
    """The audit trail of staff reads and changes."""


def parse_anchors(
    _ctx: click.Context, _param: click.Parameter, values: tuple[str, ...]
) -> list[Anchor]:
    try:
        return [Anchor.parse(value, source="--anchor") for value in values]
    except AnchorInvalid as exc:
        raise click.BadParameter(str(exc)) from exc


@audit_group.command("verify")
@click.option(
    "--anchor",
    "given",
    multiple=True,
    callback=parse_anchors,
    metavar="ID:COUNT:MAC",
    help="Also check against this anchor: as logged, shown on the admin audit page, or in a "
    "copy of the anchor file shipped elsewhere. May be given more than once.",
)
@with_appcontext
def verify_command(given: list[Anchor]) -> None:
    """Check every entry's MAC and the anchors; exit 1 naming the first entry edited, deleted,
    reordered, inserted or missing."""
    check = check_trail(db.session, given)
    status = check.status
    if not status.intact:
        click.echo(
            f"Audit trail BROKEN at {status.describe_break()}: {status.explain()}. "
            f"{status.checked:,} entries before it verified.",
            err=True,
        )
        raise SystemExit(1)
    if check.anchor_problem:
        click.echo(
            f"Audit trail NOT VERIFIED after entry {status.head.entry_id if status.head else 0}: "
            f"{check.anchor_problem}. Check against a copy shipped elsewhere with --anchor.",
            err=True,
        )
        raise SystemExit(1)
    click.echo(f"Audit trail intact: {status.checked:,} entries verified.")
    for line in summary(status):
        click.echo(line)


def summary(status: ChainStatus) -> list[str]:
    lines = []
    if status.head is not None:
        lines.append(f"Newest entry's anchor: {status.head}")
    lines.extend(
        f"Holds the anchor from {anchor.source}: entry {anchor.entry_id}, number {anchor.count:,}."
        for anchor in status.anchors
    )
    if status.unkeyed:
        lines.append(
            f"Unkeyed, {status.unkeyed:,} entries: written before the audit key, and sealed by "
            "the first keyed entry after them; a change made since then is detected, one made "
            "before it could not be."
        )
    return lines
