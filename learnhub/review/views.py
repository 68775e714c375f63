"""Review panel pages: the triage queue, and a report with its de-identified version, coding,
anonymous thread and state."""

from __future__ import annotations

import sqlalchemy as sa
from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_login import current_user
from werkzeug.wrappers import Response

from learnhub.actions.outcomes import completed_actions_for_report
from learnhub.audit import services as audit
from learnhub.core.context import service_today
from learnhub.core.extensions import db
from learnhub.core.inputs import query_int, taken_out
from learnhub.core.permissions import Permission, requires
from learnhub.core.spreadsheet import csv_download
from learnhub.core.time import utcnow
from learnhub.core.words import humanise
from learnhub.reports import services as reports
from learnhub.reports.identifiers import Finding
from learnhub.reports.models import NARRATIVE_FIELDS, Report, ReportStatus, ServiceArea
from learnhub.reports.questions import QUESTION
from learnhub.review import coding, redaction, services
from learnhub.review.forms import (
    CloseForm,
    MoveForm,
    QuestionForm,
    QueueFilterForm,
    RedactionForm,
    RepliesReadForm,
)
from learnhub.suggestions import stored, training
from learnhub.taxonomy import services as taxonomy
from learnhub.themes.triage import themes_for_report

bp = Blueprint("review", __name__, url_prefix="/review")


@bp.route("/")
@requires(Permission.REVIEW_REPORTS)
def queue() -> str:
    form = queue_filters()
    view = services.triage_queue(db.session, form.filters(), query_int("page", 1))
    # A page of the queue shows reports' details, so it is a read of each report on it.
    audit.record(
        db.session,
        current_user,
        "list",
        "report",
        details={
            "status": view.filters.status.value,
            "page": view.page,
            "references": [report.reference for report in view.reports],
        },
    )
    db.session.commit()
    kept = kept_filters(form)
    return render_template(
        "review/queue.html",
        view=view,
        form=form,
        kept=kept,
        statuses=list(ReportStatus),
        pagination=pagination(view, kept),
        excerpts={r.id: services.excerpt(r, view.filters.search) for r in view.reports},
        may_export=current_user.may(Permission.EXPORT_REPORTS),
    )


def kept_filters(form: QueueFilterForm) -> dict[str, str]:
    """The filters that were sent and are good, to keep in every link of the queue."""
    return {
        name: value
        for name, value in request.args.items()
        if name in form and name not in ("status", "page") and value and not form[name].errors
    }


def queue_filters() -> QueueFilterForm:
    form = QueueFilterForm(request.args)
    form.offer_service_areas(
        list(db.session.scalars(sa.select(ServiceArea).order_by(ServiceArea.name)))
    )
    if request.args:
        form.validate()
    return form


EXPORT_COLUMNS = [
    "Reference",
    "Received",
    "State",
    QUESTION["event_type"].label,
    QUESTION["event_month"].label,
    QUESTION["potential_severity"].label,
    QUESTION["service_area"].label,
    "May identify someone",
    "Reporter replied",
    "De-identified on",
    "De-identified: what happened",
]


@bp.route("/export.csv")
@requires(Permission.EXPORT_REPORTS)
def export_queue() -> Response:
    """The queue with its filters, every page of it, as CSV. The reporter's own words never go
    in the file (it leaves the panel's audited pages); a confirmed de-identified version does."""
    form = queue_filters()
    filters = form.filters()
    rows = services.queue_export(db.session, filters)
    audit.record(
        db.session,
        current_user,
        "export",
        "report",
        details={
            "status": filters.status.value,
            "rows": len(rows),
            "references": [row.report.reference for row in rows],
        },
    )
    db.session.commit()
    lines: list[list[object]] = [EXPORT_COLUMNS]
    for row in rows:
        report = row.report
        lines.append(
            [
                report.reference,
                report.received_on.isoformat(),
                humanise(report.status),
                humanise(report.event_type),
                f"{report.event_month:%Y-%m}",
                humanise(report.potential_severity) if report.potential_severity else "",
                report.service_area.name if report.service_area else "",
                "Yes" if report.identifier_flags else "No",
                "New reply" if row.new_reply else ("Yes" if row.replied else "No"),
                report.deidentified_on.isoformat() if report.deidentified_on else "",
                (report.redacted or {}).get("narrative", "") if report.deidentified_on else "",
            ]
        )
    name = f"triage-queue-{filters.status.value}-{service_today():%Y-%m-%d}.csv"
    return csv_download(lines, name)


