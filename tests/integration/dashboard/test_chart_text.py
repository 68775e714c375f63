"""The dashboard's SVG charts are XML: a stored title with a control character, a line break or
a "$" (which matplotlib reads as mathematics) still gives a well-formed chart that shows it."""

from __future__ import annotations

from xml.etree import ElementTree as ET

from flask import Flask
from flask.testing import FlaskClient

from learnhub.core.extensions import db
from learnhub.core.permissions import Role
from learnhub.themes.models import Theme, ThemeKind, ThemeStatus
from tests.factories import login, make_user
from tests.integration.dashboard.test_dashboard_page import PERIOD, a_quarter_of_reports


def test_a_theme_title_with_control_characters_gives_a_well_formed_chart(
    app: Flask, client: FlaskClient
) -> None:
    a_quarter_of_reports()
    db.session.add(
        Theme(
            signature="c" * 64,
            kind=ThemeKind.FACTOR_COMBINATION,
            status=ThemeStatus.ACCEPTED,
            title="Late\x0b visits\ncost $5 $\\frac{",
            member_count=23,
        )
    )
    db.session.commit()
    login(client, make_user(Role.LEADER))
    response = client.get("/dashboard/charts/themes.svg", query_string=PERIOD)
    assert response.status_code == 200
    root = ET.fromstring(response.get_data())  # noqa: S314 - raises if the SVG is ill-formed
    text = " ".join(
        "".join(node.itertext()) for node in root.iter("{http://www.w3.org/2000/svg}text")
    )
    assert "Late visits cost $5" in text
