"""The dashboard page, its charts and its CSV downloads: figures, filters, suppression."""

from __future__ import annotations

import csv
import datetime as dt
import io

import pytest
from flask import Flask
from flask.testing import FlaskClient

from learnhub.actions.models import Action
from learnhub.core.extensions import db
from learnhub.core.permissions import Role
from learnhub.dashboard.rollups import refresh
from learnhub.themes.models import Theme, ThemeKind, ThemeStatus
from tests.factories import login, make_user
from tests.integration.dashboard.helpers import filed

PERIOD = {"from": "2026-01", "to": "2026-06"}


def signed_in(client: FlaskClient, role: Role = Role.LEADER) -> FlaskClient:
    login(client, make_user(role))
    return client


def reports(count: int, month: int, **kwargs: object) -> None:
    for i in range(count):
        filed(dt.date(2026, month, 1 + i % 27), **kwargs)


def a_quarter_of_reports() -> None:
    reports(12, 1, area="front-door", triage_after=3, feedback_after=10, deidentified=True)
    reports(9, 2, area="front-door", triage_after=5)
    reports(3, 3, area="residential", triage_after=1)
    reports(11, 4, area="front-door", event_type="harm")
    refresh(db.session)
    db.session.commit()


def csv_rows(response) -> list[list[str]]:  # type: ignore[no-untyped-def]
    return list(csv.reader(io.StringIO(response.get_data(as_text=True))))


@pytest.mark.parametrize("role", [Role.LEADER, Role.REVIEWER])
def test_leaders_and_reviewers_read_the_figures(
    app: Flask, client: FlaskClient, role: Role
) -> None:
    a_quarter_of_reports()
    page = signed_in(client, role).get("/dashboard/", query_string=PERIOD)
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    # 35 reports round to 35; March's 3 are hidden, and so is the next smallest month (February).
    assert "<strong>35</strong>" in html
    assert "fewer than 5" in html
    assert "not shown" in html
    assert ">3<" not in html
    assert ">9<" not in html
    assert 'id="spc-sentence"' in html
    for name in ("reports", "factors"):
        assert f"/dashboard/charts/{name}.svg?from=2026-01&amp;to=2026-06" in html
    assert "style=" not in html
    assert "<script>" not in html


@pytest.mark.parametrize("role", [Role.EDITOR, Role.ADMIN])
def test_other_staff_are_turned_away(app: Flask, client: FlaskClient, role: Role) -> None:
    assert signed_in(client, role).get("/dashboard/").status_code == 403


def test_filters_narrow_the_figures(app: Flask, client: FlaskClient) -> None:
    a_quarter_of_reports()
    client = signed_in(client)
    harm = client.get("/dashboard/", query_string={**PERIOD, "event_type": "harm"})
    assert "<strong>10</strong>" in harm.get_data(as_text=True)  # 11 rounds to 10
    area = client.get("/dashboard/", query_string={**PERIOD, "service_area": "front-door"})
    assert "<strong>30</strong>" in area.get_data(as_text=True)  # 32 rounds to 30


def test_a_filter_that_isolates_fewer_than_k_reports_is_refused(
    app: Flask, client: FlaskClient
) -> None:
    a_quarter_of_reports()
    client = signed_in(client)
    query = {**PERIOD, "service_area": "residential"}
    page = client.get("/dashboard/", query_string=query)
    html = page.get_data(as_text=True)
    assert page.status_code == 200
    assert "too few reports to show" in html
    assert 'id="reports-table"' not in html
    assert client.get("/dashboard/charts/reports.svg", query_string=query).status_code == 404
    assert client.get("/dashboard/export/reports.csv", query_string=query).status_code == 404
    # Nothing at all is not a refusal: zero identifies no one.
    empty = client.get("/dashboard/", query_string={**PERIOD, "service_area": "youth-justice"})
    assert "too few reports to show" not in empty.get_data(as_text=True)


@pytest.mark.parametrize(
    ("query", "field", "message"),
    [
        ({"from": "2026-13"}, "from", "Enter the first month as YYYY-MM"),
        ({"from": "2026-06", "to": "2026-01"}, "from", "same as or before"),
        ({"service_area": "atlantis"}, "service_area", "Choose a service area"),
        ({"event_type": "blame"}, "event_type", "Choose a type of event"),
    ],
)
def test_bad_filters_are_explained_and_kept(
    app: Flask, client: FlaskClient, query: dict[str, str], field: str, message: str
) -> None:
    page = signed_in(client).get("/dashboard/", query_string=query)
    html = page.get_data(as_text=True)
    assert page.status_code == 400
    assert "There is a problem" in html
    assert message in html
    assert f'href="#{field}"' in html
    assert client.get("/dashboard/charts/reports.svg", query_string=query).status_code == 400


