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
from learnhub.auth import emails, mfa, services
from learnhub.auth.forms import (
    ChangePasswordForm,
    CodeForm,
    LoginForm,
    NewPasswordForm,
    ResetRequestForm,
)
from learnhub.auth.models import User
from learnhub.auth.throttle import DeviceCookies, LoginThrottle, Waiting
from learnhub.core.context import address_within_limit, client_within_limit, refuse_over_limit
from learnhub.core.email import SmtpSettings
from learnhub.core.extensions import db
from learnhub.core.permissions import (
    PERMISSION_DESCRIPTIONS,
    Permission,
    permissions_of,
    requires,
)
from learnhub.core.time import utcnow

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
        if user.has_mfa:
            # The password was right; the account is signed in only after the second factor.
            session[MFA_PENDING] = {"token": user.session_token, "target": target}
            db.session.commit()
            response = redirect(url_for("auth.login_code"))
        else:
            response = complete_sign_in(user, target, "password")
        remember_this_browser(response, known_browser, user.id)
        return response
    return render_template("auth/login.html", form=form)


MFA_PENDING = "mfa_pending"


def complete_sign_in(user: User, target: str, factors: str) -> Response:
    login_user(user)
    audit.record(db.session, user, "login", "user", user.id, {"with": factors})
    db.session.commit()
    return redirect(target)


def pending_user() -> tuple[User | None, str]:
    pending = session.get(MFA_PENDING)
    if not isinstance(pending, dict) or not isinstance(pending.get("token"), str):
        return None, ""
    user = db.session.scalar(
        db.select(User).where(User.session_token == pending["token"], User.is_enabled.is_(True))
    )
    return user, str(pending.get("target") or url_for("main.staff_home"))


@bp.route("/login/code", methods=["GET", "POST"])
@requires(Permission.PUBLIC)
def login_code() -> str | Response:
    """The second step of signing in: a code from the authenticator app, or a recovery code."""
    if current_user.is_authenticated:
        return redirect(url_for("main.staff_home"))
    user, target = pending_user()
    if user is None or not user.has_mfa:
        # No password entered in this browser (or the account changed since): start again.
        return render_template("auth/login_code_missing.html")
    form = CodeForm()
    if form.validate_on_submit():
        throttle = login_throttle()
        keys = (throttle.account_key(user.email),)
        try:
            attempt = throttle.begin(keys)
        except Waiting as waiting:
            form.code.errors = [
                services.THROTTLED_MESSAGE.format(seconds=services.wait_text(waiting.seconds))
            ]
            return render_template("auth/login_code.html", form=form), 200
        kind = mfa.verify(db.session, user, form.code.data or "")
        throttle.end(attempt, failed=kind is None, user_id=user.id)
        if kind is None:
            audit.record(db.session, user, "fail", "mfa", user.id)
            db.session.commit()
            form.code.errors = ["Enter a correct code from your authenticator app"]
            return render_template("auth/login_code.html", form=form), 200
        session.pop(MFA_PENDING, None)
        if kind == "recovery":
            audit.record(db.session, user, "use", "recovery_code", user.id)
            left = mfa.recovery_codes_left(db.session, user)
            flash(
                f"You signed in with a recovery code. {left} left: "
                "make new ones on your account page if you are running low.",
                "success",
            )
        return complete_sign_in(user, target, kind)
    return render_template("auth/login_code.html", form=form)


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


@bp.route("/account/password", methods=["GET", "POST"])
@requires(Permission.STAFF)
def change_password() -> str | Response:
    form = ChangePasswordForm()
    forced = current_user.must_change_password
    if form.validate_on_submit():
        user = current_user._get_current_object()  # type: ignore[attr-defined]
        try:
            services.change_password(
                user,
                form.current_password.data or "",
                form.new_password.data or "",
                form.confirmation.data or "",
            )
        except services.AccountError as exc:
            getattr(form, exc.field or "new_password").errors = [exc.message]
        else:
            audit.record(db.session, user, "change", "password", user.id, {"forced": forced})
            db.session.commit()
            login_user(user)  # the new session token: this browser stays signed in, others not
            flash("Your password has been changed", "success")
            return redirect(url_for("main.staff_home"))
    return render_template("auth/change_password.html", form=form, forced=forced)


PENDING_SECRET = "mfa_new_secret"  # noqa: S105 - a session key name, not a secret


