"""``learnhub taxonomy``: load a catalogue file as a draft version, compare it with the active
version, and activate a draft with a mapping for the codes it removes."""

from __future__ import annotations

import json
from collections.abc import Sequence
from pathlib import Path

import click
from flask.cli import with_appcontext

from learnhub.core.extensions import db
from learnhub.taxonomy import versions
from learnhub.taxonomy.catalogue import (
    Catalogue,
    CatalogueDiff,
    CatalogueInvalid,
    diff_catalogues,
    load_catalogue_file,
)
from learnhub.taxonomy.services import active_version

MAP_HELP = (
    "What a code of the active version becomes: OLD=NEW, OLD=NEW1,NEW2 (a split), or OLD= "
    "to retire it. Repeat for each code; it replaces the same code's line in --mapping-file."
)
FILE_TYPE = click.Path(exists=True, dir_okay=False, path_type=Path)


@click.group("taxonomy")
def taxonomy_group() -> None:
    """Taxonomy versions: load a catalogue as a draft, compare it, activate it."""


@taxonomy_group.command("load")
@click.argument("file", type=FILE_TYPE)
@with_appcontext
def load_command(file: Path) -> None:
    """Load FILE as the next numbered draft version and show how it differs from the active
    version. Loading the same content again changes nothing."""
    catalogue = read_catalogue(file)
    existing = versions.version_by_checksum(db.session, catalogue.checksum)
    if existing is not None:
        click.echo(
            f"{file.name} is already version {existing.number} ({existing.status.value}); "
            "nothing was loaded."
        )
        return
    draft = versions.draft_version(db.session, catalogue)
    db.session.commit()
    click.echo(f"Loaded {file.name} as version {draft.number} (draft, {len(draft.codes)} codes).")
    echo_comparison(catalogue)
    click.echo(f"Activate it with: learnhub taxonomy activate {draft.number}")


@taxonomy_group.command("diff")
@click.argument("file", type=FILE_TYPE)
@with_appcontext
def diff_command(file: Path) -> None:
    """Show how FILE differs from the active version. Changes nothing."""
    echo_comparison(read_catalogue(file))


@taxonomy_group.command("activate")
@click.argument("number", metavar="VERSION", type=int)
@click.option("--map", "map_options", multiple=True, metavar="OLD=NEW[,NEW...]", help=MAP_HELP)
@click.option(
    "--mapping-file",
    type=FILE_TYPE,
    help='JSON object: {"OLD": ["NEW", ...], ...}; an empty list retires the code.',
)
@with_appcontext
def activate_command(number: int, map_options: tuple[str, ...], mapping_file: Path | None) -> None:
    """Activate draft VERSION. Every code it removes needs a mapping (or an explicit retirement);
    codes it keeps carry over by themselves."""
    mapping = read_mapping_file(mapping_file) if mapping_file else {}
    mapping.update(parse_map_options(map_options))
    draft = versions.version_by_number(db.session, number)
    if draft is None:
        raise click.ClickException(f"There is no taxonomy version {number}.")
    try:
        plan = versions.activate(db.session, draft, mapping, via="cli")
    except versions.MappingInvalid as exc:
        db.session.rollback()
        raise click.ClickException(mapping_refusal(exc)) from exc
    except versions.VersionChangeRefused as exc:
        db.session.rollback()
        raise click.ClickException(f"{exc}.") from exc
    db.session.commit()
    click.echo(activation_summary(plan))


def read_catalogue(file: Path) -> Catalogue:
    try:
        return load_catalogue_file(file)
    except CatalogueInvalid as exc:
        for error in exc.errors:
            click.echo(f"- {error}", err=True)
        raise click.ClickException(
            f"{file.name} is not a valid taxonomy catalogue ({len(exc.errors)} problem(s) "
            "listed above); nothing was changed."
        ) from exc


def echo_comparison(catalogue: Catalogue) -> None:
    active = active_version(db.session)
    if active is None:
        click.echo(f"No version is active: all {len(catalogue.codes)} codes would be new.")
        return
    click.echo(f"Compared with version {active.number} (active):")
    diff = diff_catalogues(versions.catalogue_of(active), catalogue)
    for line in describe_diff(diff):
        click.echo(line)


def describe_diff(diff: CatalogueDiff) -> list[str]:
    """The diff as lines for a terminal: one section per kind of change, codes indented."""
    if diff.is_empty:
        return ["  No code was added, removed or changed."]
    lines: list[str] = []
    sections = (
        ("Added", [f"{code.code}  {code.title}" for code in diff.added]),
        ("Removed", [f"{code.code}  {code.title}" for code in diff.removed]),
        (
            "Renamed",
            [
                f"{change.code}  {change.old.title!r} -> {change.new.title!r}"
                for change in diff.changed
                if change.kind == "renamed"
            ],
        ),
        (
            "Revised",
            [
                f"{change.code}  {', '.join(change.fields)} changed"
                for change in diff.changed
                if change.kind == "revised"
            ],
        ),
    )
    for heading, items in sections:
        if items:
            lines.append(f"  {heading} ({len(items)}):")
            lines.extend(f"    {item}" for item in items)
    lines.append(f"  Unchanged: {len(diff.unchanged)} codes")
    return lines


def parse_map_options(values: Sequence[str]) -> dict[str, list[str]]:
    """``OLD=NEW1,NEW2`` options as a mapping; ``OLD=`` retires OLD."""
    mapping: dict[str, list[str]] = {}
    for value in values:
        old, equals, targets = value.partition("=")
        old = old.strip()
        if not equals or not old:
            raise click.BadParameter(
                f"{value!r}: write OLD=NEW, OLD=NEW1,NEW2 or OLD= (to retire OLD)",
                param_hint="--map",
            )
        if old in mapping:
            raise click.BadParameter(f"{old} is mapped more than once", param_hint="--map")
        mapping[old] = [target.strip() for target in targets.split(",") if target.strip()]
    return mapping


def read_mapping_file(path: Path) -> dict[str, list[str]]:
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise click.ClickException(f"{path.name} is not a JSON file: {exc}") from exc
    valid = isinstance(data, dict) and all(
        isinstance(targets, list) and all(isinstance(target, str) for target in targets)
        for targets in data.values()
    )
    if not valid:
        raise click.ClickException(
            f'{path.name} must be a JSON object of code lists, like {{"OLD-1": ["NEW-1"]}}'
        )
    return {str(old): list(targets) for old, targets in data.items()}


def mapping_refusal(exc: versions.MappingInvalid) -> str:
    other = [message for code, message in exc.errors.items() if code not in exc.unmapped]
    parts = []
    if exc.unmapped:
        parts.append(
            f"Removed codes have no mapping: {', '.join(exc.unmapped)}. Map each with "
            "--map OLD=NEW[,NEW...], or retire it with --map OLD="
        )
    parts.extend(other)
    return "; ".join(parts) + ". Nothing was changed."


def activation_summary(plan: versions.MappingPlan) -> str:
    moved = plan.changes()
    previous = f"; version {plan.source.number} is retired" if plan.source else ""
    details = [f"{len(moved)} code(s) renamed, merged or split"]
    if plan.retired:
        details.append(f"retired: {', '.join(plan.retired)}")
    return f"Version {plan.target.number} is active{previous} ({'; '.join(details)})."
