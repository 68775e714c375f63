"""learnhub users disable|enable|set-role|reset-password|reset-mfa, each audited; the demo's
account count."""

from __future__ import annotations

import sqlalchemy as sa
from flask import Flask
from flask.testing import FlaskCliRunner

from learnhub.audit.models import AuditEvent
from learnhub.auth import mfa, services
from learnhub.auth.models import RecoveryCode, User
from learnhub.core.extensions import db
from learnhub.core.permissions import Role
from learnhub.core.time import utcnow
from tests.factories import PASSWORD, login, make_user

TEMPORARY = "a temporary password from the desk"


def audited(action: str, object_type: str, user: User) -> list[AuditEvent]:
    return list(
        db.session.scalars(
            sa.select(AuditEvent).where(
                AuditEvent.action == action,
                AuditEvent.object_type == object_type,
                AuditEvent.object_id == str(user.id),
            )
        )
    )


def test_disable_ends_the_session_and_enable_lets_them_back(
    app: Flask, runner: FlaskCliRunner
) -> None:
    user = make_user(Role.LEADER)
    browser = app.test_client()
    assert login(browser, user).status_code == 302
    assert browser.get("/account").status_code == 200

    result = runner.invoke(args=["users", "disable", user.email.upper()])
    assert result.exit_code == 0, result.output
    assert browser.get("/account").headers["Location"] == "/login"
    assert login(app.test_client(), user).status_code == 200  # refused
    assert audited("disable", "user", user)

    result = runner.invoke(args=["users", "enable", user.email])
    assert result.exit_code == 0, result.output
    assert login(app.test_client(), user).status_code == 302
    assert audited("enable", "user", user)


def test_disable_refuses_the_last_administrator(runner: FlaskCliRunner) -> None:
    only_admin = make_user(Role.ADMIN)
    for other in db.session.scalars(sa.select(User).where(User.id != only_admin.id)):
        other.is_enabled = False
    db.session.commit()
    result = runner.invoke(args=["users", "disable", only_admin.email])
    assert result.exit_code != 0
    assert "last administrator" in result.output
    assert db.session.get(User, only_admin.id).is_enabled


def test_set_role_changes_what_they_may_do(app: Flask, runner: FlaskCliRunner) -> None:
    user = make_user(Role.EDITOR)
    browser = app.test_client()
    login(browser, user)
    assert browser.get("/dashboard/").status_code == 403
    result = runner.invoke(args=["users", "set-role", user.email, "--role", "leader"])
    assert result.exit_code == 0, result.output
    assert db.session.get(User, user.id).role is Role.LEADER
    assert browser.get("/dashboard/").status_code == 200
    [event] = audited("change", "user_role", user)
    assert event.details["from"] == "editor"
    assert event.details["to"] == "leader"


def test_reset_password_forces_a_change_at_next_sign_in(app: Flask, runner: FlaskCliRunner) -> None:
    user = make_user(Role.LEADER)
    signed_in = app.test_client()
    login(signed_in, user)
    result = runner.invoke(
        args=["users", "reset-password", user.email, "--password-stdin"], input=TEMPORARY + "\n"
    )
    assert result.exit_code == 0, result.output
    assert TEMPORARY not in result.output
    assert signed_in.get("/account").headers["Location"] == "/login"  # signed out everywhere
    browser = app.test_client()
    assert login(browser, user, PASSWORD).status_code == 200  # the old password is gone
    assert login(browser, user, TEMPORARY).status_code == 302
    assert browser.get("/dashboard/").headers["Location"] == "/account/password"
    assert audited("reset", "password", user)


def test_reset_password_refuses_a_short_one(runner: FlaskCliRunner) -> None:
    user = make_user(Role.LEADER)
    result = runner.invoke(
        args=["users", "reset-password", user.email, "--password-stdin"], input="short\n"
    )
    assert result.exit_code != 0
    assert "12 characters" in result.output
    assert not db.session.get(User, user.id).must_change_password


def test_reset_mfa_forgets_the_app_and_the_codes(app: Flask, runner: FlaskCliRunner) -> None:
    user = make_user(Role.REVIEWER)
    secret = mfa.new_secret()
    mfa.enrol(db.session, user, secret, mfa.code_for(secret, utcnow()), utcnow())
    db.session.commit()
    result = runner.invoke(args=["users", "reset-mfa", user.email])
    assert result.exit_code == 0, result.output
    fresh = db.session.get(User, user.id)
    assert fresh.totp_secret is None
    assert not fresh.has_mfa
    assert db.session.scalar(sa.select(sa.func.count()).select_from(RecoveryCode)) == 0
    assert audited("reset", "mfa", user)


def test_users_commands_name_an_unknown_email(runner: FlaskCliRunner) -> None:
    for command in ("disable", "enable", "reset-mfa"):
        result = runner.invoke(args=["users", command, "nobody@example.org"])
        assert result.exit_code != 0
        assert "No account with the email address nobody@example.org" in result.output


def test_users_create_still_makes_an_account_that_signs_in(
    app: Flask, runner: FlaskCliRunner
) -> None:
    result = runner.invoke(
        args=["users", "create", "first.admin@example.org", "--role", "admin", "--password-stdin"],
        input=PASSWORD + "\n",
    )
    assert result.exit_code == 0, result.output
    user = services.find_user_by_email(db.session, "first.admin@example.org")
    assert user is not None
    assert not user.must_change_password
    browser = app.test_client()
    assert login(browser, user).status_code == 302
    assert browser.get("/admin/users").status_code == 200


def test_the_demo_counts_every_account_it_lists(runner: FlaskCliRunner) -> None:
    result = runner.invoke(args=["demo", "--seed-only", "--reports", "20"])
    assert result.exit_code == 0, result.output
    listed = [line for line in result.output.splitlines() if "@demo.example.org" in line]
    made = db.session.scalar(sa.select(sa.func.count()).select_from(User))
    assert len(listed) == made
    assert f"Demo: {made} accounts created" in result.output
    assert "not required in the demo" in result.output
