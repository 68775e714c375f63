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
from learnhub.bulletins import feed, links, rendering, sending, services
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
from learnhub.core.extensions import csrf, db
from learnhub.core.forms import LearnHubForm
from learnhub.core.inputs import ascii_int
from learnhub.core.permissions import Permission, requires
from learnhub.core.text import OneLine
from learnhub.core.time import parse_month, utcnow

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


MAIL_FAILED = (
    "We could not send the confirmation email just now: the mail server did not answer. "
    "Nothing was lost. Press Subscribe again in a few minutes"
)


@bp.route("/subscribe", methods=["GET", "POST"])
@requires(Permission.PUBLIC)
def subscribe() -> str | tuple[str, int]:
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
            # The same page whether or not the address was known: nothing to learn from it.
            # So for a known address the mail server is still asked, and a failure shows alike.
            if not _send_confirmation(subscriber):
                form.email.errors = [MAIL_FAILED]
                return render_template("bulletins/subscribe.html", form=form), 503
            return render_template("bulletins/subscribe_sent.html")
    return render_template("bulletins/subscribe.html", form=form)


def _send_confirmation(subscriber: Subscriber | None) -> bool:
    """Send the sign-up link (or, for an address already confirmed, only reach the mail
    server, so that a failure looks the same); False when the mail server could not be used."""
    try:
        if subscriber is not None:
            sending.send_confirmation(subscriber, current_app.config)
        else:
            sending.check_mail_server(current_app.config)
    except (OSError, smtplib.SMTPException):
        current_app.logger.warning("Could not send a bulletin sign-up confirmation")
        return False
    return True


