"""Password reset by an emailed one-time link: sent through a real SMTP server, expiring, single
use, and the same answer at the same speed whether or not the address has an account."""

from __future__ import annotations

import asyncio
import re
import time
from typing import Any

from flask import Flask
from flask.testing import FlaskClient
from itsdangerous import TimestampSigner, URLSafeTimedSerializer

from learnhub.auth import services
from learnhub.core.extensions import db
from learnhub.core.permissions import Role
from tests.factories import PASSWORD, csrf_token, login, make_user
from tests.integration.auth.helpers import audited, post_form
from tests.smtp import SmtpSink, running_smtp_sink

NEW = "my own new passphrase here"
LINK = re.compile(r"http://[^\s\"<>]+/password-reset/[A-Za-z0-9_.\-]+")


def wait_for_mail(sink: SmtpSink, count: int = 1, seconds: float = 10.0) -> None:
    deadline = time.monotonic() + seconds
    while len(sink.received) < count and time.monotonic() < deadline:
        time.sleep(0.02)


def ask(client: FlaskClient, email: str) -> str:
    response = post_form(client, "/password-reset", email=email)
    assert response.status_code == 200
    return response.get_data(as_text=True)


def emailed_link(sink: SmtpSink) -> str:
    wait_for_mail(sink)
    [received] = sink.received
    text = received.message.get_body(("plain",)).get_content()
    html = received.message.get_body(("html",)).get_content()
    link = LINK.search(text).group(0)
    assert link in html
    return link


def path_of(link: str) -> str:
    return "/" + link.split("/", 3)[3]


def choose(client: FlaskClient, path: str, password: str = NEW, confirmation: str | None = None):  # type: ignore[no-untyped-def]
    return post_form(
        client,
        path,
        new_password=password,
        confirmation=password if confirmation is None else confirmation,
    )


def test_the_emailed_link_sets_a_new_password_once(
    app: Flask, client: FlaskClient, smtp_sink: SmtpSink
) -> None:
    user = make_user(Role.EDITOR)
    elsewhere = app.test_client()
    login(elsewhere, user)
    page = ask(client, user.email)
    assert "Check your email" in page
    link = emailed_link(smtp_sink)
    assert smtp_sink.received[0].recipients == [user.email]
    assert link.startswith(app.config["BASE_URL"])
    assert smtp_sink.received[0].message["Subject"] == "Reset your LearnHub password"

    form = client.get(path_of(link))
    assert form.status_code == 200
    assert "Choose a new password" in form.get_data(as_text=True)
    mismatch = choose(client, path_of(link), NEW, NEW + "!")
    assert "Enter the same password twice" in mismatch.get_data(as_text=True)
    done = choose(client, path_of(link))
    assert done.headers["Location"] == "/login"
    assert login(app.test_client(), user, NEW).status_code == 302
    assert login(app.test_client(), user, PASSWORD).status_code == 200
    assert elsewhere.get("/account").headers["Location"] == "/login"  # signed out everywhere
    # Used once: the same link no longer opens, nor sets a password.
    assert client.get(path_of(link)).status_code == 404
    token = csrf_token(client.get("/password-reset"))
    again = client.post(
        path_of(link),
        data={
            "new_password": "yet another one",
            "confirmation": "yet another one",
            "csrf_token": token,
        },
    )
    assert again.status_code == 404
    assert login(app.test_client(), user, NEW).status_code == 302
    assert audited("request", "password_reset", user)
    assert audited("reset", "password", user)


def test_an_expired_link_does_not_work(app: Flask, client: FlaskClient) -> None:
    user = make_user(Role.EDITOR)

    class TwoHoursAgo(TimestampSigner):
        def get_timestamp(self) -> int:
            return int(time.time()) - 2 * 3600

    signing = URLSafeTimedSerializer(
        app.config["SECRET_KEY"], salt=services.RESET_SALT, signer=TwoHoursAgo
    )
    token = signing.dumps([user.id, services.reset_fingerprint(user)])
    response = client.get(f"/password-reset/{token}")
    assert response.status_code == 404
    assert "This link does not work" in response.get_data(as_text=True)
    fresh = services.reset_token(app.config["SECRET_KEY"], user)
    assert client.get(f"/password-reset/{fresh}").status_code == 200
    assert client.get(f"/password-reset/{fresh[:-2]}xx").status_code == 404  # tampered


