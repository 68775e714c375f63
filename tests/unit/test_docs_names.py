"""Every command, route and ``LEARNHUB_*`` variable that README.md and docs/*.md name exists.

A newcomer copies names out of the documents: a renamed command, a moved page or a retired
setting must fail here rather than in their terminal. Names are read from code in the documents
(inline `code` and fenced blocks) as they are written there: ``learnhub foo bar --option``,
``/path/<placeholder>`` (optionally after an HTTP method) and ``LEARNHUB_NAME``. Commands are
checked against the real click tree of the ``learnhub`` entry point, routes against the real
app's URL map, variables against the settings ``config.py`` reads and the literal names the
code reads from the environment. Relative links between the documents are checked too.
"""

from __future__ import annotations

import ast
import importlib
import re
import tomllib
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import click
import pytest
from flask import Flask
from flask.cli import ScriptInfo
from werkzeug.exceptions import MethodNotAllowed, NotFound
from werkzeug.routing import MapAdapter, RequestRedirect

import config

ROOT = Path(__file__).resolve().parents[2]
DOCUMENTS = (ROOT / "README.md", *sorted((ROOT / "docs").glob("*.md")))

FENCED_BLOCK = re.compile(r"^ {0,3}```[^\n]*\n(.*?)^ {0,3}```", re.MULTILINE | re.DOTALL)
CODE_SPAN = re.compile(r"`([^`]+)`")
VARIABLE = re.compile(r"\bLEARNHUB_[A-Z0-9_]*[A-Z0-9](?![A-Z0-9_*])")
# The command where a line of shell starts it: first, after "python3 -m", or after "&&" or ";".
# (Not "ALTER ROLE learnhub", nor learnhub/ or learnhub.reports.)
COMMAND = re.compile(r"(?:^|(?<=-m )|(?<=&& )|(?<=; ))learnhub(?=\s|$)(.*)")
ROUTE = re.compile(r"(?:^|(?<=\s))(?:(GET|POST|PUT|PATCH|DELETE|HEAD) )?(/[^\s]*)")
# A path is one of our routes when it starts like one: "/" alone, or "/" and a lower-case letter
# or a placeholder. "//report", "/%72eport" and "/REPORT" are written as what an attacker sends.
ROUTE_START = re.compile(r"/(?:$|[a-z<{])")
# Requests docs/logging.md writes out because they route nowhere, or to a method the route does
# not take: what a reporter's request may look like when an attacker spells it.
NOT_ROUTES_ON_PURPOSE = {
    ("DELETE", "/report"),
    (None, "/report/"),
    (None, "/report/anything"),
    (None, "/report;x"),
}
# Ends a command inside a line of shell.
SHELL_BREAKS = {"&&", "||", "|", ";", ">", "2>&1", "#"}
# Stand-ins for "and so on" and for a value left out.
ELLIPSES = {"…", "...", '"…"', "'…'"}
MARKDOWN_LINK = re.compile(r"\]\(([^)\s]+)\)")


@dataclass(frozen=True)
class Names:
    commands: list[str]
    routes: list[tuple[str | None, str]]
    variables: list[str]


def fenced_lines(text: str) -> list[str]:
    return [
        line.strip()
        for block in FENCED_BLOCK.findall(text)
        for line in block.splitlines()
        if line.strip()
    ]


def inline_spans(text: str) -> list[str]:
    # Table cells escape the pipe; a span may wrap onto the next line.
    prose = FENCED_BLOCK.sub("", text)
    return [" ".join(span.replace("\\|", "|").split()) for span in CODE_SPAN.findall(prose)]


def names_in(text: str) -> Names:
    """Commands from inline code and shell blocks; routes from inline code only (a fenced block
    may be an nginx file, whose /var/log paths are not routes); variables from anywhere."""
    spans = inline_spans(text)
    commands = [m.group(0) for piece in spans + fenced_lines(text) for m in COMMAND.finditer(piece)]
    routes = [
        (method or None, path.rstrip(".,;:)"))
        for piece in spans
        for method, path in ROUTE.findall(piece)
        if ROUTE_START.match(path)
    ]
    return Names(commands, routes, VARIABLE.findall(text))


# --- commands ---------------------------------------------------------------------------------


def entry_point_group() -> click.Group:
    """The group the installed ``learnhub`` script runs, found as pyproject.toml declares it."""
    scripts = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]["scripts"]
    module, _, attribute = scripts["learnhub"].partition(":")
    return getattr(importlib.import_module(module), attribute)


def option_names(command: click.Command) -> set[str]:
    names = {"--help"}
    for param in command.params:
        if isinstance(param, click.Option):
            names.update(param.opts, param.secondary_opts)
    return names


