"""Bulletin pages: the public archive, issues, feed and subscriptions; the editors' draft pages."""

from __future__ import annotations

import smtplib

import sqlalchemy as sa
from flask import (
    Blueprint,
    Response,
    abort,
    current_app,
    flash,
    redirect,
    render_template,
    request,
    url_for,
)
from flask_login import current_user
from wtforms import EmailField, StringField, TextAreaField
from wtforms.validators import DataRequired, Length

from learnhub.audit import services as audit
from learnhub.bulletins import emails, feed, services
from learnhub.bulletins import subscribers as subscriber_service
from learnhub.bulletins.models import (
    Bulletin,
    BulletinStatus,
    Delivery,
    DeliveryStatus,
    Subscriber,
)
from learnhub.core.context import service_today
from learnhub.core.database import RANDOM_ID_LIMIT
from learnhub.core.email import SmtpSettings, smtp_connection
from learnhub.core.extensions import csrf, db
from learnhub.core.forms import LearnHubForm
from learnhub.core.inputs import ascii_int
from learnhub.core.permissions import Permission, requires
from learnhub.core.text import OneLine
from learnhub.core.time import parse_month

bp = Blueprint("bulletins", __name__, url_prefix="/bulletins")


class ButtonForm(LearnHubForm):
    """A form that is only a button: it carries the CSRF token."""


class DraftForm(LearnHubForm):
    title = StringField(
        "Title",
        validators=[
            DataRequired("Enter a title"),
            Length(max=services.MAX_TITLE_LENGTH, message="Title must be 200 characters or fewer"),
            OneLine("Title"),
        ],
    )
    lead_markdown = TextAreaField(
        "Lead piece",
        description="Written in Markdown: **bold**, *italic*, lists, links and ## headings. "
        "Other HTML is removed.",
        validators=[
            Length(
                max=services.MAX_LEAD_LENGTH,
                message=f"Lead piece must be {services.MAX_LEAD_LENGTH:,} characters or fewer",
            )
        ],
    )


class SubscribeForm(LearnHubForm):
    email = EmailField(
        "Email address",
        validators=[
            DataRequired("Enter your email address"),
            Length(max=320, message="Email address must be 320 characters or fewer"),
        ],
    )


# ---- public pages -------------------------------------------------------------------------


@bp.route("")
@requires(Permission.PUBLIC)
def archive() -> str:
    return render_template("bulletins/archive.html", issues=services.published(db.session))


@bp.route("/<int:number>")
@requires(Permission.PUBLIC)
def issue(number: int) -> str:
    bulletin = services.published_issue(db.session, number)
    if bulletin is None:
        abort(404)
    body, _ = services.issue_body(bulletin)
    return render_template("bulletins/issue.html", bulletin=bulletin, body=body, preview=False)


@bp.route("/feed.atom")
@requires(Permission.PUBLIC)
def atom_feed() -> Response:
    xml = feed.atom_feed(services.published(db.session)[:20], current_app.config)
    return Response(xml, mimetype="application/atom+xml")


@bp.route("/subscribe", methods=["GET", "POST"])
@requires(Permission.PUBLIC)
def subscribe() -> str:
    form = SubscribeForm()
    if form.validate_on_submit():
        try:
            subscriber = subscriber_service.sign_up(db.session, form.email.data or "")
        except subscriber_service.InvalidAddress:
            form.email.errors = [
                "Enter an email address in the correct format, like name@example.org"
            ]
        else:
            db.session.commit()
            if subscriber is not None:
                _send_confirmation(subscriber)
            # The same page whether or not the address was known: nothing to learn from it.
            return render_template("bulletins/subscribe_sent.html")
    return render_template("bulletins/subscribe.html", form=form)


def _send_confirmation(subscriber: Subscriber) -> None:
    settings = SmtpSettings.from_config(current_app.config)
    message = emails.confirmation_message(settings, subscriber, current_app.config)
    try:
        with smtp_connection(settings) as connection:
            connection.send_message(message)
    except (OSError, smtplib.SMTPException):
        # The person sees the same page; they can ask again. The failure is logged, not shown.
        current_app.logger.warning("Could not send a bulletin sign-up confirmation")


@bp.route("/subscribe/confirm/<token>", methods=["GET", "POST"])
@requires(Permission.PUBLIC)
def confirm(token: str) -> str:
    subscriber = emails.subscriber_for_confirm(db.session, current_app.config["SECRET_KEY"], token)
    if subscriber is None:
        return render_template("bulletins/link_invalid.html"), 404  # type: ignore[return-value]
    form = ButtonForm()
    if form.validate_on_submit():
        subscriber_service.confirm(subscriber)
        db.session.commit()
        return render_template("bulletins/subscribed.html")
    return render_template("bulletins/confirm.html", form=form)


