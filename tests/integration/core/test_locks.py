"""Database leases: one holder at a time, taken over only once expired."""

import datetime as dt

import pytest

from learnhub.core.locks import LeaseHeld, lease, release, try_acquire
from learnhub.extensions import db


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
