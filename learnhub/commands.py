"""LearnHub's own commands (the features' live beside them): init, demo, users, tokens and
scheduler. Imported only when one of them runs; `learnhub/cli.py` names them."""

from __future__ import annotations

import sys

import click
from flask import Flask, current_app
from flask.cli import with_appcontext
from werkzeug.serving import run_simple

from learnhub.auth import services as accounts
from learnhub.core.extensions import db
from learnhub.core.logging import AnonymousRequestHandler
from learnhub.core.permissions import Role


def serve(app: Flask, host: str, port: int) -> None:
    # Links in emails and the feed point where this server is, unless LEARNHUB_BASE_URL says.
    if app.config.get("BASE_URL_FROM_SERVER"):
        shown = "127.0.0.1" if host in {"0.0.0.0", "::", ""} else host  # noqa: S104 - compared
        shown = f"[{shown}]" if ":" in shown else shown
        app.config["BASE_URL"] = f"http://{shown}:{port}"
    # Werkzeug's server, threaded, with request logs that never name a client address.
    # (Flask's app.run() declines to start inside a CLI command, so call werkzeug directly.)
    run_simple(host, port, app, threaded=True, request_handler=AnonymousRequestHandler)


@click.command("init")
@click.option(
    "--taxonomy",
    "taxonomy_file",
    metavar="FILE|none",
    help="Install this taxonomy file (full or simple format) instead of the built-in "
    "social-care taxonomy, or 'none' for no taxonomy. Only when no taxonomy is active yet.",
)
@with_appcontext
def init_command(taxonomy_file: str | None) -> None:
    """Upgrade the database schema and load reference data. Safe to run again."""
    from learnhub.setup import initialise
    from learnhub.taxonomy.cli import read_taxonomy_choice

    summary = initialise(read_taxonomy_choice(taxonomy_file))
    click.echo(summary)


@click.command("demo")
@click.option("--seed-only", is_flag=True, help="Seed the demo data, then stop.")
@click.option("--reports", "report_count", default=1000, show_default=True, type=int)
@click.option("--host", default="127.0.0.1", show_default=True)
@click.option("--port", default=5000, show_default=True, type=int)
@with_appcontext
def demo_command(seed_only: bool, report_count: int, host: str, port: int) -> None:
    """Initialise, seed demo accounts and reports, and serve on http://127.0.0.1:5000."""
    from learnhub.demo.seed import DEMO_PASSWORD, seed_demo
    from learnhub.setup import initialise

    app = current_app._get_current_object()  # type: ignore[attr-defined]
    if app.config["ENV_NAME"] == "production":
        raise click.ClickException(
            "learnhub demo makes accounts with a known password: not in production"
        )
    if report_count < 0:
        raise click.BadParameter("must be 0 or more", param_hint="--reports")
    click.echo(initialise())
    set_aside_stale_anchor(app)
    mfa_note = demo_mfa(app)
    result = seed_demo(report_count)
    click.echo(result.summary())
    click.echo(f"\nDemo sign-ins (password for each: {DEMO_PASSWORD}):")
    for email, role in result.accounts:
        click.echo(f"  {role:<9} {email}")
    click.echo(mfa_note)
    if not seed_only:
        click.echo(f"\nLearnHub is at http://{host}:{port}/ — press Ctrl+C to stop.")
        serve(app, host, port)


def demo_mfa(app: Flask) -> str:
    """The demo's accounts sign in with the password alone, unless LEARNHUB_MFA_REQUIRED_ROLES
    is set: someone trying LearnHub should not need an authenticator app to look round."""
    import os

    if "LEARNHUB_MFA_REQUIRED_ROLES" in os.environ:
        roles = ", ".join(app.config["MFA_REQUIRED_ROLES"]) or "no role"
        return f"Authenticator app (MFA) required for: {roles}."
    app.config["MFA_REQUIRED_ROLES"] = ()
    return (
        "Authenticator app (MFA) not required in the demo; set "
        "LEARNHUB_MFA_REQUIRED_ROLES=reviewer,admin to try it."
    )


def set_aside_stale_anchor(app: Flask) -> None:
    """A demo database made afresh (its audit trail empty) beside the audit anchor of one that
    was deleted: set the old anchor aside, or every check would report the old trail missing.
    Only the demo does this; in production an anchor beside an empty trail is the alarm."""
    from pathlib import Path

    import sqlalchemy as sa

    from learnhub.audit.models import AuditEvent

    anchor_file = Path(app.config["AUDIT_ANCHOR_FILE"])
    if anchor_file.exists() and db.session.scalar(sa.select(AuditEvent.id).limit(1)) is None:
        aside = anchor_file.with_name(anchor_file.name + ".previous-demo")
        anchor_file.replace(aside)
        click.echo(f"Set aside the audit anchor of a previous demo database: {aside}")


@click.group("users")
def users_group() -> None:
    """Staff accounts."""


def read_password(password_stdin: bool) -> str:
    if password_stdin:
        return sys.stdin.readline().rstrip("\r\n")
    return click.prompt("Password", hide_input=True, confirmation_prompt=True)


