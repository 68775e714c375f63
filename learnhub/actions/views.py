"""Action pages for the review panel: the list, the overdue list, agreeing an action on a theme
or a report, and recording its progress."""

from __future__ import annotations

import sqlalchemy as sa
from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_login import current_user
from werkzeug.wrappers import Response

from learnhub.actions import services
from learnhub.actions.forms import STATUS_LABELS, ActionForm, StatusForm
from learnhub.actions.models import Action, ActionStatus
from learnhub.audit import services as audit
from learnhub.core.context import service_today
from learnhub.core.database import RANDOM_ID_LIMIT
from learnhub.core.extensions import db
from learnhub.core.inputs import MAX_ID, ascii_int
from learnhub.core.permissions import Permission, requires
from learnhub.reports.models import Report
from learnhub.themes.models import Theme, ThemeStatus

bp = Blueprint("actions", __name__, url_prefix="/actions")

LINKABLE_THEMES = (ThemeStatus.CANDIDATE, ThemeStatus.ACCEPTED)


def listed(template: str, actions: list[Action], list_name: str, **context: object) -> str:
    audit.record(db.session, current_user, "read", "action_list", list_name)
    db.session.commit()
    return render_template(
        template,
        actions=actions,
        today=service_today(),
        labels=STATUS_LABELS,
        themes=themes_of(actions),
        references=references_of(actions),
        **context,
    )


def themes_of(actions: list[Action]) -> dict[int, Theme]:
    ids = {a.theme_id for a in actions if a.theme_id}
    if not ids:
        return {}
    return {t.id: t for t in db.session.scalars(sa.select(Theme).where(Theme.id.in_(ids)))}


def references_of(actions: list[Action]) -> dict[int, str]:
    ids = {a.report_id for a in actions if a.report_id}
    if not ids:
        return {}
    return dict(
        db.session.execute(sa.select(Report.id, Report.reference).where(Report.id.in_(ids))).all()
    )


@bp.route("/")
@requires(Permission.MANAGE_ACTIONS)
def index() -> str:
    wanted = request.args.get("status", "")
    try:
        status = ActionStatus(wanted) if wanted else None
    except ValueError:
        abort(404)
    return listed(
        "actions/index.html",
        services.all_actions(db.session, status),
        wanted or "all",
        status=status,
        statuses=list(ActionStatus),
    )


@bp.route("/overdue")
@requires(Permission.MANAGE_ACTIONS)
def overdue() -> str:
    return listed(
        "actions/overdue.html", services.overdue_actions(db.session, service_today()), "overdue"
    )


def linked_to() -> tuple[Theme | None, Report | None]:
    """The theme or report named in ?theme_id= or ?report_id= (404 when neither is real)."""
    theme_id = request.args.get("theme_id", "")
    report_id = request.args.get("report_id", "")
    if is_id(theme_id) and not report_id:
        theme = db.session.get(Theme, int(theme_id))
        if theme is not None and theme.status in LINKABLE_THEMES:
            return theme, None
    elif is_id(report_id, RANDOM_ID_LIMIT - 1) and not theme_id:
        report = db.session.get(Report, int(report_id))
        if report is not None:
            return None, report
    abort(404)
    return None, None  # not reached: abort raises


def is_id(text: str, largest: int = MAX_ID) -> bool:
    # Bounded, so a huge number is "not found" rather than a database error. (Reports have
    # random 53-bit ids: learnhub.core.database.random_id.)
    return ascii_int(text, 1, largest) is not None


def back_to(theme: Theme | None, report: Report | None) -> str:
    if theme is not None:
        return url_for("themes.theme", theme_id=theme.id)
    assert report is not None
    return url_for("review.report", reference=report.reference)


@bp.route("/new", methods=["GET", "POST"])
@requires(Permission.MANAGE_ACTIONS)
def new() -> str | Response:
    theme, report = linked_to()
    form = ActionForm()
    if form.validate_on_submit():
        draft = services.ActionDraft(
            description=form.description.data or "",
            owner=form.owner.data or "",
            owner_email=form.owner_email.data or "",
            due_on=form.due_date(),
        )
        try:
            action = services.create_action(
                db.session, draft, theme=theme, report=report, created_by=current_user
            )
        except services.ActionInvalid as exc:
            db.session.rollback()
            for name, message in exc.errors.items():
                field = form.due_day if name == "due_on" else getattr(form, name)
                field.errors = list(field.errors) or [message]
        else:
            audit.record(
                db.session,
                current_user,
                "create",
                "action",
                action.id,
                {"theme": action.theme_id, "report": action.report_id, "owner": action.owner},
            )
            db.session.commit()
            flash("Action agreed", "success")
            return redirect(back_to(theme, report))
    elif request.method == "POST":
        form.due_date()  # so a missing date is reported alongside the other fields
    return render_template(
        "actions/new.html", form=form, theme=theme, report=report, back=back_to(theme, report)
    )


def action_or_404(action_id: int) -> Action:
    action = db.session.get(Action, action_id)
    if action is None:
        abort(404)
    return action


def render_action(action: Action, form: StatusForm) -> str:
    theme = db.session.get(Theme, action.theme_id) if action.theme_id else None
    report = db.session.get(Report, action.report_id) if action.report_id else None
    return render_template(
        "actions/action.html",
        action=action,
        form=form,
        theme=theme,
        report=report,
        labels=STATUS_LABELS,
        overdue=services.is_overdue(action, service_today()),
    )


@bp.route("/<int(max=2147483647):action_id>", methods=["GET", "POST"])
@requires(Permission.MANAGE_ACTIONS)
def action(action_id: int) -> str | Response:
    found = action_or_404(action_id)
    if request.method == "GET":
        form = StatusForm(formdata=None, status=found.status.value)
        form.completion_evidence.data = found.completion_evidence or ""
        page = render_action(found, form)
        audit.record(db.session, current_user, "read", "action", found.id)
        db.session.commit()
        return page
    form = StatusForm()
    if form.validate_on_submit():
        status = ActionStatus(form.status.data)
        try:
            services.update_status(
                db.session, found, status, form.completion_evidence.data or "", service_today()
            )
        except services.ActionInvalid as exc:
            db.session.rollback()
            for name, message in exc.errors.items():
                getattr(form, name).errors = [message]
        else:
            audit.record(
                db.session, current_user, "update", "action", found.id, {"status": status.value}
            )
            db.session.commit()
            flash(f"Action is now {STATUS_LABELS[status].lower()}", "success")
            return redirect(url_for("actions.action", action_id=found.id))
    return render_action(found, form)
