"""The anonymous report form: answers, check your answers, confirmation with the receipt.

Every page is the answer to a GET (Post/Redirect/Get): the form's POST keeps the answers as a
sealed draft (learnhub/reports/drafts.py) and redirects to the check page or back to the form,
so Back and Change never ask to resubmit. The check page also carries the answers to Send in
hidden fields. No view here reads who is signed in: a member of staff who files a report is as
anonymous as anyone.
"""

from __future__ import annotations

import secrets

from flask import (
    Blueprint,
    current_app,
    flash,
    redirect,
    render_template,
    request,
    session,
    url_for,
)
from flask_wtf.csrf import CSRFError
from markupsafe import Markup
from werkzeug.datastructures import MultiDict
from werkzeug.wrappers import Response

from learnhub.core.anonymous_routes import anonymous_route
from learnhub.core.cache import reference_cache
from learnhub.core.context import client_within_limit, refuse_over_limit, service_today
from learnhub.core.errors import render_http_error
from learnhub.core.extensions import db
from learnhub.core.inputs import taken_out
from learnhub.core.permissions import Permission, requires
from learnhub.core.sealing import derive_key, seal, unseal
from learnhub.reports import drafts, services
from learnhub.reports.forms import ReportForm, factor_code_choices, service_area_choices
from learnhub.reports.models import NARRATIVE_FIELDS, ReportSource, ServiceArea
from learnhub.reports.receipts import normalise_receipt
from learnhub.reports.reference import active_service_areas
from learnhub.taxonomy import services as taxonomy
from learnhub.taxonomy.models import TaxonomyVersion

# Every route here is a reporter's: none is access-logged (learnhub.core.anonymous_routes).
bp = anonymous_route(Blueprint("reports", __name__))

PENDING_TOKENS = "report_tokens"
SENT_TOKENS = "report_tokens_sent"
RECEIPT_TO_SHOW = "receipt_to_show"
MAX_PENDING_TOKENS = 5

# The answers the check page carries to Send in hidden fields; "factors" may repeat.
CARRIED_FIELDS = (
    *NARRATIVE_FIELDS,
    "potential_severity",
    "event_type",
    "event_month",
    "event_year",
    "service_area",
    "reporter_role",
)
CARRIED_MULTIPLE_FIELD = "factors"


def todays_choices() -> tuple[TaxonomyVersion | None, list[ServiceArea]]:
    """The taxonomy version whose factors the form offers, and the service areas."""
    return taxonomy.active_version(db.session), active_service_areas(db.session)


def report_fields(
    form: ReportForm, version: TaxonomyVersion | None, areas: list[ServiceArea]
) -> Markup:
    """The form's questions, offering this version's factors and these areas."""
    groups = [] if version is None else taxonomy.codes_by_tier(version)
    form.offer(
        service_area_choices([(area.slug, area.name) for area in areas]),
        factor_code_choices([code.code for _, codes in groups for code in codes]),
    )
    # A template's output is already autoescaped HTML: marking it safe escapes nothing twice.
    return Markup(render_template("reports/_report_fields.html", form=form, groups=groups))  # noqa: S704


def render_form(form: ReportForm, status: int = 200) -> tuple[str, int]:
    fields = report_fields(form, *todays_choices())
    return render_template("reports/form.html", form=form, report_fields=fields), status


def render_blank_form() -> tuple[str, int]:
    """A first visit. Rendering the questions' GOV.UK macros (some fifty factor checkboxes)
    and reading the reference data they offer is most of the cost of the report pages, and a
    blank form shows nothing else: its questions are kept in the reference cache (a few seconds,
    emptied when this process changes an area or the taxonomy), the one speed-up the
    submission benchmark needs to hold its per-request goal (benchmarks/RESULTS.md)."""
    fields = reference_cache().get(
        # Its links start with the script root.
        f"blank report fields {request.script_root}",
        lambda: report_fields(ReportForm(), *todays_choices()),
    )
    return render_template("reports/form.html", form=None, report_fields=fields), 200


