"""The leadership dashboard: one page, its charts as SVG, and each table as CSV."""

from __future__ import annotations

from flask import Blueprint, Response, abort, render_template, request

from learnhub.core.context import service_today
from learnhub.core.extensions import db
from learnhub.core.permissions import Permission, requires
from learnhub.core.spreadsheet import csv_download
from learnhub.dashboard import export, services
from learnhub.dashboard.charts import CHARTS
from learnhub.disclosure.counts import threshold
from learnhub.reports.models import EventType

bp = Blueprint("dashboard", __name__, url_prefix="/dashboard")
# Figures change at most every refresh: a browser may reuse them for a few minutes.
CACHE = "private, max-age=300"


def current_summary() -> services.Summary:
    """The summary for the request's filters; 400 for filters that make no sense."""
    try:
        filters = services.parse_filters(db.session, request.args, service_today())
    except services.FiltersInvalid:
        abort(400, "These filters are not valid.")
    return services.summarise(db.session, filters, service_today(), threshold())


def page_context() -> dict[str, object]:
    return {
        "service_areas": services.service_areas(db.session),
        "event_types": list(EventType),
        "k": threshold(),
        "values": request.args,
        "tables": export.TABLES,
    }


@bp.route("/")
@requires(Permission.VIEW_DASHBOARD)
def overview() -> str | tuple[str, int]:
    try:
        filters = services.parse_filters(db.session, request.args, service_today())
    except services.FiltersInvalid as exc:
        return render_template("dashboard/overview.html", errors=exc.errors, **page_context()), 400
    summary = services.summarise(db.session, filters, service_today(), threshold())
    return render_template("dashboard/overview.html", summary=summary, errors={}, **page_context())


@bp.route("/charts/<name>.svg")
@requires(Permission.VIEW_DASHBOARD)
def chart(name: str) -> Response:
    if name not in CHARTS:
        abort(404)
    summary = current_summary()
    if summary.refused:
        abort(404)
    narrow = request.args.get("layout") == "narrow"
    response = Response(CHARTS[name](summary, narrow), mimetype="image/svg+xml")
    response.headers["Cache-Control"] = CACHE
    return response


@bp.route("/tiers/<tier>")
@requires(Permission.VIEW_DASHBOARD)
def tier(tier: str) -> str:
    summary = current_summary()
    titles = services.tier_titles(db.session)
    if tier not in titles and tier not in {row.key for row in summary.tiers}:
        abort(404)
    codes = (
        [] if summary.refused else services.tier_codes(db.session, summary.filters, tier, summary.k)
    )
    return render_template(
        "dashboard/tier.html",
        summary=summary,
        tier_key=tier,
        tier_title=titles.get(tier, tier),
        codes=codes,
        **page_context(),
    )


@bp.route("/export/<table>.csv")
@requires(Permission.VIEW_DASHBOARD)
def export_table(table: str) -> Response:
    if table not in export.TABLES and table != "codes":
        abort(404)
    summary = current_summary()
    if summary.refused:
        abort(404)
    stamp = f"{summary.filters.start:%Y-%m}-to-{summary.filters.end:%Y-%m}"
    if table == "codes":
        tier = request.args.get("tier", "")
        if tier not in services.tier_titles(db.session):
            abort(404)
        codes = services.tier_codes(db.session, summary.filters, tier, summary.k)
        return csv_download(export.code_rows(codes, summary.k), f"learnhub-{tier}-{stamp}.csv")
    return csv_download(export.table_rows(summary, table), f"learnhub-{table}-{stamp}.csv")
