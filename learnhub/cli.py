"""The ``learnhub`` command: a Flask CLI group with one sub-group per domain.

Every command is named in ``COMMANDS`` below with where it lives and its one-line summary, and is
imported only when it is used: ``learnhub --help`` imports no feature, model or numerical library
and creates no app, so it answers at once. Running a command creates the app as before (each
command is ``@with_appcontext``). A test holds ``COMMANDS`` to the real command tree.
"""

from __future__ import annotations

import importlib
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import TYPE_CHECKING

import click
from flask.cli import FlaskGroup, routes_command, shell_command, with_appcontext

if TYPE_CHECKING:
    from flask import Flask


@dataclass(frozen=True)
class LazyCommand:
    """A command named by where it lives ("module:attribute"), imported when it is used."""

    target: str
    # Its help's first sentence, which is all `learnhub --help` shows of it.
    summary: str
    # Commands another package adds to this group ("module:attribute" each): the group's own
    # package may not import them, being lower in the feature order.
    subcommands: tuple[str, ...] = ()

    def load(self) -> click.Command:
        command = import_target(self.target)
        if isinstance(command, click.Group):
            for target in self.subcommands:
                extra = import_target(target)
                if extra.name not in command.commands:
                    command.add_command(extra)
        return command

    def listing(self, name: str) -> click.Command:
        """A stand-in that shows the same line in a command list, with nothing imported."""
        return click.Command(name, help=self.summary)


def import_target(target: str) -> click.Command:
    module_name, _, attribute = target.partition(":")
    command: click.Command = getattr(importlib.import_module(module_name), attribute)
    return command


# The one list of commands beside run, shell and routes. Move a command: change its target here.
COMMANDS: dict[str, LazyCommand] = {
    "init": LazyCommand(
        "learnhub.commands:init_command",
        "Upgrade the database schema and load reference data.",
    ),
    "demo": LazyCommand(
        "learnhub.commands:demo_command",
        "Initialise, seed demo accounts and reports, and serve on http://127.0.0.1:5000.",
    ),
    "users": LazyCommand("learnhub.commands:users_group", "Staff accounts."),
    "tokens": LazyCommand("learnhub.commands:tokens_group", "API tokens."),
    "import-reports": LazyCommand(
        "learnhub.reports.cli:import_reports_command",
        "Import reports from CSV_FILE (columns: narrative, event_month, event_type, "
        "service_area, factors; all but narrative optional).",
    ),
    "reports": LazyCommand("learnhub.reports.jobs:reports_group", "Learning reports."),
    "scheduler": LazyCommand(
        "learnhub.commands:scheduler_command",
        "Run the periodic jobs (one scheduler process beside any number of web processes).",
    ),
    "taxonomy": LazyCommand(
        "learnhub.taxonomy.cli:taxonomy_group",
        "Taxonomy versions: load a catalogue as a draft, compare it, activate it.",
        subcommands=("learnhub.suggestions.jobs:retrain_command",),
    ),
    "themes": LazyCommand("learnhub.themes.jobs:themes_group", "Recurring themes."),
    "dashboard": LazyCommand("learnhub.dashboard.jobs:dashboard_group", "Leadership dashboard."),
    "audit": LazyCommand(
        "learnhub.audit.cli:audit_group", "The audit trail of staff reads and changes."
    ),
    "retention": LazyCommand(
        "learnhub.retention.jobs:retention_group",
        "Purging personal data past its retention period.",
    ),
    "bulletins": LazyCommand(
        "learnhub.bulletins.jobs:bulletins_group", "The monthly learning bulletin."
    ),
    "subscribers": LazyCommand(
        "learnhub.bulletins.jobs:subscribers_group", "People who receive the bulletin."
    ),
    # Flask-Migrate's group; the app's `migrate.init_app` also registers it on app.cli.
    "db": LazyCommand("flask_migrate.cli:db", "Perform database migrations."),
}


class LazyFlaskGroup(FlaskGroup):
    """A FlaskGroup that finds the commands in ``COMMANDS`` without creating the app.

    Flask's own group creates the app to list or find any command the app registers; here only
    a name outside ``COMMANDS`` does (a Flask extension's, say), as before.
    """

    _listing = False

    def list_commands(self, ctx: click.Context) -> list[str]:
        self._load_plugin_commands()
        return sorted({*self.commands, *COMMANDS})

    def get_command(self, ctx: click.Context, cmd_name: str) -> click.Command | None:
        self._load_plugin_commands()
        if cmd_name in self.commands:
            return self.commands[cmd_name]
        lazy = COMMANDS.get(cmd_name)
        if lazy is None:
            return super().get_command(ctx, cmd_name)
        return lazy.listing(cmd_name) if self._listing else lazy.load()

    def format_commands(self, ctx: click.Context, formatter: click.HelpFormatter) -> None:
        # Click asks for each command to print its line of help: give it the stand-ins.
        with self.listing_only():
            super().format_commands(ctx, formatter)

    @contextmanager
    def listing_only(self) -> Iterator[None]:
        self._listing = True
        try:
            yield
        finally:
            self._listing = False


def build_app() -> Flask:
    from learnhub import create_app
    from learnhub.core.config import load_config_module

    try:
        return create_app()
    except load_config_module().ConfigError as exc:
        # One line an operator can act on, not a traceback.
        click.echo(f"LearnHub cannot start: {exc}", err=True)
        sys.exit(2)


@click.group(cls=LazyFlaskGroup, create_app=build_app, add_default_commands=False)
def main() -> None:
    """LearnHub: blameless learning from near misses in children's social care."""


main.add_command(shell_command)
main.add_command(routes_command)


@main.command("run")
@click.option("--host", default="127.0.0.1", show_default=True)
@click.option("--port", default=5000, show_default=True, type=int)
@with_appcontext
def run_command(host: str, port: int) -> None:
    """Serve LearnHub with the development server."""
    from flask import current_app

    from learnhub.commands import serve

    serve(current_app._get_current_object(), host, port)  # type: ignore[attr-defined]


def init_app(app: Flask) -> None:
    """Register every command on ``app.cli`` too, for ``flask --app`` and the test runner."""
    for name, lazy in COMMANDS.items():
        app.cli.add_command(lazy.load(), name)
