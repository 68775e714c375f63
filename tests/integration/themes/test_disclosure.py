"""Nothing derived from narrative text that no reviewer has de-identified leaves the review panel.

The family-name case: 15 reports name one (made-up) family, the real theme job turns them into a
text-cluster candidate labelled with the surname, and then every surface outside the panel is
read as a leader, an editor and the public: the surname appears on none. Once a reviewer has
redacted the reports and accepted the theme, leaders see a title and words built only from
taxonomy wording and the reviewer-confirmed redacted text.
"""

from __future__ import annotations

import datetime as dt
import re

import pytest
import sqlalchemy as sa
from flask import Flask
from flask.testing import FlaskClient, FlaskCliRunner

from learnhub.auth.services import create_api_token
from learnhub.bulletins import services as bulletins
from learnhub.bulletins.emails import issue_parts, personalise
from learnhub.bulletins.models import Bulletin, Subscriber
from learnhub.core.extensions import db
from learnhub.core.permissions import Permission, Role, permission_of, role_may
from learnhub.dashboard.charts import CHARTS
from learnhub.dashboard.export import TABLES
from learnhub.dashboard.rollups import refresh
from learnhub.dashboard.services import tier_titles
from learnhub.reports.models import Report
from learnhub.review.redaction import confirm_redaction, draft
from learnhub.themes.disclosure import shared_themes
from learnhub.themes.models import Theme, ThemeKind, ThemeMember, ThemeStatus
from tests.factories import csrf_token, login, logout, make_report, make_user
from tests.integration.themes.test_job import TODAY, demo_reports

SURNAME = "Thistlewaite"
FAMILY_STORY = (
    "The {name} family waited for transport to contact again; the {name} children missed "
    "school because the taxi booking was lost."
)


def family_reports() -> list[Report]:
    reports = []
    for index in range(15):
        month = dt.date(2026, 6 + index % 5, 1)
        report, _ = make_report(
            FAMILY_STORY.format(name=SURNAME),
            event_month=month,
            received_on=month + dt.timedelta(days=3),
        )
        reports.append(report)
    return reports


def run_theme_job(runner: FlaskCliRunner) -> None:
    """The real job, through the command the scheduler's job also runs."""
    result = runner.invoke(args=["themes", "detect"])
    assert result.exit_code == 0, result.output
    db.session.expire_all()


def family_theme() -> Theme:
    (theme,) = [
        t
        for t in db.session.scalars(sa.select(Theme).where(Theme.kind == ThemeKind.TEXT_CLUSTER))
        if SURNAME.lower() in t.terms
    ]
    return theme


@pytest.fixture
def candidate(app: Flask) -> Theme:
    demo_reports(200)
    family_reports()
    run_theme_job(app.test_cli_runner())
    theme = family_theme()
    # The panel needs the words to triage: the job found the surname and kept it for them.
    assert theme.status is ThemeStatus.CANDIDATE
    refresh(db.session)
    db.session.commit()
    return theme


def token_headers(role: Role) -> dict[str, str]:
    _, token = create_api_token(db.session, make_user(role))
    db.session.commit()
    return {"Authorization": f"Bearer {token}"}


# Values for each URL variable of a GET route; a route with a variable not named here fails the
# sweep below, so a new page cannot be left out by accident.
def url_values(theme_id: int) -> dict[str, list[str]]:
    numbers = [str(b.number) for b in bulletins.published(db.session)]
    return {
        "theme_id": [str(theme_id)],
        "table": list(TABLES),
        "name": list(CHARTS),
        "tier": list(tier_titles()),
        "number": numbers or ["1"],
    }


# Routes whose variables say nothing about themes (static files, taxonomy codes, tokens mailed
# to subscribers, a report's reference).
NOT_SWEPT_VARIABLES = {"filename", "code_id", "token", "reference", "version_id", "bulletin_id"}


def readable_urls(app: Flask, role: Role | None, theme_id: int) -> list[str]:
    """Every GET page and API route ``role`` (None: the public) may read, with its variables."""
    values = url_values(theme_id)
    urls = []
    for rule in app.url_map.iter_rules():
        if "GET" not in (rule.methods or ()) or rule.endpoint == "static":
            continue
        permission = permission_of(app.view_functions[rule.endpoint])
        if permission is None or not role_may(role, permission):
            continue
        if role is not None and permission is Permission.PUBLIC and rule.arguments:
            continue  # the public sweep reads those
        if rule.arguments & NOT_SWEPT_VARIABLES:
            continue
        missing = rule.arguments - set(values)
        assert not missing, f"{rule.rule}: say which values to read it with"
        combos: list[dict[str, str]] = [{}]
        for name in sorted(rule.arguments):
            combos = [{**c, name: v} for c in combos for v in values[name]]
        for combo in combos:
            path = rule.rule
            for name, value in combo.items():
                path = re.sub(rf"<(?:[^:<>]+:)?{name}>", value, path)
            urls.append(path)
    return sorted(set(urls))


