"""What the HTTP benchmarks stand up: a throwaway PostgreSQL database and gunicorn servers.

Nothing here is LearnHub-specific except ``learnhub_environment``; the bare comparison app is
served by the same ``gunicorn`` helper with the same worker settings.
"""

from __future__ import annotations

import argparse
import contextlib
import os
import secrets
import socket
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path

from tests import databases

ROOT = Path(__file__).resolve().parent.parent
POSTGRES_SERVER = os.environ.get(
    "LEARNHUB_BENCH_POSTGRES", "postgresql://root@127.0.0.1:5432/postgres"
)
# Production refuses per-process (memory://) rate-limit counts with more than one web worker.
REDIS_URL = os.environ.get("LEARNHUB_BENCH_REDIS", "redis://127.0.0.1:6379/15")


@contextlib.contextmanager
def throwaway_postgres(server: str = POSTGRES_SERVER) -> Iterator[str]:
    """Yield the URL of a new PostgreSQL database; drop it afterwards, whatever happened."""
    with databases.throwaway_postgres(server, prefix="learnhub_bench") as url:
        yield url


def add_database_options(parser: argparse.ArgumentParser) -> None:
    """``--database-url`` (an existing empty database) or ``--postgres [SERVER]``."""
    parser.add_argument("--database-url", default="", help="default: a new SQLite file")
    parser.add_argument(
        "--postgres",
        nargs="?",
        const=POSTGRES_SERVER,
        default="",
        metavar="SERVER",
        help=f"a throwaway database on this PostgreSQL server (default {POSTGRES_SERVER})",
    )


@contextlib.contextmanager
def benchmark_database(options: argparse.Namespace, folder: Path) -> Iterator[str]:
    """The database ``add_database_options`` asked for; a SQLite file in ``folder`` if none."""
    if options.postgres:
        with throwaway_postgres(options.postgres) as url:
            yield url
    else:
        yield options.database_url or f"sqlite:///{folder / 'benchmark.db'}"


def learnhub_environment(database_url: str) -> dict[str, str]:
    """A production-like LearnHub for a benchmark: a fresh secret, the anonymous submission
    limit raised far out of reach (every simulated reporter shares one address), the counts
    shared by every worker in Redis (``LEARNHUB_BENCH_REDIS``), and a session cookie a
    plain-HTTP load generator will send back."""
    return {
        **os.environ,
        "LEARNHUB_ENV": "production",
        "LEARNHUB_SECRET_KEY": secrets.token_hex(32),
        "LEARNHUB_AUDIT_KEY": secrets.token_hex(32),
        # Beside the run's own database files, never in the checkout's instance folder.
        "LEARNHUB_AUDIT_ANCHOR_FILE": str(
            Path(tempfile.mkdtemp(prefix="learnhub-bench-")) / "anchor"
        ),
        "LEARNHUB_DATABASE_URL": database_url,
        "LEARNHUB_SESSION_COOKIE_SECURE": "false",
        "LEARNHUB_BASE_URL": "http://127.0.0.1",
        "LEARNHUB_REPORT_SUBMISSION_LIMIT": "100000000/hour",
        "LEARNHUB_RATE_LIMIT_STORAGE": REDIS_URL,
        "LEARNHUB_LOG_LEVEL": "WARNING",
    }


def run_learnhub_init(environment: dict[str, str]) -> None:
    subprocess.run(
        [sys.executable, "-m", "learnhub", "init"],
        cwd=ROOT,
        env=environment,
        check=True,
        stdout=subprocess.DEVNULL,
    )


def free_port() -> int:
    """A free port: any the system gives, or one in LEARNHUB_BENCH_PORTS ("5100-5199") on a
    machine where each user keeps to a range."""
    low, _, high = os.environ.get("LEARNHUB_BENCH_PORTS", "0-0").partition("-")
    for port in range(int(low), int(high or low) + 1):
        with socket.socket() as probe:
            try:
                probe.bind(("127.0.0.1", port))
            except OSError:
                continue
            return int(probe.getsockname()[1])
    raise RuntimeError(f"no free port in LEARNHUB_BENCH_PORTS={low}-{high}")


def wait_for_port(port: int, process: subprocess.Popen[bytes], timeout: float = 60.0) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"the server exited with {process.returncode} before listening")
        with contextlib.suppress(OSError), socket.create_connection(("127.0.0.1", port), 0.2):
            return
        time.sleep(0.1)
    raise RuntimeError(f"nothing listened on port {port} within {timeout:.0f} s")


@contextlib.contextmanager
def gunicorn(app: str, environment: dict[str, str], *, workers: int, threads: int) -> Iterator[str]:
    """Serve the WSGI ``app`` ("module:variable") with gunicorn's gthread workers; yield its base
    URL. LearnHub's own gunicorn.conf.py is used for LearnHub (its access log leaves out the
    reporting routes); the same worker settings are passed on the command line for any app.
    Other apps get no access log either, so neither side pays for a log line per request."""
    port = free_port()
    command = [
        sys.executable,
        "-m",
        "gunicorn",
        "--bind",
        f"127.0.0.1:{port}",
        "--workers",
        str(workers),
        "--threads",
        str(threads),
        "--worker-class",
        "gthread",
        "--log-level",
        "warning",
    ]
    if app.startswith("wsgi:"):
        command += ["--config", "gunicorn.conf.py"]
    process = subprocess.Popen(  # noqa: S603 - our own interpreter and arguments
        [*command, app], cwd=ROOT, env=environment, stdout=subprocess.DEVNULL
    )
    try:
        wait_for_port(port, process)
        yield f"http://127.0.0.1:{port}"
    finally:
        stop(process)


def stop(process: subprocess.Popen[bytes]) -> None:
    """Ask the server to stop (gunicorn finishes its requests); kill it after 30 s."""
    process.terminate()
    try:
        process.wait(timeout=30)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait()
