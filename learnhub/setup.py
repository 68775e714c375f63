"""``learnhub init``: bring the schema up to date and load reference data, idempotently."""

from __future__ import annotations

from flask_migrate import upgrade

from learnhub.audit.services import seal_unkeyed_entries
from learnhub.core.extensions import db
from learnhub.core.resources import resource_dir
from learnhub.reports.reference import ensure_service_areas
from learnhub.taxonomy.services import ensure_default_taxonomy


def initialise() -> str:
    upgrade(directory=str(resource_dir("migrations")))
    added_areas = ensure_service_areas(db.session)
    version = ensure_default_taxonomy(db.session)
    checkpoint = seal_unkeyed_entries(db.session)
    db.session.commit()
    summary = (
        f"Database is up to date; {added_areas} service areas added; "
        f"taxonomy version {version.number} is active."
    )
    if checkpoint is not None:
        summary += (
            f" Audit trail: {checkpoint.details['unkeyed_entries']:,} entries written before "
            f"the audit key are sealed by keyed checkpoint entry {checkpoint.id}."
        )
    return summary