def submission_from(form: ReportForm) -> services.ReportSubmission:
    """The form's answers; a month that cannot be read puts its error on the form."""
    return services.ReportSubmission(
        narrative=form.narrative.data or "",
        what_nearly_happened=form.what_nearly_happened.data or "",
        what_stopped_it=form.what_stopped_it.data or "",
        what_made_it_likely=form.what_made_it_likely.data or "",
        what_would_help=form.what_would_help.data or "",
        potential_severity=form.potential_severity.data or None,
        event_type=form.event_type.data or None,
        event_month=form.event_month_date(),
        service_area=form.service_area.data or None,
        reporter_role=form.reporter_role.data or None,
        factor_codes=list(form.factors.data or []),
    )


def show_errors(form: ReportForm, errors: dict[str, str]) -> None:
    for name, message in errors.items():
        field = getattr(form, name, None)
        if field is not None and not field.errors:
            field.errors = [message]


def form_is_valid(form: ReportForm) -> bool:
    """The form's own checks: choices, lengths, characters taken out, a month it can read."""
    valid = form.validate()
    return form.event_month_date() is not None and valid


def check_form(form: ReportForm) -> services.CheckedSubmission | None:
    """Every check at once: the form's own, then the service's. None if anything failed."""
    form_ok = form_is_valid(form)
    try:
        checked = services.check_submission(db.session, submission_from(form), service_today())
    except services.ReportInvalid as exc:
        show_errors(form, exc.errors)
        return None
    return checked if form_ok else None


def carried_fields(values: MultiDict[str, str]) -> list[tuple[str, str]]:
    """The answers as posted, which are what the form read, for the check page to carry."""
    return [(name, values.get(name) or "") for name in CARRIED_FIELDS] + [
        (CARRIED_MULTIPLE_FIELD, code) for code in values.getlist(CARRIED_MULTIPLE_FIELD)
    ]


def issue_submission_token() -> str:
    token = secrets.token_urlsafe(16)
    session[PENDING_TOKENS] = [*session.get(PENDING_TOKENS, [])[-(MAX_PENDING_TOKENS - 1) :], token]
    return token


def spend_submission_token(token: str) -> bool:
    """True once per check page: a second press of Submit files nothing twice."""
    pending = session.get(PENDING_TOKENS, [])
    if not token or token not in pending:
        return False
    session[PENDING_TOKENS] = [t for t in pending if t != token]
    sent = session.get(SENT_TOKENS, [])
    session[SENT_TOKENS] = [*sent[-(MAX_PENDING_TOKENS - 1) :], token]
    return True


def render_check_page(
    form: ReportForm, checked: services.CheckedSubmission, answers: MultiDict[str, str]
) -> tuple[str, int]:
    form.submission_token.data = issue_submission_token()
    segments = services.highlighted_answers(
        checked.answers, services.flags_for_reviewers(checked.findings)
    )
    page = render_template(
        "reports/check.html",
        form=form,
        checked=checked,
        segments=segments,
        carried=carried_fields(answers),
    )
    return page, 200


def form_from_draft(answers: MultiDict[str, str]) -> ReportForm:
    """The form filled in with saved answers; its CSRF token was checked when they were posted."""
    return ReportForm(formdata=answers, meta={"csrf": False})


@bp.route("/report", methods=["GET", "POST"])
@requires(Permission.PUBLIC)
def new() -> Response | tuple[str, int]:
    if request.method == "GET":
        saved = drafts.load()
        return render_form(form_from_draft(saved)) if saved else render_blank_form()
    # Continue, or Change on the check page: keep the answers, then show a page by GET. Not
    # when characters were taken out of them (the form says where, in this answer only) or
    # they are too big to send anyway: then this POST's answer shows what to change.
    if not taken_out() and drafts.keep(carried_fields(request.form)):
        change = request.form.get("change")
        if change in CARRIED_FIELDS or change == CARRIED_MULTIPLE_FIELD:
            return redirect(url_for("reports.new", _anchor=change))
        return redirect(url_for("reports.check"))
    form = ReportForm()
    if request.form.get("change"):
        return render_form(form)
    checked = check_form(form)
    return render_check_page(form, checked, request.form) if checked else render_form(form)


