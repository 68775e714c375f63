"""The dashboard's charts say "look here", never "bad" (more reports is good news), write a
hidden count in the disclosure's words, and come in a narrow drawing for phones."""

from __future__ import annotations

import datetime as dt
from xml.etree import ElementTree as ET

from flask import Flask
from flask.testing import FlaskClient

from learnhub.core.extensions import db
from learnhub.core.permissions import Role
from learnhub.dashboard.rollups import refresh
from learnhub.themes.models import Theme, ThemeKind, ThemeStatus
from tests.factories import login, make_user
from tests.integration.dashboard.helpers import filed

SVG = "{http://www.w3.org/2000/svg}"
PERIOD = {"from": "2025-01", "to": "2025-12"}
RED = "#d4351c"


def texts(svg: bytes) -> list[str]:
    root = ET.fromstring(svg)  # noqa: S314 - our own chart
    return ["".join(node.itertext()).strip() for node in root.iter(f"{SVG}text")]


def a_year_with_a_jump() -> None:
    """Ten reports a month, then a month far above the limits; a few coded in one tier."""
    for month in range(1, 13):
        count = 40 if month == 11 else 10
        for i in range(count):
            codes = ("EXT-1",) if i < (3 if month == 6 else 6) else ()
            filed(dt.date(2025, month, 1 + i % 27), codes=codes)
    db.session.add(
        Theme(
            signature="r" * 64,
            kind=ThemeKind.FACTOR_COMBINATION,
            status=ThemeStatus.ACCEPTED,
            title="Handovers at shift change",
            member_count=30,
            is_rising=True,
        )
    )
    refresh(db.session)
    db.session.commit()


def test_a_signal_is_marked_to_look_at_not_in_alarm_red(app: Flask, client: FlaskClient) -> None:
    a_year_with_a_jump()
    login(client, make_user(Role.LEADER))
    for name in ("reports", "themes"):
        svg = client.get(f"/dashboard/charts/{name}.svg", query_string=PERIOD).get_data()
        assert RED not in svg.decode().lower(), name


def test_the_heatmap_writes_hidden_counts_as_the_tables_do(app: Flask, client: FlaskClient) -> None:
    a_year_with_a_jump()
    login(client, make_user(Role.LEADER))
    svg = client.get("/dashboard/charts/factors.svg", query_string=PERIOD).get_data()
    words = texts(svg)
    assert not [w for w in words if w.startswith("<")]
    assert "fewer than 5" in words  # June: 3 reports coded in the tier


def test_each_chart_has_a_narrow_drawing_for_phones(app: Flask, client: FlaskClient) -> None:
    a_year_with_a_jump()
    login(client, make_user(Role.LEADER))
    for name in ("reports", "factors", "themes"):
        wide = client.get(f"/dashboard/charts/{name}.svg", query_string=PERIOD)
        narrow = client.get(
            f"/dashboard/charts/{name}.svg", query_string={**PERIOD, "layout": "narrow"}
        )
        assert narrow.status_code == 200
        width = float(ET.fromstring(narrow.get_data()).get("width", "0").removesuffix("pt"))  # noqa: S314
        assert width <= 300, name  # 4 inches or less: drawn for a phone, not shrunk to it
        assert narrow.get_data() != wide.get_data()
    page = client.get("/dashboard/", query_string=PERIOD).get_data(as_text=True)
    assert page.count('<source media="(max-width: 40.0525em)"') == 3