@bp.route("/unsubscribe/<token>", methods=["GET", "POST"])
@requires(Permission.PUBLIC)
@csrf.exempt
def unsubscribe(token: str) -> str:
    """GET asks for a click; POST unsubscribes at once, with no session or CSRF token, as a mail
    client's one-click unsubscribe does (RFC 8058). The signed token is the authority."""
    subscriber = emails.subscriber_for_unsubscribe(
        db.session, current_app.config["SECRET_KEY"], token
    )
    if subscriber is None:
        return render_template("bulletins/link_invalid.html"), 404  # type: ignore[return-value]
    if request.method == "POST":
        subscriber_service.unsubscribe(subscriber)
        db.session.commit()
        return render_template("bulletins/unsubscribed.html")
    return render_template("bulletins/unsubscribe.html", token=token)


# ---- editors' pages -----------------------------------------------------------------------


@bp.route("/manage")
@requires(Permission.EDIT_BULLETINS)
def manage() -> str:
    bulletins = db.session.scalars(sa.select(Bulletin).order_by(Bulletin.period.desc())).all()
    counts = {b.id: services.delivery_counts(db.session, b.id) for b in bulletins}
    return render_template(
        "bulletins/manage.html",
        bulletins=bulletins,
        counts=counts,
        subscriber_counts=subscriber_service.counts(db.session),
        form=ButtonForm(),
        this_month=service_today().replace(day=1),
    )


@bp.route("/manage/assemble", methods=["POST"])
@requires(Permission.EDIT_BULLETINS)
def assemble() -> Response:
    if not ButtonForm().validate_on_submit():
        abort(400)
    try:
        period = parse_month(request.form.get("month", ""))
    except ValueError as exc:
        flash(str(exc), "error")
        return redirect(url_for("bulletins.manage"))
    try:
        bulletin = services.assemble_draft(db.session, period)
    except services.BulletinError as exc:
        db.session.rollback()
        flash(exc.message, "error")
        return redirect(url_for("bulletins.manage"))
    audit.record(db.session, current_user, "assemble", "bulletin", bulletin.id)
    db.session.commit()
    flash("Draft assembled from the month's learning", "success")
    return redirect(url_for("bulletins.edit", bulletin_id=bulletin.id))


def bulletin_or_404(bulletin_id: int) -> Bulletin:
    bulletin = db.session.get(Bulletin, bulletin_id)
    if bulletin is None:
        abort(404)
    return bulletin


def render_edit(bulletin: Bulletin, form: DraftForm, errors: list[str] | None = None) -> str:
    failures = db.session.scalars(
        sa.select(Delivery)
        .where(
            Delivery.bulletin_id == bulletin.id,
            Delivery.status.in_([DeliveryStatus.FAILED_PERMANENT, DeliveryStatus.FAILED_TEMPORARY]),
        )
        .order_by(Delivery.id)
        .limit(200)
    ).all()
    candidates = (
        services.story_candidates(db.session, bulletin)
        if bulletin.status == BulletinStatus.DRAFT
        else []
    )
    return render_template(
        "bulletins/edit.html",
        bulletin=bulletin,
        form=form,
        button=ButtonForm(),
        errors=errors or [],
        view=services.issue_view(bulletin),
        candidates=candidates,
        picked={item.report_id for item in bulletin.items if item.report_id},
        counts=services.delivery_counts(db.session, bulletin.id),
        failures=failures,
        uncertain_marker=emails.UNCERTAIN,
    )


@bp.route("/manage/<int:bulletin_id>")
@requires(Permission.EDIT_BULLETINS)
def edit(bulletin_id: int) -> str:
    bulletin = bulletin_or_404(bulletin_id)
    audit.record(db.session, current_user, "read", "bulletin", bulletin.id)
    db.session.commit()
    form = DraftForm(formdata=None, obj=bulletin)
    return render_edit(bulletin, form)


@bp.route("/manage/<int:bulletin_id>", methods=["POST"])
@requires(Permission.EDIT_BULLETINS)
def save(bulletin_id: int) -> str | Response:
    bulletin = bulletin_or_404(bulletin_id)
    form = DraftForm()
    if not form.validate_on_submit():
        return render_edit(bulletin, form)
    try:
        services.update_draft(bulletin, form.title.data or "", form.lead_markdown.data or "")
    except services.BulletinError as exc:
        db.session.rollback()
        return render_edit(bulletin, form, [exc.message])
    audit.record(db.session, current_user, "update", "bulletin", bulletin.id)
    db.session.commit()
    flash("Draft saved", "success")
    return redirect(url_for("bulletins.edit", bulletin_id=bulletin.id))


