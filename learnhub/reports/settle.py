"""Settling: the nightly rewrite after which nothing in the database orders a day's anonymous rows.

A report promises "received on a day, nothing finer". Its columns keep that promise and its id is
random (learnhub.core.database.random_id), but the database keeps orders of its own: PostgreSQL
stamps every row version with the id of the transaction that wrote it (``xmin``, a counter shared
with the staff actions in ``audit_events``) and stores versions in the order they were written
(``ctid``); SQLite stores rows in rowid order. Once a day has ended, every anonymous row of it is
rewritten here, in one transaction and in an order drawn from ``secrets``: afterwards the day's
rows share one ``xmin``, newer than every staff row of their day, and lie in a random order.

What is outside the database's rows (WAL, backups, dead row versions until VACUUM, the server's
own logs) is the operator's: docs/anonymity-at-rest.md.
"""

from __future__ import annotations

import datetime as dt
import secrets
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import Session

from learnhub.reports.models import (
    Report,
    ReporterMessage,
    ReportIdempotencyKey,
    SpentSubmission,
)
from learnhub.taxonomy.models import ReportFactor

# Full rewrites of the reports at most, on PostgreSQL: see _rewrite_in_place.
MAX_PASSES = 6


@dataclass(frozen=True)
class AnonymousRows:
    """A table whose rows a reporter's request writes, and which of its unsettled rows are due.

    ``due(today)``: the rows whose day has ended. ``referenced``: other tables' foreign keys point
    at these rows, so they are rewritten in place; the others are deleted and added again.
    Every such table has a ``settled`` column (learnhub.core.database.settled_column).
    """

    model: Any
    due: Callable[[dt.date], sa.ColumnElement[bool]]
    referenced: bool = False

    @property
    def table(self) -> sa.Table:
        return self.model.__table__  # type: ignore[no-any-return]


def _factor_due(today: dt.date) -> sa.ColumnElement[bool]:
    return sa.exists().where(Report.id == ReportFactor.report_id, Report.received_on < today)


# Every anonymous row the settling rewrites. A new table a reporter's request writes to is one
# line here, with a settled column and a day to go by.
ANONYMOUS_ROWS: tuple[AnonymousRows, ...] = (
    AnonymousRows(Report, lambda today: Report.received_on < today, referenced=True),
    AnonymousRows(ReportFactor, _factor_due),
    AnonymousRows(ReporterMessage, lambda today: ReporterMessage.sent_on < today),
    AnonymousRows(SpentSubmission, lambda today: SpentSubmission.spent_on < today),
    AnonymousRows(ReportIdempotencyKey, lambda today: ReportIdempotencyKey.used_on < today),
)


@dataclass
class SettleResult:
    rows: dict[str, int] = field(default_factory=dict)
    passes: int = 0  # full rewrites of the reports
    left_on_their_page: int = 0  # reports PostgreSQL kept on their page through every pass

    def summary(self) -> str:
        counts = ", ".join(f"{count} {table}" for table, count in self.rows.items())
        text = f"settled {counts}"
        if self.passes > 1:
            text += f" ({self.passes} passes over the reports)"
        if self.left_on_their_page:
            text += f"; {self.left_on_their_page} reports stayed on their page"
        return text


def _random_order(rows: list[dict[str, Any]]) -> list[dict[str, Any]]:
    shuffled = list(rows)
    secrets.SystemRandom().shuffle(shuffled)
    return shuffled


def settle(session: Session, today: dt.date) -> SettleResult:
    """Rewrite every unsettled anonymous row of a day before ``today``; flushes, never commits:
    the caller commits once, so that every row gets the same transaction id."""
    session.flush()
    connection = session.connection()
    result = SettleResult()
    for rows in ANONYMOUS_ROWS:
        table = rows.table
        due = sa.and_(table.c.settled.is_(False), rows.due(today))
        if rows.referenced:
            count = _rewrite_in_place(connection, table, due, result)
        else:
            count = _move(connection, table, due)
        result.rows[table.name] = count
    # The ORM's copies of these rows are stale now.
    session.expire_all()
    return result


def _move(connection: sa.Connection, table: sa.Table, due: sa.ColumnElement[bool]) -> int:
    """Delete the due rows and add them again in a random order: new versions, new places (and
    on SQLite, for a table whose key is not its rowid, new rowids in that order)."""
    rows = connection.execute(sa.delete(table).where(due).returning(*table.c)).mappings().all()
    if rows:
        connection.execute(
            sa.insert(table), _random_order([{**row, "settled": True} for row in rows])
        )
    return len(rows)


def _rewrite_in_place(
    connection: sa.Connection, table: sa.Table, due: sa.ColumnElement[bool], result: SettleResult
) -> int:
    """Update the due rows in a random order, every column from its value, so PostgreSQL writes
    each long text afresh too (a TOASTed value left alone would keep its place and its xmin).

    PostgreSQL keeps an updated row on its own page when the page has room, whatever changed,
    and a row left on the page it was filed to would still be ordered by that page. So on
    PostgreSQL every row is rewritten again, in a new random order, until none is left on a page
    it had before the settling began (usually two passes). Each row's final place then comes from
    one random order, with nothing of the order the rows were filed in."""
    pk = table.c.id
    rows = connection.execute(sa.select(*table.c).where(due)).mappings().all()
    if not rows:
        return 0
    columns = [c.name for c in table.c if c is not pk]
    statement = (
        sa.update(table)
        .where(pk == sa.bindparam("row_id"))
        .values({name: sa.bindparam(f"new_{name}") for name in columns})
    )
    values = [
        {"row_id": row["id"], **{f"new_{name}": row[name] for name in columns}, "new_settled": True}
        for row in rows
    ]
    postgres = connection.dialect.name == "postgresql"
    ids = [row["id"] for row in rows]
    original = _pages(connection, table, ids) if postgres else {}
    for _ in range(MAX_PASSES):
        connection.execute(statement, _random_order(values))
        result.passes += 1
        if not postgres:
            break
        now = _pages(connection, table, ids)
        result.left_on_their_page = sum(now[i] == original[i] for i in ids)
        if not result.left_on_their_page:
            break
    return len(rows)


def _pages(connection: sa.Connection, table: sa.Table, ids: Sequence[int]) -> dict[int, int]:
    """The heap page each row's current version lies on (PostgreSQL)."""
    page = sa.text("(ctid::text::point)[0]::bigint")
    query = sa.select(table.c.id, page).where(table.c.id.in_(ids))
    return {row_id: int(number) for row_id, number in connection.execute(query)}
