"""Administrator pages: staff accounts and service areas."""

from __future__ import annotations

import sqlalchemy as sa
from flask import Blueprint, flash, redirect, render_template, url_for
from flask_login import current_user
from werkzeug.wrappers import Response

from learnhub.audit import services as audit
from learnhub.auth import services as accounts
from learnhub.auth.forms import NewUserForm
from learnhub.auth.models import User
from learnhub.core.permissions import Permission, Role, requires
from learnhub.extensions import db
from learnhub.reports.models import ServiceArea

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
    people = db.session.scalars(sa.select(User).order_by(User.role, User.email))
    return render_template("admin/users.html", form=form, users=list(people))


@bp.route("/service-areas")
@requires(Permission.MANAGE_SETTINGS)
def service_areas() -> str:
    areas = db.session.scalars(sa.select(ServiceArea).order_by(ServiceArea.position))
    return render_template("admin/service_areas.html", areas=list(areas))
