"""Database leases: one holder at a time, taken over only once expired."""

import datetime as dt
import os
import socket
import subprocess
import sys

import pytest

from learnhub.core.extensions import db
from learnhub.core.locks import LeaseHeld, lease, release, try_acquire


@pytest.mark.usefixtures("app")
def test_a_lease_has_one_holder_until_released() -> None:
    assert try_acquire(db.session, "job:x", "first", dt.timedelta(minutes=5))
    assert not try_acquire(db.session, "job:x", "second", dt.timedelta(minutes=5))
    release(db.session, "job:x", "first")
    assert try_acquire(db.session, "job:x", "second", dt.timedelta(minutes=5))


@pytest.mark.usefixtures("app")
def test_an_expired_lease_can_be_taken_over() -> None:
    assert try_acquire(db.session, "job:y", "crashed", dt.timedelta(seconds=-1))
    assert try_acquire(db.session, "job:y", "next", dt.timedelta(minutes=5))
    assert not try_acquire(db.session, "job:y", "third", dt.timedelta(minutes=5))


@pytest.mark.usefixtures("app")
def test_the_context_manager_refuses_a_held_lease_and_releases_its_own() -> None:
    first = lease(db.session, "job:z", dt.timedelta(minutes=5))
    with first, pytest.raises(LeaseHeld), lease(db.session, "job:z", dt.timedelta(minutes=5)):
        pass
    with lease(db.session, "job:z", dt.timedelta(minutes=5)):
        pass


def dead_pid() -> int:
    """The id of a process that has exited (and been reaped)."""
    child = subprocess.Popen([sys.executable, "-c", "pass"])
    child.wait()
    return child.pid


@pytest.mark.usefixtures("app")
def test_a_lease_held_by_a_dead_process_on_this_machine_is_taken_over() -> None:
    dead = f"{socket.gethostname()}:{dead_pid()}:abcdef12"
    assert try_acquire(db.session, "job:killed", dead, dt.timedelta(hours=1))
    assert try_acquire(db.session, "job:killed", "next", dt.timedelta(minutes=5))


@pytest.mark.usefixtures("app")
def test_a_live_or_remote_holder_keeps_its_lease_until_expiry() -> None:
    alive = f"{socket.gethostname()}:{os.getppid()}:abcdef12"
    assert try_acquire(db.session, "job:alive", alive, dt.timedelta(hours=1))
    assert not try_acquire(db.session, "job:alive", "next", dt.timedelta(minutes=5))
    remote = f"another-host:{dead_pid()}:abcdef12"
    assert try_acquire(db.session, "job:remote", remote, dt.timedelta(hours=1))
    assert not try_acquire(db.session, "job:remote", "next", dt.timedelta(minutes=5))
