"""The dashboard summary in the API: the page's figures, with the page's suppression."""

from __future__ import annotations

from typing import Any

from flask import jsonify, request
from werkzeug.wrappers import Response

from learnhub.api.blueprint import RequestInvalid, bp
from learnhub.api.dashboard_schemas import DashboardQuerySchema, DashboardSummarySchema
from learnhub.api.openapi import documented
from learnhub.core.context import service_today
from learnhub.core.errors import problem
from learnhub.core.extensions import db
from learnhub.core.permissions import Permission, requires
from learnhub.dashboard import services
from learnhub.dashboard.services import MonthCell, Summary
from learnhub.disclosure.counts import Cell, threshold


def count(cell: Cell) -> dict[str, Any]:
    return {"value": cell.value, "suppressed": cell.suppressed, "secondary": cell.secondary}


def monthly(cells: list[MonthCell]) -> list[dict[str, Any]]:
    return [{"month": f"{m.month:%Y-%m}", **count(m.cell)} for m in cells]


def summary_body(summary: Summary) -> dict[str, Any]:
    chart = summary.chart
    labels = [f"{m:%Y-%m}" for m in summary.chart_months]
    control = None
    if chart is not None:
        control = {
            "mean": chart.mean,
            "mean_moving_range": chart.mean_moving_range,
            "upper_limit": chart.upper,
            "lower_limit": chart.lower,
            "signals": [
                {
                    "rule": s.rule.value,
                    "description": s.rule.label,
                    "direction": s.direction,
                    "months": [labels[i] for i in s.indexes],
                }
                for s in chart.signals
            ],
        }
    filters = summary.filters
    return {
        "filters": {
            "from_": f"{filters.start:%Y-%m}",
            "to": f"{filters.end:%Y-%m}",
            "service_area": filters.service_area.slug if filters.service_area else None,
            "event_type": filters.event_type.value if filters.event_type else None,
        },
        "k": summary.k,
        "refreshed_at": summary.refreshed_at,
        "reports": {
            "total": count(summary.total),
            "monthly": monthly(summary.months),
            "control_chart": control,
            "sentence": summary.sentence,
        },
        "factors": [
            {"tier": t.key, "title": t.title, "total": count(t.total), "monthly": monthly(t.months)}
            for t in summary.tiers
        ],
        "themes": [
            {
                "id": t.id,
                "title": t.title,
                "status": t.status,
                "reports": count(t.members),
                "monthly": monthly(t.months),
                "rising": t.rising,
                "rising_reason": t.rising_reason,
            }
            for t in summary.themes
        ],
        "actions": {key: count(cell) for key, cell in summary.actions.items()},
        "measures": [
            {
                "key": m.key,
                "label": m.label,
                "value": m.value,
                "unit": m.unit,
                "based_on": count(m.based_on),
            }
            for m in summary.measures
        ],
    }


@bp.route("/dashboard/summary")
@requires(Permission.VIEW_DASHBOARD)
@documented(
    'The leadership dashboard\'s figures: counts below k are null with "suppressed": true, '
    "others rounded to the nearest k; a filter matching 1 to k - 1 reports is refused (422)",
    {200: DashboardSummarySchema},
    query=DashboardQuerySchema,
    errors=(422,),
)
def dashboard_summary() -> Response:
    """Dashboard figures for a period, service area and event type, from the roll-ups."""
    today = service_today()
    try:
        filters = services.parse_filters(db.session, request.args, today)
    except services.FiltersInvalid as exc:
        raise RequestInvalid({name: [message] for name, message in exc.errors.items()}) from exc
    k = threshold()
    summary = services.summarise(db.session, filters, today, k)
    if summary.refused:
        return problem(
            422,
            "Too few reports to show",
            f"Fewer than {k} reports match these filters, so no figures are given. "
            "Choose a longer period or remove a filter.",
        )
    return jsonify(DashboardSummarySchema().dump(summary_body(summary)))
