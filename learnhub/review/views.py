"""Review panel pages."""

from __future__ import annotations

from flask import Blueprint, abort, render_template, request

from learnhub.core.permissions import Permission, requires
from learnhub.extensions import db
from learnhub.reports.models import ReportStatus
from learnhub.review import services

bp = Blueprint("review", __name__, url_prefix="/review")


@bp.route("/")
@requires(Permission.REVIEW_REPORTS)
def queue() -> str:
    try:
        status = ReportStatus(request.args.get("status", ReportStatus.NEW.value))
    except ValueError:
        abort(404)
    view = services.triage_queue(db.session, status)
    return render_template("review/queue.html", view=view, statuses=list(ReportStatus))
