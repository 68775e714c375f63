"""Themes in the API: reviewers see them whole; anyone else (leaders) sees accepted themes only,
titled, worded and counted as ``learnhub.disclosure`` allows (through ``learnhub.themes.sharing``),
so a leader reads the same figures here as on the dashboard and the learning page."""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa
from flask import abort, g, jsonify, request
from marshmallow import ValidationError
from werkzeug.wrappers import Response

from learnhub.api.blueprint import RequestInvalid, bp
from learnhub.api.openapi import documented
from learnhub.api.themes_schemas import (
    LISTED_STATUSES,
    PageQuerySchema,
    ThemeListSchema,
    ThemeQuerySchema,
    ThemeReportPageSchema,
    ThemeSchema,
)
from learnhub.audit import services as audit
from learnhub.core.extensions import db
from learnhub.core.permissions import Permission, requires
from learnhub.disclosure.counts import Cell, threshold
from learnhub.disclosure.themes import SharedTheme, in_panel
from learnhub.themes.models import Theme, ThemeStatus
from learnhub.themes.services import member_reports
from learnhub.themes.sharing import is_shared, shared_counts, shared_query, shared_themes


def count(cell: Cell) -> dict[str, Any]:
    return {"value": cell.value, "suppressed": cell.suppressed, "secondary": cell.secondary}


def exact(value: int) -> Cell:
    """A count as the panel reads it: exactly."""
    return Cell(value, suppressed=False)


def theme_body(
    theme: Theme, *, leader: bool, k: int, shared: SharedTheme | None = None
) -> dict[str, Any]:
    """``shared``: how the theme may be shown outside the panel; None for the panel's view."""
    months = sorted(theme.monthly_counts.items())
    if leader:
        published = shared_counts(theme, k)
        members = published.members
        monthly = [{"month": month, **count(published.month(month))} for month, _ in months]
    else:
        members = exact(theme.member_count)
        monthly = [{"month": month, **count(exact(n))} for month, n in months]
    statistics = theme.statistics or {}
    return ThemeSchema().dump(
        {
            "id": theme.id,
            "title": shared.title if shared else theme.title,
            "kind": theme.kind.value,
            "status": theme.status.value,
            "defining_codes": theme.defining_codes,
            "terms": shared.terms if shared else theme.terms,
            "member_count": members.value,
            "suppressed": members.suppressed,
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
    k, leader = threshold(), viewer_is_leader()
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
    (body,) = bodies([found], leader=leader, k=threshold())
    audit.record(db.session, g.api_user, "read", "theme", found.id, {"via": "api"})
    db.session.commit()
    return jsonify(body)


@bp.route("/themes/<int:theme_id>/reports")
@requires(Permission.VIEW_THEME_REPORTS)
@documented(
    "The reports a theme is made of, by reference, newest received first, a page at a time "
    "(the review panel only)",
    {200: ThemeReportPageSchema},
    query=PageQuerySchema,
)
def theme_reports(theme_id: int) -> Response:
    try:
        paging = PageQuerySchema().load(request.args)
    except ValidationError as exc:
        raise RequestInvalid(exc.normalized_messages()) from exc
    found = db.session.get(Theme, theme_id)
    if found is None or found.status not in LISTED_STATUSES:
        abort(404, "No theme has this id.")
    page, size = paging["page"], paging["size"]
    members = member_reports(db.session, found.id, offset=(page - 1) * size, limit=size)
    body = ThemeReportPageSchema().dump(
        {
            "theme_id": found.id,
            "page": page,
            "size": size,
            "total": members.total,
            "pages": -(-members.total // size),
            "reports": [
                {
                    "reference": r.reference,
                    "event_month": f"{r.event_month:%Y-%m}",
                    "received_on": r.received_on,
                    "status": r.status.value,
                }
                for r in members.reports
            ],
        }
    )
    audit.record(
        db.session, g.api_user, "list", "theme_report", found.id, {"page": page, "via": "api"}
    )
    db.session.commit()
    return jsonify(body)
