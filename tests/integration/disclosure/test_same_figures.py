"""One set of data, read by a leader through every surface that shows it figures: the dashboard
page, its CSV downloads, the learning page, the API (dashboard summary and themes) and the
month's bulletin. The same count must read the same everywhere, and no count from 1 to k - 1
may appear anywhere."""

from __future__ import annotations

import csv
import datetime as dt
import io
import re
from html.parser import HTMLParser
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient

from learnhub.actions.models import Action, ActionStatus
from learnhub.auth.services import create_api_token
from learnhub.bulletins import services as bulletins
from learnhub.bulletins.models import ItemKind
from learnhub.core.context import service_today
from learnhub.core.extensions import db
from learnhub.core.permissions import Role
from learnhub.dashboard.rollups import refresh
from learnhub.disclosure.counts import Cell
from learnhub.themes.models import Theme, ThemeKind, ThemeStatus
from tests.factories import login, make_user
from tests.integration.dashboard.helpers import filed

K = 5
MONTH = dt.date(2026, 10, 1)
PERIOD = {"from": "2026-01", "to": "2026-12"}
QUERY = "from=2026-01&to=2026-12"
TITLE = "Handovers at shift change"
# What a leader must read for the data below: counts rounded to the nearest 5, small ones hidden.
THEME_MEMBERS = "40"  # 42 reports
THEME_MONTHS = {
    "2026-08": "fewer than 5",  # 3
    "2026-09": "not shown",  # 17, hidden so that 42 - 22 - 17 cannot give the 3 away
    "2026-10": "20",  # 22
}
ACTIONS = {"open": "5", "overdue": "fewer than 5", "completed": "10"}  # 7, 3 and 8
REPORTS_IN_MONTH = "25"  # 26
BY_TYPE = {"near_miss": "15", "no_harm": "5", "harm": "0", "good_practice": "5"}  # 13, 7, 0, 6


class Tables(HTMLParser):
    """Every table (keyed by id, else caption) as rows of cell texts, and every summary list's
    key → value."""

    def __init__(self, html: str) -> None:
        super().__init__()
        self.tables: dict[str, list[list[str]]] = {}
        self.pairs: dict[str, str] = {}
        self._table: list[list[str]] | None = None
        self._name = ""
        self._text: list[str] | None = None
        self._key = ""
        self.feed(html)

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag == "table":
            self._table, self._name = [], dict(attrs).get("id") or ""
        elif tag == "tr" and self._table is not None:
            self._table.append([])
        elif tag in ("td", "th", "caption", "dt", "dd"):
            self._text = []

    def handle_data(self, data: str) -> None:
        if self._text is not None:
            self._text.append(data)

    def handle_endtag(self, tag: str) -> None:
        if tag == "table" and self._table is not None:
            self.tables[self._name] = self._table
            self._table = None
            return
        if tag not in ("td", "th", "caption", "dt", "dd") or self._text is None:
            return
        text = " ".join("".join(self._text).split())
        self._text = None
        if tag == "caption" and not self._name:
            self._name = text
        elif tag in ("td", "th") and self._table:
            self._table[-1].append(text)
        elif tag == "dt":
            self._key = text
        elif tag == "dd":
            self.pairs.setdefault(self._key, text)


def one_dataset() -> Theme:
    for count, event_type in ((13, "near_miss"), (7, "no_harm"), (6, "good_practice")):
        for day in range(count):
            filed(MONTH + dt.timedelta(days=day), event_type=event_type)
    theme = Theme(
        signature="codes:ORG-3+PRE-TEAM-1:same-figures",
        kind=ThemeKind.FACTOR_COMBINATION,
        status=ThemeStatus.ACCEPTED,
        title=TITLE,
        summary="Handovers at shift change miss the latest risk information.",
        defining_codes=["ORG-3", "PRE-TEAM-1"],
        member_count=42,
        monthly_counts={"2026-08": 3, "2026-09": 17, "2026-10": 22},
        statistics={},
        decided_at=dt.datetime(2026, 10, 12, 9, 0, tzinfo=dt.UTC),
    )
    db.session.add(theme)
    db.session.flush()
    today = service_today()
    for i in range(7):
        due = today - dt.timedelta(days=1) if i < 3 else today + dt.timedelta(days=30)
        db.session.add(action(theme, ActionStatus.OPEN, due))
    for _ in range(8):
        db.session.add(action(theme, ActionStatus.COMPLETED, today, completed_on=today))
    refresh(db.session)
    db.session.commit()
    return theme


