"""The one list of LearnHub's commands, each named by where it lives and imported on use.

Both the ``learnhub`` command (learnhub/cli.py) and the app factory read it: the command to
list and find commands without creating the app, the factory to put every command on
``app.cli`` for ``flask --app`` and the test runner. It imports no feature.
"""

from __future__ import annotations

import importlib
from dataclasses import dataclass
from typing import TYPE_CHECKING

import click

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
        "learnhub.imports.cli:import_reports_command",
        "Import reports from CSV_FILE (columns: narrative, event_month, event_type, "
        "service_area, factors, the other answers, external_id, panel_codes; all but "
        "narrative optional).",
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


def init_app(app: Flask) -> None:
    """Register every command on ``app.cli`` too, for ``flask --app`` and the test runner."""
    for name, lazy in COMMANDS.items():
        app.cli.add_command(lazy.load(), name)
