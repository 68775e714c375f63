"""Back after Change (issue 19): every page of the reporter's path is the answer to a GET
(Post/Redirect/Get), so no browser asks to "Confirm Form Resubmission"; the answers wait
between pages sealed, readable by neither the store nor the cookie alone, and in no table; the
confirmation page speaks of a sent report only after a real Send."""

from __future__ import annotations

import sqlalchemy as sa
from flask import Flask
from flask.testing import FlaskClient
from werkzeug.datastructures import MultiDict

from learnhub.core.extensions import db
from learnhub.reports import drafts
from tests.factories import csrf_token
from tests.integration.reports.helpers import answers, hidden_fields, send_from_check_page

NARRATIVE = answers()["narrative"]
CHANGED = "The chronology arrived late because the case moved teams twice in a month."


def post_answers(client: FlaskClient, **overrides: str) -> str:
    """Continue on the form; the POST must answer with a redirect, never a page."""
    page = client.get("/report")
    posted = client.post("/report", data={**answers(**overrides), "csrf_token": csrf_token(page)})
    assert posted.status_code == 302, posted.get_data(as_text=True)[:500]
    return posted.headers["Location"]


def text_in_database(text: str) -> list[str]:
    """Every text column of every table holding ``text``."""
    found = []
    for table in db.metadata.sorted_tables:
        for column in table.columns:
            if isinstance(column.type, sa.String) and not isinstance(column.type, sa.Enum):
                query = sa.select(sa.func.count()).where(column.contains(text))
                if db.session.scalar(query.select_from(table)):
                    found.append(f"{table.name}.{column.name}")
    return found


def test_back_after_change_shows_the_changed_answers_by_get(client: FlaskClient) -> None:
    assert post_answers(client) == "/report/check"
    check_page = client.get("/report/check")
    assert "Check your answers" in check_page.get_data(as_text=True)

    # Change on the check page posts, and is answered with a redirect to the form.
    change = [*hidden_fields(check_page), ("change", "narrative")]
    changed = client.post("/report", data=MultiDict(change))
    assert changed.status_code == 302
    assert changed.headers["Location"] == "/report#narrative"
    form_page = client.get("/report").get_data(as_text=True)
    assert NARRATIVE in form_page
    assert 'value="2026"' in form_page

    # Continue with a new answer: a redirect again, to the check page.
    assert post_answers(client, narrative=CHANGED) == "/report/check"
    assert CHANGED in client.get("/report/check").get_data(as_text=True)

    # Back: the form, by GET, with the answers as they now are; Forward: the check page.
    back = client.get("/report")
    assert back.status_code == 200
    assert CHANGED in back.get_data(as_text=True)
    assert NARRATIVE not in back.get_data(as_text=True)
    forward = client.get("/report/check").get_data(as_text=True)
    assert "Check your answers" in forward
    assert CHANGED in forward


def test_answers_with_a_problem_are_shown_by_get_too(client: FlaskClient) -> None:
    assert post_answers(client, event_type="") == "/report/check"
    page = client.get("/report/check").get_data(as_text=True)
    assert "There is a problem" in page
    assert "Choose what kind of event this was" in page
    assert NARRATIVE in page  # nothing typed is lost


def test_the_waiting_answers_are_sealed_and_in_no_table(app: Flask, client: FlaskClient) -> None:
    post_answers(client)
    assert text_in_database("The chronology was missing") == []
    store = app.extensions["learnhub_shared_store"]
    kept = store.records(drafts.STORE_PREFIX)
    assert len(kept) == 1
    assert "chronology" not in str(kept)  # sealed
    with client.session_transaction() as session:
        assert "chronology" not in str(dict(session))  # the cookie holds a key, no answers
        held = session[drafts.SESSION_KEY]
    # The store alone cannot open it: another browser (another cookie) sees a blank form.
    other = app.test_client()
    assert "The chronology was missing" not in other.get("/report").get_data(as_text=True)
    # Nor can a cookie that names the draft with another key.
    name = held.split(".")[0]
    with other.session_transaction() as session:
        session[drafts.SESSION_KEY] = f"{name}.{'A' * 43}="
    assert "The chronology was missing" not in other.get("/report").get_data(as_text=True)
    # It expires on the hour, so its expiry never tells the minute it was saved.
    with store._lock:
        expires = next(iter(store._records.values()))[0]
    assert expires % 3600 == 0


def test_send_forgets_the_answers_and_back_finds_a_blank_form(
    app: Flask, client: FlaskClient
) -> None:
    post_answers(client)
    sent = send_from_check_page(client, client.get("/report/check"))
    assert sent.status_code == 302
    assert sent.headers["Location"] == "/report/confirmation"
    assert app.extensions["learnhub_shared_store"].records(drafts.STORE_PREFIX) == {}
    confirmation = client.get("/report/confirmation").get_data(as_text=True)
    assert "Report sent" in confirmation
    # Copy and Print are buttons only a script can work, so hidden until it does; without one
    # the page says how to print.
    assert 'data-copy-target="receipt" data-copy-status="receipt-copied" hidden' in confirmation
    assert "data-print-page hidden" in confirmation
    assert "use your browser's Print command" in confirmation
    # Back from the confirmation: the check page has nothing to show, so the blank form.
    assert client.get("/report/check").headers["Location"] == "/report"
    assert NARRATIVE not in client.get("/report").get_data(as_text=True)


def test_the_confirmation_page_opened_directly_says_nothing_was_sent(
    client: FlaskClient,
) -> None:
    opened = client.get("/report/confirmation")
    assert opened.status_code == 302
    assert opened.headers["Location"] == "/report"
    page = client.get("/report/confirmation", follow_redirects=True).get_data(as_text=True)
    assert "has been sent" not in page
    assert "Report sent" not in page
    assert "Tell us what happened" in page


def test_the_check_page_with_nothing_waiting_goes_to_the_form(client: FlaskClient) -> None:
    assert client.get("/report/check").headers["Location"] == "/report"
