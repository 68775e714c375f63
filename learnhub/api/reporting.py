"""The reporter's API: filing an anonymous report and following it up with the receipt.

These endpoints need no token and never look at who is asking; like the reporting pages they
import nothing that knows staff accounts (tests/test_structure.py holds that)."""

from __future__ import annotations

from typing import Any

from flask import abort, current_app, jsonify, request
from sqlalchemy.exc import IntegrityError
from werkzeug.wrappers import Response

from learnhub.api.blueprint import RequestInvalid, bp, load_json
from learnhub.api.openapi import documented
from learnhub.api.schemas import (
    FollowupSchema,
    ReplyCreatedSchema,
    ReplyRequestSchema,
    ReportCreatedSchema,
    ReportRequestSchema,
)
from learnhub.core.anonymous_routes import anonymous_route
from learnhub.core.context import client_within_limit, refuse_over_limit, service_today
from learnhub.core.errors import problem
from learnhub.core.extensions import db
from learnhub.core.permissions import Permission, requires
from learnhub.reports import idempotency
from learnhub.reports import services as reports
from learnhub.reports.models import Report, ReportSource

RECEIPT_HEADER = "X-Receipt"


IDEMPOTENCY_PARAMETER = {
    "in": "header",
    "name": idempotency.HEADER,
    "required": False,
    "description": "A key of your own (a random UUID) that makes a retry safe: the same key "
    "with the same body within a day answers the first response and files nothing more; "
    "with a different body it is refused (422). Kept only as a keyed hash.",
    "schema": {"type": "string", "minLength": 16, "maxLength": 255, "pattern": "^[!-~]+$"},
}


@bp.route("/reports", methods=["POST"])
@anonymous_route
@requires(Permission.PUBLIC)
@documented(
    "File an anonymous report",
    {201: ReportCreatedSchema},
    request=ReportRequestSchema,
    errors=(429,),
    headers=(IDEMPOTENCY_PARAMETER,),
)
def create_report() -> Response | tuple[Response, int]:
    """Send an Idempotency-Key (a random UUID) to retry safely: a retry with the same key
    within a day gets the first answer again (with Idempotent-Replayed: true) and files
    nothing more; the same key with a different body is refused with a 422."""
    data = load_json(ReportRequestSchema())
    key = idempotency_key()
    if key is not None and (replayed := replay(key)) is not None:
        return replayed
    if not client_within_limit("REPORT_SUBMISSION_LIMIT", "report"):
        refuse_over_limit("REPORT_SUBMISSION_LIMIT", "report")
    submission = reports.ReportSubmission(
        narrative=data["narrative"],
        what_nearly_happened=data["what_nearly_happened"],
        what_stopped_it=data["what_stopped_it"],
        what_made_it_likely=data["what_made_it_likely"],
        what_would_help=data["what_would_help"],
        potential_severity=data.get("potential_severity"),
        event_type=data["event_type"],
        event_month=data["event_month"],
        service_area=data.get("service_area"),
        reporter_role=data.get("reporter_role"),
        factor_codes=data["factors"],
    )
    try:
        filed = reports.file_report(
            db.session,
            submission,
            today=service_today(),
            source=ReportSource.API,
            receipt_key=current_app.config["RECEIPT_KEY"],
            own_transaction=True,
        )
    except reports.ReportInvalid as exc:
        raise RequestInvalid({name: [message] for name, message in exc.errors.items()}) from exc
    body = ReportCreatedSchema().dump(
        {
            "reference": filed.reference,
            "receipt": filed.receipt,
            "identifier_flags": filed.identifier_flags,
        }
    )
    if key is not None:
        try:
            idempotency.keep_answer(
                db.session,
                current_app.config["SECRET_KEY"],
                key,
                request.get_json(),
                idempotency.Answer(201, body),
                service_today(),
            )
        except IntegrityError:
            # A concurrent request with this key filed first: this one's report is undone.
            db.session.rollback()
            return replay(key) or abort(409, "A request with this Idempotency-Key is in progress.")
    db.session.commit()
    return jsonify(body), 201


def idempotency_key() -> str | None:
    value = request.headers.get(idempotency.HEADER)
    if value is None:
        return None
    try:
        return idempotency.checked_key(value)
    except idempotency.IdempotencyKeyInvalid as exc:
        abort(400, str(exc))


def replay(key: str) -> Response | None:
    """The first answer given for this key, again; None if it has none."""
    try:
        answer = idempotency.first_answer(
            db.session, current_app.config["SECRET_KEY"], key, request.get_json(), service_today()
        )
    except idempotency.IdempotencyKeyReused:
        db.session.rollback()
        return problem(
            422,
            "Unprocessable Content",
            f"This {idempotency.HEADER} was used with a different request; use a new key "
            "for a new report.",
        )
    if answer is None:
        return None
    response = jsonify(answer.body)
    response.status_code = answer.status
    response.headers[idempotency.REPLAYED_HEADER] = "true"
    db.session.commit()
    return response


def report_for_receipt_header() -> Report:
    """The report whose receipt is in X-Receipt; one neutral 404 for any wrong code."""
    if not request.headers.get(RECEIPT_HEADER, "").strip():
        abort(400, f"Send the receipt code in the {RECEIPT_HEADER} header.")
    if not client_within_limit("RECEIPT_LOOKUP_LIMIT", "receipt", count=False):
        refuse_over_limit("RECEIPT_LOOKUP_LIMIT", "receipt")
    try:
        return reports.report_for_receipt(
            db.session, request.headers.get(RECEIPT_HEADER, ""), current_app.config["RECEIPT_KEY"]
        )
    except reports.ReceiptNotFound:
        client_within_limit("RECEIPT_LOOKUP_LIMIT", "receipt")
        abort(404, "No report matches this receipt.")


def followup_body(report: Report) -> dict[str, Any]:
    return FollowupSchema().dump(
        {
            "reference": report.reference,
            "status": report.status.value,
            "status_text": reports.status_for_reporter(report),
            "received_on": report.received_on,
            "event_month": report.event_month,
            "messages": [
                {"direction": m.direction.value, "body": m.body, "sent_on": m.sent_on}
                for m in report.messages
            ],
            "outcome": report.outcome_note,
        }
    )


@bp.route("/followup")
@anonymous_route
@requires(Permission.PUBLIC)
@documented(
    "A reporter's view of their report: status, the panel's questions, the outcome",
    {200: FollowupSchema},
    errors=(400, 404, 429),
    receipt=True,
)
def followup() -> Response:
    return jsonify(followup_body(report_for_receipt_header()))


@bp.route("/followup/messages", methods=["POST"])
@anonymous_route
@requires(Permission.PUBLIC)
@documented(
    "A reporter's reply to the panel",
    {201: ReplyCreatedSchema},
    request=ReplyRequestSchema,
    errors=(404, 409, 429),
    receipt=True,
)
def add_followup_message() -> tuple[Response, int]:
    report = report_for_receipt_header()
    data = load_json(ReplyRequestSchema())
    try:
        message = reports.add_reporter_reply(db.session, report, data["body"], service_today())
    except reports.ReportInvalid as exc:
        raise RequestInvalid({name: [m] for name, m in exc.errors.items()}) from exc
    except reports.ThreadClosed:
        return problem(409, "Conflict", "This report is closed and no longer takes replies."), 409
    db.session.commit()
    body = ReplyCreatedSchema().dump(
        {
            "message": {
                "direction": message.direction.value,
                "body": message.body,
                "sent_on": message.sent_on,
            },
            "identifier_flags": message.identifier_flags,
        }
    )
    return jsonify(body), 201
