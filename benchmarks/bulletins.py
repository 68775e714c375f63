"""Send one published issue to 10,000 subscribers through a local SMTP sink and print the rate.

The sink is aiosmtpd's discarding handler in its own process (as a mail relay would be); the
sender is the same path as `learnhub bulletins send`: delivery rows made up front, batches
claimed and committed, each message's Message-ID committed before it is handed over and its
``sent`` committed right after. Target: over 200 messages per second.

    python3 -m benchmarks.bulletins [--subscribers 10000] [--database-url URL]
"""

from __future__ import annotations

import argparse
import socket
import subprocess
import sys
import tempfile
import time
from collections.abc import Sequence
from pathlib import Path

import sqlalchemy as sa


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def wait_for(port: int, seconds: float = 30) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=1):
                return
        except OSError:
            time.sleep(0.1)
    raise SystemExit("the SMTP sink did not start")


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--subscribers", type=int, default=10_000)
    parser.add_argument("--database-url", default="", help="default: a new SQLite file")
    parser.add_argument("--connections", type=int, default=0, help="default: the sender's own")
    args = parser.parse_args(argv)

    from learnhub import create_app
    from learnhub.auth import services as accounts
    from learnhub.bulletins import emails, services
    from learnhub.bulletins.models import Subscriber, SubscriberSource, SubscriberStatus
    from learnhub.core.permissions import Role
    from learnhub.core.time import utcnow
    from learnhub.extensions import db
    from learnhub.setup import initialise

    port = free_port()
    sink = subprocess.Popen(  # noqa: S603 - aiosmtpd's own command line, fixed arguments
        [sys.executable, "-m", "aiosmtpd", "-n", "-l", f"127.0.0.1:{port}", "-c",
         "aiosmtpd.handlers.Sink"],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )  # fmt: skip
    with tempfile.TemporaryDirectory() as folder:
        url = args.database_url or f"sqlite:///{Path(folder) / 'bench.db'}"
        app = create_app(
            {
                "ENV": "development",
                "DATABASE_URL": url,
                "SMTP_HOST": "127.0.0.1",
                "SMTP_PORT": port,
                "SMTP_STARTTLS": False,
            }
        )
        try:
            wait_for(port)
            with app.app_context():
                initialise()
                first = accounts.create_user(db.session, "e1@example.org", Role.EDITOR, "x" * 12)
                second = accounts.create_user(db.session, "e2@example.org", Role.EDITOR, "x" * 12)
                now = utcnow()
                db.session.execute(
                    sa.insert(Subscriber),
                    [
                        {
                            "email": f"reader{i}@example.org",
                            "status": SubscriberStatus.CONFIRMED,
                            "source": SubscriberSource.IMPORT,
                            "confirmed_at": now,
                            "created_at": now,
                        }
                        for i in range(args.subscribers)
                    ],
                )
                bulletin = services.assemble_draft(db.session, now.date().replace(day=1))
                services.update_draft(bulletin, "Benchmark issue", "A **lead** piece.\n\n" * 20)
                services.submit(bulletin, first)
                services.approve(bulletin, second)
                services.publish(db.session, bulletin, second)
                db.session.commit()

                started = time.perf_counter()
                connections = args.connections or emails.CONNECTIONS
                result = emails.send_issue(
                    db.session, bulletin, app.config, connections=connections
                )
                elapsed = time.perf_counter() - started
                again = time.perf_counter()
                repeat = emails.send_issue(db.session, bulletin, app.config)
                repeat_elapsed = time.perf_counter() - again
                db.session.remove()
                db.engine.dispose()
        finally:
            sink.terminate()
            sink.wait(timeout=10)
    backend = url.split(":", 1)[0]
    print(f"database: {backend}; subscribers: {args.subscribers:,}; connections: {connections}")
    print(f"sent {result.sent:,} in {elapsed:.1f} s: {result.sent / elapsed:,.0f} messages/s")
    print(f"sending again: {repeat.sent} sent in {repeat_elapsed:.2f} s")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
