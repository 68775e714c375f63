"""Taxonomy endpoints on the API blueprint: the active version, and the list of versions.

Importing this module adds the routes, so it must be imported before the blueprint is registered.
"""

from __future__ import annotations

from flask import abort, jsonify
from werkzeug.wrappers import Response

from learnhub.api.blueprint import bp
from learnhub.api.openapi import documented
from learnhub.api.taxonomy_schemas import TaxonomySchema, VersionListSchema
from learnhub.core.extensions import db
from learnhub.core.permissions import Permission, requires
from learnhub.taxonomy import versions
from learnhub.taxonomy.services import active_version, codes_by_tier


@bp.route("/taxonomy")
@requires(Permission.PUBLIC)
@documented("The active taxonomy version", {200: TaxonomySchema}, errors=(404,))
def taxonomy() -> Response:
    """The active version: its tiers, and its codes in order with their tier and category."""
    version = active_version(db.session)
    if version is None:
        abort(404, "No taxonomy version is active.")
    groups = codes_by_tier(version)
    return jsonify(
        TaxonomySchema().dump(
            {
                "number": version.number,
                "label": version.label,
                "activated_at": version.activated_at,
                "tiers": [tier for tier, _ in groups],
                "codes": [code for _, codes in groups for code in codes],
            }
        )
    )


@bp.route("/taxonomy/versions")
@requires(Permission.PUBLIC)
@documented("Every taxonomy version", {200: VersionListSchema})
def taxonomy_versions() -> Response:
    """Every version, newest first, with its status and number of codes."""
    return jsonify(
        VersionListSchema().dump(
            {
                "versions": [
                    {
                        "number": summary.version.number,
                        "label": summary.version.label,
                        "status": summary.version.status.value,
                        "created_at": summary.version.created_at,
                        "activated_at": summary.version.activated_at,
                        "code_count": summary.code_count,
                    }
                    for summary in versions.version_summaries(db.session)
                ]
            }
        )
    )
