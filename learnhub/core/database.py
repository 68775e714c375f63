"""The declarative base, constraint naming and column types shared by every feature's models."""

from __future__ import annotations

import datetime as dt
import enum
import secrets
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column, registry

# Stable constraint names make Alembic migrations identical on SQLite and PostgreSQL.
NAMING_CONVENTION = {
    "ix": "ix_%(table_name)s_%(column_0_N_name)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


class UTCDateTime(sa.types.TypeDecorator[dt.datetime]):
    """A timestamp that is always timezone-aware UTC in Python, whatever the database keeps."""

    impl = sa.DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: dt.datetime | None, dialect: sa.Dialect) -> Any:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetimes are ambiguous; pass an aware UTC datetime")
        value = value.astimezone(dt.UTC)
        # SQLite has no time zones: store naive UTC there.
        return value.replace(tzinfo=None) if dialect.name == "sqlite" else value

    def process_result_value(self, value: dt.datetime | None, dialect: sa.Dialect) -> Any:
        if value is None:
            return None
        if value.tzinfo is None:
            return value.replace(tzinfo=dt.UTC)
        return value.astimezone(dt.UTC)


class Base(DeclarativeBase):
    registry = registry(
        metadata=sa.MetaData(naming_convention=NAMING_CONVENTION),
        type_annotation_map={dt.datetime: UTCDateTime()},
    )


# The id type of rows a reporter creates, and of the columns that point at them: 64-bit on
# PostgreSQL; on SQLite plain INTEGER, which is 64-bit there too and, as a primary key, the rowid
# itself (a BIGINT primary key would get a second, sequential rowid beside it).
RowId = sa.BigInteger().with_variant(sa.Integer(), "sqlite")

# Below 2**53, so an id survives a trip through JSON and JavaScript unchanged.
RANDOM_ID_LIMIT = 2**53


def random_id() -> int:
    """A fresh id for a row a reporter creates: random, so neither the id nor (on SQLite, where it
    is the rowid) the table's order says when or in what order such rows arrived. A clash is
    about one in 10**9 even at twenty million rows; the insert's unique key catches it."""
    return secrets.randbelow(RANDOM_ID_LIMIT - 1) + 1


def unsettled_index(table: str, column: str) -> sa.Index:
    """The rows the nightly settling has still to rewrite (learnhub/reports/settle.py): only
    those, so the index stays a day's size however large the table grows."""
    condition = sa.text("NOT settled")
    return sa.Index(
        f"ix_{table}_unsettled", column, postgresql_where=condition, sqlite_where=condition
    )


def settled_column() -> Mapped[bool]:
    """False until the nightly settling has rewritten the row among the rest of its day."""
    return mapped_column(default=False, server_default=sa.false())


def enum_type(enum_cls: type[enum.Enum], name: str) -> sa.Enum:
    """A portable enum column: VARCHAR plus a CHECK constraint, storing the members' values."""
    return sa.Enum(
        enum_cls,
        name=name,
        native_enum=False,
        create_constraint=True,
        length=max(len(str(member.value)) for member in enum_cls),
        values_callable=lambda cls: [str(member.value) for member in cls],
        validate_strings=True,
    )


def configure_sqlite(engine: sa.Engine, *, begin_immediate: bool = True) -> None:
    """Make SQLite behave like the PostgreSQL we run in production, as far as it can.

    Foreign keys are off in SQLite unless asked for; WAL lets readers carry on while a report is
    written; and issuing BEGIN ourselves gives real transactions and working SAVEPOINTs, which
    Python's sqlite3 module otherwise half-manages.
    """
    if engine.dialect.name != "sqlite":
        return

    @sa.event.listens_for(engine, "connect")
    def on_connect(dbapi_connection: Any, _record: Any) -> None:
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute("PRAGMA busy_timeout=10000")
        if engine.url.database not in (None, "", ":memory:"):
            cursor.execute("PRAGMA journal_mode=WAL")
        cursor.close()

    @sa.event.listens_for(engine, "begin")
    def on_begin(connection: sa.Connection) -> None:
        # IMMEDIATE takes the write lock up front: a transaction that read first and then
        # writes would otherwise fail at once with "database is locked" under concurrency,
        # instead of waiting its turn. SQLite is the laptop demo; production is PostgreSQL.
        connection.exec_driver_sql("BEGIN IMMEDIATE" if begin_immediate else "BEGIN")
