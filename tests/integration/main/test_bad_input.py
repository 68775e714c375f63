"""Finding 5 of issue 16, case by case: input anyone can send that used to be a 500. Each is now
a 400, 404 or 422 with a message saying what is wrong, and a form keeps what was typed."""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass

import pytest
from flask.testing import FlaskClient
from werkzeug.test import TestResponse

from learnhub.core.permissions import Role
from learnhub.themes.models import ThemeStatus
from tests.factories import csrf_token, login, make_theme, make_user
from tests.integration.reports.helpers import continue_to_check

NARRATIVE = "The chronology was missing after the case moved teams"
HUGE = "99999999999"  # above 2**31 - 1, the largest id PostgreSQL's integer column holds


@dataclass(frozen=True)
class Case:
    name: str
    role: Role | None
    send: Callable[[FlaskClient], TestResponse]
    statuses: tuple[int, ...]
    message: str
    kept: str | None = None  # text the reporter typed that the answer must show again


def get(url: str, **kwargs: object) -> Callable[[FlaskClient], TestResponse]:
    return lambda client: client.get(url, **kwargs)


def post_json(url: str, body: str | bytes) -> Callable[[FlaskClient], TestResponse]:
    return lambda client: client.post(url, data=body, content_type="application/json")


def report_form(**overrides: str) -> Callable[[FlaskClient], TestResponse]:
    return lambda client: continue_to_check(client, **overrides)


def report_api(**fields: object) -> str:
    body: dict[str, object] = {
        "narrative": NARRATIVE,
        "event_type": "near_miss",
        "event_month": "2026-09",
    }
    body.update(fields)
    return json.dumps(body)


def new_action_for_a_theme(client: FlaskClient, **overrides: str) -> TestResponse:
    theme = make_theme(ThemeStatus.ACCEPTED)
    url = f"/actions/new?theme_id={theme.id}"
    page = client.get(url)
    data = {
        "description": "A handover checklist in every duty team",
        "owner": "Duty team manager",
        "due_day": "1",
        "due_month": "3",
        "due_year": "2027",
        "csrf_token": csrf_token(page),
        **overrides,
    }
    return client.post(url, data=data)


DEEP = "[" * 100_000 + "]" * 100_000
CESU_8_SURROGATE = report_api(narrative="@").encode().replace(b"@", b"\xed\xa0\x80")

CASES = [
    Case(
        "report form: year 0000",
        None,
        report_form(event_year="0000"),
        (200,),
        "Year must be",
        NARRATIVE,
    ),
    Case(
        "report form: superscript digits in the year",
        None,
        report_form(event_year="²⁰²⁶"),
        (200,),
        "Year must be",
        NARRATIVE,
    ),
    Case(
        "report form: superscript digits in the month",
        None,
        report_form(event_month="²"),
        (200,),
        "Month must be",
        NARRATIVE,
    ),
    Case(
        "report form: NUL in an answer",
        None,
        report_form(what_would_help="a checklist\x00 in every team"),
        (200, 400),
        "cannot be stored",
        "a checklist in every team",
    ),
    Case(
        "API: escaped lone surrogate in a string",
        None,
        post_json("/api/v1/reports", report_api(narrative="before \ud800 after")),
        (422,),
        "narrative",
    ),
    Case(
        "API: raw CESU-8 surrogate bytes in a string",
        None,
        post_json("/api/v1/reports", CESU_8_SURROGATE),
        (400, 422),
        "narrative",
    ),
    Case(
        "API: lone surrogate in a key",
        None,
        post_json("/api/v1/reports", '{"\\udfff": 1}'),
        (400, 422),
        "cannot contain",
    ),
    Case(
        "API: deeply nested JSON",
        None,
        post_json("/api/v1/reports", DEEP),
        (400,),
        "nested",
    ),
    Case(
        "API: deeply nested JSON inside a field",
        Role.REVIEWER,
        post_json("/api/v1/reports/LR-00000-00000/suggestions", '{"a": ' + DEEP + "}"),
        (400,),
        "nested",
    ),
    Case("public bulletin: huge number", None, get(f"/bulletins/{HUGE}"), (404,), "not found"),
    Case(
        "API theme: huge id",
        Role.LEADER,
        get(f"/api/v1/themes/{HUGE}"),
        (404,),
        "not found",
    ),
    Case(
        "bulletin editor: huge id",
        Role.EDITOR,
        get(f"/bulletins/manage/{HUGE}"),
        (404,),
        "not found",
    ),
    Case(
        "taxonomy version: huge number",
        Role.ADMIN,
        get(f"/admin/taxonomy/{HUGE}"),
        (404,),
        "not found",
    ),
    Case(
        "taxonomy version: a number beyond 64 bits",
        Role.ADMIN,
        get("/admin/taxonomy/" + "9" * 30),
        (404,),
        "not found",
    ),
    Case("NUL in a path value", None, get("/taxonomy/EXT%00"), (400,), "cannot contain"),
    Case(
        "NUL in a report reference",
        Role.REVIEWER,
        get("/review/reports/LR-%00"),
        (400,),
        "cannot contain",
    ),
    Case(
        "NUL in a subscription token",
        None,
        get("/bulletins/subscribe/confirm/a%00b"),
        (400,),
        "cannot contain",
    ),
    Case("review queue: ?page=²", Role.REVIEWER, get("/review/?page=²"), (400,), "whole number"),
    Case("audit trail: ?page=²", Role.ADMIN, get("/admin/audit?page=²"), (400,), "whole number"),
    Case(
        "new action: ?theme_id=²",
        Role.REVIEWER,
        get("/actions/new?theme_id=²"),
        (404,),
        "not found",
    ),
    Case(
        "new action: an overlong due day",
        Role.REVIEWER,
        lambda client: new_action_for_a_theme(client, due_day="9" * 25),
        (200,),
        "The due date must be a real date",
        "A handover checklist in every duty team",
    ),
    Case(
        "new action: superscript digits in the due date",
        Role.REVIEWER,
        lambda client: new_action_for_a_theme(client, due_month="²"),
        (200,),
        "The due date must be a real date",
        "A handover checklist in every duty team",
    ),
    Case(
        "audit trail: until the last day there is",
        Role.ADMIN,
        get("/admin/audit?until=9999-12-31"),
        (200, 400),
        "Enter a date",
    ),
    Case(
        "audit trail: since the last day there is",
        Role.ADMIN,
        get("/admin/audit?since=9999-12-31"),
        (200, 400),
        "Enter a date",
    ),
]


@pytest.mark.parametrize("case", CASES, ids=lambda case: case.name)
def test_bad_input_is_answered_with_a_message_not_a_500(client: FlaskClient, case: Case) -> None:
    if case.role is not None:
        login(client, make_user(case.role))
    response = case.send(client)
    body = response.get_data(as_text=True)
    assert response.status_code in case.statuses, (response.status_code, body[:2000])
    assert case.message.lower() in body.lower()
    if case.kept is not None:
        assert case.kept in body


def test_a_deep_json_body_is_refused_without_a_traceback_in_the_log(
    client: FlaskClient, caplog: pytest.LogCaptureFixture
) -> None:
    response = client.post("/api/v1/reports", data=DEEP, content_type="application/json")
    assert response.status_code == 400
    assert response.mimetype == "application/problem+json"
    assert not [record for record in caplog.records if record.exc_info]
