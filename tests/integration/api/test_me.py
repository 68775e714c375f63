"""API tokens: stored as a hash, shown once, and answering GET /api/v1/me."""

import datetime as dt

import pytest
import sqlalchemy as sa
from flask import Flask
from flask.testing import FlaskClient

from learnhub.auth import services
from learnhub.auth.models import ApiToken
from learnhub.core.extensions import db
from learnhub.core.permissions import Role
from tests.factories import make_user


def bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


@pytest.mark.parametrize("role", list(Role))
def test_me_answers_the_tokens_user_and_role(client: FlaskClient, role: Role) -> None:
    user = make_user(role)
    _, plaintext = services.create_api_token(db.session, user, "integration")
    db.session.commit()
    response = client.get("/api/v1/me", headers=bearer(plaintext))
    assert response.status_code == 200
    body = response.get_json()
    assert body["email"] == user.email
    assert body["role"] == role.value
    assert body["id"] == user.id
    assert "public" in body["permissions"]


@pytest.mark.parametrize(
    "headers",
    [
        {},
        {"Authorization": "Bearer lh_not-a-real-token"},
        {"Authorization": "Bearer "},
        {"Authorization": "Basic dXNlcjpwYXNz"},
        {"Authorization": "Bearer " + "x" * 5000},
    ],
)
def test_no_or_a_bad_token_is_a_401_problem(client: FlaskClient, headers: dict[str, str]) -> None:
    response = client.get("/api/v1/me", headers=headers)
    assert response.status_code == 401
    assert response.mimetype == "application/problem+json"
    assert response.get_json()["status"] == 401
    assert response.headers["WWW-Authenticate"].startswith("Bearer")


def test_a_token_is_stored_only_as_a_hash(app: Flask) -> None:
    token, plaintext = services.create_api_token(db.session, make_user(), "export")
    db.session.commit()
    stored = db.session.execute(sa.select(ApiToken.__table__)).mappings().all()
    assert plaintext not in repr(stored)
    assert token.token_hash == services.token_digest(plaintext)


def test_a_revoked_or_expired_token_stops_working(client: FlaskClient) -> None:
    user = make_user()
    token, plaintext = services.create_api_token(db.session, user)
    db.session.commit()
    assert client.get("/api/v1/me", headers=bearer(plaintext)).status_code == 200
    db.session.get(ApiToken, token.id).expires_at = dt.datetime(2020, 1, 1, tzinfo=dt.UTC)
    db.session.commit()
    assert client.get("/api/v1/me", headers=bearer(plaintext)).status_code == 401
    stored = db.session.get(ApiToken, token.id)
    stored.expires_at = None
    stored.revoked_at = dt.datetime(2026, 1, 1, tzinfo=dt.UTC)
    db.session.commit()
    assert client.get("/api/v1/me", headers=bearer(plaintext)).status_code == 401


def test_a_disabled_users_token_stops_working(client: FlaskClient) -> None:
    user = make_user()
    _, plaintext = services.create_api_token(db.session, user)
    user.is_enabled = False
    db.session.commit()
    assert client.get("/api/v1/me", headers=bearer(plaintext)).status_code == 401


def test_a_session_cookie_does_not_authenticate_the_api(client: FlaskClient) -> None:
    from tests.factories import login

    login(client, make_user())
    assert client.get("/api/v1/me").status_code == 401


def test_unknown_api_paths_answer_problem_json(client: FlaskClient) -> None:
    response = client.get("/api/v1/nothing-here")
    assert response.status_code == 404
    assert response.mimetype == "application/problem+json"
