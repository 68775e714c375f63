"""Themes in the API: reviewers see them whole; anyone else (leaders) sees accepted themes only,
titled and worded as ``learnhub.themes.disclosure`` allows, with small counts hidden."""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa
from flask import abort, current_app, g, jsonify, request
from marshmallow import ValidationError
from werkzeug.wrappers import Response

from learnhub.api.openapi import documented
from learnhub.api.themes_schemas import (
    LISTED_STATUSES,
    ThemeListSchema,
    ThemeQuerySchema,
    ThemeSchema,
)
from learnhub.api.views import RequestInvalid, bp
from learnhub.audit import services as audit
from learnhub.core.extensions import db
from learnhub.core.permissions import Permission, requires
from learnhub.dashboard.services import suppress
from learnhub.themes.disclosure import (
    SharedTheme,
    in_panel,
    is_shared,
    shared_query,
    shared_themes,
)
from learnhub.themes.models import Theme, ThemeStatus


def count_for_viewer(count: int, k: int, leader: bool) -> dict[str, Any]:
    if not leader:
        return {"value": count, "suppressed": False}
    cell = suppress(count, k)
    return {"value": cell.value, "suppressed": cell.suppressed}


def theme_body(
    theme: Theme, *, leader: bool, k: int, shared: SharedTheme | None = None
) -> dict[str, Any]:
    """``shared``: how the theme may be shown outside the panel; None for the panel's view."""
    members = count_for_viewer(theme.member_count, k, leader)
    monthly = [
        {"month": month, **count_for_viewer(count, k, leader)}
        for month, count in sorted(theme.monthly_counts.items())
    ]
    statistics = theme.statistics or {}
    return ThemeSchema().dump(
        {
            "id": theme.id,
            "title": shared.title if shared else theme.title,
            "kind": theme.kind.value,
            "status": theme.status.value,
            "defining_codes": theme.defining_codes,
            "terms": shared.terms if shared else theme.terms,
            "member_count": members["value"],
            "suppressed": members["suppressed"],
            "monthly_counts": monthly,
            "rising": theme.is_rising,
            "rising_reason": statistics.get("rising_reason", ""),
            "score": statistics.get("lift", statistics.get("tightness")),
        }
    )


def viewer_is_leader() -> bool:
    """Anyone outside the review panel: they see shared themes only, small counts hidden."""
    return not in_panel(g.api_user.role)


def bodies(themes: list[Theme], *, leader: bool, k: int) -> list[dict[str, Any]]:
    shared = shared_themes(db.session, themes) if leader else {}
    return [theme_body(t, leader=leader, k=k, shared=shared.get(t.id)) for t in themes]


@bp.route("/themes")
@requires(Permission.VIEW_THEMES)
@documented(
    "Themes in one status, largest first (outside the review panel: accepted themes only, "
    "titled and worded from de-identified text)",
    {200: ThemeListSchema},
    query=ThemeQuerySchema,
)
def themes() -> Response:
    try:
        wanted = ThemeQuerySchema().load(request.args)["status"]
    except ValidationError as exc:
        raise RequestInvalid(exc.normalized_messages()) from exc
    k, leader = current_app.config["K_THRESHOLD"], viewer_is_leader()
    # Outside the panel, asking for candidates (the default) or dismissed themes lists none.
    query = shared_query() if leader else sa.select(Theme)
    rows = db.session.scalars(
        query.where(Theme.status == ThemeStatus(wanted)).order_by(
            Theme.member_count.desc(), Theme.id
        )
    ).all()
    body = ThemeListSchema().dump({"themes": bodies(list(rows), leader=leader, k=k)})
    audit.record(db.session, g.api_user, "list", "theme", None, {"status": wanted, "via": "api"})
    db.session.commit()
    return jsonify(body)


@bp.route("/themes/<int:theme_id>")
@requires(Permission.VIEW_THEMES)
@documented("One theme", {200: ThemeSchema})
def theme(theme_id: int) -> Response:
    found = db.session.get(Theme, theme_id)
    leader = viewer_is_leader()
    if found is None or found.status not in LISTED_STATUSES or (leader and not is_shared(found)):
        abort(404, "No theme has this id.")
    (body,) = bodies([found], leader=leader, k=current_app.config["K_THRESHOLD"])
    audit.record(db.session, g.api_user, "read", "theme", found.id, {"via": "api"})
    db.session.commit()
    return jsonify(body)