def pagination(view: services.QueueView, kept: dict[str, str]) -> dict[str, object] | None:
    """Parameters for the GOV.UK pagination component, keeping the filters in every link."""
    if view.pages <= 1:
        return None

    def href(number: int) -> str:
        return url_for("review.queue", **kept, status=view.filters.status.value, page=number)

    items: list[dict[str, object]] = [
        {"ellipsis": True}
        if number is None
        else {"number": number, "href": href(number), "current": number == view.page}
        for number in services.page_numbers(view.page, view.pages)
    ]
    return {
        "items": items,
        "previous": {"href": href(view.page - 1)} if view.page > 1 else None,
        "next": {"href": href(view.page + 1)} if view.page < view.pages else None,
        "landmarkLabel": "Pages of reports",
    }


def placed(message: str, section: str) -> None:
    """A confirmation shown in the report page's section the redirect lands on (by its
    anchor), where the reviewer is looking, rather than at the top of a long page."""
    flash(message, f"{PLACED}{section}")


PLACED = "placed:"
SECTIONS = {
    "status": "State",
    "answers": "What the reporter said",
    "thread": "Questions to the reporter",
    "coding": "What contributed",
    "redaction": "De-identified version",
    "close": "Close with an outcome",
    "themes": "Themes and actions",
}


def report_or_404(reference: str) -> Report:
    report = db.session.scalar(sa.select(Report).where(Report.reference == reference))
    if report is None:
        abort(404)
    return report


def render_report(
    report: Report,
    *,
    question_form: QuestionForm | None = None,
    redaction_form: RedactionForm | None = None,
    close_form: CloseForm | None = None,
    coding_errors: list[str] | None = None,
    question_findings: list[object] | None = None,
    redaction_findings: dict[str, list[Finding]] | None = None,
    status_errors: list[str] | None = None,
) -> str:
    version = taxonomy.active_version(db.session)
    choices = []
    if version is not None:
        suggester = training.suggester_for(db.session, version)
        suggested = coding.suggestions_for(
            db.session, report, version, suggester, training.report_text(report)
        )
        choices = coding.coding_choices(db.session, report, version, suggested)
    return render_template(
        "review/report.html",
        report=report,
        form=question_form or QuestionForm(formdata=None),
        redaction_form=redaction_form or RedactionForm(formdata=None, data=redaction.draft(report)),
        close_form=close_form or CloseForm(formdata=None),
        version=version,
        choices=choices,
        coding_errors=coding_errors or [],
        question_findings=question_findings or [],
        redaction_findings=redaction_findings or {},
        status_errors=status_errors or [],
        history=coding.coding_history(db.session, report),
        fields=NARRATIVE_FIELDS,
        segments=reports.highlighted_answers(report.answers(), report.identifier_flags or []),
        moves=services.allowed_moves(report),
        readiness=services.readiness(db.session, report),
        themes=themes_for_report(db.session, report),
        actions=completed_actions_for_report(db.session, report),
        unread_replies=[m for m in report.messages if services.unread_reply(m)],
        sections=SECTIONS,
        state_words=services.STATE_WORDS,
    )


@bp.route("/reports/<reference>")
@requires(Permission.REVIEW_REPORTS)
def report(reference: str) -> str:
    """Writes nothing but the audit record of the read: suggestions are shown, not stored, and
    a new reply stays new until a reviewer marks it read or answers it."""
    found = report_or_404(reference)
    audit.record(db.session, current_user, "read", "report", found.reference)
    db.session.commit()
    return render_report(found)


@bp.route("/reports/<reference>/replies/read", methods=["POST"])
@requires(Permission.REVIEW_REPORTS)
def mark_replies_read(reference: str) -> Response:
    found = report_or_404(reference)
    if not RepliesReadForm().validate_on_submit():
        abort(400)
    read = services.mark_replies_seen(found)
    if read:
        audit.record(
            db.session,
            current_user,
            "update",
            "report_replies_read",
            found.reference,
            {"replies": read},
        )
        db.session.commit()
        placed("Replies marked as read", "thread")
    return redirect(url_for("review.report", reference=found.reference) + "#thread")


