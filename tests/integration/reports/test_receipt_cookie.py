"""Between Send and the confirmation page the receipt travels in the session cookie, which is
signed but readable by anyone holding it: it must be there only sealed, and gone once shown."""

from __future__ import annotations

import json

from flask import Flask
from flask.testing import FlaskClient

from tests.integration.reports.helpers import RECEIPT, continue_to_check, send_from_check_page


def session_cookie(app: Flask, client: FlaskClient) -> tuple[str, dict[str, object]]:
    cookie = client.get_cookie(app.config["SESSION_COOKIE_NAME"])
    assert cookie is not None
    serializer = app.session_interface.get_signing_serializer(app)  # type: ignore[attr-defined]
    return cookie.value, serializer.loads(cookie.value)


def test_the_session_cookie_after_send_holds_no_receipt(app: Flask, client: FlaskClient) -> None:
    sent = send_from_check_page(client, continue_to_check(client))
    assert sent.status_code == 302
    raw, decoded = session_cookie(app, client)
    confirmation = client.get(sent.headers["Location"]).get_data(as_text=True)
    match = RECEIPT.search(confirmation)
    assert match, "the reporter still sees the receipt"
    receipt = match.group(1)
    text = json.dumps(decoded)
    for form in (receipt, receipt.replace("-", ""), receipt.lower()):
        assert form not in text
        assert form not in raw
    # Once shown it is gone from the cookie altogether, sealed or not.
    _, after = session_cookie(app, client)
    assert not any("receipt" in key for key in after)


def test_a_sealed_receipt_from_another_secret_or_tampered_shows_nothing(
    app: Flask, client: FlaskClient
) -> None:
    from learnhub.reports.views import RECEIPT_TO_SHOW, SENT_TOKENS

    with client.session_transaction() as session:
        session[RECEIPT_TO_SHOW] = "not-a-sealed-value"
        session[SENT_TOKENS] = ["a-check-page-key"]  # this browser did send a report
    page = client.get("/report/confirmation").get_data(as_text=True)
    assert 'id="receipt"' not in page
    assert "shown only once" in page