def api_urls(theme_id: int) -> list[str]:
    return [
        "/api/v1/themes",
        *(f"/api/v1/themes?status={s}" for s in ("candidate", "accepted", "dismissed")),
        f"/api/v1/themes/{theme_id}",
        "/api/v1/dashboard/summary",
        "/api/v1/dashboard/summary?from=2025-12&to=2026-11",
    ]


def assert_nowhere(client: FlaskClient, urls: list[str], headers: dict[str, str] | None = None):
    read = 0
    for url in urls:
        response = client.get(url, headers=headers or {})
        assert response.status_code < 500, url
        body = response.get_data(as_text=True)
        assert SURNAME.lower() not in body.lower(), f"{url} shows the surname"
        read += response.status_code == 200
    assert read, "nothing was read"
    return read


def leader_sees_no_surname(app: Flask, client: FlaskClient, theme: Theme) -> None:
    leader = make_user(Role.LEADER)
    login(client, leader)
    pages = readable_urls(app, Role.LEADER, theme.id)
    for wanted in ("/dashboard/", "/themes/learning", "/dashboard/export/themes.csv"):
        assert wanted in pages
    assert_nowhere(client, pages)
    logout(client)
    assert_nowhere(client, api_urls(theme.id), token_headers(Role.LEADER))


def public_sees_no_surname(app: Flask, client: FlaskClient, theme: Theme) -> None:
    pages = readable_urls(app, None, theme.id)
    assert "/bulletins/feed.atom" in pages
    assert_nowhere(client, pages)


def test_a_candidate_named_after_a_family_is_shown_to_no_one_outside_the_panel(
    app: Flask, client: FlaskClient, candidate: Theme
) -> None:
    # The panel sees the job's words, surname included: it needs them to triage.
    login(client, make_user(Role.REVIEWER))
    assert SURNAME.lower() in client.get(f"/themes/{candidate.id}").get_data(as_text=True)
    assert SURNAME.lower() in client.get("/themes/").get_data(as_text=True)
    logout(client)
    # Not even the job's own title carries a word of the narratives.
    assert SURNAME.lower() not in candidate.title.lower()

    leader_sees_no_surname(app, client, candidate)
    headers = token_headers(Role.LEADER)
    listed = client.get("/api/v1/themes?status=candidate", headers=headers)
    assert listed.status_code == 200
    assert listed.get_json() == {"themes": []}
    assert client.get(f"/api/v1/themes/{candidate.id}", headers=headers).status_code == 404
    summary = client.get("/api/v1/dashboard/summary", headers=headers).get_json()
    assert all(t["status"] == "accepted" for t in summary["themes"])
    public_sees_no_surname(app, client, candidate)


def redact_the_surname(report: Report, reviewer_today: dt.date) -> None:
    typed = {name: text.replace(SURNAME, "[name]") for name, text in draft(report).items()}
    confirm_redaction(db.session, report, typed, reviewer_today, confirm_anyway=True)


def accept_with_the_offered_title(client: FlaskClient, theme: Theme) -> str:
    page = client.get(f"/themes/{theme.id}").get_data(as_text=True)
    offered = re.search(r'name="title"[^>]*value="([^"]*)"', page) or re.search(
        r'value="([^"]*)"[^>]*name="title"', page
    )
    assert offered, "the accept form offers a title"
    title = offered.group(1)
    response = client.post(
        f"/themes/{theme.id}/accept",
        data={
            "title": title,
            "summary": "Children miss school when transport to contact is not booked.",
            "owner": "Fostering service",
            "learning_status": "active_learning",
            "csrf_token": csrf_token(client.get(f"/themes/{theme.id}")),
        },
    )
    assert response.status_code == 302, response.get_data(as_text=True)
    return title


def members_of(theme: Theme) -> list[Report]:
    return list(
        db.session.scalars(
            sa.select(Report)
            .join(ThemeMember, ThemeMember.report_id == Report.id)
            .where(ThemeMember.theme_id == theme.id)
        )
    )


def confirmed_words(reports: list[Report]) -> set[str]:
    words: set[str] = set()
    for report in reports:
        if report.deidentified_on and report.redacted:
            for text in report.redacted.values():
                words |= set(re.findall(r"[a-z][a-z']*", text.lower()))
    return words