def test_no_account_enumeration_the_same_page_and_no_email(
    client: FlaskClient, smtp_sink: SmtpSink
) -> None:
    user = make_user(Role.EDITOR, email="known@example.org")
    known = ask(client, "known@example.org")
    unknown = ask(client, "unknown@example.org")
    strip = re.compile(
        r'name="csrf_token"[^>]*>|known@example\.org|unknown@example\.org|nonce="[^"]*"'
    )
    assert strip.sub("", known) == strip.sub("", unknown)
    wait_for_mail(smtp_sink, 2, seconds=2)
    assert smtp_sink.recipients() == [user.email]


def test_a_disabled_account_gets_no_link(client: FlaskClient, smtp_sink: SmtpSink) -> None:
    user = make_user(Role.EDITOR)
    user.is_enabled = False
    db.session.commit()
    assert "Check your email" in ask(client, user.email)
    wait_for_mail(smtp_sink, 1, seconds=1)
    assert smtp_sink.received == []
    token = services.reset_token("testing-secret-key", user)
    assert client.get(f"/password-reset/{token}").status_code == 404


class SlowSink(SmtpSink):
    """A relay that takes its time accepting a message."""

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:  # noqa: N802
        await asyncio.sleep(1.5)
        return await super().handle_DATA(server, session, envelope)


def test_the_answer_does_not_wait_for_the_relay(app: Flask, client: FlaskClient) -> None:
    """A slow relay would make a known address answer slower than an unknown one: the email
    goes from a thread, so both answer at once."""
    from aiosmtpd.controller import Controller

    from tests.smtp import _free_port

    user = make_user(Role.EDITOR)
    sink = SlowSink(port=_free_port())
    controller = Controller(sink, hostname=sink.host, port=sink.port)
    controller.start()
    saved = {name: app.config[name] for name in sink.settings()}
    app.config.update(sink.settings())
    try:
        timings = {}
        for email in (user.email, "nobody@example.org"):
            page = client.get("/password-reset")
            started = time.monotonic()
            response = client.post(
                "/password-reset", data={"email": email, "csrf_token": csrf_token(page)}
            )
            timings[email] = time.monotonic() - started
            assert response.status_code == 200
        assert timings[user.email] < 1.0, timings
        assert sink.received == []  # still on its way when the page had answered
        wait_for_mail(sink)
        assert sink.recipients() == [user.email]
    finally:
        app.config.update(saved)
        controller.stop()


def test_bad_input_is_named_on_the_field(client: FlaskClient, smtp_sink: SmtpSink) -> None:
    empty = post_form(client, "/password-reset", email="")
    assert "Enter your email address" in empty.get_data(as_text=True)
    shape = post_form(client, "/password-reset", email="not an email")
    body = shape.get_data(as_text=True)
    assert "Enter an email address in the correct format" in body
    assert 'value="not an email"' in body


def test_the_sign_in_page_links_to_the_reset(client: FlaskClient) -> None:
    assert 'href="/password-reset"' in client.get("/login").get_data(as_text=True)


def test_running_smtp_sink_is_the_real_server() -> None:
    with running_smtp_sink() as sink:
        assert sink.port > 0


def test_one_address_gets_at_most_three_emails_an_hour_and_the_page_never_says_so(
    app: Flask, smtp_sink: SmtpSink
) -> None:
    user = make_user(Role.REVIEWER)
    pages = []
    for turn in range(5):
        # Five different clients: the limit follows the address, not only the asker.
        client = app.test_client()
        client.environ_base["REMOTE_ADDR"] = f"198.51.100.{turn + 1}"
        pages.append(ask(client, user.email))
    wait_for_mail(smtp_sink, 5, seconds=2)
    assert len(smtp_sink.received) == 3
    assert all("Check your email" in page for page in pages)


def test_one_client_asking_too_often_is_told_to_wait(app: Flask, client: FlaskClient) -> None:
    statuses = [
        post_form(client, "/password-reset", email=f"nobody{turn}@example.org").status_code
        for turn in range(11)
    ]
    assert statuses[:10] == [200] * 10
    assert statuses[10] == 429