def words_of(command_text: str) -> Iterator[str]:
    for word in command_text.split()[1:]:  # after "learnhub"
        if word in SHELL_BREAKS:
            return
        word = word.strip("[](),")
        if word and word not in ELLIPSES:
            yield word


def command_problem(app: Flask, command_text: str) -> str | None:
    """Why ``command_text`` does not name a real command with real options, or None."""
    info = ScriptInfo(create_app=lambda: app, set_debug_flag=False)
    root = entry_point_group()
    with click.Context(root, info_name="learnhub", obj=info) as context:
        command: click.Command = root
        taken_an_argument = False
        for word in words_of(command_text):
            if word.startswith("-"):
                option = word.split("=", 1)[0]
                if option not in option_names(command):
                    return f"{command_text!r}: {context.command_path} has no option {option}"
            elif isinstance(command, click.Group) and not taken_an_argument:
                found = command.get_command(context, word)
                if found is None:
                    return f"{command_text!r}: {context.command_path} has no command {word!r}"
                context = click.Context(found, parent=context, info_name=word)
                command = found
            else:
                taken_an_argument = True  # an argument or an option's value, such as EMAIL
    return None


# --- routes -----------------------------------------------------------------------------------

PLACEHOLDER = re.compile(r"<[^<>]*>|\{[^{}]*\}")


CHOICES = re.compile(r"(<[^<>]*\|[^<>]*>)")


def concrete_paths(path: str) -> list[list[str]]:
    """Each way of writing out a documented path, with the values to try for it: a placeholder
    listing its choices (``<reports|factors>``) becomes each choice in turn, and every other
    placeholder a number or a word, so that ``<int:…>`` and ``<…>`` rules both match."""
    path = path.split("?", 1)[0].split("#", 1)[0]
    written_out = [""]
    for piece in CHOICES.split(path):
        options = piece[1:-1].split("|") if CHOICES.fullmatch(piece) else [piece]
        written_out = [done + option for done in written_out for option in options]
    return [[PLACEHOLDER.sub("1", one), PLACEHOLDER.sub("word", one)] for one in written_out]


def matches(adapter: MapAdapter, path: str, method: str | None) -> bool:
    try:
        adapter.match(path, method=method or "GET")
    except RequestRedirect:
        return True  # the same page without (or with) its trailing slash
    except MethodNotAllowed:
        return method is None  # the page exists; only a named method must be allowed
    except NotFound:
        return False
    return True


def route_problem(app: Flask, method: str | None, path: str) -> str | None:
    """Why ``path`` (with ``method``, if the document names one) is not a route, or None."""
    adapter = app.url_map.bind("localhost")
    for alternatives in concrete_paths(path):
        if not any(matches(adapter, concrete, method) for concrete in alternatives):
            # A prefix such as /api/v1 names the routes under it.
            prefix = alternatives[0].rstrip("/") + "/"
            if method is None and any(r.rule.startswith(prefix) for r in app.url_map.iter_rules()):
                continue
            return f"{(method + ' ') if method else ''}{path}: no route answers {alternatives[0]}"
    return None


# --- environment variables --------------------------------------------------------------------


