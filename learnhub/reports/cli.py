"""``learnhub import-reports``: bulk import from CSV, checked first, then all or nothing."""

from __future__ import annotations

import sys
from pathlib import Path

import click
from flask.cli import with_appcontext

from learnhub.core.context import service_today
from learnhub.core.extensions import db
from learnhub.reports import imports


@click.command("import-reports")
@click.argument("csv_file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--dry-run", is_flag=True, help="Check every row and list problems; save nothing.")
@with_appcontext
def import_reports_command(csv_file: Path, dry_run: bool) -> None:
    """Import reports from CSV_FILE (columns: narrative, event_month, event_type, service_area,
    factors; all but narrative optional). Every row is checked first; any problem saves nothing."""
    today = service_today()
    try:
        plan = imports.plan_import(db.session, csv_file.read_bytes(), today)
    except imports.ImportFileInvalid as exc:
        raise click.ClickException(str(exc)) from exc
    if plan.ignored_columns:
        click.echo("Ignored columns: " + ", ".join(plan.ignored_columns), err=True)
    for problem in plan.problems:
        click.echo(f"line {problem.line}: {problem.reason}", err=True)
    summary = (
        f"{len(plan.rows)} rows ready, {len(plan.problems)} with problems, "
        f"{plan.already_imported} already imported."
    )
    if plan.problems:
        db.session.rollback()
        raise click.ClickException(f"{summary} Nothing was imported: fix the rows listed above.")
    if dry_run:
        db.session.rollback()
        click.echo(f"Dry run: {summary} Nothing was saved.")
        return
    # Progress goes to standard error, so standard output carries only the summary.
    with click.progressbar(plan.rows, label="Importing reports", file=sys.stderr) as rows:
        for row in rows:
            imports.file_planned_row(db.session, row, today)
    db.session.commit()
    click.echo(f"Imported {len(plan.rows)} reports ({plan.already_imported} already imported).")
