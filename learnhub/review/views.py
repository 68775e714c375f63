"""Review panel pages: the triage queue and a report with its anonymous thread."""

from __future__ import annotations

import sqlalchemy as sa
from flask import Blueprint, abort, current_app, flash, redirect, render_template, request, url_for
from flask_login import current_user
from werkzeug.wrappers import Response

from learnhub.audit import services as audit
from learnhub.core.permissions import Permission, requires
from learnhub.core.time import local_today
from learnhub.extensions import db
from learnhub.reports import services as reports
from learnhub.reports.models import NARRATIVE_FIELDS, Report, ReportStatus
from learnhub.review import services
from learnhub.review.forms import QuestionForm

bp = Blueprint("review", __name__, url_prefix="/review")

QUESTIONS = {
    "narrative": "What happened",
    "what_nearly_happened": "What nearly happened",
    "what_stopped_it": "What stopped it, or what went well",
    "what_made_it_likely": "What made it more likely",
    "what_would_help": "What would help",
}


@bp.route("/")
@requires(Permission.REVIEW_REPORTS)
def queue() -> str:
    try:
        status = ReportStatus(request.args.get("status", ReportStatus.NEW.value))
    except ValueError:
        abort(404)
    view = services.triage_queue(db.session, status)
    return render_template("review/queue.html", view=view, statuses=list(ReportStatus))


def report_or_404(reference: str) -> Report:
    report = db.session.scalar(sa.select(Report).where(Report.reference == reference))
    if report is None:
        abort(404)
    return report


def render_report(report: Report, form: QuestionForm) -> str:
    flags = services.flags_by_field(report)
    return render_template(
        "review/report.html",
        report=report,
        form=form,
        questions=QUESTIONS,
        fields=NARRATIVE_FIELDS,
        segments={
            name: services.flagged_segments(getattr(report, name) or "", flags.get(name, []))
            for name in NARRATIVE_FIELDS
        },
    )


@bp.route("/reports/<reference>")
@requires(Permission.REVIEW_REPORTS)
def report(reference: str) -> str:
    found = report_or_404(reference)
    services.mark_replies_seen(found)
    audit.record(db.session, current_user, "read", "report", found.reference)
    db.session.commit()
    return render_report(found, QuestionForm())


@bp.route("/reports/<reference>/questions", methods=["POST"])
@requires(Permission.REVIEW_REPORTS)
def ask(reference: str) -> str | Response:
    found = report_or_404(reference)
    form = QuestionForm()
    if form.validate_on_submit():
        today = local_today(current_app.config["TIMEZONE"])
        try:
            message = reports.ask_reporter(
                db.session, found, current_user.id, form.body.data or "", today
            )
        except reports.ThreadClosed:
            form.body.errors = ["This report is closed, so the reporter cannot be asked more"]
        else:
            audit.record(
                db.session,
                current_user,
                "create",
                "reporter_message",
                message.id,
                {"report": found.reference},
            )
            db.session.commit()
            flash("Your question is waiting for the reporter", "success")
            return redirect(url_for("review.report", reference=found.reference))
    return render_report(found, form)
