"""Periodic jobs: what a job is, running one now under its lease, and the leases themselves.

Each feature declares its jobs (a ``Job`` in its ``jobs.py``) and its "run now" command runs
``run_job`` on that declaration; ``learnhub/scheduler.py`` only collects the features' jobs into
the one list and hands them to APScheduler. A feature never imports the scheduler.

Leases are named rows in the database, so that a job runs in one process at a time however many
processes there are. Works the same on SQLite and PostgreSQL: a row per lease, taken by insert
or by replacing an expired holder in one conditional update. Only this module reads a holder's
name (``host:pid:random``); everyone else takes a lease with ``lease``.
"""

from __future__ import annotations

import datetime as dt
import logging
import os
import socket
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass

import sqlalchemy as sa
from flask import Flask, current_app
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from learnhub.core.extensions import db
from learnhub.core.models import JobLock
from learnhub.core.time import utcnow

log = logging.getLogger(__name__)


# ---- jobs ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class Job:
    name: str  # also the lease's name ("job:<name>") and `learnhub scheduler --run-now NAME`
    run: Callable[[], str]  # does the work and commits; returns a line for the log
    trigger: dict[str, object]  # keyword arguments for a CronTrigger
    lease: dt.timedelta


def run_job(app: Flask, job: Job) -> str | None:
    """Run one job now, under its lease; None if another process holds the lease."""
    with app.app_context():
        try:
            with lease(db.session, f"job:{job.name}", job.lease):
                message = job.run()
        except LeaseHeld:
            log.info("Job %s is running elsewhere; skipped", job.name)
            return None
        finally:
            db.session.remove()
    log.info("Job %s: %s", job.name, message)
    return message


def run_job_now(job: Job) -> str | None:
    """A feature's "run now" command: the job in this app, under the scheduled job's lease."""
    return run_job(current_app._get_current_object(), job)  # type: ignore[attr-defined]


# ---- leases -------------------------------------------------------------------------------


def holder_name() -> str:
    return f"{socket.gethostname()}:{os.getpid()}:{uuid.uuid4().hex[:8]}"


def holder_is_dead(holder: str) -> bool:
    """True only when the holder ran on this machine and its process has gone (killed, or
    crashed without releasing). A holder on another machine, or a live process, may be working:
    only its lease's expiry frees it. (A reused process id reads as alive: the safe side.)"""
    parts = holder.rsplit(":", 2)  # holder_name(): host:pid:random
    if len(parts) != 3 or parts[0] != socket.gethostname() or not parts[1].isdigit():
        return False
    pid = int(parts[1])
    if pid == os.getpid():
        return False
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return True
    except PermissionError:  # someone else's live process
        return False
    return False


def try_acquire(session: Session, name: str, holder: str, ttl: dt.timedelta) -> bool:
    """Take the lease if it is free, expired, or held by a dead process on this machine;
    commits, so other processes see it at once."""
    now = utcnow()
    try:
        session.add(JobLock(name=name, holder=holder, acquired_at=now, expires_at=now + ttl))
        session.commit()
        return True
    except IntegrityError:
        session.rollback()
    current = session.scalar(sa.select(JobLock.holder).where(JobLock.name == name))
    stale = JobLock.expires_at < now
    if current is not None and holder_is_dead(current):
        stale = sa.or_(stale, JobLock.holder == current)
    taken = session.execute(
        sa.update(JobLock)
        .where(JobLock.name == name, stale)
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