def action(theme: Theme, status: ActionStatus, due: dt.date, **kwargs: Any) -> Action:
    return Action(
        theme_id=theme.id,
        description="Handover checklist at every shift change",
        owner="Duty and assessment team",
        due_on=due,
        status=status,
        **kwargs,
    )


def csv_rows(client: FlaskClient, table: str) -> list[list[str]]:
    response = client.get(f"/dashboard/export/{table}.csv?{QUERY}")
    assert response.status_code == 200
    return list(csv.reader(io.StringIO(response.get_data(as_text=True))))


def label(count: dict[str, Any]) -> str:
    return Cell(count["value"], count["suppressed"], count.get("secondary", False)).label(K)


def month_heading(key: str, style: str) -> str:
    """ "2026-08" as a page heads its month: "Aug 2026" or "August 2026"."""
    return f"{dt.date.fromisoformat(key + '-01'):{style}}"


def dashboard_page(client: FlaskClient) -> dict[str, Any]:
    page = Tables(client.get(f"/dashboard/?{QUERY}").get_data(as_text=True))
    header, row = page.tables["themes-table"][0], page.tables["themes-table"][1]
    assert row[0].startswith(TITLE)
    months = dict(zip(header[2:-1], row[2:-1], strict=True))
    actions = {r[0]: r[1] for r in page.tables["actions-table"][1:]}
    return {
        "members": row[1],
        "months": {key: months[month_heading(key, "%b %Y")] for key in THEME_MONTHS},
        "actions": {
            "open": actions["Open"],
            "overdue": actions["Overdue"],
            "completed": actions["Completed this quarter"],
        },
    }


def dashboard_csv(client: FlaskClient) -> dict[str, Any]:
    (_, theme) = csv_rows(client, "themes")
    actions = dict(csv_rows(client, "actions")[1:])
    reports = {row[0]: row[1] for row in csv_rows(client, "reports")[1:]}
    assert theme[0] == TITLE
    return {
        "members": theme[2],
        "actions": {
            "open": actions["Open"],
            "overdue": actions["Overdue"],
            "completed": actions["Completed this quarter"],
        },
        "reports_in_month": reports["2026-10"],
    }


def learning_page(client: FlaskClient) -> dict[str, Any]:
    page = Tables(client.get("/themes/learning").get_data(as_text=True))
    months = {
        row[0]: row[1] for row in page.tables[f"Reports each month: {TITLE}"][1:]
    }  # "August 2026" → text
    counts = re.fullmatch(r"(.+) open, (.+) overdue, (.+) completed", page.pairs["Actions"])
    assert counts is not None, page.pairs["Actions"]
    return {
        "members": page.pairs["Reports"],
        "months": {key: months[month_heading(key, "%B %Y")] for key in THEME_MONTHS},
        "actions": dict(zip(("open", "overdue", "completed"), counts.groups(), strict=True)),
    }


def api(client: FlaskClient, headers: dict[str, str]) -> dict[str, Any]:
    summary = client.get(f"/api/v1/dashboard/summary?{QUERY}", headers=headers).get_json()
    (theme,) = client.get("/api/v1/themes?status=accepted", headers=headers).get_json()["themes"]
    (dashboard_theme,) = summary["themes"]
    monthly = {m["month"]: label(m) for m in theme["monthly_counts"]}
    dashboard_monthly = {m["month"]: label(m) for m in dashboard_theme["monthly"]}
    assert {key: dashboard_monthly[key] for key in THEME_MONTHS} == {
        key: monthly[key] for key in THEME_MONTHS
    }
    reports = {m["month"]: label(m) for m in summary["reports"]["monthly"]}
    actions = summary["actions"]
    return {
        "members": label({"value": theme["member_count"], "suppressed": theme["suppressed"]}),
        "dashboard_members": label(dashboard_theme["reports"]),
        "months": {key: monthly[key] for key in THEME_MONTHS},
        "actions": {
            "open": label(actions["open"]),
            "overdue": label(actions["overdue"]),
            "completed": label(actions["completed_this_quarter"]),
        },
        "reports_in_month": reports["2026-10"],
    }


