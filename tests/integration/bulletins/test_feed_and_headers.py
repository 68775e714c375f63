"""Text from the database reaching XML (the Atom feed, the dashboard's SVG charts) and mail
headers: characters those formats cannot carry are cleaned where they are written, and titles
refuse line breaks where they are set."""

from __future__ import annotations

import datetime as dt
from xml.etree import ElementTree as ET

import pytest
import sqlalchemy as sa
from flask import Flask
from flask.testing import FlaskClient

from learnhub.bulletins import emails, services
from learnhub.bulletins.models import Bulletin, Delivery
from learnhub.core.email import SmtpSettings, build_message
from learnhub.core.extensions import db
from tests.factories import csrf_token, login
from tests.integration.bulletins.helpers import PERIOD, editors, published_issue, subscribers
from tests.smtp import SmtpSink

ATOM = "{http://www.w3.org/2005/Atom}"
BAD_TITLE = "Handovers\nBcc: everyone@example.org\x0b\r and \x1b[1m visits\u2028again"
ASCII_TITLE = "Handovers\nBcc: everyone@example.org\r\n\x0b and visits"
BAD_LEAD = "The rota\x0b changed\x00 and \x1f the \ud800 visits \ufffe were kept."


def bad_issue_already_stored(title: str = BAD_TITLE) -> Bulletin:
    """A published issue whose row already holds what today's forms refuse (an older version
    let it in, or someone edited the database): the feed and the send must still work."""
    bulletin = published_issue()
    db.session.execute(
        sa.update(Bulletin)
        .where(Bulletin.id == bulletin.id)
        .values(
            title=title,
            published_html=f"<p>{BAD_LEAD.replace(chr(0), '').replace(chr(0xD800), '')}</p>",
            published_text=BAD_LEAD.replace("\x00", "").replace("\ud800", ""),
        )
    )
    db.session.commit()
    db.session.expire_all()
    return db.session.get(Bulletin, bulletin.id)


def test_the_feed_of_an_issue_with_control_characters_is_valid_xml(
    app: Flask, client: FlaskClient
) -> None:
    bulletin = bad_issue_already_stored()
    response = client.get("/bulletins/feed.atom")
    assert response.status_code == 200
    # Parsing raises on any character XML 1.0 cannot carry.
    root = ET.fromstring(response.get_data())  # noqa: S314 - our own feed
    entry = root.find(f"{ATOM}entry")
    assert entry is not None
    title = entry.findtext(f"{ATOM}title") or ""
    assert title.startswith(f"Issue {bulletin.number}: Handovers")
    assert "\x0b" not in title
    assert "\x1b" not in title
    content = entry.findtext(f"{ATOM}content") or ""
    assert "The rota changed" in content.replace("\x0b", "")
    assert "were kept." in content


@pytest.mark.parametrize("title", [ASCII_TITLE, BAD_TITLE], ids=["ascii", "unicode"])
def test_a_send_of_an_issue_with_a_newline_in_its_title_completes(
    app: Flask, smtp_sink: SmtpSink, title: str
) -> None:
    bulletin = bad_issue_already_stored(title)
    people = subscribers(3)
    result = emails.send_issue(db.session, bulletin, app.config)
    assert result.sent == 3
    statuses = set(
        db.session.scalars(sa.select(Delivery.status).where(Delivery.bulletin_id == bulletin.id))
    )
    assert {status.value for status in statuses} == {"sent"}
    assert sorted(smtp_sink.recipients()) == sorted(p.email for p in people)
    message = smtp_sink.received[0].message
    subject = str(message["Subject"])
    assert subject.startswith("Handovers Bcc: everyone@example.org")
    assert not any(ch in subject for ch in "\r\n\x0b\x1b\u2028")
    assert message["Bcc"] is None  # the newline did not start a header of its own
    assert {r.recipients[0] for r in smtp_sink.received} == {p.email for p in people}


def test_every_header_built_from_data_is_one_clean_line(app: Flask) -> None:
    settings = SmtpSettings(
        host="127.0.0.1",
        port=25,
        username=None,
        password=None,
        starttls=False,
        timeout=5,
        sender="LearnHub\r\nBcc: x@example.org <learnhub@example.org>",
    )
    message = build_message(
        settings,
        "owner@example.org\n",
        "Your actions\x0b\r\nX-Injected: yes",
        "text",
        headers={"List-Id": "a\nb"},
    )
    raw = message.as_bytes()
    headers = raw.split(b"\n\n", 1)[0].decode()
    assert "X-Injected" not in headers.replace("Subject: Your actions X-Injected: yes", "")
    assert "Bcc:" not in headers.replace("LearnHub Bcc:", "")
    assert str(message["Subject"]) == "Your actions X-Injected: yes"
    assert str(message["List-Id"]) == "a b"
    assert str(message["To"]) == "owner@example.org"


@pytest.mark.parametrize(
    "title", ["Two\nlines", "Carriage\rreturn", "Vertical\x0btab", "Line\u2028separator"]
)
def test_a_bulletin_title_with_a_line_break_is_refused_on_the_form(
    app: Flask, client: FlaskClient, title: str
) -> None:
    first, _ = editors()
    bulletin = services.assemble_draft(db.session, PERIOD)
    db.session.commit()
    login(client, first)
    page = client.get(f"/bulletins/manage/{bulletin.id}")
    response = client.post(
        f"/bulletins/manage/{bulletin.id}",
        data={"csrf_token": csrf_token(page), "title": title, "lead_markdown": "Kept lead"},
    )
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    assert "Title must be one line" in html
    assert "Kept lead" in html  # what the editor typed is still on the page
    db.session.expire_all()
    assert db.session.get(Bulletin, bulletin.id).title == services.month_title(PERIOD)


def test_the_bulletin_service_refuses_a_title_with_a_line_break(app: Flask) -> None:
    bulletin = services.assemble_draft(db.session, dt.date(2026, 9, 1))
    with pytest.raises(services.BulletinError, match="one line"):
        services.update_draft(bulletin, "Two\nlines", "")
