"""Send one published issue to 10,000 subscribers through a local SMTP sink and print the rate.

The sink is a real SMTP server (aiosmtpd) in its own process, as a mail relay would be, so its
CPU is not the sender's; it counts what it accepted, and the figure is only reported if that
count matches the rows marked ``sent``. The sender is the same path as `learnhub bulletins send`.
Target: over 200 messages per second.

    python3 -m benchmarks.bulletins [--subscribers 10000] [--connections N] [--batch-size N]
        [--database-url URL | --postgres [SERVER]]
"""

from __future__ import annotations

import argparse
import os
import socket
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import sqlalchemy as sa

from benchmarks.results import Row, emit
from benchmarks.servers import add_database_options, benchmark_database, free_port

TARGET = 200  # messages per second, from the issue


class CountingSink:
    """aiosmtpd handler (``-c benchmarks.bulletins.CountingSink FILE``): accepts and discards
    every message, keeping the running count in FILE so the benchmark can check it."""

    def __init__(self, path: str) -> None:
        self.count = 0
        self.fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)

    @classmethod
    def from_cli(cls, parser: argparse.ArgumentParser, *args: str) -> CountingSink:
        if len(args) != 1:
            parser.error("CountingSink takes one argument: the file for its count")
        return cls(args[0])

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:  # noqa: N802
        self.count += len(envelope.rcpt_tos)
        os.pwrite(self.fd, f"{self.count:>12}".encode(), 0)
        return "250 Message accepted"


def wait_for(port: int, seconds: float = 30) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=1):
                return
        except OSError:
            time.sleep(0.1)
    raise SystemExit("the SMTP sink did not start")


def cpu_seconds(pid: int) -> float:
    """User plus system CPU time of another process, from /proc."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


@contextmanager
def smtp_sink(folder: Path) -> Iterator[tuple[int, subprocess.Popen[bytes], Path]]:
    port, count_file = free_port(), folder / "sink-count"
    sink = subprocess.Popen(  # noqa: S603 - aiosmtpd's own command line, fixed arguments
        [sys.executable, "-m", "aiosmtpd", "-n", "-l", f"127.0.0.1:{port}", "-c",
         "benchmarks.bulletins.CountingSink", str(count_file)],
        cwd=Path(__file__).resolve().parent.parent,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )  # fmt: skip
    try:
        wait_for(port)
        yield port, sink, count_file
    finally:
        sink.terminate()
        sink.wait(timeout=10)


def publish_issue(subscribers: int) -> Any:
    from learnhub.auth import services as accounts
    from learnhub.bulletins import services
    from learnhub.bulletins.models import Subscriber, SubscriberSource, SubscriberStatus
    from learnhub.core.extensions import db
    from learnhub.core.permissions import Role
    from learnhub.core.time import utcnow

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
            for i in range(subscribers)
        ],
    )
    bulletin = services.assemble_draft(db.session, now.date().replace(day=1))
    services.update_draft(bulletin, "Benchmark issue", "A **lead** piece.\n\n" * 20)
    services.submit(bulletin, first)
    services.approve(bulletin, second)
    services.publish(db.session, bulletin, second)
    db.session.commit()
    return bulletin


def main(argv: Sequence[str] | None = None) -> list[Row]:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--subscribers", type=int, default=10_000)
    add_database_options(parser)
    parser.add_argument("--connections", type=int, default=0, help="default: the sender's own")
    parser.add_argument("--batch-size", type=int, default=0, help="default: the sender's own")
    args = parser.parse_args(argv)

    from learnhub import create_app
    from learnhub.bulletins import emails
    from learnhub.core.extensions import db
    from learnhub.setup import initialise

    connections = args.connections or emails.CONNECTIONS
    batch_size = args.batch_size or emails.BATCH_SIZE
    with (
        tempfile.TemporaryDirectory() as folder,
        smtp_sink(Path(folder)) as (port, sink, count_file),
        benchmark_database(args, Path(folder)) as url,
    ):
        app = create_app(
            {
                "ENV": "development",
                "DATABASE_URL": url,
                "SMTP_HOST": "127.0.0.1",
                "SMTP_PORT": port,
                "SMTP_STARTTLS": False,
            }
        )
        with app.app_context():
            initialise()
            bulletin = publish_issue(args.subscribers)
            commits = []
            sa.event.listen(db.engine, "commit", lambda _connection: commits.append(1))
            sink_cpu, cpu, started = cpu_seconds(sink.pid), time.process_time(), time.perf_counter()
            result = emails.send_issue(
                db.session, bulletin, app.config, batch_size=batch_size, connections=connections
            )
            elapsed = time.perf_counter() - started
            cpu, sink_cpu = time.process_time() - cpu, cpu_seconds(sink.pid) - sink_cpu
            commit_count = len(commits)
            again = time.perf_counter()
            repeat = emails.send_issue(db.session, bulletin, app.config)
            repeat_elapsed = time.perf_counter() - again
            db.session.remove()
            db.engine.dispose()
        received = int(count_file.read_text() or 0)
    if received != result.sent or result.sent != args.subscribers:
        raise SystemExit(f"the sink accepted {received:,}, the sender recorded {result.sent:,}")
    backend = url.split(":", 1)[0].split("+", 1)[0]
    rate = result.sent / elapsed
    print(
        f"database: {backend}; subscribers: {args.subscribers:,}; connections: {connections}; "
        f"batch size: {batch_size}; load average: {' '.join(f'{n:.2f}' for n in os.getloadavg())}"
    )
    print(f"sent {result.sent:,} in {elapsed:.1f} s: {rate:,.0f} messages/s")
    print(
        f"sender CPU {cpu / result.sent * 1000:.2f} ms a message; sink CPU "
        f"{sink_cpu / result.sent * 1000:.2f} ms a message; {commit_count:,} commits"
    )
    print(f"sending again: {repeat.sent} sent in {repeat_elapsed:.2f} s")
    return [
        Row(f"send rate ({backend})", round(rate), "messages/s", f"> {TARGET} messages/s",
            rate > TARGET),
        Row("sender CPU per message", round(cpu / result.sent * 1000, 2), "ms"),
        Row("sink CPU per message (its own process)", round(sink_cpu / result.sent * 1000, 2),
            "ms"),
        Row("database commits per 100 messages", round(commit_count / result.sent * 100, 1)),
        Row("sending again", round(repeat_elapsed, 2), "s", "0 sent", repeat.sent == 0),
    ]  # fmt: skip


if __name__ == "__main__":
    sys.exit(emit(main(sys.argv[1:])))
