"""An administrator's page for one staff account: role, disable and enable (the account's open
sessions and API tokens stop at once), temporary password, and clearing failed sign-ins."""

from __future__ import annotations

import pytest
from flask import Flask
from flask.testing import FlaskClient
from werkzeug.test import TestResponse

from learnhub.auth import services
from learnhub.auth.models import User
from learnhub.core.extensions import db
from learnhub.core.permissions import Role
from tests.factories import PASSWORD, csrf_token, login, make_user
from tests.integration.auth.helpers import audited


def act(client: FlaskClient, user: User, action: str, **data: str) -> TestResponse:
    page = client.get(f"/admin/users/{user.id}")
    return client.post(
        f"/admin/users/{user.id}/{action}", data={**data, "csrf_token": csrf_token(page)}
    )


def signed_in_admin(client: FlaskClient) -> User:
    admin = make_user(Role.ADMIN)
    login(client, admin)
    return admin


def test_disabling_ends_open_sessions_and_api_tokens_at_once(
    app: Flask, client: FlaskClient
) -> None:
    user = make_user(Role.REVIEWER)
    browser = app.test_client()
    login(browser, user)
    assert browser.get("/review/").status_code == 200
    _, token = services.create_api_token(db.session, user)
    db.session.commit()
    bearer = {"Authorization": f"Bearer {token}"}
    assert app.test_client().get("/api/v1/me", headers=bearer).status_code == 200

    admin = signed_in_admin(client)
    response = act(client, user, "disable")
    assert response.headers["Location"] == f"/admin/users/{user.id}"
    assert "is disabled and signed out everywhere" in client.get(
        response.headers["Location"]
    ).get_data(as_text=True)
    # The very next request of the open session is refused, as is the token.
    assert browser.get("/review/").headers["Location"] == "/login"
    refused = app.test_client().get("/api/v1/me", headers=bearer)
    assert refused.status_code == 401
    assert refused.mimetype == "application/problem+json"
    assert login(app.test_client(), user).status_code == 200
    [event] = audited("disable", "user", user)
    assert event.actor_id == admin.id

    act(client, user, "enable")
    assert login(app.test_client(), user).status_code == 302
    assert app.test_client().get("/api/v1/me", headers=bearer).status_code == 200
    assert audited("enable", "user", user)


def test_an_admin_cannot_disable_or_demote_themselves(client: FlaskClient) -> None:
    admin = signed_in_admin(client)
    make_user(Role.ADMIN)  # not the last administrator either
    disabled = act(client, admin, "disable")
    assert disabled.status_code == 400
    assert "You cannot disable your own account" in disabled.get_data(as_text=True)
    demoted = act(client, admin, "role", role="leader")
    assert demoted.status_code == 400
    assert "You cannot change your own role" in demoted.get_data(as_text=True)
    fresh = db.session.get(User, admin.id)
    assert fresh.is_enabled
    assert fresh.role is Role.ADMIN


def test_the_last_administrator_stays_one(client: FlaskClient) -> None:
    admin = signed_in_admin(client)
    other = make_user(Role.ADMIN)
    assert act(client, other, "disable").status_code == 302  # another remains: allowed
    last = db.session.get(User, admin.id)
    with pytest.raises(services.AccountError, match="last administrator"):
        services.set_enabled(db.session, None, last, False)
    with pytest.raises(services.AccountError, match="last administrator"):
        services.set_role(db.session, None, last, Role.LEADER)
    assert last.is_enabled
    assert last.role is Role.ADMIN


def test_changing_a_role_takes_effect_on_the_next_request(app: Flask, client: FlaskClient) -> None:
    user = make_user(Role.EDITOR)
    browser = app.test_client()
    login(browser, user)
    assert browser.get("/dashboard/").status_code == 403
    signed_in_admin(client)
    assert act(client, user, "role", role="leader").status_code == 302
    assert browser.get("/dashboard/").status_code == 200
    [event] = audited("change", "user_role", user)
    assert (event.details["from"], event.details["to"]) == ("editor", "leader")
    bad = act(client, user, "role", role="owner")
    assert bad.status_code == 400
    assert "Not a valid choice" in bad.get_data(as_text=True)


def test_a_temporary_password_signs_them_out_and_must_be_changed(
    app: Flask, client: FlaskClient
) -> None:
    user = make_user(Role.LEADER)
    browser = app.test_client()
    login(browser, user)
    signed_in_admin(client)
    short = act(client, user, "password", password="short")
    assert short.status_code == 400
    assert "12 characters or more" in short.get_data(as_text=True)
    assert act(client, user, "password", password="temporary for today").status_code == 302
    assert browser.get("/account").headers["Location"] == "/login"
    assert login(browser, user, PASSWORD).status_code == 200
    assert login(browser, user, "temporary for today").status_code == 302
    assert browser.get("/staff").headers["Location"] == "/account/password"
    assert audited("reset", "password", user)


def test_failed_sign_ins_are_shown_and_cleared_from_the_account_page(
    app: Flask, client: FlaskClient
) -> None:
    user = make_user(Role.LEADER)
    for _ in range(app.config["LOGIN_MAX_FAILURES"] + 2):
        login(app.test_client(), user, "not the password")
    signed_in_admin(client)
    page = client.get(f"/admin/users/{user.id}")
    assert "Clear failed sign-ins" in page.get_data(as_text=True)
    response = client.post(
        f"/admin/sign-in-delays/{user.id}/clear",
        data={"csrf_token": csrf_token(page), "back": "user"},
    )
    assert response.headers["Location"] == f"/admin/users/{user.id}"
    assert "None counted" in client.get(f"/admin/users/{user.id}").get_data(as_text=True)
    assert login(app.test_client(), user).status_code == 302
    assert audited("clear", "sign_in_delay", user)


def test_an_unknown_account_is_a_404(client: FlaskClient) -> None:
    signed_in_admin(client)
    assert client.get("/admin/users/999999").status_code == 404


def test_the_list_links_to_each_account(client: FlaskClient) -> None:
    signed_in_admin(client)
    user = make_user(Role.EDITOR)
    assert f'href="/admin/users/{user.id}"' in client.get("/admin/users").get_data(as_text=True)
