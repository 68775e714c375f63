"""Text no database can store (a NUL, or the broken characters that bytes which are not UTF-8
become, such as CESU-8's encoding of a surrogate) posted in any form: the form comes back with
everything else that was typed, the answer without those characters, a message on the field in
the error summary, and nothing saved. One case for the reporter's forms and for a form of each
staff feature; a last test holds every form class in the app to the base that does this."""

from __future__ import annotations

import html
from collections.abc import Callable
from dataclasses import dataclass, field
from urllib.parse import urlencode

import pytest
import sqlalchemy as sa
from flask import Flask
from flask.testing import FlaskClient
from flask_wtf import FlaskForm

from learnhub.bulletins import services as bulletins
from learnhub.core.extensions import db
from learnhub.core.forms import LearnHubForm
from learnhub.core.permissions import Role
from learnhub.themes.models import ThemeStatus
from tests.factories import csrf_token, login, make_report, make_theme, make_user
from tests.integration.bulletins.helpers import PERIOD
from tests.integration.reports.helpers import answers
from tests.integration.taxonomy.test_pages import draft_v2

# Written into the answer that carries the bad characters, and found nowhere in the database
# unless something from the request was saved.
MARK = "Quillfeather"
HOLE = "ZZHOLEZZ"  # where the bad bytes go, after the body is encoded
BAD_BYTES = {
    "NUL": b"%00",
    "CESU-8 surrogate": b"\xed\xa0\x80",  # U+D800 as CESU-8 writes it: not UTF-8
    "percent-encoded surrogate": b"%ED%B0%80",
    "invalid byte": b"\xff",
}
MESSAGE = "contains characters that cannot be stored"


@dataclass(frozen=True)
class FormCase:
    name: str
    role: Role | None
    # Makes what the form needs; returns the page showing the form and the URL it posts to.
    prepare: Callable[[FlaskClient, Flask], tuple[str, str]]
    typed: dict[str, str]
    poisoned: str  # the field that gets the bad characters
    kept: list[str] = field(default_factory=list)  # also shown again (besides the poisoned text)


def same_page(url: str) -> Callable[[FlaskClient, Flask], tuple[str, str]]:
    return lambda client, app: (url, url)


def followup(client: FlaskClient, app: Flask) -> tuple[str, str]:
    _, receipt = make_report(receipt_key=app.config["RECEIPT_KEY"])
    page = client.get("/followup")
    opened = client.post("/followup", data={"receipt": receipt, "csrf_token": csrf_token(page)})
    assert opened.status_code == 302
    return "/followup/thread", "/followup/thread"


def report_page(action: str) -> Callable[[FlaskClient, Flask], tuple[str, str]]:
    def prepare(client: FlaskClient, app: Flask) -> tuple[str, str]:
        report, _ = make_report()
        return f"/review/reports/{report.reference}", f"/review/reports/{report.reference}/{action}"

    return prepare


def new_action(client: FlaskClient, app: Flask) -> tuple[str, str]:
    theme = make_theme(ThemeStatus.ACCEPTED)
    url = f"/actions/new?theme_id={theme.id}"
    return url, url


def theme_page(action: str) -> Callable[[FlaskClient, Flask], tuple[str, str]]:
    def prepare(client: FlaskClient, app: Flask) -> tuple[str, str]:
        theme = make_theme(ThemeStatus.CANDIDATE, "codes:EXT-1:kept")
        return f"/themes/{theme.id}", f"/themes/{theme.id}/{action}"

    return prepare


def bulletin_draft(client: FlaskClient, app: Flask) -> tuple[str, str]:
    bulletin = bulletins.assemble_draft(db.session, PERIOD)
    db.session.commit()
    url = f"/bulletins/manage/{bulletin.id}"
    return url, url


def taxonomy_draft(client: FlaskClient, app: Flask) -> tuple[str, str]:
    draft = draft_v2()
    return f"/admin/taxonomy/{draft.number}", f"/admin/taxonomy/{draft.number}/activate"


