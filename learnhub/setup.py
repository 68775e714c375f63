"""``learnhub init``: bring the schema up to date and load reference data, idempotently."""

from __future__ import annotations

from flask_migrate import upgrade

from learnhub.audit import services as audit
from learnhub.audit.services import seal_unkeyed_entries
from learnhub.core.extensions import db
from learnhub.core.resources import resource_dir
from learnhub.reports.reference import ensure_service_areas
from learnhub.taxonomy.models import TaxonomyVersion
from learnhub.taxonomy.services import (
    TaxonomyChoice,
    active_version,
    ensure_chosen_taxonomy,
    ensure_taxonomy,
)


def initialise(taxonomy: TaxonomyChoice | None = None) -> str:
    """Upgrade, add reference data and, on a database with no active taxonomy, the chosen one
    (by default the packaged social-care taxonomy). An active taxonomy is never replaced here."""
    upgrade(directory=str(resource_dir("migrations")))
    added_areas = ensure_service_areas(db.session)
    before = active_version(db.session)
    if taxonomy is None:
        version = ensure_taxonomy(db.session)
    else:
        version = ensure_chosen_taxonomy(db.session, taxonomy.catalogue)
        if before is None and version is not None:
            record_chosen_taxonomy(version, taxonomy.source)
    checkpoint = seal_unkeyed_entries(db.session)
    db.session.commit()
    summary = (
        f"Database is up to date; {added_areas} service areas added; "
        f"{taxonomy_summary(version, before, taxonomy)}."
    )
    if checkpoint is not None:
        summary += (
            f" Audit trail: {checkpoint.details['unkeyed_entries']:,} entries written before "
            f"the audit key are sealed by keyed checkpoint entry {checkpoint.id}."
        )
    return summary


def record_chosen_taxonomy(version: TaxonomyVersion, source: str) -> None:
    # An administrator chose this taxonomy (the built-in one is installed unasked, unaudited).
    # Recorded here, not in the taxonomy package: the reporter's path imports that package,
    # and must import nothing that knows staff.
    audit.record(
        db.session,
        None,
        "activate",
        "taxonomy_version",
        version.number,
        {"previous_version": None, "file": source, "via": "init"},
    )


def taxonomy_summary(
    version: TaxonomyVersion | None,
    before: TaxonomyVersion | None,
    choice: TaxonomyChoice | None,
) -> str:
    if version is None:
        return (
            "no taxonomy is active, so the report form asks for contributing factors in words "
            "only (load one with: learnhub taxonomy load FILE, then learnhub taxonomy activate "
            "VERSION)"
        )
    active = f"taxonomy version {version.number} is active"
    if before is None or choice is None:
        return active
    if choice.catalogue is not None and choice.catalogue.checksum == version.checksum:
        return active
    # Safe to repeat: init never swaps the taxonomy reports are being coded against.
    if choice.catalogue is None:
        return f"{active} and is left as it is (--taxonomy none applies only before one is)"
    return (
        f"{active} and is left as it is ({choice.source} was not installed; to change the "
        "taxonomy: learnhub taxonomy load FILE, then learnhub taxonomy activate VERSION "
        "--retire-unmapped)"
    )