@bp.route("/account/mfa", methods=["GET", "POST"])
@requires(Permission.STAFF)
def mfa_setup() -> str | Response:
    """Set up an authenticator app; once set up, see how many recovery codes are left and make
    new ones."""
    user = current_user._get_current_object()  # type: ignore[attr-defined]
    required = mfa.mfa_required(user.role, current_app.config["MFA_REQUIRED_ROLES"])
    form = CodeForm()
    if user.has_mfa:
        if request.method == "POST" and form.validate_on_submit():
            if not mfa.verify_totp(user, form.code.data or "", utcnow()):
                form.code.errors = ["Enter a correct code from your authenticator app"]
            else:
                codes = mfa.new_recovery_codes(db.session, user)
                audit.record(db.session, user, "renew", "recovery_code", user.id)
                db.session.commit()
                return render_template("auth/recovery_codes.html", codes=codes)
        return render_template(
            "auth/mfa_enrolled.html",
            form=form,
            left=mfa.recovery_codes_left(db.session, user),
            required=required,
        )
    secret = session.get(PENDING_SECRET)
    if not isinstance(secret, str) or len(secret) != 32:
        secret = mfa.new_secret()
        session[PENDING_SECRET] = secret
    if form.validate_on_submit():
        try:
            codes = mfa.enrol(db.session, user, secret, form.code.data or "", utcnow())
        except ValueError:
            form.code.errors = ["Enter the 6-digit code your authenticator app shows now"]
        else:
            session.pop(PENDING_SECRET, None)
            audit.record(db.session, user, "enrol", "mfa", user.id)
            db.session.commit()
            return render_template("auth/recovery_codes.html", codes=codes, enrolled=True)
    return render_template(
        "auth/mfa_setup.html",
        form=form,
        required=required,
        secret=mfa.grouped(secret),
        uri=mfa.provisioning_uri(secret, user.email, "LearnHub"),
    )


@bp.route("/password-reset", methods=["GET", "POST"])
@requires(Permission.PUBLIC)
def request_password_reset() -> str | Response:
    form = ResetRequestForm()
    if form.validate_on_submit():
        if not client_within_limit("PASSWORD_RESET_LIMIT", "password-reset"):
            refuse_over_limit("PASSWORD_RESET_LIMIT", "password-reset")
        try:
            email = services.normalise_email(form.email.data or "")
        except services.AccountError as exc:
            form.email.errors = [exc.message]
            return render_template("auth/password_reset.html", form=form)
        user = services.find_user_by_email(db.session, email)
        config = current_app.config
        settings = SmtpSettings.from_config(config)
        # The same work whether or not the address has an account: a message is built either
        # way and a thread started either way; only an enabled account's is sent.
        token = services.reset_token(config["SECRET_KEY"], user) if user else "x"
        link = config["BASE_URL"].rstrip("/") + url_for("auth.reset_password", token=token)
        message = emails.reset_message(
            settings, email, link, config["PASSWORD_RESET_MINUTES"], config["ORGANISATION_NAME"]
        )
        wanted = user is not None and user.is_enabled
        within = address_within_limit("PASSWORD_RESET_ADDRESS_LIMIT", "password-reset", email)
        emails.send_in_background(dict(config), message if wanted and within else None)
        if user is not None:
            audit.record(db.session, None, "request", "password_reset", user.id)
            db.session.commit()
        return render_template("auth/password_reset_sent.html", email=email)
    return render_template("auth/password_reset.html", form=form)


@bp.route("/password-reset/<token>", methods=["GET", "POST"])
@requires(Permission.PUBLIC)
def reset_password(token: str) -> str | Response | tuple[str, int]:
    user = services.user_for_reset_token(
        db.session,
        current_app.config["SECRET_KEY"],
        token,
        current_app.config["PASSWORD_RESET_MINUTES"] * 60,
    )
    if user is None:
        return render_template("auth/password_reset_expired.html"), 404
    form = NewPasswordForm()
    if form.validate_on_submit():
        try:
            services.check_new_password(form.new_password.data or "", form.confirmation.data or "")
            services.set_password(user, form.new_password.data or "")
        except services.AccountError as exc:
            getattr(form, exc.field or "new_password").errors = [exc.message]
        else:
            login_throttle().clear_user(user.id, user.email)
            audit.record(db.session, None, "reset", "password", user.id, {"via": "email link"})
            db.session.commit()
            if current_user.is_authenticated:
                logout_user()
            session.clear()
            flash("Your password has been changed. Sign in with your new password.", "success")
            return redirect(url_for("auth.login"))
    return render_template("auth/password_reset_new.html", form=form, token=token)
