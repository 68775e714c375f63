"""The panel's theme pages: candidates with their evidence, the decisions on them, accepted themes
and their learning; and a read-only page of accepted themes for leaders, every figure published
as ``learnhub.disclosure`` decides (the same figures as the dashboard's)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_login import current_user
from flask_wtf import FlaskForm
from werkzeug.wrappers import Response
from wtforms.fields.choices import SelectChoice

from learnhub.actions import services as actions
from learnhub.audit import services as audit
from learnhub.core.context import service_today
from learnhub.core.extensions import db
from learnhub.core.permissions import Permission, requires
from learnhub.core.time import parse_month
from learnhub.core.words import counted
from learnhub.disclosure.counts import Cell, publish, threshold
from learnhub.review import theme_presentation as present
from learnhub.review.theme_forms import (
    LEARNING_STATUS_HINTS,
    LEARNING_STATUS_LABELS,
    AcceptForm,
    DismissForm,
    LearningStatusForm,
    MergeForm,
    plain_choice_errors,
)
from learnhub.themes import sharing, triage
from learnhub.themes.models import LearningStatus, Theme, ThemeKind, ThemeStatus
from learnhub.themes.trend import theme_trend

bp = Blueprint("themes", __name__, url_prefix="/themes")


def theme_or_404(theme_id: int) -> Theme:
    theme = db.session.get(Theme, theme_id)
    if theme is None or theme.status is ThemeStatus.RETIRED:
        abort(404)
    return theme


@bp.route("/")
@requires(Permission.TRIAGE_THEMES)
def candidates() -> str:
    themes = triage.candidate_themes(db.session)
    today = service_today()
    trends = {
        t.id: theme_trend(t.monthly_counts or {}, rising=t.is_rising, today=today) for t in themes
    }
    audit.record(db.session, current_user, "read", "theme_list", "candidate")
    db.session.commit()
    # One table per kind of theme, so each column has one scale: lift for factors that recur
    # together, closeness of wording (0 to 1) for similar stories.
    return render_template(
        "themes/candidates.html",
        themes=themes,
        factor_themes=[t for t in themes if t.kind is ThemeKind.FACTOR_COMBINATION],
        story_themes=[t for t in themes if t.kind is not ThemeKind.FACTOR_COMBINATION],
        trends=trends,
        score=triage.score,
    )


@bp.route("/accepted")
@requires(Permission.TRIAGE_THEMES)
def accepted() -> str:
    wanted = request.args.get("learning_status", "")
    try:
        learning_status = LearningStatus(wanted) if wanted else None
    except ValueError:
        abort(404)
    themes = triage.accepted_themes(db.session, learning_status)
    audit.record(
        db.session, current_user, "read", "theme_list", "accepted", {"learning_status": wanted}
    )
    db.session.commit()
    return render_template(
        "themes/accepted.html",
        themes=themes,
        learning_status=learning_status,
        labels=LEARNING_STATUS_LABELS,
        action_counts=actions.counts_by_theme(db.session, [t.id for t in themes], service_today()),
    )


def merge_form(theme: Theme, formdata: Any = None) -> MergeForm:
    form = MergeForm(formdata=formdata) if formdata is not None else MergeForm()
    form.into.choices = [SelectChoice("", "Choose a theme")] + [
        SelectChoice(
            str(t.id), f"{t.title} ({t.status.value}, {counted(t.member_count, 'report')})"
        )
        for t in triage.merge_targets(db.session, theme)
    ]
    return form


def render_theme(theme: Theme, failed: FlaskForm | None = None, **forms: FlaskForm) -> str:
    shared = sharing.shared_themes(db.session, [theme])[theme.id]
    # The title offered for acceptance is one that may leave the panel as it is.
    accept = forms.get("accept") or AcceptForm(formdata=None, title=shared.title)
    status = forms.get("status") or LearningStatusForm(
        formdata=None, learning_status=(theme.learning_status or LearningStatus.MONITORING).value
    )
    return render_template(
        "themes/theme.html",
        theme=theme,
        shared=shared,
        headline=present.headline(theme, sharing.code_titles(db.session)),
        found_because=present.found_because(theme),
        trend=theme_trend(
            theme.monthly_counts or {}, rising=theme.is_rising, today=service_today()
        ),
        month_chart=present.month_chart(theme.monthly_counts or {}),
        evidence=triage.evidence(db.session, theme),
        merged_into=triage.merged_into(db.session, theme),
        actions=actions.actions_for_theme(db.session, theme),
        today=service_today(),
        form=failed,
        accept_form=accept,
        merge_form=forms.get("merge") or merge_form(theme, formdata=None),
        dismiss_form=forms.get("dismiss") or DismissForm(formdata=None),
        status_form=status,
        status_hints=LEARNING_STATUS_HINTS,
        labels=LEARNING_STATUS_LABELS,
    )


@bp.route("/<int(max=2147483647):theme_id>")
@requires(Permission.TRIAGE_THEMES)
def theme(theme_id: int) -> str:
    found = theme_or_404(theme_id)
    page = render_theme(found)
    audit.record(db.session, current_user, "read", "theme", found.id)
    db.session.commit()
    return page


def refused(form: FlaskForm, error: triage.ThemeDecisionRefused) -> None:
    """Put a service's refusal on the form's fields (or the form itself)."""
    for name, message in error.errors.items():
        field = getattr(form, name, None)
        if field is not None:
            field.errors = [message]
        else:
            form.form_errors.append(message)


@dataclass(frozen=True)
class Decision:
    """What a decision did, for the audit trail and the confirmation banner."""

    name: str
    message: str
    details: dict[str, object] = field(default_factory=dict)


def decide(
    theme: Theme, form: FlaskForm, form_key: str, take: Callable[[], Decision]
) -> str | Response:
    """Validate the form, take the decision, commit and go back to the theme; or show the
    theme's page again with the form's errors and what was typed."""
    valid = form.validate_on_submit()
    plain_choice_errors(form)
    if valid:
        try:
            decision = take()
        except triage.ThemeDecisionRefused as exc:
            db.session.rollback()
            refused(form, exc)
        else:
            details = {"decision": decision.name, **decision.details}
            audit.record(db.session, current_user, "update", "theme", theme.id, details)
            db.session.commit()
            flash(decision.message, "success")
            return redirect(url_for("themes.theme", theme_id=theme.id))
    return render_theme(theme, form, **{form_key: form})


@bp.route("/<int(max=2147483647):theme_id>/accept", methods=["POST"])
@requires(Permission.TRIAGE_THEMES)
def accept(theme_id: int) -> str | Response:
    found = theme_or_404(theme_id)
    form = AcceptForm()

    def take() -> Decision:
        triage.accept(
            db.session,
            found,
            current_user,
            title=form.title.data or "",
            summary=form.summary.data or "",
            owner=form.owner.data or "",
            learning_status=LearningStatus(form.learning_status.data),
        )
        return Decision("accept", "Theme accepted", {"owner": found.owner})

    return decide(found, form, "accept", take)


@bp.route("/<int(max=2147483647):theme_id>/merge", methods=["POST"])
@requires(Permission.TRIAGE_THEMES)
def merge(theme_id: int) -> str | Response:
    found = theme_or_404(theme_id)
    form = merge_form(found, formdata=request.form)

    def take() -> Decision:
        into = db.session.get(Theme, int(form.into.data))
        target = triage.merge(db.session, found, into, current_user)
        audit.record(db.session, current_user, "update", "theme", target.id, {"absorbed": found.id})
        return Decision("merge", f"Theme merged into “{target.title}”", {"into": target.id})

    return decide(found, form, "merge", take)


@bp.route("/<int(max=2147483647):theme_id>/dismiss", methods=["POST"])
@requires(Permission.TRIAGE_THEMES)
def dismiss(theme_id: int) -> str | Response:
    found = theme_or_404(theme_id)
    form = DismissForm()

    def take() -> Decision:
        triage.dismiss(db.session, found, current_user, reason=form.reason.data or "")
        return Decision("dismiss", "Theme dismissed")

    return decide(found, form, "dismiss", take)


@bp.route("/<int(max=2147483647):theme_id>/learning-status", methods=["POST"])
@requires(Permission.TRIAGE_THEMES)
def learning_status(theme_id: int) -> str | Response:
    found = theme_or_404(theme_id)
    form = LearningStatusForm()

    def take() -> Decision:
        chosen = LearningStatus(form.learning_status.data)
        triage.set_learning_status(db.session, found, chosen, current_user)
        label = LEARNING_STATUS_LABELS[chosen].lower()
        return Decision(
            "learning_status",
            f"Learning status is now {label}",
            {"learning_status": chosen.value},
        )

    return decide(found, form, "status", take)


@bp.route("/learning")
@requires(Permission.VIEW_THEMES)
def learning() -> str:
    """Accepted themes as figures: no reports, no excerpts, every count published."""
    k = threshold()
    themes = triage.accepted_themes(db.session)
    shared = sharing.shared_themes(db.session, themes)
    action_counts = actions.counts_by_theme(db.session, [t.id for t in themes], service_today())
    rows = []
    for t in themes:
        counts = sharing.shared_counts(t, k)
        rows.append(
            {
                "theme": t,
                "shared": shared[t.id],
                "reports": counts.members,
                "months": [(parse_month(m), counts.month(m)) for m in sorted(t.monthly_counts)],
                "actions": published_actions(action_counts[t.id], k),
            }
        )
    audit.record(db.session, current_user, "read", "theme_list", "learning")
    db.session.commit()
    return render_template("themes/learning.html", rows=rows, k=k, labels=LEARNING_STATUS_LABELS)


def published_actions(counts: actions.ActionCounts, k: int) -> dict[str, Cell]:
    """A theme's actions as leaders read them: counted like every other figure they see."""
    return {
        "open": publish(counts.open, k),
        "overdue": publish(counts.overdue, k),
        "completed": publish(counts.completed, k),
    }
