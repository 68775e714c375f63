"""Changing one's own password, and the change forced after a password an administrator set."""

from __future__ import annotations

from flask import Flask
from flask.testing import FlaskClient

from learnhub.auth import services
from learnhub.auth.models import User
from learnhub.core.extensions import db
from learnhub.core.permissions import Role
from tests.factories import PASSWORD, login, make_user
from tests.integration.auth.helpers import audited, post_form

NEW = "a brand new passphrase for me"


def change(client: FlaskClient, current: str, new: str, confirmation: str | None = None):  # type: ignore[no-untyped-def]
    return post_form(
        client,
        "/account/password",
        current_password=current,
        new_password=new,
        confirmation=new if confirmation is None else confirmation,
    )


def test_a_changed_password_signs_in_and_the_old_one_does_not(
    app: Flask, client: FlaskClient
) -> None:
    user = make_user(Role.EDITOR)
    elsewhere = app.test_client()
    login(elsewhere, user)
    login(client, user)
    response = change(client, PASSWORD, NEW)
    assert response.status_code == 302
    assert client.get("/account").status_code == 200  # this browser stays signed in
    assert elsewhere.get("/account").headers["Location"] == "/login"  # others are signed out
    assert login(app.test_client(), user, PASSWORD).status_code == 200
    assert login(app.test_client(), user, NEW).status_code == 302
    [event] = audited("change", "password", user)
    assert event.details == {"forced": False}


def test_each_mistake_is_named_on_its_field_and_nothing_changes(client: FlaskClient) -> None:
    user = make_user(Role.EDITOR)
    login(client, user)
    cases = [
        (("wrong password here", NEW, NEW), "Enter your current password correctly"),
        ((PASSWORD, "short", "short"), "Password must be 12 characters or more"),
        ((PASSWORD, NEW, NEW + "x"), "Enter the same password twice"),
        ((PASSWORD, PASSWORD, PASSWORD), "Choose a password different from the one you have now"),
        (("", "", ""), "Enter your current password"),
    ]
    for (current, new, confirmation), message in cases:
        response = change(client, current, new, confirmation)
        assert response.status_code == 200
        assert message in response.get_data(as_text=True)
    assert services.password_matches(db.session.get(User, user.id).password_hash, PASSWORD)


def admin_adds(client: FlaskClient, email: str, role: str = "leader") -> None:
    response = post_form(
        client,
        "/admin/users",
        display_name="New Person",
        email=email,
        role=role,
        password="set by the administrator",
    )
    assert response.status_code == 302


def test_a_password_an_admin_set_must_be_changed_before_anything_else(
    app: Flask, client: FlaskClient
) -> None:
    login(client, make_user(Role.ADMIN))
    admin_adds(client, "new.leader@example.org")
    browser = app.test_client()
    assert login(browser, "new.leader@example.org", "set by the administrator").status_code == 302
    for url in ("/staff", "/dashboard/", "/account", "/api/v1/docs"):
        response = browser.get(url)
        if url == "/api/v1/docs":  # public pages stay public
            assert response.status_code == 200
        else:
            assert response.headers["Location"] == "/account/password", url
    page = browser.get("/account/password").get_data(as_text=True)
    assert "An administrator set your password" in page
    assert change(browser, "set by the administrator", NEW).status_code == 302
    assert browser.get("/dashboard/").status_code == 200
    user = services.find_user_by_email(db.session, "new.leader@example.org")
    assert not user.must_change_password
    [event] = audited("change", "password", user)
    assert event.details == {"forced": True}


def test_the_users_page_hint_is_now_true(client: FlaskClient) -> None:
    login(client, make_user(Role.ADMIN))
    page = client.get("/admin/users").get_data(as_text=True)
    assert "must choose their own password when they first sign in" in page
    admin_adds(client, "hinted@example.org")
    assert services.find_user_by_email(db.session, "hinted@example.org").must_change_password
