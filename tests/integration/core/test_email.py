"""The shared email sender against a real SMTP server."""

from __future__ import annotations

from flask import Flask

from learnhub.core.email import SmtpSettings, build_message, send_email, smtp_connection
from tests.smtp import SmtpSink


def test_send_email_delivers_both_parts_and_headers(app: Flask, smtp_sink: SmtpSink) -> None:
    message_id = send_email(
        app.config,
        "panel@example.org",
        "Your weekly actions",
        "Plain words",
        "<p>Plain <strong>words</strong></p>",
        headers={"List-Id": "LearnHub <bulletin.learnhub>"},
    )

    [received] = smtp_sink.received
    assert received.recipients == ["panel@example.org"]
    assert received.message["Subject"] == "Your weekly actions"
    assert received.message["Message-ID"] == message_id
    assert received.message["List-Id"] == "LearnHub <bulletin.learnhub>"
    text = received.message.get_body(("plain",)).get_content()
    html = received.message.get_body(("html",)).get_content()
    assert text.strip() == "Plain words"
    assert "<strong>words</strong>" in html


def test_one_connection_carries_a_batch(app: Flask, smtp_sink: SmtpSink) -> None:
    settings = SmtpSettings.from_config(app.config)
    with smtp_connection(settings) as connection:
        for number in range(3):
            connection.send_message(
                build_message(settings, f"person{number}@example.org", "Hello", "Text")
            )

    assert smtp_sink.sessions == 1
    assert sorted(smtp_sink.recipients()) == [f"person{n}@example.org" for n in range(3)]
