"""The public start page, information pages, the health check and the staff home."""

from __future__ import annotations

from flask import Blueprint, current_app, jsonify, redirect, render_template, url_for
from flask_login import current_user
from sqlalchemy.exc import SQLAlchemyError
from werkzeug.wrappers import Response

from learnhub.core.extensions import db
from learnhub.core.permissions import Permission, Role, requires

bp = Blueprint("main", __name__)

LANDING_PAGES = {
    Role.REVIEWER: "review.queue",
    Role.EDITOR: "bulletins.manage",
    Role.LEADER: "dashboard.overview",
    Role.ADMIN: "admin.users",
}


@bp.route("/")
@requires(Permission.PUBLIC)
def start() -> str:
    return render_template("main/start.html")


@bp.route("/accessibility")
@requires(Permission.PUBLIC)
def accessibility() -> str:
    return render_template("main/accessibility.html")


@bp.route("/privacy")
@requires(Permission.PUBLIC)
def privacy() -> str:
    return render_template("main/privacy.html")


@bp.route("/healthz")
@requires(Permission.PUBLIC)
def healthz() -> tuple[Response, int]:
    try:
        db.session.execute(db.text("SELECT 1"))
    except SQLAlchemyError:
        db.session.rollback()
        current_app.logger.warning("Health check: the database did not answer")
        return jsonify(status="error", database="error"), 503
    return jsonify(status="ok", database="ok"), 200


@bp.route("/staff")
@requires(Permission.STAFF)
def staff_home() -> Response:
    return redirect(url_for(LANDING_PAGES[current_user.role]))