@bp.route("/subscribe/confirm/<token>", methods=["GET", "POST"])
@requires(Permission.PUBLIC)
def confirm(token: str) -> str:
    subscriber = links.subscriber_for_confirm(db.session, current_app.config["SECRET_KEY"], token)
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
    subscriber = links.subscriber_for_unsubscribe(
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
    counts = {b.id: sending.delivery_state(db.session, b.id) for b in bulletins}
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


RECIPIENT_ROWS = 200  # rows of per-recipient state on the page (the rest are counted)


def recipients_not_sent(bulletin: Bulletin) -> list[tuple[Delivery, str]]:
    """Each delivery that has not been sent, with its subscriber's address, failures first."""
    order = sa.case(
        (Delivery.status == DeliveryStatus.FAILED_PERMANENT, 0),
        (Delivery.status == DeliveryStatus.FAILED_TEMPORARY, 1),
        else_=2,
    )
    rows = db.session.execute(
        sa.select(Delivery, Subscriber.email)
        .join(Subscriber, Subscriber.id == Delivery.subscriber_id)
        .where(Delivery.bulletin_id == bulletin.id, Delivery.status != DeliveryStatus.SENT)
        .order_by(order, Subscriber.email)
        .limit(RECIPIENT_ROWS)
    ).all()
    return [(delivery, email) for delivery, email in rows]


def delivery_label(delivery: Delivery) -> str:
    """A delivery's state in plain words."""
    error = delivery.last_error or ""
    if delivery.status == DeliveryStatus.FAILED_PERMANENT:
        return "Refused by the mail server"
    if delivery.status == DeliveryStatus.FAILED_TEMPORARY:
        if error.startswith(sending.UNCERTAIN):
            return "Uncertain: may have arrived"
        if delivery.attempts >= sending.MAX_ATTEMPTS:
            return f"Given up after {delivery.attempts} tries"
        return "Failed for now: tried again later"
    if delivery.status == DeliveryStatus.SENDING:
        return "Being sent"
    return "Not sent yet"


def render_edit(bulletin: Bulletin, form: DraftForm, errors: list[str] | None = None) -> str:
    state = sending.delivery_state(db.session, bulletin.id)
    show_addresses = current_user.may(Permission.VIEW_SUBSCRIBERS)
    choices = send_choices(bulletin) if bulletin.status == BulletinStatus.PUBLISHED else []
    owed = next((count for value, _, count in choices if value == "owed"), 0)
    # Confirmed after the send began: owed the issue, not yet in the counts.
    subscribed_since = max(owed - state.to_go, 0) if state.total else 0
    failures = recipients_not_sent(bulletin) if show_addresses else []
    candidates = (
        services.story_candidate_views(db.session, bulletin)
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
        max_stories=services.MAX_STORIES,
        state=state,
        failures=failures,
        delivery_label=delivery_label,
        show_addresses=show_addresses,
        send_at=services.scheduled_send(bulletin, current_app.config["TIMEZONE"])
        if bulletin.status == BulletinStatus.PUBLISHED
        else services.send_moment(utcnow(), current_app.config["TIMEZONE"]),
        choices=choices,
        subscribed_since=subscribed_since,
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
    when = services.send_moment(utcnow(), current_app.config["TIMEZONE"])
    return _transition(
        bulletin_id,
        "publish",
        lambda b: services.publish(db.session, b, current_user),
        f"Published: it goes to subscribers at {when:%H:%M} on {when:%A %-d %B %Y}, "
        "or sooner if you send it now",
    )


SEND_CHOICES = {
    "owed": "Everyone who has not had it yet",
    sending.Retry.FAILED.value: "The addresses that failed for a while (tried again now)",
    sending.Retry.REFUSED.value: "The addresses the mail server refused (if the cause is fixed)",
    sending.Retry.UNCERTAIN.value: "The uncertain ones (they may get it twice)",
}


def send_choices(bulletin: Bulletin) -> list[tuple[str, str, int]]:
    """Only the choices with someone in them: (value, label, how many)."""
    state = sending.delivery_state(db.session, bulletin.id)
    started = state.total > 0
    confirmed = subscriber_service.counts(db.session)["confirmed"]
    owed = state.to_go if started else confirmed
    if started:
        # Confirmed since the send began: they are owed it too.
        owed += max(confirmed - state.total, 0)
    counts = {
        "owed": owed,
        sending.Retry.FAILED.value: state.failed if started else 0,
        sending.Retry.REFUSED.value: state.refused,
        sending.Retry.UNCERTAIN.value: state.uncertain,
    }
    return [(value, label, counts[value]) for value, label in SEND_CHOICES.items() if counts[value]]


@bp.route("/manage/<int:bulletin_id>/send")
@requires(Permission.EDIT_BULLETINS)
def confirm_send(bulletin_id: int) -> str | Response:
    bulletin = bulletin_or_404(bulletin_id)
    if bulletin.status != BulletinStatus.PUBLISHED:
        flash("Only a published issue can be sent", "error")
        return redirect(url_for("bulletins.edit", bulletin_id=bulletin.id))
    return render_template(
        "bulletins/send.html",
        bulletin=bulletin,
        choices=send_choices(bulletin),
        state=sending.delivery_state(db.session, bulletin.id),
        send_at=services.scheduled_send(bulletin, current_app.config["TIMEZONE"]),
        form=ButtonForm(),
        error=None,
    )


@bp.route("/manage/<int:bulletin_id>/send", methods=["POST"])
@requires(Permission.EDIT_BULLETINS)
def send(bulletin_id: int) -> str | Response:
    """The editor's Send, after the confirmation page: requeue what they chose, then send."""
    bulletin = bulletin_or_404(bulletin_id)
    if not ButtonForm().validate_on_submit():
        abort(400)
    choices = send_choices(bulletin)
    which = request.form.get("which", "")
    if which not in {value for value, _, _ in choices}:
        return render_template(  # type: ignore[return-value]
            "bulletins/send.html",
            bulletin=bulletin,
            choices=choices,
            state=sending.delivery_state(db.session, bulletin.id),
            send_at=services.scheduled_send(bulletin, current_app.config["TIMEZONE"]),
            form=ButtonForm(),
            error="Choose who to send the issue to" if choices else None,
        ), 400
    requeued = 0
    if which != "owed":
        requeued = sending.requeue(db.session, bulletin, sending.Retry(which))
    details = {"which": which, "rows": requeued}
    audit.record(db.session, current_user, "send", "bulletin", bulletin.id, details)
    db.session.commit()
    try:
        result = sending.send_issue(
            db.session, bulletin, current_app.config, commit=db.session.commit
        )
    except sending.LeaseHeld:
        db.session.rollback()
        flash("This issue is being sent by another process now: look again in a minute", "error")
    except sending.SendInterrupted as exc:
        db.session.rollback()
        flash(
            f"The mail server stopped the send ({exc}). No address was marked as refused: "
            "LearnHub tries again by itself, waiting a little longer each time, or press "
            "Send again once the mail server is fixed.",
            "error",
        )
    else:
        db.session.commit()
        state = sending.delivery_state(db.session, bulletin.id)
        flash(f"Sent. {result.summary()} In all: {state.summary()}.", "success")
    return redirect(url_for("bulletins.edit", bulletin_id=bulletin.id) + "#emails")


@bp.route("/manage/<int:bulletin_id>/preview")
@requires(Permission.EDIT_BULLETINS)
def preview(bulletin_id: int) -> str:
    bulletin = bulletin_or_404(bulletin_id)
    audit.record(db.session, current_user, "read", "bulletin", bulletin.id, {"preview": "web"})
    db.session.commit()
    body, _ = services.issue_body(bulletin)
    return render_template("bulletins/issue.html", bulletin=bulletin, body=body, preview=True)


def _preview_content(
    bulletin: Bulletin,
) -> tuple[rendering.IssueParts, rendering.Personalised]:
    sample = Subscriber(id=0, email="subscriber@example.org")
    parts = rendering.issue_parts(bulletin, current_app.config)
    config = current_app.config
    return parts, rendering.personalise(parts, sample, config["SECRET_KEY"], config["BASE_URL"])


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
