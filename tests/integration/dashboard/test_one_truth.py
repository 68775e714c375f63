"""The dashboard tells the truth about its own figures (issue 19, finding 6): months not coded
yet say so rather than show 0, the month still running is marked, only months with reports are
listed, the "as of" time heads the page, new reports show without waiting for the scheduler,
and a median or a share is given only when at least k reports stand behind every part of it."""

from __future__ import annotations

import datetime as dt
import re

from flask import Flask
from flask.testing import FlaskClient

from learnhub.core.context import service_today
from learnhub.core.extensions import db
from learnhub.core.permissions import Role
from learnhub.core.time import add_months, month_start
from learnhub.dashboard.rollups import refresh
from tests.factories import login, make_user
from tests.integration.dashboard.helpers import filed
from tests.integration.disclosure.test_same_figures import Tables


def leader(client: FlaskClient) -> FlaskClient:
    login(client, make_user(Role.LEADER))
    return client


def reports_in(month: dt.date, count: int, **kwargs: object) -> None:
    for i in range(count):
        filed(month + dt.timedelta(days=i % 5), **kwargs)


def page_of(client: FlaskClient, **query: str) -> tuple[str, Tables]:
    response = client.get("/dashboard/", query_string=query)
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    return html, Tables(html)


def rows_of(tables: Tables, name: str) -> dict[str, list[str]]:
    return {row[0]: row[1:] for row in tables.tables[name][1:]}


def test_months_not_yet_coded_say_so_instead_of_zero(app: Flask, client: FlaskClient) -> None:
    reports_in(dt.date(2026, 9, 1), 10, codes=("EXT-1",))
    reports_in(dt.date(2026, 10, 1), 10)  # filed, not coded yet
    refresh(db.session)
    db.session.commit()
    _, tables = page_of(leader(client), **{"from": "2026-09", "to": "2026-10"})
    factors = rows_of(tables, "factors-table")
    assert "not yet coded" not in " ".join(factors["Sep 2026"])
    assert set(factors["Oct 2026"][1:]) == {"not yet coded"}
    # The column of coded reports tells a leader how far coding has gone each month.
    header = tables.tables["factors-table"][0]
    assert header[1] == "Reports coded"
    assert factors["Sep 2026"][0] == "10"
    assert factors["Oct 2026"][0] == "0"


def test_the_month_still_running_is_marked(app: Flask, client: FlaskClient) -> None:
    this_month = month_start(service_today())
    last_month = add_months(this_month, -1)
    reports_in(last_month, 12)
    reports_in(this_month, 6)
    refresh(db.session)
    db.session.commit()
    html, tables = page_of(leader(client))
    months = rows_of(tables, "reports-table")
    assert f"{this_month:%b %Y} (so far)" in months
    assert f"{last_month:%b %Y}" in months
    assert "so far" in tables.tables["factors-table"][-2][0]
    assert "the month so far" in html  # the chart's note says why the last point is low


def test_only_months_with_reports_are_listed(app: Flask, client: FlaskClient) -> None:
    reports_in(dt.date(2026, 7, 1), 6)
    reports_in(dt.date(2026, 8, 1), 6)
    refresh(db.session)
    db.session.commit()
    _, tables = page_of(leader(client), **{"from": "2026-01", "to": "2026-08"})
    months = [row[0] for row in tables.tables["reports-table"][1:-1]]
    assert months == ["Jul 2026", "Aug 2026"]
    factor_months = [row[0] for row in tables.tables["factors-table"][1:-1]]
    assert factor_months == ["Jul 2026", "Aug 2026"]


def test_the_as_of_time_heads_the_page(app: Flask, client: FlaskClient) -> None:
    reports_in(dt.date(2026, 8, 1), 6)
    refresh(db.session)
    db.session.commit()
    html, _ = page_of(leader(client), **{"from": "2026-08", "to": "2026-08"})
    as_of = html.index('id="as-of"')
    assert as_of < html.index("Filter the figures")
    assert as_of < html.index("Reports are counted in the month")
    assert re.search(r"Figures as of \d{1,2} \w+ \d{4} at \d\d:\d\d", html)


def test_new_reports_show_without_waiting_for_the_scheduler(
    app: Flask, client: FlaskClient
) -> None:
    today = service_today()
    for _ in range(10):
        filed(today)
    refresh(db.session)
    db.session.commit()
    leader(client)
    _, before = page_of(client)
    for _ in range(10):
        filed(today)  # after the last refresh, and no scheduler runs
    html, after = page_of(client)
    total = rows_of(after, "reports-table")["Whole period"][0]
    assert rows_of(before, "reports-table")["Whole period"][0] == "10"
    assert total == "20"
    assert "counted just now" in html


def test_a_share_or_median_of_a_small_count_is_not_given(app: Flask, client: FlaskClient) -> None:
    month = dt.date(2026, 8, 1)
    reports_in(month, 2, feedback_after=4, triage_after=2)  # 2 of 20 had feedback
    reports_in(month, 18)
    refresh(db.session)
    db.session.commit()
    _, tables = page_of(leader(client), **{"from": "2026-08", "to": "2026-08"})
    measures = rows_of(tables, "measures-table")
    assert measures["Reports whose reporter received feedback"] == ["too few reports to say"]
    assert measures["Median days from receipt to triage"] == ["too few reports to say"]
    # 20 reports, none de-identified: "0%" gives nobody away.
    assert measures["Reports de-identified"] == ["0%"]


def test_nineteen_of_twenty_is_no_better_than_one(app: Flask, client: FlaskClient) -> None:
    month = dt.date(2026, 8, 1)
    reports_in(month, 19, deidentified=True)
    reports_in(month, 1)
    refresh(db.session)
    db.session.commit()
    _, tables = page_of(leader(client), **{"from": "2026-08", "to": "2026-08"})
    assert rows_of(tables, "measures-table")["Reports de-identified"] == ["too few reports to say"]
