"""Follow-up pages: with their receipt, a reporter reads the thread, replies and sees the outcome.

Entering a receipt opens the thread in that browser for a short while; the session cookie then
carries the receipt's keyed hash and an expiry, and nothing about the visit is kept on the server.
"""

from __future__ import annotations

import datetime as dt

from flask import (
    Blueprint,
    current_app,
    flash,
    redirect,
    render_template,
    session,
    url_for,
)
from werkzeug.wrappers import Response

from learnhub.actions.outcomes import completed_actions_for_report
from learnhub.core.anonymous_routes import anonymous_route
from learnhub.core.context import client_within_limit, refuse_over_limit, service_today
from learnhub.core.extensions import db
from learnhub.core.permissions import Permission, requires
from learnhub.core.time import utcnow
from learnhub.reports import services
from learnhub.reports.forms import ReceiptForm, ReplyForm
from learnhub.reports.models import Report

# Every route here is a reporter's: none is access-logged (learnhub.core.anonymous_routes).
bp = anonymous_route(Blueprint("followup", __name__, url_prefix="/followup"))

FOLLOWUP = "followup"
NOT_FOUND = "We could not find a report with that receipt code. Check the code and try again."


def open_thread(hashed: str) -> None:
    minutes = current_app.config["FOLLOWUP_SESSION_MINUTES"]
    until = utcnow() + dt.timedelta(minutes=minutes)
    session[FOLLOWUP] = {"hash": hashed, "until": until.isoformat()}


def report_in_session() -> Report | None:
    opened = session.get(FOLLOWUP)
    if not isinstance(opened, dict):
        return None
    try:
        if dt.datetime.fromisoformat(opened["until"]) < utcnow():
            session.pop(FOLLOWUP, None)
            return None
        return services.report_for_hash(db.session, str(opened["hash"]))
    except (KeyError, ValueError, services.ReceiptNotFound):
        session.pop(FOLLOWUP, None)
        return None


@bp.route("", methods=["GET", "POST"])
@requires(Permission.PUBLIC)
def enter() -> str | Response | tuple[str, int]:
    form = ReceiptForm()
    if form.validate_on_submit():
        if not client_within_limit("RECEIPT_LOOKUP_LIMIT", "receipt", count=False):
            refuse_over_limit("RECEIPT_LOOKUP_LIMIT", "receipt")
        try:
            hashed = services.hash_for_receipt(
                form.receipt.data or "", current_app.config["RECEIPT_KEY"]
            )
            services.report_for_hash(db.session, hashed)
        except services.ReceiptNotFound:
            client_within_limit("RECEIPT_LOOKUP_LIMIT", "receipt")  # wrong codes count
            form.receipt.errors = [NOT_FOUND]
        else:
            open_thread(hashed)
            return redirect(url_for("followup.thread"))
    return render_template("followup/enter.html", form=form)


@bp.route("/thread", methods=["GET", "POST"])
@requires(Permission.PUBLIC)
def thread() -> str | Response:
    report = report_in_session()
    if report is None:
        return redirect(url_for("followup.enter"))
    form = ReplyForm()
    findings = []
    if form.validate_on_submit():
        try:
            text, findings = services.check_reply(form.body.data or "")
            if findings and form.confirm_identifiers.data != "yes":
                form.confirm_identifiers.data = "yes"
            else:
                services.add_reporter_reply(db.session, report, text, service_today())
                db.session.commit()
                flash("Your reply has been sent to the review panel", "success")
                return redirect(url_for("followup.thread"))
        except services.ReportInvalid as exc:
            form.body.errors = [exc.errors["body"]]
        except services.ThreadClosed:
            form.body.errors = ["This report is closed, so it no longer takes replies"]
    return render_template(
        "followup/thread.html",
        report=report,
        form=form,
        findings=findings,
        status_text=services.status_for_reporter(report),
        actions=completed_actions_for_report(db.session, report),
    )


@bp.route("/leave", methods=["POST"])
@requires(Permission.PUBLIC)
def leave() -> Response:
    session.pop(FOLLOWUP, None)
    flash(
        "Your report is hidden on this device. The review panel still has it: enter your "
        "receipt code to see it again.",
        "success",
    )
    return redirect(url_for("followup.enter"))
