"""The ``learnhub`` command: a Flask CLI group with one sub-group per domain.

Every command is named in ``COMMANDS`` (learnhub/command_registry.py) with where it lives and
its one-line summary, and is imported only when it is used: ``learnhub --help`` imports no
feature, model or numerical library and creates no app, so it answers at once. Running a
command creates the app as before (each command is ``@with_appcontext``). A test holds
``COMMANDS`` to the real command tree.
"""

from __future__ import annotations

import sys
from collections.abc import Iterator
from contextlib import contextmanager
from typing import TYPE_CHECKING

import click
from flask.cli import FlaskGroup, routes_command, shell_command, with_appcontext

from learnhub.command_registry import COMMANDS

if TYPE_CHECKING:
    from flask import Flask


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
