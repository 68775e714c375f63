"""Filling in the report form the way a browser does, for the report tests."""

from __future__ import annotations

import re
from html import unescape
from typing import Any

from flask.testing import FlaskClient
from werkzeug.datastructures import MultiDict
from werkzeug.test import TestResponse

from tests.factories import csrf_token

RECEIPT = re.compile(r'id="receipt">([0-9A-Z-]{24})<')


def answers(**overrides: Any) -> dict[str, Any]:
    data: dict[str, Any] = {
        "narrative": "The chronology was missing after the case moved teams, so the visit "
        "went ahead without knowing about the earlier referral.",
        "what_nearly_happened": "The child could have been left at home with the risk unseen.",
        "potential_severity": "serious",
        "what_stopped_it": "A duty worker remembered the earlier referral.",
        "what_made_it_likely": "Three changes of worker in two months.",
        "what_would_help": "A handover checklist that includes the chronology.",
        "event_type": "near_miss",
        "event_month": "9",
        "event_year": "2026",
        "service_area": "",
        "reporter_role": "",
    }
    data.update(overrides)
    return data


def hidden_fields(page: TestResponse) -> list[tuple[str, str]]:
    html = page.get_data(as_text=True)
    form = html[html.index('action="/report/submit"') :]
    return [
        (unescape(name), unescape(value))
        for name, value in re.findall(
            r'<input type="hidden" name="([^"]+)" value="([^"]*)"', form[: form.index("</form>")]
        )
    ]


def continue_to_check(client: FlaskClient, **overrides: Any) -> TestResponse:
    page = client.get("/report")
    return client.post(
        "/report",
        data={**answers(**overrides), "csrf_token": csrf_token(page)},
        follow_redirects=True,
    )


def send_from_check_page(client: FlaskClient, check_page: TestResponse) -> TestResponse:
    return client.post("/report/submit", data=MultiDict(hidden_fields(check_page)))


def file_through_the_form(client: FlaskClient, **overrides: Any) -> str:
    """File a report as a browser would; return the receipt from the confirmation page."""
    check_page = continue_to_check(client, **overrides)
    assert "Check your answers" in check_page.get_data(as_text=True), check_page.get_data(
        as_text=True
    )[:2000]
    sent = send_from_check_page(client, check_page)
    assert sent.status_code == 302
    confirmation = client.get(sent.headers["Location"])
    match = RECEIPT.search(confirmation.get_data(as_text=True))
    assert match, "no receipt on the confirmation page"
    return match.group(1)
