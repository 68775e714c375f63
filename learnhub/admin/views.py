"""Administrator pages: staff accounts and their sign-in delays, service areas, the audit trail."""

from __future__ import annotations

import sqlalchemy as sa
from flask import (
    Blueprint,
    abort,
    current_app,
    flash,
    redirect,
    render_template,
    request,
    url_for,
)
from flask_login import current_user
from werkzeug.wrappers import Response

from learnhub.audit import services as audit
from learnhub.audit.forms import AuditSearchForm, set_choices
from learnhub.audit.models import AuditEvent
from learnhub.auth import services as accounts
from learnhub.auth.forms import NewUserForm
from learnhub.auth.models import User
from learnhub.auth.throttle import LoginThrottle
from learnhub.core.extensions import db
from learnhub.core.inputs import query_int
from learnhub.core.permissions import Permission, Role, requires
from learnhub.reports.models import ServiceArea
from learnhub.review import coding as coding_services
from learnhub.taxonomy import services as taxonomy
from learnhub.taxonomy.agreement import Agreement, agreement_by_tier
from learnhub.taxonomy.models import TaxonomyVersion

bp = Blueprint("admin", __name__, url_prefix="/admin")


@bp.route("/users", methods=["GET", "POST"])
@requires(Permission.MANAGE_USERS)
def users() -> str | Response:
    form = NewUserForm()
    if form.validate_on_submit():
        try:
            user = accounts.create_user(
                db.session,
                form.email.data or "",
                Role(form.role.data),
                form.password.data or "",
                form.display_name.data or "",
            )
        except accounts.AccountError as exc:
            getattr(form, exc.field or "email").errors = [exc.message]
        else:
            audit.record(
                db.session, current_user, "create", "user", user.id, {"role": user.role.value}
            )
            db.session.commit()
            flash(f"Account created for {user.email}", "success")
            return redirect(url_for("admin.users"))
    people = list(db.session.scalars(sa.select(User).order_by(User.role, User.email)))
    audit.record(db.session, current_user, "list", "user", None, {"count": len(people)})
    db.session.commit()
    return render_template("admin/users.html", form=form, users=people)


def login_throttle() -> LoginThrottle:
    return current_app.extensions["learnhub_login_throttle"]


@bp.route("/sign-in-delays")
@requires(Permission.MANAGE_USERS)
def sign_in_delays() -> str:
    throttle = login_throttle()
    delayed = accounts.delayed_accounts(db.session, throttle)
    audit.record(db.session, current_user, "list", "sign_in_delay", None, {"count": len(delayed)})
    db.session.commit()
    return render_template(
        "admin/sign_in_delays.html",
        delayed=delayed,
        waiting_clients=throttle.waiting_clients(),
        shared=throttle.store.shared,
    )


@bp.route("/sign-in-delays/<int:user_id>/clear", methods=["POST"])
@requires(Permission.MANAGE_USERS)
def clear_sign_in_delay(user_id: int) -> Response:
    user = db.session.get(User, user_id) or abort(404)
    cleared = login_throttle().clear_user(user.id, user.email)
    audit.record(db.session, current_user, "clear", "sign_in_delay", user.id, {"records": cleared})
    db.session.commit()
    flash(f"Failed sign-ins cleared for {user.email}: they can sign in now", "success")
    return redirect(url_for("admin.sign_in_delays"))


@bp.route("/sign-in-delays/clients/clear", methods=["POST"])
@requires(Permission.MANAGE_USERS)
def clear_client_delays() -> Response:
    cleared = login_throttle().clear_clients()
    audit.record(
        db.session, current_user, "clear", "sign_in_delay", "clients", {"records": cleared}
    )
    db.session.commit()
    flash("Failed sign-ins cleared for every network address", "success")
    return redirect(url_for("admin.sign_in_delays"))


@bp.route("/service-areas")
@requires(Permission.MANAGE_SETTINGS)
def service_areas() -> str:
    areas = list(db.session.scalars(sa.select(ServiceArea).order_by(ServiceArea.position)))
    audit.record(db.session, current_user, "list", "setting", "service_areas")
    db.session.commit()
    return render_template("admin/service_areas.html", areas=areas)


@bp.route("/agreement")
@requires(Permission.MANAGE_TAXONOMY)
def agreement() -> str:
    version = taxonomy.active_version(db.session)
    reviewers, suggestions = ([], []) if version is None else agreement_figures(version)
    return render_template(
        "admin/agreement.html", version=version, reviewers=reviewers, suggestions=suggestions
    )


def agreement_figures(version: TaxonomyVersion) -> tuple[list[Agreement], list[Agreement]]:
    tiers: dict[str, list[str]] = {}
    for tier, codes in taxonomy.codes_by_tier(version):
        tiers[tier.key] = [code.code for code in codes]
    reviewer_pairs = coding_services.reviewer_pairs(db.session, version)
    suggestion_pairs = coding_services.suggestion_pairs(db.session, version)
    return agreement_by_tier(reviewer_pairs, tiers), agreement_by_tier(suggestion_pairs, tiers)


@bp.route("/audit")
@requires(Permission.VIEW_AUDIT)
def audit_trail() -> str:
    form = AuditSearchForm(request.args)
    set_choices(form.action, "Anything", audit.distinct_values(db.session, AuditEvent.action))
    set_choices(form.object_type, "Any", audit.distinct_values(db.session, AuditEvent.object_type))
    searched = bool(request.args) and form.validate()
    query = (
        audit.AuditQuery(
            actor=(form.actor.data or "").strip(),
            action=form.action.data or "",
            object_type=form.object_type.data or "",
            object_id=(form.object_id.data or "").strip(),
            since=form.since.data,
            until=form.until.data,
        )
        if searched
        else audit.AuditQuery()
    )
    page = audit.search(db.session, query, query_int("page", 1))
    chain = audit.check_trail(db.session)
    # Reading the trail is itself a staff read worth recording.
    audit.record(db.session, current_user, "read", "audit", None, {"page": page.page})
    db.session.commit()
    arguments = {k: v for k, v in request.args.items() if k != "page" and v}
    return render_template(
        "admin/audit.html", form=form, page=page, chain=chain, arguments=arguments
    )