def by_type_on_the_dashboard(client: FlaskClient, headers: dict[str, str]) -> dict[str, str]:
    """October's reports of each type, as the dashboard filtered by that type counts them."""
    found = {}
    for event_type in BY_TYPE:
        response = client.get(
            f"/api/v1/dashboard/summary?{QUERY}&event_type={event_type}", headers=headers
        )
        months = {m["month"]: label(m) for m in response.get_json()["reports"]["monthly"]}
        found[event_type] = months["2026-10"]
    return found


def bulletin_figures() -> dict[str, str]:
    bulletin = bulletins.assemble_draft(db.session, MONTH, k=K)
    return {item.heading: item.body for item in bulletin.items if item.kind == ItemKind.FIGURE}


@pytest.fixture
def leader(client: FlaskClient) -> dict[str, str]:
    user = make_user(Role.LEADER)
    _, token = create_api_token(db.session, user)
    db.session.commit()
    login(client, user)
    return {"Authorization": f"Bearer {token}"}


def test_a_leader_reads_the_same_figures_on_every_surface(
    app: Flask, client: FlaskClient, leader: dict[str, str]
) -> None:
    one_dataset()
    page, downloads = dashboard_page(client), dashboard_csv(client)
    learning, through_api = learning_page(client), api(client, leader)

    for surface in (page, downloads, learning, through_api):
        assert surface["members"] == THEME_MEMBERS
        assert surface["actions"] == ACTIONS
    assert through_api["dashboard_members"] == THEME_MEMBERS
    for surface in (page, learning, through_api):
        assert surface["months"] == THEME_MONTHS
    assert downloads["reports_in_month"] == through_api["reports_in_month"] == REPORTS_IN_MONTH


def test_the_bulletin_counts_a_month_as_the_dashboard_does(
    app: Flask, client: FlaskClient, leader: dict[str, str]
) -> None:
    one_dataset()
    figures = bulletin_figures()
    assert figures["Reports received"] == dashboard_csv(client)["reports_in_month"]
    assert figures["Reports received"] == REPORTS_IN_MONTH  # 26, rounded as on the dashboard
    by_type = {kind.value: figures[name] for kind, name in bulletins.EVENT_TYPE_NAMES.items()}
    assert by_type == by_type_on_the_dashboard(client, leader) == BY_TYPE


SMALL = re.compile(r"^[1-4]$")


def counts_in(body: Any) -> list[int | None]:
    """Every count in an API answer: the value of each {"value", "suppressed"} pair, and a
    theme's member_count."""
    found: list[int | None] = []
    if isinstance(body, dict):
        if "suppressed" in body:
            found.append(body.get("value", body.get("member_count")))
        found += [count for value in body.values() for count in counts_in(value)]
    elif isinstance(body, list):
        found += [count for value in body for count in counts_in(value)]
    return found


def test_no_count_below_k_reaches_a_leader(
    app: Flask, client: FlaskClient, leader: dict[str, str]
) -> None:
    one_dataset()
    page = Tables(client.get(f"/dashboard/?{QUERY}").get_data(as_text=True))
    texts = [
        *(cell for table in page.tables.values() for row in table[1:] for cell in row[1:]),
        *(cell for table in ("reports", "factors", "themes", "actions", "measures")
          for row in csv_rows(client, table)[1:] for cell in row[1:]),
        *bulletin_figures().values(),
        *learning_page(client)["months"].values(),
        *learning_page(client)["actions"].values(),
    ]  # fmt: skip
    assert [text for text in texts if SMALL.match(text)] == []
    answers = [
        client.get(f"/api/v1/dashboard/summary?{QUERY}", headers=leader).get_json(),
        client.get("/api/v1/themes?status=accepted", headers=leader).get_json(),
    ]
    counts = [count for body in answers for count in counts_in(body)]
    assert counts  # the walk found the counts
    assert [c for c in counts if c is not None and (c % K or 0 < c < K)] == []
