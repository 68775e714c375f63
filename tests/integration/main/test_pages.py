"""Public pages: the start page, information pages, error pages and the health check."""

import re
from pathlib import Path

import pytest
from flask import Flask
from flask.testing import FlaskClient

from learnhub import create_app
from learnhub.core.permissions import Permission, requires
from tests.conftest import app_settings
from tests.factories import login, make_user

PUBLIC_PAGES = ["/", "/accessibility", "/privacy", "/login"]


def test_the_start_page_explains_learnhub_and_the_safeguarding_route(client: FlaskClient) -> None:
    body = client.get("/").get_data(as_text=True)
    assert "Learn from what nearly happened" in body
    assert "not for raising an immediate risk to a child" in body
    assert "999" in body
    assert "01632 960 000" in body  # the front door, from LEARNHUB_SAFEGUARDING_PHONE


def test_the_safeguarding_numbers_come_from_the_settings(app: Flask, client: FlaskClient) -> None:
    app.config["SAFEGUARDING_PHONE"] = "01632 960 777"
    try:
        body = client.get("/").get_data(as_text=True)
    finally:
        app.config["SAFEGUARDING_PHONE"] = "01632 960 000"
    assert "01632 960 777" in body


@pytest.mark.parametrize("path", PUBLIC_PAGES)
def test_public_pages_carry_the_council_brand_without_crown_or_gds_font(
    client: FlaskClient, path: str
) -> None:
    response = client.get(path)
    body = response.get_data(as_text=True)
    assert response.status_code == 200
    assert "Northshire County Council" in body
    assert "crown" not in body.lower()
    header = body[body.index("<header") : body.index("</header>")]
    assert "GOV.UK" not in header
    assert 'lang="en-GB"' in body
    assert 'href="#main-content"' in body  # skip link


@pytest.mark.parametrize("path", PUBLIC_PAGES)
def test_pages_need_no_inline_script_or_style(client: FlaskClient, path: str) -> None:
    body = client.get(path).get_data(as_text=True)
    assert not re.search(r"<script(?![^>]*\bsrc=)[^>]*>", body), "inline script"
    assert " style=" not in body
    assert not re.search(r"\son[a-z]+=", body), "inline event handler"


def test_the_built_stylesheet_ships_in_the_package_without_crown_or_gds_transport(
    client: FlaskClient,
) -> None:
    with client.get("/static/css/learnhub.css") as css:
        assert css.status_code == 200
        text = css.get_data(as_text=True)
    assert "GDS Transport" not in text
    assert "crown" not in text.lower()
    assert "@font-face" not in text
    static = Path(__file__).resolve().parents[3] / "learnhub" / "static"
    assert not [p for p in static.rglob("*") if "crown" in p.name.lower()]


def test_an_unknown_page_is_a_styled_404(client: FlaskClient) -> None:
    response = client.get("/no-such-page")
    assert response.status_code == 404
    body = response.get_data(as_text=True)
    assert "Page not found" in body
    assert "Northshire County Council" in body


def test_a_staff_page_for_another_role_is_a_styled_403(client: FlaskClient) -> None:
    from tests.factories import login, make_user

    login(client, make_user())  # a reviewer
    response = client.get("/admin/users")
    assert response.status_code == 403
    assert "Northshire County Council" in response.get_data(as_text=True)


def test_an_unexpected_error_is_a_calm_500_without_technical_detail(database_url: str) -> None:
    app = create_app(app_settings(database_url))

    @app.route("/boom")
    @requires(Permission.PUBLIC)
    def boom() -> str:
        raise RuntimeError("secret internals")

    response = app.test_client().get("/boom")
    body = response.get_data(as_text=True)
    assert response.status_code == 500
    assert "secret internals" not in body
    assert "Traceback" not in body
    assert "Northshire County Council" in body


def test_healthz_reports_the_database(client: FlaskClient) -> None:
    response = client.get("/healthz")
    assert response.status_code == 200
    assert response.get_json() == {"status": "ok", "database": "ok"}


def test_healthz_is_503_when_the_database_is_unreachable(tmp_path: Path) -> None:
    unreachable = f"sqlite:///{tmp_path}/missing-folder/learnhub.db"
    app = create_app(app_settings(unreachable))
    response = app.test_client().get("/healthz")
    assert response.status_code == 503
    assert response.get_json() == {"status": "error", "database": "error"}


def test_pages_still_render_when_the_database_is_unreachable(tmp_path: Path) -> None:
    app = create_app(app_settings(f"sqlite:///{tmp_path}/missing-folder/learnhub.db"))
    assert app.test_client().get("/no-such-page").status_code == 404
    assert app.test_client().get("/").status_code == 200


def test_the_reused_signed_out_header_never_carries_anyones_account(
    app: Flask, client: FlaskClient
) -> None:
    staff = app.test_client()
    login(staff, make_user(email="duty.manager@example.org"))
    for path in ("/report", "/", "/followup"):
        assert "Signed in as" not in client.get(path).get_data(as_text=True)
        assert "duty.manager@example.org" in staff.get(path).get_data(as_text=True)
        assert "Signed in as" not in client.get(path).get_data(as_text=True)


def test_the_header_and_footer_follow_the_organisation_name(
    app: Flask, client: FlaskClient
) -> None:
    client.get("/")
    app.config["ORGANISATION_NAME"] = "Harbourside Borough Council"
    try:
        body = client.get("/").get_data(as_text=True)
    finally:
        app.config["ORGANISATION_NAME"] = "Northshire County Council"
    assert "Northshire" not in body
    assert body.count("Harbourside Borough Council") >= 3  # title, header and footer
