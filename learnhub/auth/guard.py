"""The request guard: every request passes the permission its endpoint declares, or stops here.

Pages send people who are not signed in to the sign-in page; the API answers problem+json.
An endpoint that declares no permission makes ``create_app`` fail, so nothing is open by accident.
"""

from __future__ import annotations

from flask import Flask, Response, abort, current_app, g, redirect, request, session, url_for
from flask_login import current_user

from learnhub.auth import services
from learnhub.auth.mfa import mfa_required
from learnhub.auth.models import User
from learnhub.core.context import service_today
from learnhub.core.errors import problem
from learnhub.core.extensions import db, login_manager
from learnhub.core.permissions import Permission, Role, permission_of, role_may

API_BLUEPRINT = "api"
BEARER = "Bearer "
# Flask's own static-file endpoint is public; it is registered before our views exist.
BUILT_IN_PUBLIC_ENDPOINTS = frozenset({"static"})


class UndeclaredPermission(RuntimeError):
    pass


def required_permission(endpoint: str) -> Permission:
    if endpoint in BUILT_IN_PUBLIC_ENDPOINTS:
        return Permission.PUBLIC
    permission = permission_of(current_app.view_functions[endpoint])
    if permission is None:  # create_app prevents this; fail closed all the same
        abort(403)
    return permission


def bearer_user() -> User | None:
    header = request.headers.get("Authorization", "")
    if not header.startswith(BEARER):
        return None
    today = service_today()
    return services.user_for_token(db.session, header[len(BEARER) :].strip(), today)


def guard_api(permission: Permission) -> Response | None:
    user = bearer_user()
    g.api_user = user
    if permission is Permission.PUBLIC:
        return None
    if user is None:
        return problem(
            401,
            "Unauthorized",
            "Send a valid API token as 'Authorization: Bearer <token>'.",
            headers={"WWW-Authenticate": 'Bearer realm="learnhub"'},
        )
    if not role_may(user.role, permission):
        return problem(403, "Forbidden", "Your role does not allow this.")
    return None


# Pages a signed-in member of staff may reach while a step of their account is outstanding.
STEP_ENDPOINTS = frozenset({"auth.change_password", "auth.mfa_setup", "auth.logout"})


def outstanding_step(user: User) -> str | None:
    """The page a signed-in account must go through before any other: a password an
    administrator set is changed first, then an authenticator is set up where the role needs one."""
    if user.must_change_password:
        return "auth.change_password"
    if not user.has_mfa and mfa_required(user.role, current_app.config["MFA_REQUIRED_ROLES"]):
        return "auth.mfa_setup"
    return None


def guard_page(permission: Permission) -> Response | None:
    if permission is Permission.PUBLIC:
        return None
    if not current_user.is_authenticated:
        # Remember where they were going in the session, never from a URL they could be sent.
        if request.method == "GET":
            session["after_login"] = request.full_path.rstrip("?")
        return redirect(url_for("auth.login"))
    step = outstanding_step(current_user)
    if step is not None and request.endpoint not in STEP_ENDPOINTS:
        return redirect(url_for(step))
    if not role_may(current_user.role, permission):
        abort(403)
    return None


def enforce_permission() -> Response | None:
    if request.endpoint is None:  # no route matched: the 404/405 handlers answer
        return None
    permission = required_permission(request.endpoint)
    if request.blueprint == API_BLUEPRINT:
        return guard_api(permission)
    return guard_page(permission)


def check_every_endpoint_declares_permission(app: Flask) -> None:
    missing = sorted(
        endpoint
        for endpoint, view in app.view_functions.items()
        if endpoint not in BUILT_IN_PUBLIC_ENDPOINTS and permission_of(view) is None
    )
    if missing:
        raise UndeclaredPermission(f"endpoints without a permission: {', '.join(missing)}")


def load_user(session_token: str) -> User | None:
    return db.session.scalar(
        db.select(User).where(User.session_token == session_token, User.is_enabled.is_(True))
    )


def signed_out_without_loading() -> None:
    """Nobody has signed in to this session (no remember cookie is ever set): say so before
    Flask-Login looks. Its strong session protection treats a session without a sign-in that
    holds anything — a reporter's CSRF token — as stolen, on every page that shows the header:
    it rewrites the session and sends a cookie-clearing header each time."""
    if "_user_id" not in session:
        g._login_user = login_manager.anonymous_user()


def check_mfa_roles(app: Flask) -> None:
    known = {role.value for role in Role}
    unknown = sorted(set(app.config["MFA_REQUIRED_ROLES"]) - known)
    if unknown:
        raise ValueError(
            f"LEARNHUB_MFA_REQUIRED_ROLES names no such role: {', '.join(unknown)} "
            f"(roles: {', '.join(sorted(known))})"
        )


def init_app(app: Flask) -> None:
    check_mfa_roles(app)
    login_manager.init_app(app)
    login_manager.user_loader(load_user)
    login_manager.login_view = "auth.login"
    login_manager.session_protection = "strong"
    app.before_request(signed_out_without_loading)
    app.before_request(enforce_permission)
