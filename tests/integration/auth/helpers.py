"""Helpers for the account tests: posting a page's form, MFA switched on, authenticator codes."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from contextlib import contextmanager

import sqlalchemy as sa
from flask import Flask
from flask.testing import FlaskClient
from werkzeug.test import TestResponse

from learnhub.audit.models import AuditEvent
from learnhub.auth import mfa
from learnhub.auth.models import User
from learnhub.core.extensions import db
from learnhub.core.time import utcnow
from tests.factories import csrf_token


def post_form(
    client: FlaskClient, page_url: str, action: str | None = None, **data: str
) -> TestResponse:
    page = client.get(page_url)
    return client.post(action or page_url, data={**data, "csrf_token": csrf_token(page)})


@contextmanager
def mfa_required_for(app: Flask, *roles: str) -> Iterator[None]:
    saved = app.config["MFA_REQUIRED_ROLES"]
    app.config["MFA_REQUIRED_ROLES"] = tuple(roles)
    try:
        yield
    finally:
        app.config["MFA_REQUIRED_ROLES"] = saved


def code_in(secret: str, steps: int = 0) -> str:
    """The app's code ``steps`` 30-second steps from now (within the drift allowed: -1..1)."""
    return mfa.code_for(secret, utcnow() + dt.timedelta(seconds=30 * steps))


def enrolled(user: User) -> tuple[str, list[str]]:
    """Set up an authenticator for ``user`` with a code one step back (so the current and the
    next step are still unused); return its secret and recovery codes."""
    secret = mfa.new_secret()
    codes = mfa.enrol(db.session, user, secret, code_in(secret, -1), utcnow())
    db.session.commit()
    return secret, codes


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
