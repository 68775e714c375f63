"""Administrators add staff accounts from the users page."""

import sqlalchemy as sa
from flask.testing import FlaskClient
from werkzeug.test import TestResponse

from learnhub.audit.models import AuditEvent
from learnhub.auth import services
from learnhub.auth.models import User
from learnhub.core.extensions import db
from learnhub.core.permissions import Role
from tests.factories import csrf_token, login, make_user


def add_account(client: FlaskClient, **fields: str) -> TestResponse:
    page = client.get("/admin/users")
    data = {"display_name": "", "email": "", "role": "", "password": "", **fields}
    return client.post("/admin/users", data={**data, "csrf_token": csrf_token(page)})


def test_an_admin_adds_an_account_that_can_sign_in(client: FlaskClient) -> None:
    admin = make_user(Role.ADMIN)
    login(client, admin)
    response = add_account(
        client,
        display_name="Sam Panel",
        email="sam.panel@example.org",
        role="reviewer",
        password="temporary password 1",
    )
    assert response.status_code == 302
    assert "Account created for sam.panel@example.org" in client.get("/admin/users").get_data(
        as_text=True
    )
    user = services.find_user_by_email(db.session, "sam.panel@example.org")
    assert user is not None
    assert user.role is Role.REVIEWER
    event = db.session.scalars(sa.select(AuditEvent).where(AuditEvent.action == "create")).one()
    assert (event.actor_id, event.object_type, event.object_id) == (admin.id, "user", str(user.id))


def test_bad_input_gets_a_message_per_field_and_keeps_what_was_typed(client: FlaskClient) -> None:
    login(client, make_user(Role.ADMIN))
    response = add_account(client, display_name="Sam Panel", email="not-an-email", role="reviewer")
    body = response.get_data(as_text=True)
    assert response.status_code == 200
    assert "Enter a temporary password" in body
    assert 'value="Sam Panel"' in body
    assert 'value="not-an-email"' in body
    weak = add_account(
        client, display_name="Sam", email="sam@example.org", role="editor", password="short"
    )
    assert "12 characters or more" in weak.get_data(as_text=True)
    assert db.session.scalar(sa.select(sa.func.count()).select_from(User)) == 1


def test_an_unknown_role_is_refused(client: FlaskClient) -> None:
    login(client, make_user(Role.ADMIN))
    response = add_account(
        client, display_name="X", email="x@example.org", role="owner", password="p" * 14
    )
    assert "Not a valid choice" in response.get_data(as_text=True)
    assert services.find_user_by_email(db.session, "x@example.org") is None


def test_a_duplicate_email_is_refused_on_the_email_field(client: FlaskClient) -> None:
    login(client, make_user(Role.ADMIN))
    make_user(Role.LEADER, email="lead@example.org")
    response = add_account(
        client, display_name="Lee", email="Lead@Example.org", role="leader", password="p" * 14
    )
    body = response.get_data(as_text=True)
    assert "An account with this email address already exists" in body
    assert 'href="#email"' in body
