"""`learnhub audit verify`: walk the audit trail's hash chain and say whether it holds."""

from __future__ import annotations

import click
from flask.cli import with_appcontext

from learnhub.audit.services import verify_chain
from learnhub.extensions import db


@click.group("audit")
def audit_group() -> None:
    """The audit trail of staff reads and changes."""


@audit_group.command("verify")
@with_appcontext
def verify_command() -> None:
    """Check every entry's hash; exit 1 naming the first entry edited, deleted or reordered."""
    status = verify_chain(db.session)
    if status.intact:
        click.echo(f"Audit trail intact: {status.checked:,} entries verified.")
        return
    click.echo(
        f"Audit trail BROKEN at {status.describe_break()}: it, or the entry before "
        f"it, was edited, deleted or reordered. {status.checked:,} entries before it verified.",
        err=True,
    )
    raise SystemExit(1)
