"""Sending an issue through a real SMTP server (aiosmtpd in this process)."""

from __future__ import annotations

import re
from typing import Any

import pytest
import sqlalchemy as sa
from flask import Flask
from flask.testing import FlaskClient

from learnhub.bulletins import rendering, sending
from learnhub.bulletins.models import Delivery, DeliveryStatus, Subscriber, SubscriberStatus
from learnhub.core.extensions import db
from tests.factories import login
from tests.integration.bulletins.helpers import editors, published_issue, subscribers
from tests.smtp import SmtpSink


def statuses(bulletin_id: int) -> dict[str, str]:
    rows = db.session.execute(
        sa.select(Subscriber.email, Delivery.status)
        .join(Delivery, Delivery.subscriber_id == Subscriber.id)
        .where(Delivery.bulletin_id == bulletin_id)
    )
    return {email: status.value for email, status in rows}


def test_each_subscriber_gets_both_parts_and_the_unsubscribe_headers(
    app: Flask, smtp_sink: SmtpSink
) -> None:
    bulletin = published_issue(lead="We **changed** the duty rota.")
    people = subscribers(3)
    db.session.add(
        Subscriber(email="pending@example.org", status=SubscriberStatus.PENDING, source="signup")
    )
    db.session.commit()
    result = sending.send_issue(db.session, bulletin, app.config, commit=db.session.commit)
    assert result.sent == 3
    assert sorted(smtp_sink.recipients()) == sorted(p.email for p in people)
    assert smtp_sink.sessions <= sending.CONNECTIONS  # a few connections, reused
    message = smtp_sink.received[0].message
    assert message["Subject"] == f"{bulletin.title} (issue 1)"
    text = message.get_body(preferencelist=("plain",)).get_content()
    html = message.get_body(preferencelist=("html",)).get_content()
    assert "We **changed** the duty rota." in text
    assert "<strong>changed</strong>" in html
    assert '<html lang="en-GB">' in html
    assert "<img" not in html  # nothing lives only in a picture
    assert "http://127.0.0.1:5000/bulletins/1" in text
    header = message["List-Unsubscribe"]
    match = re.fullmatch(
        r"<(https?://[^>]+/bulletins/unsubscribe/[^>]+)>, <(mailto:[^>]+)>", header
    )
    assert match, header
    assert match.group(1) in text
    assert match.group(1) in html
    assert message["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    assert set(statuses(bulletin.id).values()) == {"sent"}
    assert "pending@example.org" not in statuses(bulletin.id)


def test_sending_again_sends_nothing(app: Flask, smtp_sink: SmtpSink) -> None:
    bulletin = published_issue()
    subscribers(4)
    sending.send_issue(db.session, bulletin, app.config, commit=db.session.commit)
    again = sending.send_issue(db.session, bulletin, app.config, commit=db.session.commit)
    assert again.sent == 0
    assert len(smtp_sink.received) == 4
    # Someone who confirms later is owed the issue: the next send reaches only them.
    subscribers(1, prefix="late")
    later = sending.send_issue(db.session, bulletin, app.config, commit=db.session.commit)
    assert later.sent == 1
    assert smtp_sink.recipients()[-1] == "late0@example.org"


def test_a_refused_recipient_is_a_permanent_failure_shown_to_the_editor(
    app: Flask, client: FlaskClient, smtp_sink: SmtpSink
) -> None:
    bulletin = published_issue()
    subscribers(3)
    smtp_sink.refuse.add("reader1@example.org")
    result = sending.send_issue(db.session, bulletin, app.config, commit=db.session.commit)
    assert (result.sent, result.failed_permanent) == (2, 1)
    assert statuses(bulletin.id)["reader1@example.org"] == "failed_permanent"
    row = db.session.scalar(
        sa.select(Delivery).where(Delivery.status == DeliveryStatus.FAILED_PERMANENT)
    )
    assert row.last_error.startswith("550")
    assert row.attempts == 1
    assert (
        sending.send_issue(db.session, bulletin, app.config, commit=db.session.commit).sent == 0
    )  # not retried
    bulletin_id = bulletin.id
    editor, _ = editors()
    login(client, editor)
    page = client.get(f"/bulletins/manage/{bulletin_id}").get_data(as_text=True)
    assert "550 5.1.1 No such mailbox here" in page
    assert "Refused by the mail server" in page
    assert "reader1@example.org" in page  # the address, not a number


def test_one_click_unsubscribe_needs_no_session(app: Flask, smtp_sink: SmtpSink) -> None:
    bulletin = published_issue()
    (person,) = subscribers(1)
    sending.send_issue(db.session, bulletin, app.config, commit=db.session.commit)
    url = re.search(r"<(https?://[^>]+)>", smtp_sink.received[0].message["List-Unsubscribe"])[1]
    path = "/" + url.split("/", 3)[3]
    fresh = app.test_client()  # no cookies, no CSRF token: as a mail client posts it
    page = fresh.get(path)
    assert page.status_code == 200
    assert "Unsubscribe</button>" in page.get_data(as_text=True)
    assert db.session.get(Subscriber, person.id).status == SubscriberStatus.CONFIRMED
    done = fresh.post(path, data={"List-Unsubscribe": "One-Click"})
    assert done.status_code == 200
    assert db.session.get(Subscriber, person.id).status == SubscriberStatus.UNSUBSCRIBED
    assert fresh.post(path).status_code == 200  # twice is harmless
    assert fresh.post(path[:-3] + "xyz").status_code == 404


def test_an_unsubscribed_person_is_not_sent_the_rest(app: Flask, smtp_sink: SmtpSink) -> None:
    bulletin = published_issue()
    people = subscribers(2)
    sending.create_deliveries(db.session, bulletin)
    people[1].status = SubscriberStatus.UNSUBSCRIBED
    db.session.commit()
    sending.send_issue(db.session, bulletin, app.config, commit=db.session.commit)
    assert smtp_sink.recipients() == ["reader0@example.org"]


class DroppingSink(SmtpSink):
    """Closes the connection when the (n+1)th message begins, as a failing server might."""

    def __init__(self, after: int, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.after = after
        self.dropped = False

    async def handle_MAIL(  # noqa: N802
        self, server: Any, session: Any, envelope: Any, address: str, options: list[str]
    ) -> str:
        if not self.dropped and len(self.received) >= self.after:
            self.dropped = True
            server.transport.close()
            return "421 closing"
        envelope.mail_from = address
        return "250 OK"


def test_a_dropped_connection_resumes_with_no_one_twice_and_no_one_missed(
    app: Flask, smtp_sink: SmtpSink
) -> None:
    from aiosmtpd.controller import Controller

    from tests.smtp import _free_port

    sink = DroppingSink(after=7)
    controller = Controller(sink, hostname="127.0.0.1", port=_free_port())
    controller.start()
    try:
        app.config["SMTP_PORT"] = controller.port
        bulletin = published_issue()
        people = subscribers(20)
        with pytest.raises(sending.SendInterrupted):
            sending.send_issue(
                db.session, bulletin, app.config, commit=db.session.commit, batch_size=5
            )
        after = statuses(bulletin.id)
        assert 7 <= list(after.values()).count("sent") == len(sink.received) < 20
        # A message that met the closed connection had not been handed over: retried.
        assert "failed_temporary" in after.values()
        sending.send_issue(db.session, bulletin, app.config, commit=db.session.commit, batch_size=5)
        assert sorted(sink.recipients()) == sorted(p.email for p in people)
    finally:
        controller.stop()


def test_rows_a_dead_sender_left_are_recovered_at_most_once(
    app: Flask, smtp_sink: SmtpSink
) -> None:
    """Stage a dead run exactly as the sender leaves one: a claimed batch (every row with its
    Message-ID, committed before any was handed over) whose first row's outcome was committed;
    the others may have been accepted by the server before the crash, or never started."""
    bulletin = published_issue()
    subscribers(8)
    sending.create_deliveries(db.session, bulletin)
    batch = [
        db.session.get(Delivery, row.delivery_id) for row in sending._claim(db.session, bulletin, 4)
    ]
    assert all(row.message_id and row.status == DeliveryStatus.SENDING for row in batch)
    batch[0].status = DeliveryStatus.SENT
    # A row claimed by an older sender, which wrote Message-IDs one by one: none, never handed over.
    legacy = db.session.scalar(
        sa.select(Delivery).where(Delivery.status == DeliveryStatus.PENDING).limit(1)
    )
    legacy.status = DeliveryStatus.SENDING
    db.session.commit()
    result = sending.send_issue(db.session, bulletin, app.config, commit=db.session.commit)
    after = statuses(bulletin.id)
    assert after["reader0@example.org"] == "sent"  # committed before the crash
    # The rest of the batch may have arrived: uncertain, with the Message-ID to look up.
    for row in batch[1:]:
        db.session.refresh(row)
        assert row.status == DeliveryStatus.FAILED_TEMPORARY
        assert row.last_error.startswith(sending.UNCERTAIN)
        assert row.message_id in row.last_error
    assert result.uncertain == 3
    # The legacy row and the unclaimed rows went out, once each; no row of the batch did.
    assert sorted(smtp_sink.recipients()) == [f"reader{i}@example.org" for i in (4, 5, 6, 7)]
    assert sending.send_issue(db.session, bulletin, app.config, commit=db.session.commit).sent == 0
    # The editor decides: send the uncertain ones again.
    assert sending.resend_uncertain(db.session, bulletin) == 3
    db.session.commit()
    sending.send_issue(db.session, bulletin, app.config, commit=db.session.commit)
    assert sorted(smtp_sink.recipients()[4:]) == [f"reader{i}@example.org" for i in (1, 2, 3)]


def test_each_batch_is_claimed_in_one_commit_with_the_message_ids_sent(
    app: Flask, smtp_sink: SmtpSink
) -> None:
    bulletin = published_issue()
    subscribers(23)
    result = sending.send_issue(
        db.session, bulletin, app.config, commit=db.session.commit, batch_size=10
    )
    assert result.sent == 23
    rows = db.session.scalars(sa.select(Delivery).where(Delivery.bulletin_id == bulletin.id))
    rows = list(rows)
    # One claim per batch: every row of a batch carries that claim's time.
    assert len({row.last_attempt_at for row in rows}) == 3
    # The Message-ID committed with the claim is the one the server received.
    received = {item.recipients[0]: item.message["Message-ID"] for item in smtp_sink.received}
    people = {row.subscriber_id: row.message_id for row in rows}
    emails_by_id = dict(db.session.execute(sa.select(Subscriber.id, Subscriber.email)).all())
    assert {emails_by_id[key]: value for key, value in people.items()} == received
    assert all(row.attempts == 1 for row in rows)


def test_a_message_that_cannot_be_built_is_never_uncertain(
    app: Flask, smtp_sink: SmtpSink, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A fault of ours while building a message stops the send; that row was never handed over,
    so it is owed again (not uncertain), and the next run finishes with no one twice."""
    bulletin = published_issue()
    people = subscribers(12)
    build = rendering.bulletin_message

    def broken_for_reader5(*args: Any, **kwargs: Any) -> Any:
        if args[2].email == "reader5@example.org":
            raise RuntimeError("a template fault")
        return build(*args, **kwargs)

    monkeypatch.setattr(rendering, "bulletin_message", broken_for_reader5)
    with pytest.raises(RuntimeError, match="a template fault"):
        sending.send_issue(
            db.session, bulletin, app.config, commit=db.session.commit, batch_size=4, connections=1
        )
    row = db.session.scalar(
        sa.select(Delivery)
        .join(Subscriber, Subscriber.id == Delivery.subscriber_id)
        .where(Subscriber.email == "reader5@example.org")
    )
    assert (row.status, row.message_id, row.attempts) == (DeliveryStatus.PENDING, None, 0)
    assert sending._count_uncertain(db.session, bulletin) == 0
    monkeypatch.setattr(rendering, "bulletin_message", build)
    sending.send_issue(db.session, bulletin, app.config, commit=db.session.commit)
    received = smtp_sink.recipients()
    assert sorted(received) == sorted(p.email for p in people)


@pytest.mark.parametrize(
    ("where", "answer"),
    [
        ("refuse_mail_from", "554 5.7.1 Relay access denied"),
        ("refuse_mail_from", "500 5.5.1 Mis-set relay"),
        ("refuse_connection", "554 5.7.1 No service for you"),
    ],
)
def test_a_5xx_for_the_whole_connection_is_temporary_and_retried_with_back_off(
    app: Flask, smtp_sink: SmtpSink, where: str, answer: str
) -> None:
    import datetime as dt

    from learnhub.bulletins.jobs import send_scheduled_bulletin
    from learnhub.core.time import utcnow

    bulletin = published_issue()
    people = subscribers(5)
    setattr(smtp_sink, where, answer)
    with pytest.raises(sending.SendInterrupted, match=answer.split()[0]):
        sending.send_issue(db.session, bulletin, app.config, commit=db.session.commit)
    after = statuses(bulletin.id)
    assert set(after.values()) == {"failed_temporary"}, after  # never "refused"
    assert sending.delivery_state(db.session, bulletin.id).refused == 0
    # The scheduled send waits (5 minutes, then longer), then carries on by itself.
    retry_at = sending.next_retry_at(db.session, bulletin)
    assert retry_at is not None
    assert dt.timedelta(minutes=4) < retry_at - utcnow() <= sending.RETRY_FIRST_WAIT
    assert "next retry" in send_scheduled_bulletin(utcnow())
    setattr(smtp_sink, where, None)  # the relay is fixed
    message = send_scheduled_bulletin(retry_at + dt.timedelta(seconds=1))
    assert "5 sent, 0 refused" in message
    assert sorted(smtp_sink.recipients()) == sorted(p.email for p in people)


def test_the_back_off_grows_with_each_try() -> None:
    waits = [sending.retry_wait(n).total_seconds() / 60 for n in range(1, 9)]
    assert waits == [5, 10, 20, 40, 80, 160, 240, 240]


def test_the_command_and_the_page_give_the_same_counts(
    app: Flask, client: FlaskClient, smtp_sink: SmtpSink
) -> None:
    bulletin = published_issue()
    subscribers(5)
    smtp_sink.refuse.update({"reader1@example.org", "reader3@example.org"})
    runner = app.test_cli_runner()
    first = runner.invoke(args=["bulletins", "send", "1"])
    assert first.exit_code == 0, first.output
    again = runner.invoke(args=["bulletins", "send", "1"])
    assert "3 sent, 2 refused, 0 still to go or to retry" in first.output
    # Run again, the command still tells the issue's totals, not "0 sent, 0 refused".
    assert "3 sent, 2 refused, 0 still to go or to retry" in again.output
    assert "This run: 0 sent, 0 refused" in again.output
    bulletin_id = bulletin.id
    editor, _ = editors()
    login(client, editor)
    page = client.get(f"/bulletins/manage/{bulletin_id}").get_data(as_text=True)
    assert "3 sent, 2 refused, 0 still to go or to retry" in page
    listing = client.get("/bulletins/manage").get_data(as_text=True)
    assert "3 sent, 2 refused, 0 still to go or to retry" in listing


def test_editors_send_from_the_page_after_a_confirmation(
    app: Flask, client: FlaskClient, smtp_sink: SmtpSink
) -> None:
    from tests.factories import csrf_token

    bulletin = published_issue()
    subscribers(3)
    bulletin_id = bulletin.id
    editor, _ = editors()
    login(client, editor)
    page = client.get(f"/bulletins/manage/{bulletin_id}").get_data(as_text=True)
    assert f"/bulletins/manage/{bulletin_id}/send" in page
    assert "Send now" in page
    assert "goes to subscribers at <strong>09:00" in page
    confirm_page = client.get(f"/bulletins/manage/{bulletin_id}/send")
    confirm = confirm_page.get_data(as_text=True)
    assert smtp_sink.received == []  # looking at the confirmation sends nothing
    assert "Everyone who has not had it yet: 3 addresses" in confirm
    # Only choices with someone in them: nothing has failed, nothing is uncertain.
    assert "uncertain" not in confirm.lower()
    assert "failed for a while" not in confirm
    token = csrf_token(confirm_page)
    missing = client.post(f"/bulletins/manage/{bulletin_id}/send", data={"csrf_token": token})
    assert missing.status_code == 400
    assert "Choose who to send the issue to" in missing.get_data(as_text=True)
    assert smtp_sink.received == []
    done = client.post(
        f"/bulletins/manage/{bulletin_id}/send",
        data={"csrf_token": token, "which": "owed"},
        follow_redirects=True,
    )
    assert len(smtp_sink.received) == 3
    assert "3 sent, 0 refused" in done.get_data(as_text=True)
    nothing_left = client.get(f"/bulletins/manage/{bulletin_id}/send").get_data(as_text=True)
    assert "every confirmed subscriber has had it" in nothing_left


def test_editors_retry_the_failed_ones_from_the_page(
    app: Flask, client: FlaskClient, smtp_sink: SmtpSink
) -> None:
    from tests.factories import csrf_token

    bulletin = published_issue()
    subscribers(4)
    smtp_sink.refuse_mail_from = "554 5.7.1 Relay access denied"
    bulletin_id = bulletin.id
    editor, _ = editors()
    login(client, editor)
    confirm_page = client.get(f"/bulletins/manage/{bulletin_id}/send")
    confirm = confirm_page.get_data(as_text=True)
    stopped = client.post(
        f"/bulletins/manage/{bulletin_id}/send",
        data={"csrf_token": csrf_token(confirm_page), "which": "owed"},
        follow_redirects=True,
    ).get_data(as_text=True)
    assert "The mail server stopped the send (554 5.7.1 Relay access denied)" in stopped
    assert "No address was marked as refused" in stopped
    assert "reader2@example.org" in stopped
    assert "Failed for now: tried again later" in stopped
    smtp_sink.refuse_mail_from = None
    confirm_page = client.get(f"/bulletins/manage/{bulletin_id}/send")
    confirm = confirm_page.get_data(as_text=True)
    assert "The addresses that failed for a while (tried again now): 4 addresses" in confirm
    assert "refused (if the cause is fixed)" not in confirm
    client.post(
        f"/bulletins/manage/{bulletin_id}/send",
        data={"csrf_token": csrf_token(confirm_page), "which": "failed"},
    )
    assert len(smtp_sink.received) == 4
    assert set(statuses(bulletin_id).values()) == {"sent"}


def test_the_plain_text_part_reads_well(app: Flask, smtp_sink: SmtpSink) -> None:
    bulletin = published_issue(
        lead="Thanks.\n\nIf something nearly went wrong, "
        "[tell us about it on the reporting page](/report)."
    )
    subscribers(1)
    sending.send_issue(db.session, bulletin, app.config, commit=db.session.commit)
    text = smtp_sink.received[0].message.get_body(preferencelist=("plain",)).get_content()
    base = app.config["BASE_URL"]
    assert f"tell us about it on the reporting page ({base}/report)" in text
    assert "This month in numbers (October 2026)\n====" in text
    # One figure a line, not run together.
    assert re.search(r"\nReports received: [^\n]+\nNear misses: ", text), text
    assert f"Read it on the web: {base}/bulletins/1" in text
    assert "@@" not in text  # the unsubscribe link was filled in
