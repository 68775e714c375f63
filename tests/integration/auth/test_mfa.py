"""The second factor: enrolment forced for the roles that need it, sign-in with a code from the
app or a one-time recovery code, replays refused, reset by an administrator; all audited."""

from __future__ import annotations

import re

import pytest
import sqlalchemy as sa
from flask import Flask
from flask.testing import FlaskClient

from config import as_name_list
from learnhub import create_app
from learnhub.auth import mfa
from learnhub.auth.models import RecoveryCode, User
from learnhub.core.extensions import db
from learnhub.core.permissions import Role
from tests.factories import csrf_token, login, make_user
from tests.integration.auth.helpers import audited, code_in, enrolled, mfa_required_for, post_form


def enter_code(client: FlaskClient, code: str):  # type: ignore[no-untyped-def]
    return post_form(client, "/login/code", code=code)


def test_a_role_that_needs_mfa_sets_it_up_before_anything_else(
    app: Flask, client: FlaskClient
) -> None:
    user = make_user(Role.REVIEWER)
    with mfa_required_for(app, "reviewer", "admin"):
        assert login(client, user).status_code == 302
        assert client.get("/review/").headers["Location"] == "/account/mfa"
        assert client.get("/account").headers["Location"] == "/account/mfa"
        setup = client.get("/account/mfa").get_data(as_text=True)
        assert "Set up your authenticator app" in setup
        with client.session_transaction() as session:
            secret = session["mfa_new_secret"]
        assert "otpauth://totp/" in setup
        assert mfa.grouped(secret) in setup  # the key to type in, in groups of four

        wrong = post_form(client, "/account/mfa", code="000000")
        assert "Enter the 6-digit code your authenticator app shows now" in wrong.get_data(
            as_text=True
        )
        done = post_form(client, "/account/mfa", code=code_in(secret))
        page = done.get_data(as_text=True)
        assert done.status_code == 200
        assert "they will not be shown again" in page
        stored = db.session.scalars(sa.select(RecoveryCode).where(RecoveryCode.user_id == user.id))
        hashes = {row.code_hash for row in stored}
        shown = re.findall(r'<li><code class="app-code[^"]*">([a-z0-9-]+)</code></li>', page)
        assert len(shown) == len(hashes) == mfa.RECOVERY_CODE_COUNT
        assert all(code not in hashes for code in shown)  # stored hashed only
        assert {mfa.recovery_digest(code) for code in shown} == hashes
        assert client.get("/review/").status_code == 200
        assert audited("enrol", "mfa", user)


def test_signing_in_asks_for_the_code_and_refuses_a_replay(app: Flask, client: FlaskClient) -> None:
    user = make_user(Role.REVIEWER)
    secret, _ = enrolled(user)
    with mfa_required_for(app, "reviewer"):
        response = login(client, user)
        assert response.headers["Location"] == "/login/code"
        assert client.get("/review/").headers["Location"] == "/login"  # not signed in yet
        wrong = enter_code(client, "123456")
        assert "Enter a correct code from your authenticator app" in wrong.get_data(as_text=True)
        code = code_in(secret)
        assert enter_code(client, code).status_code == 302
        assert client.get("/review/").status_code == 200
        assert audited("fail", "mfa", user)
        [event] = [e for e in audited("login", "user", user) if e.details]
        assert event.details == {"with": "totp"}

        # The same code again, from another browser that knows the password: refused.
        other = app.test_client()
        login(other, user)
        assert "Enter a correct code" in enter_code(other, code).get_data(as_text=True)
        assert enter_code(other, code_in(secret, 1)).status_code == 302


def test_mfa_applies_to_an_enrolled_account_even_when_its_role_does_not_need_it(
    client: FlaskClient,
) -> None:
    user = make_user(Role.EDITOR)
    enrolled(user)
    assert login(client, user).headers["Location"] == "/login/code"