def test_charts_are_svg_drawn_from_the_same_figures(app: Flask, client: FlaskClient) -> None:
    a_quarter_of_reports()
    client = signed_in(client)
    for name in ("reports", "factors", "themes"):
        response = client.get(f"/dashboard/charts/{name}.svg", query_string=PERIOD)
        assert response.status_code == 200
        assert response.mimetype == "image/svg+xml"
        assert response.data.lstrip().startswith(b"<?xml")
    svg = client.get("/dashboard/charts/reports.svg", query_string=PERIOD).get_data(as_text=True)
    assert "Jan 2026" in svg
    assert "Reports received" in svg
    assert client.get("/dashboard/charts/pie.svg").status_code == 404


def test_each_table_downloads_as_csv_with_small_counts_hidden(
    app: Flask, client: FlaskClient
) -> None:
    a_quarter_of_reports()
    client = signed_in(client)
    response = client.get("/dashboard/export/reports.csv", query_string=PERIOD)
    assert response.mimetype == "text/csv"
    assert "attachment" in response.headers["Content-Disposition"]
    rows = csv_rows(response)
    assert rows[0] == ["Month", "Reports received", "Special-cause signal"]
    assert rows[1][:2] == ["2026-01", "10"]
    assert rows[2][:2] == ["2026-02", "not shown"]
    assert rows[3][:2] == ["2026-03", "fewer than 5"]
    assert rows[-1][:2] == ["Whole period", "35"]
    for table in ("factors", "themes", "actions", "measures"):
        assert client.get(f"/dashboard/export/{table}.csv", query_string=PERIOD).status_code == 200
    measures = csv_rows(client.get("/dashboard/export/measures.csv", query_string=PERIOD))
    assert measures[1] == ["Median days from receipt to triage", "3 days", "25"]
    assert client.get("/dashboard/export/people.csv").status_code == 404


def test_csv_cells_cannot_run_as_spreadsheet_formulas(app: Flask, client: FlaskClient) -> None:
    a_quarter_of_reports()
    db.session.add(
        Theme(
            signature="x" * 64,
            kind=ThemeKind.TEXT_CLUSTER,
            status=ThemeStatus.ACCEPTED,
            title='=HYPERLINK("http://evil.example","x")',
            member_count=12,
        )
    )
    db.session.commit()
    rows = csv_rows(signed_in(client).get("/dashboard/export/themes.csv", query_string=PERIOD))
    assert rows[1][0] == '\'=HYPERLINK("http://evil.example","x")'


def test_actions_and_themes_are_counted(app: Flask, client: FlaskClient) -> None:
    a_quarter_of_reports()
    theme = Theme(
        signature="t" * 64,
        kind=ThemeKind.FACTOR_COMBINATION,
        status=ThemeStatus.ACCEPTED,
        title="Handovers before visits",
        member_count=23,
        is_rising=True,
        monthly_counts={"2026-05": 8, "2026-06": 2},
    )
    db.session.add(theme)
    db.session.flush()
    for i in range(6):
        db.session.add(
            Action(
                theme_id=theme.id,
                description="Handover checklist",
                owner="Front door",
                due_on=dt.date(2020, 1, 1) if i < 5 else dt.date(2099, 1, 1),
            )
        )
    db.session.commit()
    html = signed_in(client).get("/dashboard/", query_string=PERIOD).get_data(as_text=True)
    assert "Handovers before visits" in html
    assert "Rising" in html
    rows = csv_rows(client.get("/dashboard/export/actions.csv", query_string=PERIOD))
    assert rows[1:] == [["Open", "5"], ["Overdue", "5"], ["Completed this quarter", "0"]]


def test_a_tier_drills_down_to_its_codes(app: Flask, client: FlaskClient) -> None:
    reviewer = make_user(Role.REVIEWER)
    for i in range(7):
        filed(
            dt.date(2026, 2, 1 + i),
            codes=("PRE-TEAM-1",) if i < 6 else ("PRE-TEAM-2",),
            reviewer=reviewer,
        )
    refresh(db.session)
    db.session.commit()
    client = signed_in(client)
    page = client.get("/dashboard/tiers/preconditions", query_string=PERIOD)
    html = page.get_data(as_text=True)
    assert page.status_code == 200
    assert "PRE-TEAM-1" in html
    assert "fewer than 5" in html
    rows = csv_rows(
        client.get("/dashboard/export/codes.csv", query_string={**PERIOD, "tier": "preconditions"})
    )
    assert ["PRE-TEAM-2", rows[[r[0] for r in rows].index("PRE-TEAM-2")][1], "fewer than 5"] in rows
    assert client.get("/dashboard/tiers/blame").status_code == 404