def names_read_by_code() -> set[str]:
    """``LEARNHUB_*`` names that code which runs (not the tests, which only set them) spells out:
    gunicorn's settings, the test and benchmark database URLs, CI's switches."""
    sources = [
        *(ROOT / "learnhub").rglob("*.py"),
        *(ROOT / "benchmarks").rglob("*.py"),
        *(p for p in (ROOT / "tests").rglob("*.py") if not p.name.startswith("test_")),
        *ROOT.glob("*.py"),
    ]
    found: set[str] = set()
    for source in sources:
        for node in ast.walk(ast.parse(source.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Constant) and VARIABLE.fullmatch(str(node.value)):
                found.add(node.value)
    ci_script = ROOT / ".ci" / "run"
    if ci_script.exists():
        found.update(re.findall(r"\$\{?(LEARNHUB_[A-Z0-9_]+)", ci_script.read_text()))
    return found


def known_variables() -> set[str]:
    settings = {config.ENV_PREFIX + "ENV"}
    settings.update(config.ENV_PREFIX + name for name in config.CASTS)
    settings.update(config.ENV_PREFIX + old_name for old_name in config.ALIASES)
    return settings | names_read_by_code()


def variable_problem(known: set[str], name: str) -> str | None:
    return None if name in known else f"{name}: neither config.py nor any code reads it"


# --- the documents ----------------------------------------------------------------------------


def problems_in(app: Flask, text: str, known: set[str]) -> list[str]:
    names = names_in(text)
    found = [command_problem(app, command) for command in dict.fromkeys(names.commands)]
    routes = [route for route in dict.fromkeys(names.routes) if route not in NOT_ROUTES_ON_PURPOSE]
    found += [route_problem(app, method, path) for method, path in routes]
    found += [variable_problem(known, name) for name in dict.fromkeys(names.variables)]
    return [problem for problem in found if problem is not None]


@pytest.fixture(scope="module")
def known() -> set[str]:
    return known_variables()


@pytest.mark.parametrize("document", DOCUMENTS, ids=lambda p: str(p.relative_to(ROOT)))
def test_every_name_the_document_gives_exists(app: Flask, known: set[str], document: Path) -> None:
    assert problems_in(app, document.read_text(encoding="utf-8"), known) == []


def test_the_documents_name_commands_routes_and_variables() -> None:
    """The check above is not passing because it read nothing."""
    names = names_in("\n".join(d.read_text(encoding="utf-8") for d in DOCUMENTS))
    assert len(set(names.commands)) > 30
    assert len(set(names.routes)) > 40
    assert len(set(names.variables)) > 35
    assert "learnhub audit verify --anchor" in names.commands
    assert (None, "/review/reports/<reference>") in names.routes
    assert ("POST", "/api/v1/reports") in names.routes


@pytest.mark.parametrize(
    "text",
    [
        "`learnhub frobnicate`",
        "`learnhub users remove EMAIL`",
        "`learnhub users create EMAIL --colour blue`",
        "`learnhub taxonomy`, then\n\n```sh\nlearnhub taxonomy unload FILE\n```",
        "`/no-such-page`",
        "`/review/reports/<reference>/delete`",
        "`DELETE /api/v1/reports`",
        "`/dashboard/exports/<reports|factors>.csv`",
        "`LEARNHUB_NO_SUCH_SETTING`",
        "set LEARNHUB_K_THRESHOLDS in production",
    ],
)
def test_a_made_up_name_is_refused(app: Flask, known: set[str], text: str) -> None:
    assert len(problems_in(app, text, known)) == 1


@pytest.mark.parametrize(
    "text",
    [
        "`learnhub users create EMAIL --role ROLE [--name N] [--password-stdin]`",
        "`python3 -m learnhub demo --seed-only`",
        "`learnhub\ndashboard refresh`",
        "`learnhub db …`, `learnhub --help`, `learnhub/themes/detect.py`",
        "`ALTER ROLE learnhub SET log_statement = 'none';`",
        "```sh\npython3 -m pip install -e . && python3 -m learnhub demo\n```",
        "`/review/reports/<reference>`, `GET /api/v1/themes/{id}`, `/dashboard/`",
        "`/dashboard/charts/<reports|factors|themes>.svg`, `/actions/new?theme_id=…`, `/api/v1`",
        "`//report`, `/%72eport` and `/REPORT`",
        "`LEARNHUB_K_THRESHOLD`, `LEARNHUB_SMTP_*`, `LEARNHUB_TEST_POSTGRES`",
    ],
)
def test_real_names_pass(app: Flask, known: set[str], text: str) -> None:
    assert problems_in(app, text, known) == []


# --- links between the documents --------------------------------------------------------------


def anchor_of(heading: str) -> str:
    """GitHub's anchor for a heading: lower case, punctuation dropped, spaces as hyphens."""
    text = re.sub(r"[`*_]|\[([^\]]*)\]\([^)]*\)", r"\1", heading.strip()).lower()
    return re.sub(r"[^\w\- ]", "", text).replace(" ", "-")


def anchors_in(document: Path) -> set[str]:
    text = FENCED_BLOCK.sub("", document.read_text(encoding="utf-8"))
    return {anchor_of(h) for h in re.findall(r"^#{1,6} (.+)$", text, re.MULTILINE)}


def link_problems(document: Path) -> Iterator[str]:
    text = FENCED_BLOCK.sub("", document.read_text(encoding="utf-8"))
    for target in MARKDOWN_LINK.findall(text):
        if re.match(r"[a-z]+:", target):
            continue  # https:, mailto:
        file_part, _, anchor = target.partition("#")
        linked = (document.parent / file_part).resolve() if file_part else document
        if not linked.exists():
            yield f"{document.name}: {target} does not exist"
        elif anchor and linked.suffix == ".md" and anchor not in anchors_in(linked):
            yield f"{document.name}: {target} has no heading #{anchor}"


@pytest.mark.parametrize(
    "document",
    [*DOCUMENTS, ROOT / "benchmarks" / "RESULTS.md"],
    ids=lambda p: str(p.relative_to(ROOT)),
)
def test_every_link_between_documents_leads_somewhere(document: Path) -> None:
    assert list(link_problems(document)) == []
