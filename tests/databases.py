"""Throwaway databases for a test run: a SQLite file, or a fresh PostgreSQL database.

Set LEARNHUB_TEST_POSTGRES to a PostgreSQL server URL (for example
postgresql://root@127.0.0.1:5432/test) to run the suite on PostgreSQL: each database made
here is new, named at random, and dropped afterwards; the named database is only used to
connect, never trusted to be empty.
"""

from __future__ import annotations

import os
import secrets
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import sqlalchemy as sa
from sqlalchemy.engine import make_url

POSTGRES_ENV = "LEARNHUB_TEST_POSTGRES"


def postgres_server_url() -> str | None:
    return os.environ.get(POSTGRES_ENV) or None


def using_postgres() -> bool:
    return postgres_server_url() is not None


@contextmanager
def throwaway_database(directory: Path) -> Iterator[str]:
    """Yield the URL of a new, empty database and remove it afterwards."""
    server = postgres_server_url()
    if server is None:
        path = directory / f"learnhub-{secrets.token_hex(4)}.db"
        yield f"sqlite:///{path}"
        for suffix in ("", "-wal", "-shm"):
            Path(f"{path}{suffix}").unlink(missing_ok=True)
        return
    with throwaway_postgres(server) as url:
        yield url


@contextmanager
def throwaway_postgres(server: str, prefix: str = "learnhub_test") -> Iterator[str]:
    """A new database on the PostgreSQL ``server`` (any database URL on it), dropped after.
    The benchmarks use it too."""
    name = f"{prefix}_{os.getpid()}_{secrets.token_hex(4)}"
    admin_url = make_url(server).set(drivername="postgresql+psycopg")
    admin = sa.create_engine(admin_url, isolation_level="AUTOCOMMIT")
    with admin.connect() as connection:
        connection.exec_driver_sql(f'CREATE DATABASE "{name}"')
    try:
        yield admin_url.set(database=name).render_as_string(hide_password=False)
    finally:
        with admin.connect() as connection:
            connection.exec_driver_sql(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        admin.dispose()