@bp.route("/reports/<reference>/coding", methods=["POST"])
@requires(Permission.REVIEW_REPORTS)
def save_coding(reference: str) -> str | Response:
    found = report_or_404(reference)
    version = taxonomy.active_version(db.session)
    if version is None:
        abort(409)
    if taken_out():
        # Read from the form directly, so said here: a code with a character taken out is not
        # quietly another code.
        return render_report(found, coding_errors=sorted(set(taken_out().values())))
    chosen = request.form.getlist("codes")
    # The suggestions the reviewer was shown, kept beside the decision so they can be measured.
    suggester, model_id = training.current_suggester(db.session, version)
    text = training.report_text(found)
    stored.store_suggestions(db.session, found, version, suggester, text, model_id)
    try:
        changes = coding.save_coding(db.session, found, current_user, version, chosen, utcnow())
    except taxonomy.UnknownCodes as exc:
        db.session.rollback()
        return render_report(found, coding_errors=["Unknown codes: " + ", ".join(exc.unknown)])
    audit.record(
        db.session,
        current_user,
        "update",
        "report_codes",
        found.reference,
        {"changes": [f"{c.action.value}:{c.code_id}" for c in changes], "codes": sorted(chosen)},
    )
    db.session.commit()
    placed("Coding saved" if changes else "Coding saved: no changes", "coding")
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
            return render_report(found, question_form=form, question_findings=findings)
        try:
            message = reports.ask_reporter(
                db.session, found, current_user.id, form.body.data or "", today
            )
        except reports.ThreadClosed:
            form.body.errors = ["This report is closed, so the reporter cannot be asked more"]
        else:
            services.mark_replies_seen(found)  # answering them is reading them
            audit.record(
                db.session,
                current_user,
                "create",
                "reporter_message",
                message.id,
                {"report": found.reference},
            )
            db.session.commit()
            placed("Your question is waiting for the reporter", "thread")
            return redirect(url_for("review.report", reference=found.reference) + "#thread")
    return render_report(found, question_form=form)


@bp.route("/reports/<reference>/redaction", methods=["POST"])
@requires(Permission.REVIEW_REPORTS)
def redact(reference: str) -> str | Response:
    found = report_or_404(reference)
    form = RedactionForm()
    if not form.validate_on_submit():
        return render_report(found, redaction_form=form)
    typed = {name: form[name].data or "" for name in NARRATIVE_FIELDS}
    revising = found.deidentified_on is not None
    try:
        changed = redaction.confirm_redaction(
            db.session, found, typed, service_today(), confirm_anyway=bool(form.confirm_anyway.data)
        )
    except redaction.RedactionInvalid as exc:
        for name, message in exc.errors.items():
            form[name].errors = [message]
        return render_report(found, redaction_form=form)
    except redaction.StillIdentifying as exc:
        form.confirm_anyway.data = False
        return render_report(found, redaction_form=form, redaction_findings=exc.findings)
    audit.record(
        db.session,
        current_user,
        "update" if revising else "create",
        "report_redaction",
        found.reference,
        {"fields_changed": changed, "confirmed_anyway": bool(form.confirm_anyway.data)},
    )
    db.session.commit()
    placed(
        "De-identified version revised" if revising else "De-identified version confirmed",
        "redaction",
    )
    return redirect(url_for("review.report", reference=found.reference) + "#redaction")


@bp.route("/reports/<reference>/status", methods=["POST"])
@requires(Permission.REVIEW_REPORTS)
def move(reference: str) -> str | Response:
    found = report_or_404(reference)
    form = MoveForm()
    if not form.validate_on_submit():
        return render_report(found, status_errors=["This page timed out: try again"])
    try:
        to = ReportStatus(form.to.data)
    except ValueError:
        return render_report(found, status_errors=["Choose a state from the list"])
    try:
        before = services.move_report(db.session, found, to, service_today())
    except services.TransitionRefused as exc:
        db.session.rollback()
        return render_report(found, status_errors=[str(exc)])
    record_move(found, before)
    db.session.commit()
    placed(f"This report is now {services.STATE_WORDS[found.status]}", "status")
    return redirect(url_for("review.report", reference=found.reference) + "#status")


def record_move(report: Report, before: ReportStatus) -> None:
    audit.record(
        db.session,
        current_user,
        "update",
        "report_status",
        report.reference,
        {"from": before.value, "to": report.status.value},
    )


@bp.route("/reports/<reference>/close", methods=["POST"])
@requires(Permission.REVIEW_REPORTS)
def close(reference: str) -> str | Response:
    found = report_or_404(reference)
    form = CloseForm()
    if not form.validate_on_submit():
        return render_report(found, close_form=form)
    try:
        before = services.close_report(
            db.session, found, form.outcome_note.data or "", service_today()
        )
    except services.TransitionRefused as exc:
        db.session.rollback()
        form.outcome_note.errors = [str(exc)]
        return render_report(found, close_form=form)
    record_move(found, before)
    db.session.commit()
    placed("Report closed: the reporter can read the outcome with their receipt", "status")
    return redirect(url_for("review.report", reference=found.reference) + "#status")