@users_group.command("create")
@click.argument("email")
@click.option(
    "--role", required=True, type=click.Choice([role.value for role in Role]), help="Their role."
)
@click.option("--name", "display_name", default="", help="Their name as colleagues know it.")
@click.option("--password-stdin", is_flag=True, help="Read the password from standard input.")
@with_appcontext
def create_user_command(email: str, role: str, display_name: str, password_stdin: bool) -> None:
    """Create a staff account."""
    from learnhub.audit import services as audit

    password = read_password(password_stdin)
    try:
        user = accounts.create_user(db.session, email, Role(role), password, display_name)
    except accounts.AccountError as exc:
        raise click.ClickException(exc.message) from exc
    audit.record(db.session, None, "create", "user", user.id, {"role": role, "via": "cli"})
    db.session.commit()
    click.echo(f"Created {user.role.value} account for {user.email}")


def account_for(email: str):  # type: ignore[no-untyped-def]
    user = accounts.find_user_by_email(db.session, email)
    if user is None:
        raise click.ClickException(f"No account with the email address {email}")
    return user


@users_group.command("disable")
@click.argument("email")
@with_appcontext
def disable_user_command(email: str) -> None:
    """Disable an account: it is signed out at once and its API tokens stop working."""
    from learnhub.audit import services as audit

    user = account_for(email)
    try:
        changed = accounts.set_enabled(db.session, None, user, False)
    except accounts.AccountError as exc:
        raise click.ClickException(exc.message) from exc
    if changed:
        audit.record(db.session, None, "disable", "user", user.id, {"via": "cli"})
        db.session.commit()
    click.echo(f"{user.email} is disabled" + ("" if changed else " (it already was)"))


@users_group.command("enable")
@click.argument("email")
@with_appcontext
def enable_user_command(email: str) -> None:
    """Enable a disabled account again."""
    from learnhub.audit import services as audit

    user = account_for(email)
    changed = accounts.set_enabled(db.session, None, user, True)
    if changed:
        audit.record(db.session, None, "enable", "user", user.id, {"via": "cli"})
        db.session.commit()
    click.echo(f"{user.email} is enabled" + ("" if changed else " (it already was)"))


@users_group.command("set-role")
@click.argument("email")
@click.option(
    "--role", required=True, type=click.Choice([role.value for role in Role]), help="Their role."
)
@with_appcontext
def set_role_command(email: str, role: str) -> None:
    """Change an account's role."""
    from learnhub.audit import services as audit

    user = account_for(email)
    before = user.role.value
    try:
        changed = accounts.set_role(db.session, None, user, Role(role))
    except accounts.AccountError as exc:
        raise click.ClickException(exc.message) from exc
    if changed:
        audit.record(
            db.session,
            None,
            "change",
            "user_role",
            user.id,
            {"from": before, "to": role, "via": "cli"},
        )
        db.session.commit()
    click.echo(f"{user.email} is {user.role.value}")


@users_group.command("reset-password")
@click.argument("email")
@click.option("--password-stdin", is_flag=True, help="Read the password from standard input.")
@with_appcontext
def reset_password_command(email: str, password_stdin: bool) -> None:
    """Set a temporary password: the account is signed out everywhere and must choose its own
    password at its next sign-in."""
    from learnhub.audit import services as audit

    user = account_for(email)
    password = read_password(password_stdin)
    try:
        accounts.set_temporary_password(user, password)
    except accounts.AccountError as exc:
        raise click.ClickException(exc.message) from exc
    audit.record(db.session, None, "reset", "password", user.id, {"via": "cli"})
    db.session.commit()
    click.echo(f"Temporary password set for {user.email}: they choose their own at next sign-in")


@users_group.command("reset-mfa")
@click.argument("email")
@with_appcontext
def reset_mfa_command(email: str) -> None:
    """Forget an account's authenticator app and recovery codes (a lost phone): it is signed
    out everywhere and sets up an app again at its next sign-in."""
    from learnhub.audit import services as audit
    from learnhub.auth import mfa

    user = account_for(email)
    mfa.reset(db.session, user)
    accounts.rotate_session_token(user)
    audit.record(db.session, None, "reset", "mfa", user.id, {"via": "cli"})
    db.session.commit()
    click.echo(f"Authenticator reset for {user.email}")


@click.group("tokens")
def tokens_group() -> None:
    """API tokens."""


@tokens_group.command("create")
@click.argument("email")
@click.option("--name", default="", help="What the token is for, e.g. 'Power BI export'.")
@with_appcontext
def create_token_command(email: str, name: str) -> None:
    """Create an API token for a staff account and print it once."""
    from learnhub.audit import services as audit

    user = account_for(email)
    token, plaintext = accounts.create_api_token(db.session, user, name)
    audit.record(db.session, None, "create", "api_token", token.id, {"user": user.id, "via": "cli"})
    db.session.commit()
    click.echo(plaintext)
    click.echo(
        "Copy this token now: it is stored only as a hash and cannot be shown again.", err=True
    )


@click.command("scheduler")
@click.option("--run-now", "run_now", multiple=True, help="Run this job once now, then stop.")
@with_appcontext
def scheduler_command(run_now: tuple[str, ...]) -> None:
    """Run the periodic jobs (one scheduler process beside any number of web processes)."""
    from learnhub.core.jobs import run_job
    from learnhub.scheduler import JOBS, build_scheduler

    app = current_app._get_current_object()  # type: ignore[attr-defined]
    jobs = {job.name: job for job in JOBS}
    if run_now:
        for name in run_now:
            if name not in jobs:
                raise click.BadParameter(f"no job {name!r}; jobs: {', '.join(jobs)}")
            message = run_job(app, jobs[name])
            click.echo(f"{name}: {message or 'running in another process; skipped'}")
        return
    click.echo("Scheduler started; jobs: " + ", ".join(jobs))
    build_scheduler(app).start()
