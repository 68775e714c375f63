"""The anonymous report form: answers, check your answers, confirmation with the receipt.

Answers travel between the form and the check page inside the page itself (hidden fields), so
nothing is kept on the server until the reporter presses Submit. No view here reads who is
signed in: a member of staff who files a report is as anonymous as anyone.
"""

from __future__ import annotations

import datetime as dt
import secrets
from collections.abc import Callable
from dataclasses import dataclass

from flask import (
    Blueprint,
    abort,
    current_app,
    flash,
    g,
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
from wtforms.fields.choices import SelectChoice

from learnhub.core.anonymous_routes import anonymous_route
from learnhub.core.cache import reference_cache
from learnhub.core.context import client_within_limit, service_today
from learnhub.core.errors import render_http_error
from learnhub.core.extensions import db
from learnhub.core.fragments import reused
from learnhub.core.inputs import taken_out
from learnhub.core.permissions import Permission, requires
from learnhub.core.sealing import derive_key, seal, unseal
from learnhub.reports import carried_check, services
from learnhub.reports.forms import (
    ReportForm,
    factor_code_choices,
    service_area_choices,
    typed_month,
)
from learnhub.reports.receipts import normalise_receipt
from learnhub.reports.reference import active_service_areas
from learnhub.taxonomy import services as taxonomy

# Every route here is a reporter's: none is access-logged (learnhub.core.anonymous_routes).
bp = anonymous_route(Blueprint("reports", __name__))

PENDING_TOKENS = "report_tokens"
SENT_TOKENS = "report_tokens_sent"
RECEIPT_TO_SHOW = "receipt_to_show"
MAX_PENDING_TOKENS = 5
REFERENCE_ATTEMPTS = 3


@dataclass(frozen=True)
class FactorChoice:
    """What the report form shows of one taxonomy code."""

    code: str
    prompt: str


FactorGroups = list[tuple[taxonomy.TierInfo, list[FactorChoice]]]


@dataclass(frozen=True)
class FormOptions:
    """What the report form offers from the reference data, made once per cache period and
    shared by every request: nothing may change it."""

    groups: FactorGroups
    area_choices: list[SelectChoice]
    code_choices: list[SelectChoice]
    # What the blank HTML of the factor checkboxes, and of all the questions, shows of them.
    factors_key: tuple[object, ...]
    fields_key: tuple[object, ...]


def form_options() -> FormOptions:
    """The same for the whole request (the form's choices and the page both use them)."""
    if "report_form_options" not in g:
        g.report_form_options = reference_cache().get("report_form_options", load_form_options)
    return g.report_form_options


def load_form_options() -> FormOptions:
    version = taxonomy.active_version(db.session)
    groups = (
        []
        if version is None
        else [
            (tier, [FactorChoice(code.code, code.prompt) for code in codes])
            for tier, codes in taxonomy.codes_by_tier(version)
        ]
    )
    areas = [(area.slug, area.name) for area in active_service_areas(db.session)]
    factors_key = tuple(
        (tier.key, tier.reporter_heading, tuple((code.code, code.prompt) for code in codes))
        for tier, codes in groups
    )
    return FormOptions(
        groups=groups,
        area_choices=service_area_choices(areas),
        code_choices=factor_code_choices([code.code for _, codes in groups for code in codes]),
        factors_key=factors_key,
        fields_key=(factors_key, tuple(areas)),
    )


def blank_fragment(template: str, key: tuple[object, ...], **context: object) -> Markup:
    """A rendered part of the report form that holds nothing the reporter typed.

    Rendering the form's GOV.UK macros (some fifty factor checkboxes among them) was most of
    the cost of the report pages. Left blank, the HTML depends only on what ``key`` names (the
    taxonomy's wording, the service areas), so it is rendered once per process and key."""
    # Its links start with the script root.
    return reused((template, request.script_root, *key), lambda: rendered(template, **context))


def rendered(template: str, **context: object) -> Markup:
    # A template's output is already autoescaped HTML: marking it safe escapes nothing twice.
    return Markup(render_template(template, **context))  # noqa: S704


def factor_checkboxes(form: ReportForm, options: FormOptions) -> Markup:
    if not options.groups:
        return Markup("")
    template = "reports/_factor_checkboxes.html"
    if form.factors.data or form.factors.errors:
        return rendered(template, form=form, groups=options.groups)
    return blank_fragment(template, options.factors_key, form=form, groups=options.groups)


def report_fields(form: ReportForm) -> Markup:
    """The form's questions, showing what ``form`` holds."""
    checkboxes = factor_checkboxes(form, form_options())
    return rendered("reports/_report_fields.html", form=form, factor_checkboxes=checkboxes)


def blank_report_fields() -> Markup:
    """The questions of a blank form: rendered once per process, so a first visit does not
    even build the form object (its fields were most of the cost of the page)."""
    key = ("blank report fields", request.script_root, *form_options().fields_key)
    return reused(key, lambda: report_fields(build_form()))


def build_form() -> ReportForm:
    form = ReportForm()
    options = form_options()
    form.offer(options.area_choices, options.code_choices)
    return form


def submission_from(form: ReportForm) -> services.ReportSubmission:
    """The form's answers; a month that cannot be read puts its error on the form."""
    return submission_of(
        lambda name: form[name].data, list(form.factors.data or []), form.event_month_date()
    )


def submission_from_values(values: MultiDict[str, str]) -> services.ReportSubmission:
    """The answers as posted, read without building the form (a sealed check page's). A month
    that cannot be read is left out, and the service refuses the submission without it."""
    month, _error = typed_month(values.get("event_month", ""), values.get("event_year", ""))
    return submission_of(values.get, values.getlist(carried_check.MULTIPLE_FIELD), month)


def submission_of(
    value: Callable[[str], str | None], factor_codes: list[str], event_month: dt.date | None
) -> services.ReportSubmission:
    return services.ReportSubmission(
        narrative=value("narrative") or "",
        what_nearly_happened=value("what_nearly_happened") or "",
        what_stopped_it=value("what_stopped_it") or "",
        what_made_it_likely=value("what_made_it_likely") or "",
        what_would_help=value("what_would_help") or "",
        potential_severity=value("potential_severity") or None,
        event_type=value("event_type") or None,
        event_month=event_month,
        service_area=value("service_area") or None,
        reporter_role=value("reporter_role") or None,
        factor_codes=factor_codes,
    )


def show_errors(form: ReportForm, errors: dict[str, str]) -> None:
    for name, message in errors.items():
        field = getattr(form, name, None)
        if field is not None and not field.errors:
            field.errors = [message]


def check_form(form: ReportForm) -> services.CheckedSubmission | None:
    """Every check at once: the form's own, then the service's. None if anything failed."""
    form_ok = form.validate()
    submission = submission_from(form)  # also puts any month error on the form
    try:
        checked = services.check_submission(db.session, submission, service_today())
    except services.ReportInvalid as exc:
        show_errors(form, exc.errors)
        return None
    return checked if form_ok and not form.event_month.errors else None


def carried_fields(values: MultiDict[str, str]) -> list[tuple[str, str]]:
    """The answers a check page carries, in the order its seal covers them."""
    return [(name, values.get(name) or "") for name in carried_check.SINGLE_FIELDS] + [
        (carried_check.MULTIPLE_FIELD, code)
        for code in values.getlist(carried_check.MULTIPLE_FIELD)
    ]


def check_carried() -> services.CheckedSubmission | None:
    """What the check page checked, if this request sends exactly its sealed answers: read
    without building the form and not scanned again, but still checked by the service
    against today's reference data. None otherwise, or if that check now fails (or if text
    that cannot be stored was taken out of it: the form then says where)."""
    values = request.form
    if taken_out():
        return None
    carried = carried_check.unseal(
        carried_fields(values), values.get("check_seal", ""), current_app.config["SECRET_KEY"]
    )
    if carried is None:
        return None
    submission = submission_from_values(values)
    try:
        return services.check_submission(db.session, submission, service_today(), scan=carried.scan)
    except services.ReportInvalid:
        return None


def render_form(form: ReportForm, status: int = 200) -> tuple[str, int]:
    fields = report_fields(form)
    return render_template("reports/form.html", form=form, report_fields=fields), status


def render_blank_form() -> tuple[str, int]:
    fields = blank_report_fields()
    return render_template("reports/form.html", form=None, report_fields=fields), 200


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


def render_check_page(form: ReportForm, checked: services.CheckedSubmission) -> tuple[str, int]:
    form.submission_token.data = issue_submission_token()
    # The answers as posted, which are what the form read: Send can tell they arrived unchanged.
    fields = carried_fields(request.form)
    form.check_seal.data = carried_check.seal(
        fields, checked.findings, current_app.config["SECRET_KEY"]
    )
    segments = services.highlighted_answers(
        checked.answers, services.flags_for_reviewers(checked.findings)
    )
    page = render_template(
        "reports/check.html", form=form, checked=checked, segments=segments, carried=fields
    )
    return page, 200


@bp.route("/report", methods=["GET", "POST"])
@requires(Permission.PUBLIC)
def new() -> tuple[str, int]:
    if request.method == "GET":
        return render_blank_form()
    form = build_form()
    if request.form.get("change"):
        return render_form(form)
    checked = check_form(form)
    if checked is None:
        return render_form(form)
    return render_check_page(form, checked)


@bp.route("/report/submit", methods=["POST"])
@requires(Permission.PUBLIC)
def submit() -> Response | tuple[str, int]:
    token = request.form.get("submission_token", "")
    if token and token in session.get(SENT_TOKENS, []):
        # Already filed from this page (a double press, or Back then Send): file nothing again.
        return redirect(url_for("reports.confirmation"))
    if not client_within_limit("REPORT_SUBMISSION_LIMIT", "report"):
        abort(429)  # before the page's key is used, so going back and sending again still works
    if not spend_submission_token(token):
        # The session behind the check page has gone (expired, or cookies cleared): show the
        # answers again so they can be sent, rather than lose them.
        form = build_form()
        checked = check_form(form)
        if checked is None:
            return render_form(form)
        flash("Check your answers again, then send your report", "important")
        return render_check_page(form, checked)
    checked = check_carried()
    if checked is None:
        form = build_form()
        checked = check_form(form)
        if checked is None:
            return render_form(form)
    receipt = file_and_commit(token, checked)
    if receipt is not None:
        # The session cookie is signed, not secret: the receipt rides in it only sealed.
        session[RECEIPT_TO_SHOW] = seal(receipt_cookie_key(), receipt.encode())
    return redirect(url_for("reports.confirmation"))


def receipt_cookie_key() -> bytes:
    return derive_key(current_app.config["SECRET_KEY"], "receipt-to-show")


def receipt_to_show() -> str | None:
    """The receipt Send left sealed in the session, taken out so it is shown only once."""
    sealed = session.pop(RECEIPT_TO_SHOW, None)
    opened = unseal(receipt_cookie_key(), sealed) if isinstance(sealed, str) else None
    return normalise_receipt(opened.decode()) if opened else None


def file_and_commit(token: str, checked: services.CheckedSubmission) -> str | None:
    """Spend the check page's key, file its report and commit: the receipt to show, or None if
    the key had been spent already (a double press, or two presses racing)."""
    attempts_left = REFERENCE_ATTEMPTS
    while True:
        attempts_left -= 1
        try:
            receipt = services.file_checked_report(
                db.session,
                token,
                checked,
                today=service_today(),
                receipt_key=current_app.config["RECEIPT_KEY"],
            )
        except services.AlreadySubmitted:
            db.session.rollback()
            return None
        except services.ReferenceTaken:
            # The random reference drawn is an older report's: all of it again, with a new one.
            db.session.rollback()
            if not attempts_left:
                raise
            continue
        db.session.commit()
        return receipt


@bp.app_errorhandler(CSRFError)
def page_timed_out(
    error: CSRFError,
) -> tuple[str, int] | Response | tuple[str, int, dict[str, str]]:
    """On the report pages a lost session must not lose the reporter's words: show the form
    again with everything they typed and a new token, instead of a dead end."""
    if request.endpoint not in ("reports.new", "reports.submit"):
        return render_http_error(error)
    form = build_form()
    form.form_errors.append(
        "This page timed out, so your report has not been sent yet. Check your answers, "
        "then continue and send them again."
    )
    return render_form(form, 400)


@bp.route("/report/confirmation")
@requires(Permission.PUBLIC)
def confirmation() -> str:
    # Shown once: a reload, or someone else at the same computer later, sees no receipt.
    return render_template("reports/confirmation.html", receipt=receipt_to_show())
