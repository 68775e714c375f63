"""Administrators see which accounts have failed sign-ins counted and clear them, on the record."""

from __future__ import annotations

import sqlalchemy as sa
from flask import Flask

from learnhub.audit.models import AuditEvent
from learnhub.core.extensions import db
from learnhub.core.permissions import Role
from tests.factories import ManualClock, csrf_token, login, make_user
from tests.sign_in import ATTACKER, OFFICE, attempt, browser


def audit_events(action: str) -> list[tuple[str, str | None, dict]]:
    rows = db.session.scalars(
        sa.select(AuditEvent).where(AuditEvent.object_type == "sign_in_delay")
    ).all()
    return [(e.action, e.object_id, e.details) for e in rows if e.action == action]


def test_an_admin_sees_a_delayed_account_and_clears_it(
    app: Flask, sign_in_clock: ManualClock
) -> None:
    user, calm = make_user(Role.REVIEWER), make_user(Role.EDITOR)
    attacker = browser(app, ATTACKER)
    for _ in range(app.config["LOGIN_MAX_FAILURES"] + 3):
        attempt(attacker, user, "wrong password!")
        sign_in_clock.now += 60
    attempt(attacker, user, "wrong password!")
    attempt(attacker, "made.up@example.org", "wrong password!")

    admin_browser = browser(app, "192.0.2.1")
    login(admin_browser, make_user(Role.ADMIN))
    page = admin_browser.get("/admin/sign-in-delays")
    text = page.get_data(as_text=True)
    assert page.status_code == 200
    assert user.email in text
    assert "waits 16 s" in text
    assert calm.email not in text
    assert "made.up@example.org" not in text  # no account: nothing to show, nothing stored
    assert audit_events("list")[-1][2] == {"count": 1}

    response = admin_browser.post(
        f"/admin/sign-in-delays/{user.id}/clear", data={"csrf_token": csrf_token(page)}
    )
    assert response.status_code == 302
    after = admin_browser.get("/admin/sign-in-delays").get_data(as_text=True)
    assert f"Failed sign-ins cleared for {user.email}" in after
    assert "No account has failed sign-ins counted" in after
    assert audit_events("clear") == [("clear", str(user.id), {"records": 1})]
    # Cleared: in at once from a new browser, and its next failures are free again.
    assert attempt(browser(app, OFFICE), user) == "in"


def test_an_admin_clears_the_waits_of_every_address(app: Flask, sign_in_clock: ManualClock) -> None:
    flood = browser(app, OFFICE)
    for n in range(app.config["LOGIN_CLIENT_MAX_FAILURES"] + 1):
        attempt(flood, f"made.up.{n}@example.org", "guess guess")
    newcomer = make_user()
    assert attempt(browser(app, OFFICE), newcomer) == 2

    admin_browser = browser(app, "192.0.2.1")
    login(admin_browser, make_user(Role.ADMIN))
    page = admin_browser.get("/admin/sign-in-delays")
    assert "1 address is waiting now" in page.get_data(as_text=True)
    assert OFFICE not in page.get_data(as_text=True)
    admin_browser.post("/admin/sign-in-delays/clients/clear", data={"csrf_token": csrf_token(page)})
    assert "0 addresses are waiting now" in admin_browser.get("/admin/sign-in-delays").get_data(
        as_text=True
    )
    assert audit_events("clear") == [("clear", "clients", {"records": 1})]
    assert attempt(browser(app, OFFICE), newcomer) == "in"


def test_clearing_an_account_that_does_not_exist_is_a_404(app: Flask) -> None:
    admin_browser = browser(app, "192.0.2.1")
    login(admin_browser, make_user(Role.ADMIN))
    page = admin_browser.get("/admin/sign-in-delays")
    response = admin_browser.post(
        "/admin/sign-in-delays/999999/clear", data={"csrf_token": csrf_token(page)}
    )
    assert response.status_code == 404
