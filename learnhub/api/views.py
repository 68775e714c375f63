"""API endpoints. Authentication is by bearer token only, checked by the request guard."""

from __future__ import annotations

from flask import Blueprint, g, jsonify
from werkzeug.wrappers import Response

from learnhub.api.schemas import MeSchema
from learnhub.core.permissions import Permission, permissions_of, requires

bp = Blueprint("api", __name__, url_prefix="/api/v1")


@bp.route("/me")
@requires(Permission.STAFF)
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
