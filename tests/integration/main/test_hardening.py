"""Hardening points not covered elsewhere: CSRF on every form, rate-limit counters that hold no
address, and one 404 for objects a role may not see."""

from __future__ import annotations

import datetime as dt

import pytest
from flask import Flask
from flask.testing import FlaskClient
from werkzeug.routing import Rule

from learnhub.auth.services import create_api_token
from learnhub.core.anonymity import AnonymousRateLimiter, MemoryWindows
from learnhub.core.extensions import db
from learnhub.core.permissions import Role
from learnhub.core.shared_store import open_store
from learnhub.themes.models import Theme, ThemeKind, ThemeStatus
from tests.factories import login, make_user
from tests.integration.test_route_permissions import (
    EXPECTED_ACCESS,
    PUBLIC,
    RULES,
    is_api,
    url_for_rule,
)

# RFC 8058 one-click unsubscribe: a mail client POSTs it with no session or token, and the
# signed address in its URL is what authorises it. The one form deliberately without CSRF.
CSRF_EXEMPT_BY_DESIGN = {"bulletins.unsubscribe"}
FORM_POSTS = [
    rule
    for rule in RULES
    if "POST" in (rule.methods or ())
    and not is_api(rule)
    and rule.endpoint not in CSRF_EXEMPT_BY_DESIGN
]


@pytest.mark.parametrize("rule", FORM_POSTS, ids=lambda rule: rule.endpoint)
def test_every_form_refuses_a_post_without_its_csrf_token(client: FlaskClient, rule: Rule) -> None:
    expected = EXPECTED_ACCESS[rule.endpoint]
    if expected != PUBLIC:
        login(client, make_user(sorted(expected)[0]))
    response = client.post(url_for_rule(rule), data={"anything": "x"})
    assert response.status_code == 400, (rule.endpoint, response.status_code)


def test_only_the_one_click_unsubscribe_is_exempt_from_csrf(app: Flask) -> None:
    csrf = app.extensions["csrf"]
    exempt_views = {
        endpoint
        for endpoint, view in app.view_functions.items()
        if f"{view.__module__}.{view.__name__}" in csrf._exempt_views
    }
    assert exempt_views == CSRF_EXEMPT_BY_DESIGN


def test_there_are_forms_to_check() -> None:
    assert {"auth.login", "auth.logout", "reports.submit", "review.ask"} <= {
        rule.endpoint for rule in FORM_POSTS
    }


def test_rate_limit_counters_hold_no_address_and_change_key_daily() -> None:
    store = open_store("memory://")
    limiter = AnonymousRateLimiter(store)
    address = "198.51.100.77"
    day = dt.date(2026, 11, 25)
    assert limiter.allow("5/hour", "report", address, day)
    assert isinstance(store.windows, MemoryWindows)
    stored = repr(store.windows.keys())
    assert address not in stored
    assert "198.51.100" not in stored
    today_key = limiter.client_key(address, day)
    assert limiter.client_key(address, day) == today_key
    assert limiter.client_key(address, day + dt.timedelta(days=1)) != today_key


def test_a_theme_a_role_may_not_see_gets_the_same_404_as_none(
    app: Flask, client: FlaskClient
) -> None:
    merged = Theme(
        signature="codes:merged-away",
        kind=ThemeKind.FACTOR_COMBINATION,
        status=ThemeStatus.MERGED,
        title="Merged into another",
        defining_codes=["EXT-1"],
        member_count=9,
        monthly_counts={},
        statistics={},
    )
    db.session.add(merged)
    db.session.commit()
    _, token = create_api_token(db.session, make_user(Role.LEADER))
    db.session.commit()
    headers = {"Authorization": f"Bearer {token}"}
    hidden = client.get(f"/api/v1/themes/{merged.id}", headers=headers)
    missing = client.get("/api/v1/themes/999999", headers=headers)
    assert hidden.status_code == missing.status_code == 404
    assert hidden.get_json() == missing.get_json()


def test_an_unknown_report_reference_is_a_plain_404(client: FlaskClient) -> None:
    login(client, make_user(Role.REVIEWER))
    assert client.get("/review/reports/LR-00000-00000").status_code == 404
