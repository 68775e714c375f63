"""Sign in, sign out and the staff member's own account page."""

from __future__ import annotations

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
from flask_login import current_user, login_user, logout_user
from werkzeug.wrappers import Response

from learnhub.audit import services as audit
from learnhub.auth import services
from learnhub.auth.forms import LoginForm
from learnhub.auth.throttle import DeviceCookies, LoginThrottle
from learnhub.core.extensions import db
from learnhub.core.permissions import (
    PERMISSION_DESCRIPTIONS,
    Permission,
    permissions_of,
    requires,
)

bp = Blueprint("auth", __name__)


def login_throttle() -> LoginThrottle:
    return current_app.extensions["learnhub_login_throttle"]


def device_cookies() -> DeviceCookies:
    return current_app.extensions["learnhub_device_cookies"]


def safe_after_login_target() -> str:
    target = session.pop("after_login", None)
    # Only a path on this site: never an absolute or protocol-relative URL.
    if isinstance(target, str) and target.startswith("/") and not target.startswith("//"):
        return target
    return url_for("main.staff_home")


@bp.route("/login", methods=["GET", "POST"])
@requires(Permission.PUBLIC)
def login() -> str | Response:
    if current_user.is_authenticated:
        return redirect(url_for("main.staff_home"))
    form = LoginForm()
    if form.validate_on_submit():
        known_browser = device_cookies().read(request.cookies.get(DeviceCookies.NAME))
        try:
            user = services.authenticate(
                db.session,
                login_throttle(),
                form.email.data or "",
                form.password.data or "",
                client=request.remote_addr or "unknown",
                known_browser=known_browser,
            )
        except services.AccountError as exc:
            form.email.errors = [exc.message]
            return render_template("auth/login.html", form=form), 200
        target = safe_after_login_target()
        session.clear()  # a fresh session at sign-in: nothing carried over from before
        login_user(user)
        audit.record(db.session, user, "login", "user", user.id)
        db.session.commit()
        response = redirect(target)
        remember_this_browser(response, known_browser, user.id)
        return response
    return render_template("auth/login.html", form=form)


def remember_this_browser(response: Response, known: dict[int, str], user_id: int) -> None:
    """Set the device cookie: sent only to the sign-in page, never to reporting routes."""
    cookies = device_cookies()
    response.set_cookie(
        DeviceCookies.NAME,
        cookies.issue(known, user_id),
        max_age=cookies.max_age_seconds,
        path=url_for("auth.login"),
        secure=current_app.config["SESSION_COOKIE_SECURE"],
        httponly=True,
        samesite="Lax",
    )


@bp.route("/logout", methods=["POST"])
@requires(Permission.STAFF)
def logout() -> Response:
    logout_user()
    session.clear()
    flash("You have signed out", "success")
    return redirect(url_for("auth.login"))


@bp.route("/account")
@requires(Permission.STAFF)
def account() -> str:
    return render_template(
        "auth/account.html",
        permissions=[
            PERMISSION_DESCRIPTIONS[p]
            for p in sorted(permissions_of(current_user.role))
            if p not in (Permission.PUBLIC, Permission.STAFF)
        ],
    )
