"""`learnhub --help` lists the commands from a registry without importing them: the registry
must name exactly the real commands, and the help must really import nothing heavy."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import click
import pytest
from flask import Flask
from flask.cli import ScriptInfo

from learnhub.cli import COMMANDS, main

ROOT = Path(__file__).resolve().parents[3]


def context_for(app: Flask, width: int = 80) -> click.Context:
    return click.Context(
        main, info_name="learnhub", obj=ScriptInfo(create_app=lambda: app), terminal_width=width
    )


def real_commands(app: Flask) -> dict[str, click.Command]:
    """What the app itself has, plus the commands `learnhub` carries without the app."""
    ctx = click.Context(app.cli)
    found = {name: app.cli.get_command(ctx, name) for name in app.cli.list_commands(ctx)}
    return {**main.commands, **{name: command for name, command in found.items() if command}}


def test_the_registry_names_every_command_the_app_has_and_no_other(app: Flask) -> None:
    assert set(main.list_commands(context_for(app))) == set(real_commands(app))
    assert {"db", "init", "users", "taxonomy", "run"} <= set(real_commands(app))


def test_each_named_command_is_the_real_command_itself(app: Flask) -> None:
    ctx, real = context_for(app), real_commands(app)
    for name in COMMANDS:
        command = main.get_command(ctx, name)
        assert command is real[name], name
        assert command.name == name  # so `learnhub NAME` and the command's own usage agree
    taxonomy = main.get_command(ctx, "taxonomy")
    assert isinstance(taxonomy, click.Group)
    assert "retrain" in taxonomy.commands  # added from another package, as before


@pytest.mark.parametrize("width", [50, 80, 200])
def test_the_command_list_reads_as_the_real_commands_would_show_it(app: Flask, width: int) -> None:
    ctx = context_for(app, width)
    listed = ctx.make_formatter()
    main.format_commands(ctx, listed)
    eager = click.Group("learnhub", commands=real_commands(app))
    expected = ctx.make_formatter()
    click.Group.format_commands(eager, ctx, expected)
    assert listed.getvalue() == expected.getvalue()
    assert "Perform database migrations." in listed.getvalue()


def loaded_modules(arguments: list[str], via_main_module: bool = False) -> tuple[str, set[str]]:
    """Run `learnhub ARGUMENTS` in a fresh interpreter: its output and every module it loaded.

    Production settings without their keys: creating the app would stop with an error, so a
    zero exit also shows that no app was made."""
    run = (
        "import runpy; runpy.run_module('learnhub', run_name='__main__', alter_sys=True)"
        if via_main_module
        else "from learnhub.cli import main; main()"
    )
    wrapper = (
        "import atexit, json, sys\n"
        "atexit.register(lambda: print('MODULES ' + json.dumps(sorted(sys.modules))))\n"
        f"sys.argv = ['learnhub', *{arguments!r}]\n"
        f"{run}\n"
    )
    env = {k: v for k, v in os.environ.items() if not k.startswith("LEARNHUB_")}
    env.update(LEARNHUB_ENV="production", PYTHONPATH=str(ROOT))
    result = subprocess.run(  # noqa: S603 - our own interpreter and code
        [sys.executable, "-c", wrapper],
        env=env,
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    output, _, modules = result.stdout.rpartition("MODULES ")
    return output, set(json.loads(modules))


HEAVY = ("sqlalchemy", "flask_sqlalchemy", "numpy", "apscheduler", "matplotlib", "alembic")


def features(modules: set[str]) -> set[str]:
    """LearnHub's modules beyond the package, its command group and the core helpers its
    __init__ needs (each of those is held to HEAVY)."""
    return (
        {m for m in modules if m.partition(".")[0] == "learnhub"}
        - {"learnhub"}
        - {m for m in modules if m.split(".")[1:2] in (["cli"], ["command_registry"], ["core"])}
    )


@pytest.mark.parametrize("via_main_module", [False, True], ids=["learnhub", "python -m learnhub"])
def test_help_imports_no_feature_and_no_heavy_library(via_main_module: bool) -> None:
    output, modules = loaded_modules(["--help"], via_main_module)
    for name in [*COMMANDS, "run", "shell", "routes"]:
        assert f"\n  {name} " in output
    assert {m for m in modules if m.split(".")[0] in HEAVY} == set()
    assert "learnhub.cli" in modules
    assert "learnhub.command_registry" in modules
    assert features(modules) == set()


def test_one_groups_help_imports_that_group_and_makes_no_app() -> None:
    output, modules = loaded_modules(["db", "--help"])
    assert "upgrade" in output
    assert "learnhub.models" not in modules
    assert features(modules) == set()


def test_a_command_run_from_the_shell_still_creates_the_app(tmp_path: Path) -> None:
    env = {k: v for k, v in os.environ.items() if not k.startswith("LEARNHUB_")}
    env.update(PYTHONPATH=str(ROOT), LEARNHUB_DATABASE_URL=f"sqlite:///{tmp_path}/learnhub.db")
    result = subprocess.run(
        [sys.executable, "-m", "learnhub", "db", "heads"],
        env=env,
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=False,
    )
    # Flask-Migrate finds the migrations only through the app LearnHub made.
    assert result.returncode == 0, result.stderr
    assert "(head)" in result.stdout
