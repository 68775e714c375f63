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
from learnhub.auth import mfa
from learnhub.auth import services as accounts
from learnhub.auth.forms import NewUserForm, RoleForm, TemporaryPasswordForm
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
                must_change_password=True,  # an administrator chose it: they change it first
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


def render_account(
    user: User,
    role_form: RoleForm | None = None,
    password_form: TemporaryPasswordForm | None = None,
    problem: str | None = None,
) -> str:
    role_form = role_form or RoleForm(data={"role": user.role.value})
    password_form = password_form or TemporaryPasswordForm()
    delayed = [d for d in accounts.delayed_accounts(db.session, login_throttle()) if d.user == user]
    return render_template(
        "admin/user.html",
        user=user,
        role_form=role_form,
        password_form=password_form,
        problem=problem,
        delayed=delayed[0] if delayed else None,
        mfa_required=mfa.mfa_required(user.role, current_app.config["MFA_REQUIRED_ROLES"]),
        recovery_left=mfa.recovery_codes_left(db.session, user),
    )


@bp.route("/users/<int:user_id>")
@requires(Permission.MANAGE_USERS)
def user(user_id: int) -> str:
    account = db.session.get(User, user_id) or abort(404)
    audit.record(db.session, current_user, "read", "user", account.id)
    db.session.commit()
    return render_account(account)


@bp.route("/users/<int:user_id>/role", methods=["POST"])
@requires(Permission.MANAGE_USERS)
def set_role(user_id: int) -> str | Response | tuple[str, int]:
    account = db.session.get(User, user_id) or abort(404)
    form = RoleForm()
    if not form.validate_on_submit():
        return render_account(account, role_form=form), 400
    before = account.role.value
    try:
        changed = accounts.set_role(db.session, current_user, account, Role(form.role.data))
    except accounts.AccountError as exc:
        form.role.errors = [exc.message]
        return render_account(account, role_form=form), 400
    if changed:
        audit.record(
            db.session,
            current_user,
            "change",
            "user_role",
            account.id,
            {"from": before, "to": account.role.value},
        )
        db.session.commit()
        flash(f"{account.email} is now: {account.role.label}", "success")
    return redirect(url_for("admin.user", user_id=account.id))


def change_enabled(user_id: int, enabled: bool) -> str | Response | tuple[str, int]:
    account = db.session.get(User, user_id) or abort(404)
    try:
        changed = accounts.set_enabled(db.session, current_user, account, enabled)
    except accounts.AccountError as exc:
        return render_account(account, problem=exc.message), 400
    if changed:
        audit.record(
            db.session, current_user, "enable" if enabled else "disable", "user", account.id
        )
        db.session.commit()
        flash(
            f"{account.email} can sign in again"
            if enabled
            else f"{account.email} is disabled and signed out everywhere",
            "success",
        )
    return redirect(url_for("admin.user", user_id=account.id))


@bp.route("/users/<int:user_id>/disable", methods=["POST"])
@requires(Permission.MANAGE_USERS)
def disable_user(user_id: int) -> str | Response | tuple[str, int]:
    return change_enabled(user_id, False)


@bp.route("/users/<int:user_id>/enable", methods=["POST"])
@requires(Permission.MANAGE_USERS)
def enable_user(user_id: int) -> str | Response | tuple[str, int]:
    return change_enabled(user_id, True)


@bp.route("/users/<int:user_id>/password", methods=["POST"])
@requires(Permission.MANAGE_USERS)
def reset_password(user_id: int) -> str | Response | tuple[str, int]:
    account = db.session.get(User, user_id) or abort(404)
    form = TemporaryPasswordForm()
    if form.validate_on_submit():
        try:
            accounts.set_temporary_password(account, form.password.data or "")
        except accounts.AccountError as exc:
            form.password.errors = [exc.message]
        else:
            audit.record(db.session, current_user, "reset", "password", account.id)
            db.session.commit()
            flash(
                f"Password set for {account.email}: they choose their own when they next sign in",
                "success",
            )
            return redirect(url_for("admin.user", user_id=account.id))
    return render_account(account, password_form=form), 400


@bp.route("/users/<int:user_id>/mfa/reset", methods=["POST"])
@requires(Permission.MANAGE_USERS)
def reset_mfa(user_id: int) -> Response:
    account = db.session.get(User, user_id) or abort(404)
    mfa.reset(db.session, account)
    accounts.rotate_session_token(account)
    audit.record(db.session, current_user, "reset", "mfa", account.id)
    db.session.commit()
    flash(
        f"Authenticator reset for {account.email}: they set one up when they next sign in",
        "success",
    )
    return redirect(url_for("admin.user", user_id=account.id))


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
    if request.form.get("back") == "user":
        return redirect(url_for("admin.user", user_id=user.id))
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
