"""``learnhub import-reports``: an organisation's history from CSV, checked first, then all or
nothing (or, with ``--skip-bad``, the good rows and a file of the refused ones)."""

from __future__ import annotations

import contextlib
import csv
import hashlib
import sys
from collections.abc import Iterator
from pathlib import Path

import click
from flask import current_app
from flask.cli import with_appcontext
from sqlalchemy.exc import IntegrityError

from learnhub.core.context import service_today
from learnhub.core.extensions import db
from learnhub.core.time import utcnow
from learnhub.imports import services
from learnhub.imports.reading import EXTERNAL_ID, ImportFileInvalid

# Problems listed on the terminal; the rest are counted (and all written by --skip-bad).
SHOWN_PROBLEMS = 20


@click.command("import-reports")
@click.argument("csv_file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option(
    "--dry-run", is_flag=True, help="Check every row and show the first problems; save nothing."
)
@click.option(
    "--skip-bad",
    "rejects",
    type=click.Path(dir_okay=False, writable=True, path_type=Path),
    help="Import the good rows and write every refused row, with its line and reason, here.",
)
@click.option(
    "--map-out",
    "map_out",
    type=click.Path(dir_okay=False, writable=True, path_type=Path),
    help="Write external_id -> reference for every row with an external_id here.",
)
@click.option(
    "--as",
    "as_email",
    metavar="EMAIL",
    help="The reviewer or administrator account the panel_codes are confirmed by (audited).",
)
@click.option("--quiet", is_flag=True, help="No progress bar.")
@with_appcontext
def import_reports_command(
    csv_file: Path,
    dry_run: bool,
    rejects: Path | None,
    map_out: Path | None,
    as_email: str | None,
    quiet: bool,
) -> None:
    """Import reports from CSV_FILE (columns: narrative, event_month, event_type, service_area,
    factors, the other answers, external_id, panel_codes; all but narrative optional). Every
    row is checked first; any problem saves nothing unless --skip-bad is given."""
    today = service_today()
    raw = csv_file.read_bytes()
    try:
        actor = services.importing_account(db.session, as_email) if as_email else None
        with progress_bar(quiet, 0, "Checking rows") as checking:
            plan = services.plan_import(
                db.session,
                raw,
                today,
                id_key=services.external_id_key(current_app.config["RECEIPT_KEY"]),
                progress=checking,
            )
    except (ImportFileInvalid, services.ImportRefused) as exc:
        db.session.rollback()
        raise click.ClickException(str(exc)) from exc
    if plan.ignored_columns:
        click.echo("Ignored columns: " + ", ".join(plan.ignored_columns), err=True)
    show_problems(plan.problems, rejects)
    summary = (
        f"{len(plan.rows)} rows ready ({plan.panel_coded} with panel codes), "
        f"{len(plan.problems)} with problems, {plan.already_imported} already imported."
    )
    needs_actor = plan.panel_coded and actor is None
    if dry_run:
        db.session.rollback()
        if needs_actor:
            click.echo("Panel codes need --as EMAIL: the account that confirms them.", err=True)
        click.echo(f"Dry run: {summary} Nothing was saved.")
        if plan.problems or needs_actor:
            raise SystemExit(1)
        return
    if plan.problems and rejects is None:
        db.session.rollback()
        raise click.ClickException(
            f"{summary} Nothing was imported: fix the rows listed above, or import the good "
            "rows with --skip-bad REJECTS.csv."
        )
    try:
        with progress_bar(quiet, len(plan.rows), "Importing reports") as importing:
            result = services.run_import(
                db.session,
                plan,
                today=today,
                now=utcnow(),
                actor=actor,
                source_name=f"{csv_file.name} (sha256 {hashlib.sha256(raw).hexdigest()[:16]})",
                progress=importing,
            )
    except services.ImportRefused as exc:
        db.session.rollback()
        raise click.ClickException(str(exc)) from exc
    except IntegrityError:
        # Another import stored one of these rows' keys since they were checked.
        db.session.rollback()
        raise click.ClickException(
            "Another import saved some of these rows meanwhile; nothing was imported by this "
            "one. Run it again: rows already imported are skipped."
        ) from None
    db.session.commit()
    # Written once the reports are surely saved, so neither file names a report that is not.
    if rejects is not None:
        write_rejects(rejects, plan)
        click.echo(f"{len(plan.problems)} refused rows written to {rejects}", err=True)
    if map_out is not None:
        written = write_map(map_out, plan, result)
        click.echo(f"{written} external ids and their references written to {map_out}", err=True)
    click.echo(
        f"Imported {len(result.imported)} reports ({plan.already_imported} already imported, "
        f"{len(plan.problems)} refused); {result.panel_coded} with panel codes, "
        f"{result.codes_confirmed} codes confirmed."
    )


@contextlib.contextmanager
def progress_bar(quiet: bool, length: int, label: str) -> Iterator[services.Progress | None]:
    """A bar on standard error (standard output carries only the summary), only for a person
    at a terminal: none with --quiet or when standard error is not a terminal."""
    if quiet or not sys.stderr.isatty():
        yield None
        return
    with click.progressbar(length=length or None, label=label, file=sys.stderr) as bar:
        yield bar.update


def show_problems(problems: list[services.RowProblem], rejects: Path | None) -> None:
    for problem in problems[:SHOWN_PROBLEMS]:
        click.echo(f"line {problem.line}: {problem.reason}", err=True)
    hidden = len(problems) - SHOWN_PROBLEMS
    if hidden > 0:
        where = f"all are written to {rejects}" if rejects else "--skip-bad FILE writes them all"
        click.echo(f"... and {hidden} more rows with problems ({where}).", err=True)


def write_rejects(path: Path, plan: services.ImportPlan) -> None:
    """Every refused row as it was read, after its line and the reason: fix and import again."""
    columns = [name for name in plan.header if name and name not in ("line", "reason")]
    with path.open("w", encoding="utf-8", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(["line", "reason", *columns])
        for problem in plan.problems:
            writer.writerow(
                [problem.line, problem.reason, *(problem.values.get(c, "") for c in columns)]
            )


def write_map(path: Path, plan: services.ImportPlan, result: services.ImportResult) -> int:
    """external_id, reference and whether this import added it, in the file's order."""
    rows = [(r.line, r.external_id, r.reference, "imported") for r in result.imported]
    rows += [(r.line, r.external_id, r.reference, "already imported") for r in plan.already]
    rows = sorted(row for row in rows if row[1])
    with path.open("w", encoding="utf-8", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow([EXTERNAL_ID, "reference", "status"])
        writer.writerows(row[1:] for row in rows)
    return len(rows)
