"""The API's staff endpoints and its documentation. Staff authenticate by bearer token (checked
by the request guard). The reporter's endpoints are in learnhub/api/reporting.py, the others
beside this module; importing this module registers them all on the blueprint."""

from __future__ import annotations

import sqlalchemy as sa
from flask import abort, current_app, g, jsonify
from werkzeug.wrappers import Response

from learnhub.api import reporting  # noqa: F401 - registers the reporter's endpoints
from learnhub.api.blueprint import bp, load_optional_json
from learnhub.api.openapi import documented, spec_for
from learnhub.api.schemas import (
    MeSchema,
    SuggestionRequestSchema,
    SuggestionsSchema,
)
from learnhub.audit import services as audit
from learnhub.core.errors import problem
from learnhub.core.extensions import db
from learnhub.core.permissions import Permission, permissions_of, requires
from learnhub.reports.models import Report
from learnhub.suggestions import training
from learnhub.taxonomy import services as taxonomy


@bp.route("/openapi.json")
@requires(Permission.PUBLIC)
@documented("This OpenAPI 3 document", {200: "The document"}, tags=("documentation",))
def openapi_document() -> Response:
    return jsonify(spec_for(current_app._get_current_object()))  # type: ignore[attr-defined]


@bp.route("/docs")
@requires(Permission.PUBLIC)
@documented(
    "This API described for people, as a web page",
    {200: "An HTML page"},
    content_type="text/html",
    tags=("documentation",),
)
def docs() -> str:
    from learnhub.api.docs import render_docs

    return render_docs(spec_for(current_app._get_current_object()))  # type: ignore[attr-defined]


@bp.route("/me")
@requires(Permission.STAFF)
@documented("The account the token belongs to, and what its role may do", {200: MeSchema})
def me() -> Response:
    user = g.api_user
    return jsonify(
        MeSchema().dump(
            {
                "id": user.id,
                "email": user.email,
                "display_name": user.display_name,
                "role": user.role.value,
                "permissions": sorted(p.value for p in permissions_of(user.role)),
            }
        )
    )


@bp.route("/reports/<reference>/suggestions", methods=["POST"])
@requires(Permission.REVIEW_REPORTS)
@documented(
    "Ranked taxonomy codes for a report",
    {200: SuggestionsSchema},
    request=SuggestionRequestSchema,
    request_required=False,
    errors=(409,),
)
def report_suggestions(reference: str) -> Response:
    """Ranked taxonomy codes for a report, with scores; reading a report is audited."""
    report = db.session.scalar(sa.select(Report).where(Report.reference == reference))
    if report is None:
        abort(404, "No report has this reference.")
    version = taxonomy.active_version(db.session)
    if version is None:
        return problem(409, "Conflict", "No taxonomy version is active.")
    data = load_optional_json(SuggestionRequestSchema())
    suggester = training.suggester_for(db.session, version)
    titles = {code.code: code.title for code in version.codes}
    ranked = suggester.suggest(training.report_text(report), limit=data["limit"])
    audit.record(db.session, g.api_user, "read", "report", report.reference, {"via": "api"})
    db.session.commit()
    return jsonify(
        SuggestionsSchema().dump(
            {
                "reference": report.reference,
                "taxonomy_version": version.number,
                "algorithm": suggester.algorithm,
                "suggestions": [
                    {"code": s.code, "title": titles.get(s.code, s.code), "score": s.score}
                    for s in ranked
                ],
            }
        )
    )
