"""Review panel pages: the triage queue and a report with its anonymous thread."""

from __future__ import annotations

import sqlalchemy as sa
from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_login import current_user
from werkzeug.wrappers import Response

from learnhub.audit import services as audit
from learnhub.core.context import service_today
from learnhub.core.permissions import Permission, requires
from learnhub.core.time import utcnow
from learnhub.extensions import db
from learnhub.reports import services as reports
from learnhub.reports.models import NARRATIVE_FIELDS, Report, ReportStatus
from learnhub.review import coding, services
from learnhub.review.forms import QuestionForm
from learnhub.taxonomy import services as taxonomy
from learnhub.taxonomy import training

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


def render_report(
    report: Report,
    form: QuestionForm,
    coding_errors: list[str] | None = None,
    question_findings: list[object] | None = None,
) -> str:
    version = taxonomy.active_version(db.session)
    choices = coding.coding_choices(db.session, report, version) if version else []
    return render_template(
        "review/report.html",
        report=report,
        form=form,
        version=version,
        choices=choices,
        coding_errors=coding_errors or [],
        question_findings=question_findings or [],
        history=coding.coding_history(db.session, report),
        questions=QUESTIONS,
        fields=NARRATIVE_FIELDS,
        segments=reports.highlighted_answers(report.answers(), report.identifier_flags or []),
    )


@bp.route("/reports/<reference>")
@requires(Permission.REVIEW_REPORTS)
def report(reference: str) -> str:
    found = report_or_404(reference)
    services.mark_replies_seen(found)
    version = taxonomy.active_version(db.session)
    if version is not None:
        suggester = training.suggester_for(db.session, version)
        coding.store_suggestions(db.session, found, version, suggester, training.report_text(found))
    audit.record(db.session, current_user, "read", "report", found.reference)
    db.session.commit()
    return render_report(found, QuestionForm())


@bp.route("/reports/<reference>/coding", methods=["POST"])
@requires(Permission.REVIEW_REPORTS)
def save_coding(reference: str) -> str | Response:
    found = report_or_404(reference)
    version = taxonomy.active_version(db.session)
    if version is None:
        abort(409)
    chosen = request.form.getlist("codes")
    try:
        changes = coding.save_coding(db.session, found, current_user, version, chosen, utcnow())
    except taxonomy.UnknownCodes as exc:
        db.session.rollback()
        return render_report(
            found, QuestionForm(formdata=None), ["Unknown codes: " + ", ".join(exc.unknown)]
        )
    audit.record(
        db.session,
        current_user,
        "update",
        "report_codes",
        found.reference,
        {"changes": [f"{c.action.value}:{c.code_id}" for c in changes], "codes": sorted(chosen)},
    )
    db.session.commit()
    flash("Coding saved" if changes else "Coding saved: no changes", "success")
    return redirect(url_for("review.report", reference=found.reference) + "#coding")


@bp.route("/reports/<reference>/questions", methods=["POST"])
@requires(Permission.REVIEW_REPORTS)
def ask(reference: str) -> str | Response:
    found = report_or_404(reference)
    form = QuestionForm()
    if form.validate_on_submit():
        today = service_today()
        _, findings = reports.check_reply(form.body.data or "")
        if findings and form.confirm_identifiers.data != "yes":
            # The reporter reads this with only a receipt: nothing identifying should go to them.
            form.confirm_identifiers.data = "yes"
            return render_report(found, form, question_findings=findings)
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
