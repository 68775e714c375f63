"""A real SMTP server in the test process (aiosmtpd), keeping what it receives."""

from __future__ import annotations

import email
import email.policy
import socket
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from email.message import EmailMessage
from typing import Any

from aiosmtpd.controller import Controller


@dataclass
class Received:
    sender: str
    recipients: list[str]
    message: EmailMessage


@dataclass
class SmtpSink:
    """Messages the server accepted, and addresses it refuses with a permanent 550. Set
    ``refuse_connection`` (an answer such as "554 5.7.1 Relay access denied") to refuse every
    session at EHLO/HELO, or ``refuse_mail_from`` to refuse every MAIL FROM: a mis-set relay."""

    host: str = "127.0.0.1"
    port: int = 0
    refuse: set[str] = field(default_factory=set)
    refuse_connection: str | None = None
    refuse_mail_from: str | None = None
    received: list[Received] = field(default_factory=list)
    sessions: int = 0
    _lock: threading.Lock = field(default_factory=threading.Lock)

    async def handle_EHLO(  # noqa: N802 (aiosmtpd's hook names)
        self, server: Any, session: Any, envelope: Any, hostname: str, responses: list[str]
    ) -> list[str]:
        with self._lock:
            self.sessions += 1
        if self.refuse_connection:
            return [self.refuse_connection]
        session.host_name = hostname
        return responses

    async def handle_HELO(  # noqa: N802
        self, server: Any, session: Any, envelope: Any, hostname: str
    ) -> str:
        if self.refuse_connection:
            return self.refuse_connection
        session.host_name = hostname
        return f"250 {server.hostname}"

    async def handle_MAIL(  # noqa: N802
        self, server: Any, session: Any, envelope: Any, address: str, options: list[str]
    ) -> str:
        if self.refuse_mail_from:
            return self.refuse_mail_from
        envelope.mail_from = address
        envelope.mail_options.extend(options)
        return "250 OK"

    async def handle_RCPT(  # noqa: N802
        self, server: Any, session: Any, envelope: Any, address: str, options: list[str]
    ) -> str:
        if address.lower() in self.refuse:
            return "550 5.1.1 No such mailbox here"
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:  # noqa: N802
        message = email.message_from_bytes(envelope.content, policy=email.policy.default)
        with self._lock:
            self.received.append(
                Received(envelope.mail_from, list(envelope.rcpt_tos), message)  # type: ignore[arg-type]
            )
        return "250 Message accepted"

    def recipients(self) -> list[str]:
        with self._lock:
            return [address for item in self.received for address in item.recipients]

    def settings(self) -> dict[str, Any]:
        """App settings that point LearnHub's mail at this server."""
        return {"SMTP_HOST": self.host, "SMTP_PORT": self.port, "SMTP_STARTTLS": False}


@contextmanager
def running_smtp_sink() -> Iterator[SmtpSink]:
    sink = SmtpSink(port=_free_port())
    controller = Controller(sink, hostname=sink.host, port=sink.port)
    controller.start()
    try:
        yield sink
    finally:
        controller.stop()


def _free_port() -> int:
    # aiosmtpd checks its server by connecting to the configured port, so port 0 will not do.
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])
