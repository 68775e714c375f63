"""A `learnhub bulletins send` process killed with SIGKILL in the middle of a batch, then run
again: no one gets the issue twice, and the messages of the batch on the wire when it died are
neither resent blindly nor lost: they are shown to the editor, who sends them again."""

from __future__ import annotations

import asyncio
import os
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path
from typing import Any

import sqlalchemy as sa
from aiosmtpd.controller import Controller

from learnhub import create_app
from learnhub.bulletins import emails
from learnhub.bulletins.models import Bulletin, Delivery, DeliveryStatus, Subscriber
from learnhub.core.extensions import db
from learnhub.setup import initialise
from tests.conftest import app_settings
from tests.integration.bulletins.helpers import published_issue, subscribers
from tests.smtp import SmtpSink, _free_port

ROOT = Path(__file__).resolve().parents[3]
HOLD_AT = 13  # the server holds this message (1-based) until the sender has been killed


class HoldingSink(SmtpSink):
    def __init__(self, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.holding = threading.Event()
        self.release = threading.Event()
        self.held: list[str] = []

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:  # noqa: N802
        # From message HOLD_AT on, every message the sender has out is held (one per connection).
        held = self.holding.is_set() or len(self.received) + 1 == HOLD_AT
        if held and not self.release.is_set():
            self.held.append(envelope.rcpt_tos[0])
            self.holding.set()
            await asyncio.get_running_loop().run_in_executor(None, self.release.wait, 60)
        return await super().handle_DATA(server, session, envelope)


def command(*args: str) -> list[str]:
    return [sys.executable, "-m", "learnhub", *args]


def learnhub(env: dict[str, str], *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(  # noqa: S603 - our own command, fixed arguments
        command(*args), cwd=ROOT, env=env, capture_output=True, text=True, timeout=180, check=False
    )


def test_a_killed_send_resumes_with_no_one_twice(fresh_database: str) -> None:
    app = create_app(app_settings(fresh_database))
    with app.app_context():
        initialise()
        bulletin = published_issue()
        people = [p.email for p in subscribers(30)]
        number, bulletin_id = bulletin.number, bulletin.id
        db.session.remove()

    sink = HoldingSink(port=_free_port())
    controller = Controller(sink, hostname=sink.host, port=sink.port)
    controller.start()
    env = {
        **os.environ,
        "LEARNHUB_ENV": "testing",
        "LEARNHUB_DATABASE_URL": fresh_database,
        "LEARNHUB_SMTP_HOST": sink.host,
        "LEARNHUB_SMTP_PORT": str(sink.port),
        "LEARNHUB_SMTP_STARTTLS": "false",
    }
    try:
        first = subprocess.Popen(  # noqa: S603 - our own command, fixed arguments
            command("bulletins", "send", str(number)),
            cwd=ROOT,
            env=env,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        assert sink.holding.wait(90)
        time.sleep(1)  # let the other connections reach their own next message
        first.send_signal(signal.SIGKILL)  # mid-send: messages are on the wire
        first.wait(timeout=30)
        sink.release.set()
        time.sleep(0.5)
        # The server dropped each message whose sender vanished before the end of the exchange.
        assert len(sink.received) == HOLD_AT - 1
        assert 1 <= len(sink.held) <= emails.CONNECTIONS

        second = learnhub(env, "bulletins", "send", "--latest")
        assert second.returncode == 0, second.stderr
        with app.app_context():
            uncertain = uncertain_rows(bulletin_id)
            db.session.remove()
        # Uncertain: the messages on the wire, and the rest of their batch, whose Message-IDs
        # were committed with the claim. Not what the server accepted while the sender lived:
        # those outcomes were committed while the server stalled.
        assert set(sink.held) <= set(uncertain)
        assert not set(uncertain) & set(sink.recipients())
        assert len(uncertain) <= emails.BATCH_SIZE + emails.CONNECTIONS
        assert f"{len(uncertain)} uncertain" in second.stdout, second.stdout
        listing = learnhub(env, "bulletins", "list").stdout
        assert f"{30 - len(uncertain)} sent" in listing, listing
        assert f"{len(uncertain)} failed_temporary" in listing, listing

        received = sink.recipients()
        assert len(received) == len(set(received)), "someone got the issue twice"
        assert sorted(received) == sorted(set(people) - set(uncertain))

        with app.app_context():
            bulletin = db.session.get(Bulletin, bulletin_id)
            # The editor looks the Message-IDs up in the mail server's log, sees that none of
            # these arrived, and sends them again.
            assert emails.resend_uncertain(db.session, bulletin) == len(uncertain)
            db.session.commit()
            db.session.remove()
        third = learnhub(env, "bulletins", "send", str(number))
        assert third.returncode == 0, third.stderr
    finally:
        sink.release.set()
        controller.stop()

    received = sink.recipients()
    assert len(received) == len(set(received)), "someone got the issue twice"
    assert sorted(received) == sorted(people), "someone was missed"
    with app.app_context():
        assert uncertain_rows(bulletin_id) == []
        db.session.remove()
        db.engine.dispose()


def uncertain_rows(bulletin_id: int) -> list[str]:
    rows = db.session.execute(
        sa.select(Subscriber.email, Delivery.status)
        .join(Subscriber, Subscriber.id == Delivery.subscriber_id)
        .where(Delivery.bulletin_id == bulletin_id)
    ).all()
    return [email for email, status in rows if status != DeliveryStatus.SENT]