REPORT_ANSWERS = answers(what_would_help=f"A checklist {MARK} in every team")
CASES = [
    FormCase(
        "report form",
        None,
        same_page("/report"),
        REPORT_ANSWERS,
        "what_would_help",
        [REPORT_ANSWERS["narrative"]],
    ),
    FormCase(
        "follow-up: reply",
        None,
        followup,
        {"body": f"It was on the old system {MARK} only.", "confirm_identifiers": ""},
        "body",
    ),
    FormCase("follow-up: receipt", None, same_page("/followup"), {"receipt": MARK}, "receipt"),
    FormCase(
        "bulletins: subscribe",
        None,
        same_page("/bulletins/subscribe"),
        {"email": f"{MARK}@example.org"},
        "email",
    ),
    FormCase(
        "sign-in",
        None,
        same_page("/login"),
        {"email": f"{MARK}@example.org", "password": "correct horse battery staple"},
        "email",
    ),
    FormCase(
        "review: a question for the reporter",
        Role.REVIEWER,
        report_page("questions"),
        {"body": f"Which team held the {MARK} chronology?", "confirm_identifiers": ""},
        "body",
    ),
    FormCase(
        "review: redaction",
        Role.REVIEWER,
        report_page("redaction"),
        {"narrative": f"A handover note was not passed {MARK} on before a home visit."},
        "narrative",
    ),
    FormCase(
        "review: coding",
        Role.REVIEWER,
        report_page("coding"),
        {"codes": "EXT-1"},
        "codes",
    ),
    FormCase(
        "actions: a new action",
        Role.REVIEWER,
        new_action,
        {
            "description": f"A handover {MARK} checklist in every duty team",
            "owner": "Duty team manager",
            "due_day": "1",
            "due_month": "3",
            "due_year": "2027",
        },
        "description",
        ["Duty team manager"],
    ),
    FormCase(
        "themes: accept a candidate",
        Role.REVIEWER,
        theme_page("accept"),
        {
            "title": "Handover notes go missing",
            "summary": f"Notes are lost {MARK} when a case moves teams",
            "owner": "Principal social worker",
            "learning_status": "monitoring",
        },
        "summary",
        ["Handover notes go missing", "Principal social worker"],
    ),
    FormCase(
        "themes: dismiss a candidate",
        Role.REVIEWER,
        theme_page("dismiss"),
        {"reason": f"Already {MARK} covered by another theme"},
        "reason",
    ),
    FormCase(
        "bulletins: edit a draft",
        Role.EDITOR,
        bulletin_draft,
        {"title": "October's learning", "lead_markdown": f"This month we {MARK} learned."},
        "lead_markdown",
        ["October&#39;s learning"],
    ),
    FormCase(
        "admin: a new user",
        Role.ADMIN,
        same_page("/admin/users"),
        {
            "email": "new.reviewer@example.org",
            "display_name": f"Sam {MARK}",
            "role": "reviewer",
            "password": "a long temporary password",
        },
        "display_name",
        ["new.reviewer@example.org"],
    ),
    FormCase(
        "taxonomy: activate a draft",
        Role.ADMIN,
        taxonomy_draft,
        {
            "action-PRE-TEAM-2": "map",
            "to-PRE-TEAM-2": f"PRE-TEAM-6 {MARK}",
            "action-PRE-TEAM-3": "map",
            "to-PRE-TEAM-3": "PRE-TEAM-6",
            "action-SUP-5": "retire",
        },
        "to-PRE-TEAM-2",
    ),
]


def body_with(typed: dict[str, str], poisoned: str, bad: bytes, token: str) -> bytes:
    values = dict(typed)
    value = values[poisoned]
    values[poisoned] = value.replace(MARK, MARK + HOLE) if MARK in value else value + HOLE
    encoded = urlencode({**values, "csrf_token": token}).encode()
    return encoded.replace(HOLE.encode(), bad)


def stored_anywhere(word: str) -> list[str]:
    """Every text or JSON column of every table that holds ``word``."""
    found = []
    for table in db.metadata.sorted_tables:
        for column in table.columns:
            if isinstance(column.type, sa.String | sa.Text | sa.JSON):
                query = sa.select(sa.func.count()).where(sa.cast(column, sa.Text).like(f"%{word}%"))
                if db.session.scalar(query):
                    found.append(str(column))
    return found


def row_counts() -> dict[str, int]:
    return {
        table.name: db.session.scalar(sa.select(sa.func.count()).select_from(table)) or 0
        for table in db.metadata.sorted_tables
        if table.name not in ("audit_events", "audit_anchors")  # a page read is audited
    }


@pytest.mark.parametrize("bad", list(BAD_BYTES), ids=str)
@pytest.mark.parametrize("case", CASES, ids=lambda case: case.name)
def test_a_form_with_unstorable_text_comes_back_with_the_rest_of_the_answers(
    app: Flask, client: FlaskClient, case: FormCase, bad: str
) -> None:
    if case.role is not None:
        login(client, make_user(case.role))
    page_url, post_url = case.prepare(client, app)
    page = client.get(page_url)
    assert page.status_code == 200
    before = row_counts()

    response = client.post(
        post_url,
        data=body_with(case.typed, case.poisoned, BAD_BYTES[bad], csrf_token(page)),
        content_type="application/x-www-form-urlencoded",
    )

    body = response.get_data(as_text=True)
    assert response.status_code in (200, 400), (response.status_code, body[:3000])
    summary = body.split("There is a problem", 1)[1].split("</ul>", 1)[0]
    assert MESSAGE in summary, body
    if case.poisoned not in ("codes",):  # a checkbox is linked from the coding summary itself
        assert f'href="#{case.poisoned}"' in summary
    shown = html.unescape(body)
    typed = case.typed[case.poisoned]
    if case.poisoned not in ("codes", "password"):
        assert typed in shown  # the answer itself, less the characters taken out
    for text in case.kept:
        assert text in body
    db.session.expire_all()
    assert not stored_anywhere(MARK)
    assert row_counts() == before


def test_every_form_in_the_app_is_built_on_the_base_that_keeps_answers(app: Flask) -> None:
    def subclasses(cls: type) -> list[type]:
        return [sub for direct in cls.__subclasses__() for sub in [direct, *subclasses(direct)]]

    forms = [form for form in subclasses(FlaskForm) if form.__module__.startswith("learnhub.")]
    assert len(forms) >= 15
    assert [form for form in forms if not issubclass(form, LearnHubForm)] == []
