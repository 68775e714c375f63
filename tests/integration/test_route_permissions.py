"""Every registered route, under every role and anonymously, obeys the permission matrix.

The expected access below is written out by hand, separately from the matrix in the code, so a
change to either one that is not made to the other fails here. A new route must be added here.
"""

from __future__ import annotations

import pytest
from flask import Flask
from flask.testing import FlaskClient
from werkzeug.routing import IntegerConverter, Rule

from learnhub import create_app
from learnhub.core.permissions import Role
from tests.factories import login, make_user

PUBLIC = "public"
ANY_STAFF = frozenset(Role)
R, E, L, A = Role.REVIEWER, Role.EDITOR, Role.LEADER, Role.ADMIN

EXPECTED_ACCESS: dict[str, str | frozenset[Role]] = {
    "static": PUBLIC,
    "main.start": PUBLIC,
    "main.accessibility": PUBLIC,
    "main.privacy": PUBLIC,
    "main.healthz": PUBLIC,
    "auth.login": PUBLIC,
    "auth.login_code": PUBLIC,
    "auth.request_password_reset": PUBLIC,
    "auth.reset_password": PUBLIC,
    "reports.new": PUBLIC,
    "reports.submit": PUBLIC,
    "reports.check": PUBLIC,
    "reports.confirmation": PUBLIC,
    "followup.enter": PUBLIC,
    "followup.thread": PUBLIC,
    "followup.leave": PUBLIC,
    "api.create_report": PUBLIC,
    "api.followup": PUBLIC,
    "api.add_followup_message": PUBLIC,
    "main.staff_home": ANY_STAFF,
    "auth.logout": ANY_STAFF,
    "auth.account": ANY_STAFF,
    "auth.change_password": ANY_STAFF,
    "auth.mfa_setup": ANY_STAFF,
    "review.queue": frozenset({R}),
    "review.export_queue": frozenset({R}),
    "review.report": frozenset({R}),
    "review.ask": frozenset({R}),
    "review.save_coding": frozenset({R}),
    "review.redact": frozenset({R}),
    "review.move": frozenset({R}),
    "review.close": frozenset({R}),
    "review.mark_replies_read": frozenset({R}),
    "admin.agreement": frozenset({A}),
    "admin.sign_in_delays": frozenset({A}),
    "admin.clear_sign_in_delay": frozenset({A}),
    "admin.clear_client_delays": frozenset({A}),
    "api.report_suggestions": frozenset({R}),
    "taxonomy.browse": PUBLIC,
    "taxonomy.code": PUBLIC,
    "api.taxonomy": PUBLIC,
    "api.taxonomy_versions": PUBLIC,
    "api.themes": frozenset({R, L}),
    "api.theme": frozenset({R, L}),
    "api.theme_reports": frozenset({R}),
    "taxonomy.versions": frozenset({A}),
    "taxonomy.version": frozenset({A}),
    "taxonomy.activate": frozenset({A}),
    "dashboard.overview": frozenset({R, L}),
    "dashboard.chart": frozenset({R, L}),
    "dashboard.tier": frozenset({R, L}),
    "dashboard.export_table": frozenset({R, L}),
    "api.dashboard_summary": frozenset({R, L}),
    "themes.candidates": frozenset({R}),
    "themes.accepted": frozenset({R}),
    "themes.theme": frozenset({R}),
    "themes.accept": frozenset({R}),
    "themes.merge": frozenset({R}),
    "themes.dismiss": frozenset({R}),
    "themes.learning_status": frozenset({R}),
    "themes.learning": frozenset({R, L}),
    "actions.index": frozenset({R}),
    "actions.overdue": frozenset({R}),
    "actions.new": frozenset({R}),
    "actions.action": frozenset({R}),
    "bulletins.manage": frozenset({E}),
    "bulletins.archive": PUBLIC,
    "bulletins.issue": PUBLIC,
    "bulletins.atom_feed": PUBLIC,
    "bulletins.subscribe": PUBLIC,
    "bulletins.confirm": PUBLIC,
    "bulletins.unsubscribe": PUBLIC,
    "bulletins.assemble": frozenset({E}),
    "bulletins.edit": frozenset({E}),
    "bulletins.save": frozenset({E}),
    "bulletins.stories": frozenset({E}),
    "bulletins.submit": frozenset({E}),
    "bulletins.return_to_draft": frozenset({E}),
    "bulletins.approve": frozenset({E}),
    "bulletins.publish": frozenset({E}),
    "bulletins.confirm_send": frozenset({E}),
    "bulletins.send": frozenset({E}),
    "bulletins.preview": frozenset({E}),
    "bulletins.preview_email": frozenset({E}),
    "bulletins.preview_email_html": frozenset({E}),
    "admin.users": frozenset({A}),
    "admin.user": frozenset({A}),
    "admin.set_role": frozenset({A}),
    "admin.disable_user": frozenset({A}),
    "admin.enable_user": frozenset({A}),
    "admin.reset_password": frozenset({A}),
    "admin.reset_mfa": frozenset({A}),
    "admin.service_areas": frozenset({A}),
    "admin.audit_trail": frozenset({A}),
    "api.me": ANY_STAFF,
    "api.openapi_document": PUBLIC,
    "api.docs": PUBLIC,
}


