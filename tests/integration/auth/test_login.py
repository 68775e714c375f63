"""Signing in and out: argon2 hashes, neutral errors, fresh sessions, safe redirects (throttling:
test_sign_in_throttling.py)."""

import pytest
import sqlalchemy as sa
from flask import Flask
from flask.testing import FlaskClient

from learnhub.audit.models import AuditEvent
from learnhub.auth.models import User
from learnhub.core.extensions import db
from learnhub.core.permissions import Role
from tests.factories import PASSWORD, csrf_token, login, logout, make_user


def test_passwords_are_stored_as_argon2_hashes(app: Flask) -> None:
    user = make_user()
    assert user.password_hash.startswith("$argon2id$")
    assert PASSWORD not in user.password_hash


def test_a_reviewer_signs_in_and_lands_on_the_triage_queue(client: FlaskClient) -> None:
    user = make_user(Role.REVIEWER)
    response = login(client, user)
    assert response.status_code == 302
    assert response.headers["Location"] == "/staff"
    page = client.get("/staff", follow_redirects=True)
    assert "Triage queue" in page.get_data(as_text=True)
    assert f"Signed in as {user.email}" in page.get_data(as_text=True)


def test_sign_in_is_recorded_in_the_audit_trail(client: FlaskClient) -> None:
    user = make_user(Role.LEADER)
    login(client, user)
    actions = db.session.scalars(
        sa.select(AuditEvent.action).where(AuditEvent.actor_id == user.id)
    ).all()
    assert actions == ["login"]


def test_a_wrong_password_gets_one_neutral_message_and_keeps_the_email(
    client: FlaskClient,
) -> None:
    user = make_user()
    response = login(client, user, password="not the password at all")
    body = response.get_data(as_text=True)
    assert response.status_code == 200
    assert "Enter a correct email address and password" in body
    assert f'value="{user.email}"' in body
    unknown = login(client, "nobody@example.org", password="whatever it is")
    assert "Enter a correct email address and password" in unknown.get_data(as_text=True)


def test_empty_fields_get_a_message_each(client: FlaskClient) -> None:
    page = client.get("/login")
    response = client.post("/login", data={"csrf_token": csrf_token(page)})
    body = response.get_data(as_text=True)
    assert "Enter your email address" in body
    assert "Enter your password" in body
    assert 'href="#email"' in body  # the error summary links to the field


def test_a_disabled_account_cannot_sign_in(client: FlaskClient) -> None:
    user = make_user()
    user.is_enabled = False
    db.session.commit()
    response = login(client, user)
    assert "Enter a correct email address and password" in response.get_data(as_text=True)


def test_signing_in_starts_a_fresh_session(client: FlaskClient) -> None:
    user = make_user()
    with client.session_transaction() as session:
        session["planted"] = "by someone else"
    login(client, user)
    with client.session_transaction() as session:
        assert "planted" not in session


def test_after_sign_in_you_return_to_the_page_you_asked_for(client: FlaskClient) -> None:
    user = make_user(Role.ADMIN)
    assert client.get("/admin/service-areas").headers["Location"] == "/login"
    response = login(client, user)
    assert response.headers["Location"] == "/admin/service-areas"


@pytest.mark.parametrize("target", ["https://evil.example/", "//evil.example/x", "javascript:x"])
def test_sign_in_never_redirects_off_site(client: FlaskClient, target: str) -> None:
    user = make_user()
    client.get("/login", query_string={"next": target})
    with client.session_transaction() as session:
        session["after_login"] = target
    response = login(client, user)
    assert response.headers["Location"] == "/staff"


def test_sign_out_needs_a_post_and_ends_the_session(client: FlaskClient) -> None:
    user = make_user()
    login(client, user)
    assert client.get("/logout").status_code == 405
    response = logout(client)
    assert response.status_code == 302
    assert client.get("/review/").headers["Location"] == "/login"


def test_sign_out_without_the_csrf_token_is_refused(client: FlaskClient) -> None:
    login(client, make_user())
    assert client.post("/logout").status_code == 400
    assert client.get("/review/").status_code == 200


def test_changing_the_session_token_signs_out_other_browsers(client: FlaskClient) -> None:
    from learnhub.auth.services import rotate_session_token

    user = make_user()
    login(client, user)
    rotate_session_token(db.session.get(User, user.id))
    db.session.commit()
    assert client.get("/review/").headers["Location"] == "/login"
