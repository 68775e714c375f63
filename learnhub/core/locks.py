"""Named leases in the database, so that a job runs in one process at a time however many
processes there are. Works the same on SQLite and PostgreSQL: a row per lease, taken by insert
or by replacing an expired holder in one conditional update."""

from __future__ import annotations

import datetime as dt
import os
import socket
import uuid
from collections.abc import Iterator
from contextlib import contextmanager

import sqlalchemy as sa
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from learnhub.core.models import JobLock
from learnhub.core.time import utcnow


def holder_name() -> str:
    return f"{socket.gethostname()}:{os.getpid()}:{uuid.uuid4().hex[:8]}"


def try_acquire(session: Session, name: str, holder: str, ttl: dt.timedelta) -> bool:
    """Take the lease if it is free or expired; commits, so other processes see it at once."""
    now = utcnow()
    try:
        session.add(JobLock(name=name, holder=holder, acquired_at=now, expires_at=now + ttl))
        session.commit()
        return True
    except IntegrityError:
        session.rollback()
    taken = session.execute(
        sa.update(JobLock)
        .where(JobLock.name == name, JobLock.expires_at < now)
        .values(holder=holder, acquired_at=now, expires_at=now + ttl)
    )
    session.commit()
    return taken.rowcount == 1


def release(session: Session, name: str, holder: str) -> None:
    session.execute(sa.delete(JobLock).where(JobLock.name == name, JobLock.holder == holder))
    session.commit()


class LeaseHeld(Exception):
    """Another process is running this job."""


@contextmanager
def lease(session: Session, name: str, ttl: dt.timedelta) -> Iterator[str]:
    holder = holder_name()
    if not try_acquire(session, name, holder, ttl):
        raise LeaseHeld(name)
    try:
        yield holder
    finally:
        session.rollback()
        release(session, name, holder)