def test_a_recovery_code_works_once(app: Flask, client: FlaskClient) -> None:
    user = make_user(Role.REVIEWER)
    _, codes = enrolled(user)
    login(client, user)
    response = enter_code(client, codes[0].upper())  # typed in capitals: still the code
    assert response.status_code == 302
    assert f"{mfa.RECOVERY_CODE_COUNT - 1} left" in client.get(
        "/staff", follow_redirects=True
    ).get_data(as_text=True)
    assert audited("use", "recovery_code", user)
    again = app.test_client()
    login(again, user)
    assert "Enter a correct code" in enter_code(again, codes[0]).get_data(as_text=True)
    assert enter_code(again, codes[1]).status_code == 302


def test_the_code_step_is_throttled_like_the_password(app: Flask, client: FlaskClient) -> None:
    user = make_user(Role.REVIEWER)
    secret, _ = enrolled(user)
    login(client, user)
    for _ in range(app.config["LOGIN_MAX_FAILURES"] + 2):
        page = enter_code(client, "000000").get_data(as_text=True)
    assert "Too many failed attempts" in page
    # While the wait runs even the right code is not checked.
    assert "Too many failed attempts" in enter_code(client, code_in(secret)).get_data(as_text=True)


def test_the_code_page_without_a_password_first(client: FlaskClient) -> None:
    page = client.get("/login/code").get_data(as_text=True)
    assert "Sign in first" in page


def test_an_admin_resets_mfa_and_the_user_sets_it_up_again(app: Flask, client: FlaskClient) -> None:
    user = make_user(Role.REVIEWER)
    secret, _ = enrolled(user)
    signed_in = app.test_client()
    login(signed_in, user)
    enter_code(signed_in, code_in(secret))
    assert signed_in.get("/review/").status_code == 200
    admin = make_user(Role.ADMIN)
    login(client, admin)
    page = client.get(f"/admin/users/{user.id}")
    assert "Reset authenticator" in page.get_data(as_text=True)
    response = client.post(
        f"/admin/users/{user.id}/mfa/reset", data={"csrf_token": csrf_token(page)}
    )
    assert response.status_code == 302
    assert signed_in.get("/review/").headers["Location"] == "/login"  # signed out at once
    fresh = db.session.get(User, user.id)
    assert not fresh.has_mfa
    [event] = audited("reset", "mfa", user)
    assert event.actor_id == admin.id
    with mfa_required_for(app, "reviewer"):
        browser = app.test_client()
        assert login(browser, user).headers["Location"] == "/staff"  # no code asked: none set
        assert browser.get("/review/").headers["Location"] == "/account/mfa"


def test_new_recovery_codes_replace_the_old(client: FlaskClient) -> None:
    user = make_user(Role.REVIEWER)
    secret, old = enrolled(user)
    login(client, user)
    enter_code(client, old[0])
    page = client.get("/account/mfa").get_data(as_text=True)
    assert f"You have {mfa.RECOVERY_CODE_COUNT - 1} recovery codes left" in page
    made = post_form(client, "/account/mfa", code=code_in(secret, 1))
    assert "Your new recovery codes" in made.get_data(as_text=True)
    assert mfa.recovery_codes_left(db.session, user) == mfa.RECOVERY_CODE_COUNT
    assert mfa.verify(db.session, user, old[1]) is None
    assert audited("renew", "recovery_code", user)


def test_mfa_roles_are_configured_and_checked_at_start(database_url: str) -> None:
    from config import ProductionConfig

    assert set(ProductionConfig.MFA_REQUIRED_ROLES) == {"reviewer", "admin"}
    assert as_name_list(" Reviewer, admin ,") == ("reviewer", "admin")
    assert as_name_list("") == ()
    with pytest.raises(ValueError, match="LEARNHUB_MFA_REQUIRED_ROLES names no such role: owner"):
        create_app(
            {"ENV": "testing", "DATABASE_URL": "sqlite://", "MFA_REQUIRED_ROLES": ("owner",)}
        )