def editor_assembles_and_publishes(client: FlaskClient, theme: Theme) -> Bulletin:
    first, second = make_user(Role.EDITOR), make_user(Role.EDITOR)
    login(client, first)
    decided_at = db.session.get(Theme, theme.id).decided_at
    month = f"{decided_at:%Y-%m}"
    page = client.get("/bulletins/manage")
    response = client.post(
        "/bulletins/manage/assemble", data={"month": month, "csrf_token": csrf_token(page)}
    )
    assert response.status_code == 302
    bulletin = db.session.scalar(sa.select(Bulletin).order_by(Bulletin.id.desc()))
    assert [item.theme_id for item in bulletin.items if item.theme_id] == [theme.id]
    for url in (
        f"/bulletins/manage/{bulletin.id}",
        f"/bulletins/manage/{bulletin.id}/preview",
        f"/bulletins/manage/{bulletin.id}/preview/email",
        f"/bulletins/manage/{bulletin.id}/preview/email.html",
    ):
        assert_nowhere(client, [url])
    logout(client)
    bulletins.update_draft(bulletin, bulletin.title, "What we learned this month.")
    bulletins.submit(bulletin, first)
    bulletins.approve(bulletin, second)
    bulletins.publish(db.session, bulletin, second)
    db.session.commit()
    parts = issue_parts(bulletin, client.application.config)
    config = client.application.config
    sent = personalise(
        parts,
        Subscriber(id=0, email="reader@example.org"),
        config["SECRET_KEY"],
        config["BASE_URL"],
    )
    for text in (parts.subject, sent.text, sent.html):
        assert SURNAME.lower() not in text.lower()
    return bulletin


def test_after_redaction_and_acceptance_leaders_see_only_confirmed_words(
    app: Flask, client: FlaskClient, candidate: Theme
) -> None:
    reports = members_of(candidate)
    for report in reports:
        redact_the_surname(report, TODAY)
    db.session.commit()
    login(client, make_user(Role.REVIEWER))
    title = accept_with_the_offered_title(client, candidate)
    logout(client)
    assert SURNAME.lower() not in title.lower()
    db.session.expire_all()

    allowed = confirmed_words(reports) | {"recurring", "story", "factors"}
    headers = token_headers(Role.LEADER)
    (shown,) = client.get("/api/v1/themes?status=accepted", headers=headers).get_json()["themes"]
    assert shown["id"] == candidate.id
    assert shown["terms"], "the words a reviewer confirmed are shared"
    assert set(shown["terms"]) <= confirmed_words(reports)
    title_words = set(re.findall(r"[a-z][a-z']*", shown["title"].lower()))
    code_words = set(re.findall(r"[a-z][a-z']*", " ".join(shown["defining_codes"]).lower()))
    assert title_words <= allowed | code_words

    # The next night's run keeps the theme and its words; still nothing leaks.
    run_theme_job(app.test_cli_runner())
    assert family_theme().id == candidate.id
    leader_sees_no_surname(app, client, candidate)
    editor_assembles_and_publishes(client, candidate)
    public_sees_no_surname(app, client, candidate)


def test_a_title_typed_with_the_redacted_surname_is_not_shared(
    app: Flask, client: FlaskClient, candidate: Theme
) -> None:
    for report in members_of(candidate):
        redact_the_surname(report, TODAY)
    db.session.commit()
    login(client, make_user(Role.REVIEWER))
    page = client.get(f"/themes/{candidate.id}")
    client.post(
        f"/themes/{candidate.id}/accept",
        data={
            "title": f"The {SURNAME} family's transport",
            "summary": "Transport to contact fails.",
            "owner": "Fostering service",
            "learning_status": "monitoring",
            "csrf_token": csrf_token(page),
        },
    )
    # The panel keeps its own title, and is told what is shown in its place outside the panel.
    page = client.get(f"/themes/{candidate.id}").get_data(as_text=True)
    assert f"The {SURNAME} family" in page
    assert "Outside the review panel" in page
    logout(client)
    db.session.expire_all()
    shared = shared_themes(db.session, [candidate])[candidate.id]
    assert SURNAME.lower() not in shared.title.lower()
    leader_sees_no_surname(app, client, candidate)


def test_without_any_redaction_leaders_see_taxonomy_wording_only(
    app: Flask, client: FlaskClient, candidate: Theme
) -> None:
    login(client, make_user(Role.REVIEWER))
    title = accept_with_the_offered_title(client, candidate)
    logout(client)
    words = set(re.findall(r"[a-z][a-z']*", title.lower()))
    assert not words & set(candidate.terms)
    (shown,) = client.get(
        "/api/v1/themes?status=accepted", headers=token_headers(Role.LEADER)
    ).get_json()["themes"]
    assert shown["terms"] == []
    assert shown["title"] == title
    leader_sees_no_surname(app, client, candidate)
