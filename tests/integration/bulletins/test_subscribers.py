"""Signing up with double opt-in, importing a staff list, and the bulletin commands."""

from __future__ import annotations

import re
from pathlib import Path

import sqlalchemy as sa
from flask import Flask
from flask.testing import FlaskClient, FlaskCliRunner

from learnhub.bulletins.models import Subscriber, SubscriberStatus
from learnhub.core.extensions import db
from tests.factories import csrf_token
from tests.integration.bulletins.helpers import published_issue, subscribers
from tests.smtp import SmtpSink


def subscriber(email: str) -> Subscriber | None:
    return db.session.scalar(sa.select(Subscriber).where(Subscriber.email == email))


def sign_up(client: FlaskClient, email: str) -> str:
    page = client.get("/bulletins/subscribe")
    response = client.post(
        "/bulletins/subscribe", data={"email": email, "csrf_token": csrf_token(page)}
    )
    assert response.status_code == 200
    return response.get_data(as_text=True)


def test_sign_up_needs_the_emailed_link_before_anything_is_sent(
    app: Flask, client: FlaskClient, smtp_sink: SmtpSink
) -> None:
    reply = sign_up(client, "New.Person@Example.org")
    assert "Check your email" in reply
    person = subscriber("new.person@example.org")
    assert person is not None
    assert person.status == SubscriberStatus.PENDING
    (mail,) = smtp_sink.received
    assert mail.recipients == ["new.person@example.org"]
    body = mail.message.get_body(preferencelist=("plain",)).get_content()
    link = re.search(r"https?://\S+/bulletins/subscribe/confirm/(\S+)", body)
    assert link
    path = f"/bulletins/subscribe/confirm/{link.group(1)}"
    page = client.get(path)
    assert "Confirm subscription" in page.get_data(as_text=True)
    assert (
        subscriber("new.person@example.org").status == SubscriberStatus.PENDING
    )  # GET changes nothing
    done = client.post(path, data={"csrf_token": csrf_token(page)})
    assert "You are subscribed" in done.get_data(as_text=True)
    assert subscriber("new.person@example.org").status == SubscriberStatus.CONFIRMED
    assert client.get("/bulletins/subscribe/confirm/forged").status_code == 404


def test_the_page_says_the_same_for_a_known_address(
    app: Flask, client: FlaskClient, smtp_sink: SmtpSink
) -> None:
    subscribers(1)
    known = sign_up(client, "reader0@example.org")
    unknown = sign_up(client, "someone.else@example.org")
    strip = re.compile(r'name="csrf_token"[^>]*>|nonce="[^"]*"')
    assert strip.sub("", known) == strip.sub("", unknown)
    assert smtp_sink.recipients() == ["someone.else@example.org"]  # confirmed: nothing to send


def test_a_bad_address_keeps_what_was_typed(app: Flask, client: FlaskClient) -> None:
    page = client.get("/bulletins/subscribe")
    response = client.post(
        "/bulletins/subscribe", data={"email": "not an address", "csrf_token": csrf_token(page)}
    )
    text = response.get_data(as_text=True)
    assert "Enter an email address in the correct format" in text
    assert 'value="not an address"' in text
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Subscriber)) == 0


def test_import_adds_confirmed_reports_bad_lines_and_respects_unsubscribes(
    app: Flask, runner: FlaskCliRunner, tmp_path: Path
) -> None:
    (gone,) = subscribers(1, prefix="gone")
    gone.status = SubscriberStatus.UNSUBSCRIBED
    db.session.commit()
    staff = tmp_path / "staff.csv"
    staff.write_text(
        "name,email\nAda,ada@example.org\nBen,not-an-email\nAda again,ADA@example.org\n"
        "Gone,gone0@example.org\nCy,cy@example.org\n"
    )
    result = runner.invoke(args=["subscribers", "import", str(staff)])
    assert result.exit_code == 0, result.output
    assert "Line 3: 'not-an-email' is not an email address" in result.output
    assert "2 added" in result.output
    assert subscriber("ada@example.org").status == SubscriberStatus.CONFIRMED
    assert subscriber("gone0@example.org").status == SubscriberStatus.UNSUBSCRIBED
    again = runner.invoke(args=["subscribers", "import", str(staff)])
    assert "0 added" in again.output
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Subscriber)) == 3
    plain = tmp_path / "list.txt"
    plain.write_text("# staff\ndee@example.org\n\ncy@example.org\n")
    assert "1 added" in runner.invoke(args=["subscribers", "import", str(plain)]).output


def test_send_and_list_commands(app: Flask, runner: FlaskCliRunner, smtp_sink: SmtpSink) -> None:
    assert runner.invoke(args=["bulletins", "send", "--latest"]).exit_code == 1
    bulletin = published_issue()
    subscribers(2)
    smtp_sink.refuse.add("reader1@example.org")
    usage = runner.invoke(args=["bulletins", "send"])
    assert usage.exit_code == 2
    sent = runner.invoke(args=["bulletins", "send", str(bulletin.number)])
    assert sent.exit_code == 0, sent.output
    assert "1 sent, 1 refused" in sent.output
    again = runner.invoke(args=["bulletins", "send", "--latest"])
    assert "0 sent" in again.output
    listing = runner.invoke(args=["bulletins", "list"]).output
    assert "October 2026" in listing
    assert "published" in listing
    assert "1 sent, 1 failed_permanent" in listing
    assert runner.invoke(args=["bulletins", "send", "7"]).exit_code == 1


def test_when_the_email_cannot_be_sent_the_page_says_so_and_keeps_the_address(
    app: Flask, client: FlaskClient, smtp_sink: SmtpSink
) -> None:
    subscribers(1)
    smtp_sink.refuse_connection = "554 5.7.1 No service"
    page = client.get("/bulletins/subscribe")
    replies = []
    for email in ("someone.new@example.org", "reader0@example.org"):
        response = client.post(
            "/bulletins/subscribe", data={"email": email, "csrf_token": csrf_token(page)}
        )
        assert response.status_code == 503
        text = response.get_data(as_text=True)
        assert "Check your email" not in text
        assert "We could not send the confirmation email just now" in text
        assert "Press Subscribe again in a few minutes" in text
        assert f'value="{email}"' in text  # nothing typed is lost
        replies.append(text.replace(email, "EMAIL"))
    # Known or not, the page is the same: it tells no one who is subscribed.
    strip = re.compile(r'name="csrf_token"[^>]*>|nonce="[^"]*"')
    assert strip.sub("", replies[0]) == strip.sub("", replies[1])
    smtp_sink.refuse_connection = None
    assert "Check your email" in sign_up(client, "someone.new@example.org")
    assert smtp_sink.recipients() == ["someone.new@example.org"]
