"""Small factories for test data, built through the same services the app uses."""

from __future__ import annotations

import datetime as dt
import itertools
import re

from flask.testing import FlaskClient
from werkzeug.test import TestResponse

from learnhub.auth import services as accounts
from learnhub.auth.models import User
from learnhub.core.extensions import db
from learnhub.core.permissions import Role
from learnhub.reports.models import Report, ReportSource
from learnhub.reports.services import ReportSubmission, file_report
from learnhub.themes.models import Theme, ThemeKind, ThemeStatus

PASSWORD = "correct horse battery staple"
_sequence = itertools.count(1)
_CSRF = re.compile(r'name="csrf_token" (?:type="hidden" )?value="([^"]+)"')


def make_user(role: Role = Role.REVIEWER, email: str | None = None, **kwargs: object) -> User:
    email = email or f"{role.value}{next(_sequence)}@example.org"
    user = accounts.create_user(db.session, email, role, PASSWORD, **kwargs)  # type: ignore[arg-type]
    db.session.commit()
    return user


def make_report(
    narrative: str = "A handover note was not passed on before a home visit.",
    *,
    event_month: dt.date = dt.date(2026, 9, 1),
    received_on: dt.date = dt.date(2026, 10, 2),
    event_type: str = "near_miss",
    service_area: str | None = None,
    receipt_key: str = "testing-receipt-key",
) -> tuple[Report, str]:
    filed = file_report(
        db.session,
        ReportSubmission(
            narrative=narrative,
            event_type=event_type,
            event_month=event_month,
            service_area=service_area,
        ),
        today=received_on,
        source=ReportSource.WEB,
        receipt_key=receipt_key,
    )
    db.session.commit()
    return filed.report, filed.receipt


def make_theme(
    status: ThemeStatus = ThemeStatus.ACCEPTED,
    signature: str = "codes:EXT-1:factory",
    members: int = 3,
) -> Theme:
    theme = Theme(
        signature=signature,
        kind=ThemeKind.FACTOR_COMBINATION,
        status=status,
        title="Recurring factors: EXT-1",
        defining_codes=["EXT-1"],
        member_count=members,
        monthly_counts={"2026-09": members},
        statistics={},
    )
    db.session.add(theme)
    db.session.commit()
    return theme


def csrf_token(response: TestResponse) -> str:
    match = _CSRF.search(response.get_data(as_text=True))
    assert match, "page has no CSRF token"
    return match.group(1)


def login(client: FlaskClient, user: User | str, password: str = PASSWORD) -> TestResponse:
    email = user if isinstance(user, str) else user.email
    page = client.get("/login")
    return client.post(
        "/login",
        data={"email": email, "password": password, "csrf_token": csrf_token(page)},
    )


def logout(client: FlaskClient) -> TestResponse:
    page = client.get("/account")
    return client.post("/logout", data={"csrf_token": csrf_token(page)})


class ManualClock:
    """A monotonic clock that moves only when a test moves it."""

    def __init__(self, now: float = 1000.0) -> None:
        self.now = now

    def __call__(self) -> float:
        return self.now