@bp.route("/report/check")
@requires(Permission.PUBLIC)
def check() -> Response | tuple[str, int]:
    saved = drafts.load()
    if saved is None:
        return redirect(url_for("reports.new"))
    form = form_from_draft(saved)
    checked = check_form(form)
    if checked is None:
        return render_form(form)  # what needs changing, on the form; Continue posts it again
    return render_check_page(form, checked, saved)


@bp.route("/report/submit", methods=["POST"])
@requires(Permission.PUBLIC)
def submit() -> Response | tuple[str, int]:
    token = request.form.get("submission_token", "")
    if token and token in session.get(SENT_TOKENS, []):
        # Already filed from this page (a double press, or Back then Send): file nothing again.
        return redirect(url_for("reports.confirmation"))
    if not client_within_limit("REPORT_SUBMISSION_LIMIT", "report"):
        # Before the page's key is used, so going back and sending again still works.
        refuse_over_limit("REPORT_SUBMISSION_LIMIT", "report")
    form = ReportForm()
    if not spend_submission_token(token):
        # The session behind the check page has gone (expired, or cookies cleared): show the
        # answers again so they can be sent, rather than lose them.
        checked = check_form(form)
        if checked is None:
            return render_form(form)
        flash("Check your answers again, then send your report", "important")
        return render_check_page(form, checked, request.form)
    if not form_is_valid(form):
        check_form(form)  # the service's messages too, so every problem is shown at once
        return render_form(form)
    # Whatever the check page showed, the service checks and scans what Send received: what
    # is filed is what the server scanned, never what a page says it found.
    try:
        receipt = file_and_commit(form, token)
    except services.ReportInvalid as exc:
        show_errors(form, exc.errors)
        return render_form(form)
    if receipt is not None:
        # The session cookie is signed, not secret: the receipt rides in it only sealed.
        session[RECEIPT_TO_SHOW] = seal(receipt_cookie_key(), receipt.encode())
    drafts.forget()
    return redirect(url_for("reports.confirmation"))


def receipt_cookie_key() -> bytes:
    return derive_key(current_app.config["SECRET_KEY"], "receipt-to-show")


def receipt_to_show() -> str | None:
    """The receipt Send left sealed in the session, taken out so it is shown only once."""
    sealed = session.pop(RECEIPT_TO_SHOW, None)
    opened = unseal(receipt_cookie_key(), sealed) if isinstance(sealed, str) else None
    return normalise_receipt(opened.decode()) if opened else None


def file_and_commit(form: ReportForm, token: str) -> str | None:
    """File the report, spending the check page's key, and commit: the receipt to show, or
    None if the key had been spent already (a double press, or two presses racing).
    ReportInvalid if the answers no longer pass (a service area closed since the check page)."""
    try:
        filed = services.file_report(
            db.session,
            submission_from(form),
            today=service_today(),
            source=ReportSource.WEB,
            receipt_key=current_app.config["RECEIPT_KEY"],
            spent_key=token,
            own_transaction=True,
        )
    except services.AlreadySubmitted:
        db.session.rollback()
        return None
    db.session.commit()
    return filed.receipt


@bp.app_errorhandler(CSRFError)
def page_timed_out(
    error: CSRFError,
) -> tuple[str, int] | Response | tuple[str, int, dict[str, str]]:
    """On the report pages a lost session must not lose the reporter's words: show the form
    again with everything they typed and a new token, instead of a dead end."""
    if request.endpoint not in ("reports.new", "reports.submit"):
        return render_http_error(error)
    form = ReportForm()
    form.form_errors.append(
        "This page timed out, so your report has not been sent yet. Check your answers, "
        "then continue and send them again."
    )
    return render_form(form, 400)


@bp.route("/report/confirmation")
@requires(Permission.PUBLIC)
def confirmation() -> Response | str:
    # The receipt is shown once: a reload, or someone else at the same computer later, sees
    # none. Only a browser that has sent a report is told it was sent.
    receipt = receipt_to_show()
    if receipt is None and not session.get(SENT_TOKENS):
        return redirect(url_for("reports.new"))
    return render_template("reports/confirmation.html", receipt=receipt)
