"""The leadership dashboard."""

from __future__ import annotations

from flask import Blueprint, current_app, render_template

from learnhub.core.context import service_today
from learnhub.core.permissions import Permission, requires
from learnhub.dashboard import services
from learnhub.extensions import db

bp = Blueprint("dashboard", __name__, url_prefix="/dashboard")
MONTHS_SHOWN = 18


@bp.route("/")
@requires(Permission.VIEW_DASHBOARD)
def overview() -> str:
    k = current_app.config["K_THRESHOLD"]
    volumes = services.monthly_volumes(db.session, service_today(), MONTHS_SHOWN, k)
    return render_template("dashboard/overview.html", volumes=volumes, k=k)