def registered_rules() -> list[Rule]:
    app = create_app({"ENV": "testing", "DATABASE_URL": "sqlite://"})
    return sorted(app.url_map.iter_rules(), key=lambda rule: rule.endpoint)


RULES = registered_rules()


def test_every_registered_endpoint_has_an_expected_access() -> None:
    assert {rule.endpoint for rule in RULES} == set(EXPECTED_ACCESS)


def url_for_rule(rule: Rule) -> str:
    values = {
        name: 1 if isinstance(rule._converters[name], IntegerConverter) else "x"
        for name in rule.arguments
    }
    return rule.build(values, append_unknown=False)[1]


def is_api(rule: Rule) -> bool:
    return rule.endpoint.startswith("api.")


def sign_in_as(app: Flask, client: FlaskClient, role: Role) -> dict[str, str]:
    """Sign in through the login page (or make a token for the API); return request headers."""
    from learnhub.auth.services import create_api_token
    from learnhub.core.extensions import db

    user = make_user(role)
    login(client, user)
    _, token = create_api_token(db.session, user)
    db.session.commit()
    return {"Authorization": f"Bearer {token}"}


@pytest.mark.parametrize("rule", RULES, ids=lambda rule: rule.endpoint)
@pytest.mark.parametrize(
    "role", [None, *Role], ids=lambda role: role.value if role else "anonymous"
)
def test_route_obeys_the_matrix(
    app: Flask, client: FlaskClient, rule: Rule, role: Role | None
) -> None:
    expected = EXPECTED_ACCESS[rule.endpoint]
    headers = sign_in_as(app, client, role) if role else {}
    method = "GET" if "GET" in (rule.methods or ()) else sorted(rule.methods or ())[0]
    response = client.open(url_for_rule(rule), method=method, headers=headers)
    sent_to_login = response.status_code == 302 and response.headers["Location"] == "/login"
    assert response.status_code < 500, f"{rule.endpoint} failed for {role}"

    if expected == PUBLIC or (role is not None and role in expected):
        assert response.status_code not in (401, 403), response.status_code
        assert not sent_to_login
    elif role is None:
        if is_api(rule):
            assert response.status_code == 401
            assert response.mimetype == "application/problem+json"
        else:
            assert sent_to_login, response.status_code
    else:
        assert response.status_code == 403
        if is_api(rule):
            assert response.mimetype == "application/problem+json"


def test_a_view_without_a_declared_permission_stops_the_app() -> None:
    from learnhub.auth.guard import UndeclaredPermission, check_every_endpoint_declares_permission

    app = create_app({"ENV": "testing", "DATABASE_URL": "sqlite://"})
    app.add_url_rule("/forgotten", "forgotten", lambda: "open to all by mistake")
    with pytest.raises(UndeclaredPermission, match="forgotten"):
        check_every_endpoint_declares_permission(app)