@bp.route("/manage/<int:bulletin_id>/stories", methods=["POST"])
@requires(Permission.EDIT_BULLETINS)
def stories(bulletin_id: int) -> str | Response:
    bulletin = bulletin_or_404(bulletin_id)
    if not ButtonForm().validate_on_submit():
        abort(400)
    chosen = [ascii_int(value, 1, RANDOM_ID_LIMIT - 1) for value in request.form.getlist("stories")]
    if None in chosen:
        abort(400, "Choose stories from the list.")
    try:
        services.pick_stories(db.session, bulletin, chosen)  # type: ignore[arg-type]
    except services.BulletinError as exc:
        db.session.rollback()
        return render_edit(bulletin, DraftForm(formdata=None, obj=bulletin), [exc.message])
    audit.record(db.session, current_user, "update", "bulletin", bulletin.id, {"stories": chosen})
    db.session.commit()
    flash("Stories chosen", "success")
    return redirect(url_for("bulletins.edit", bulletin_id=bulletin.id) + "#stories")


def _transition(bulletin_id: int, verb: str, change: object, done: str) -> str | Response:
    bulletin = bulletin_or_404(bulletin_id)
    if not ButtonForm().validate_on_submit():
        abort(400)
    try:
        change(bulletin)  # type: ignore[operator]
    except services.BulletinError as exc:
        db.session.rollback()
        return render_edit(bulletin, DraftForm(formdata=None, obj=bulletin), [exc.message])
    audit.record(
        db.session, current_user, verb, "bulletin", bulletin.id, {"status": bulletin.status.value}
    )
    db.session.commit()
    flash(done, "success")
    return redirect(url_for("bulletins.edit", bulletin_id=bulletin.id))


@bp.route("/manage/<int:bulletin_id>/submit", methods=["POST"])
@requires(Permission.EDIT_BULLETINS)
def submit(bulletin_id: int) -> str | Response:
    return _transition(
        bulletin_id,
        "submit",
        lambda b: services.submit(b, current_user),
        "Sent for approval: another editor needs to approve it",
    )


@bp.route("/manage/<int:bulletin_id>/return", methods=["POST"])
@requires(Permission.EDIT_BULLETINS)
def return_to_draft(bulletin_id: int) -> str | Response:
    return _transition(bulletin_id, "return", services.return_to_draft, "Back to draft")


@bp.route("/manage/<int:bulletin_id>/approve", methods=["POST"])
@requires(Permission.APPROVE_BULLETINS)
def approve(bulletin_id: int) -> str | Response:
    return _transition(
        bulletin_id, "approve", lambda b: services.approve(b, current_user), "Approved"
    )


@bp.route("/manage/<int:bulletin_id>/publish", methods=["POST"])
@requires(Permission.APPROVE_BULLETINS)
def publish(bulletin_id: int) -> str | Response:
    return _transition(
        bulletin_id,
        "publish",
        lambda b: services.publish(db.session, b, current_user),
        "Published: it goes to subscribers at 09:00 on the month's first working day",
    )


@bp.route("/manage/<int:bulletin_id>/resend-uncertain", methods=["POST"])
@requires(Permission.EDIT_BULLETINS)
def resend_uncertain(bulletin_id: int) -> Response:
    bulletin = bulletin_or_404(bulletin_id)
    if not ButtonForm().validate_on_submit():
        abort(400)
    count = emails.resend_uncertain(db.session, bulletin)
    audit.record(db.session, current_user, "resend", "bulletin", bulletin.id, {"rows": count})
    db.session.commit()
    flash(f"{count} will be sent again with the next send", "success")
    return redirect(url_for("bulletins.edit", bulletin_id=bulletin.id))


@bp.route("/manage/<int:bulletin_id>/preview")
@requires(Permission.EDIT_BULLETINS)
def preview(bulletin_id: int) -> str:
    bulletin = bulletin_or_404(bulletin_id)
    audit.record(db.session, current_user, "read", "bulletin", bulletin.id, {"preview": "web"})
    db.session.commit()
    body, _ = services.issue_body(bulletin)
    return render_template("bulletins/issue.html", bulletin=bulletin, body=body, preview=True)


def _preview_content(bulletin: Bulletin) -> tuple[emails.IssueParts, emails.Personalised]:
    sample = Subscriber(id=0, email="subscriber@example.org")
    parts = emails.issue_parts(bulletin, current_app.config)
    config = current_app.config
    return parts, emails.personalise(parts, sample, config["SECRET_KEY"], config["BASE_URL"])


@bp.route("/manage/<int:bulletin_id>/preview/email")
@requires(Permission.EDIT_BULLETINS)
def preview_email(bulletin_id: int) -> str:
    bulletin = bulletin_or_404(bulletin_id)
    audit.record(db.session, current_user, "read", "bulletin", bulletin.id, {"preview": "email"})
    db.session.commit()
    parts, content = _preview_content(bulletin)
    return render_template(
        "bulletins/preview_email.html",
        bulletin=bulletin,
        subject=parts.subject,
        sender=current_app.config["MAIL_FROM"],
        headers=content.headers,
        text=content.text,
    )


@bp.route("/manage/<int:bulletin_id>/preview/email.html")
@requires(Permission.EDIT_BULLETINS)
def preview_email_html(bulletin_id: int) -> Response:
    bulletin = bulletin_or_404(bulletin_id)
    _, content = _preview_content(bulletin)
    return Response(content.html, mimetype="text/html")
